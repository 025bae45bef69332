package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Purchase refusals.
var (
	ErrPaymentsMismatch = NewError(KindInvalid, "payments-mismatch", "err.purchase_payments_mismatch")
	ErrPointsCap        = NewError(KindInvalid, "points-cap-exceeded", "err.purchase_points_cap")
	ErrPointsStep       = NewError(KindInvalid, "points-not-whole-fen", "err.purchase_points_step")
	ErrPurchaseNotFound = NewError(KindNotFound, "unknown-purchase", "err.purchase_unknown")
)

// MaxAmount bounds any single amount (¥100,000,000.00) so sums never overflow.
const MaxAmount int64 = 10_000_000_000

// PaymentMethods lists the ways a purchase may be paid.
var PaymentMethods = []string{"stored_value", "cash", "wechat", "alipay", "bank_card"}

// PurchaseItem is one line of a purchase.
type PurchaseItem struct {
	Category    string `json:"category"`
	Amount      int64  `json:"amount"`
	Description string `json:"description,omitempty"`
}

// Payment is one part of a split payment.
type Payment struct {
	Method string `json:"method"`
	Amount int64  `json:"amount"`
}

// PurchaseInput is a purchase as the desk or the API submits it.
type PurchaseInput struct {
	MemberID       int64
	Items          []PurchaseItem
	Payments       []Payment
	PointsToRedeem int64
	CouponCodes    []string
	Actor          Actor
	// Viewer, when set, is the staff user asking: a member of a campus they
	// do not work at is refused as unknown, checked on the row the purchase
	// locks (no read of its own).
	Viewer *StaffUser
}

// Quote is the priced purchase before anything is posted (the cashier's preview).
type Quote struct {
	Total          int64 `json:"total"`
	TierDiscount   int64 `json:"tier_discount"`
	CouponDiscount int64 `json:"coupon_discount"`
	PointsDiscount int64 `json:"points_discount"`
	Discount       int64 `json:"discount"`
	Due            int64 `json:"due"` // what payments must add up to
	PointsEarned   int64 `json:"points_earned"`
	RedeemCap      int64 `json:"redeem_cap"` // most fen points may pay
	earn           []EarnLine
	afterTier      []int64 // each line after the tier discount, before coupons
}

// CouponLines are the bill's lines as coupons see them: after the tier
// discount, before coupons and points.
func (q Quote) CouponLines(items []PurchaseItem) []CouponLine {
	out := make([]CouponLine, len(items))
	for i, it := range items {
		out[i] = CouponLine{Category: it.Category, Amount: q.afterTier[i]}
	}
	return out
}

// QuotePurchase prices items for a member of tier who redeems points: tier
// discount on tuition (floor per line), points-for-cash (whole fen, capped at
// RedeemCapPercent of the bill after the tier discount), and the points the
// money part will earn at the current tier.
func QuotePurchase(r Rules, tier string, items []PurchaseItem, pointsToRedeem int64) (Quote, error) {
	return QuoteWithCoupons(r, tier, items, pointsToRedeem, nil)
}

// QuoteWithCoupons is QuotePurchase with coupon discounts per line (from
// PriceCoupons) taken after the tier discount and before points-for-cash,
// whose cap is a share of what is left.
func QuoteWithCoupons(r Rules, tier string, items []PurchaseItem, pointsToRedeem int64, couponPerLine []int64) (Quote, error) {
	f := map[string]string{}
	if len(items) == 0 {
		f["items"] = "err.required"
	}
	var q Quote
	after := make([]int64, len(items))
	q.afterTier = make([]int64, len(items))
	for i, it := range items {
		k := "items[" + strconv.Itoa(i) + "]"
		if !validCategory(it.Category) {
			f[k+".category"] = "err.purchase_bad_category"
		}
		if it.Amount <= 0 || it.Amount > MaxAmount {
			f[k+".amount"] = "err.ledger_bad_amount"
			continue
		}
		q.Total += it.Amount
		d := int64(0)
		if it.Category == CategoryTuition {
			d = MulDiv(it.Amount, r.TuitionDiscountPermille[tier], 1000)
		}
		q.TierDiscount += d
		after[i] = it.Amount - d
		q.afterTier[i] = after[i]
		if i < len(couponPerLine) {
			c := min(couponPerLine[i], after[i])
			q.CouponDiscount += c
			after[i] -= c
		}
	}
	if pointsToRedeem < 0 {
		f["points_to_redeem"] = "err.ledger_bad_amount"
	}
	if q.Total > MaxAmount {
		f["items"] = "err.ledger_bad_amount"
	}
	if len(f) > 0 {
		return q, Invalid(f)
	}
	bill := q.Total - q.TierDiscount - q.CouponDiscount
	q.RedeemCap = RedeemCap(r, bill)
	if pointsToRedeem > 0 {
		fen, ok := RedeemValue(r, pointsToRedeem)
		if !ok {
			return q, ErrPointsStep.With(r.RedeemPointsPerYuan).Field("points_to_redeem", "err.purchase_points_step_short")
		}
		if fen > q.RedeemCap {
			return q, ErrPointsCap.With(r.RedeemCapPercent, MulDiv(q.RedeemCap, r.RedeemPointsPerYuan, 100)).
				Field("points_to_redeem", "err.purchase_points_cap_short")
		}
		q.PointsDiscount = fen
	}
	q.Discount = q.TierDiscount + q.CouponDiscount + q.PointsDiscount
	q.Due = bill - q.PointsDiscount
	shares := ShareOf(q.PointsDiscount, after)
	q.earn = make([]EarnLine, len(items))
	for i, it := range items {
		q.earn[i] = EarnLine{Category: it.Category, Amount: after[i] - shares[i]}
	}
	q.PointsEarned = PointsEarned(r, tier, q.earn)
	return q, nil
}

func validCategory(c string) bool {
	for _, x := range Categories {
		if x == c {
			return true
		}
	}
	return false
}

func validMethod(m string) bool {
	for _, x := range PaymentMethods {
		if x == m {
			return true
		}
	}
	return false
}

// checkPayments validates the split payment against what is due and returns
// the sums per method.
func checkPayments(q Quote, ps []Payment) (map[string]int64, error) {
	f := map[string]string{}
	by := map[string]int64{}
	var sum int64
	for i, p := range ps {
		k := "payments[" + strconv.Itoa(i) + "]"
		if !validMethod(p.Method) {
			f[k+".method"] = "err.purchase_bad_method"
		}
		if p.Amount <= 0 || p.Amount > MaxAmount {
			f[k+".amount"] = "err.ledger_bad_amount"
			continue
		}
		by[p.Method] += p.Amount
		sum += p.Amount
	}
	if len(f) > 0 {
		return nil, Invalid(f)
	}
	if sum != q.Due {
		return nil, ErrPaymentsMismatch.With(Yuan(sum), Yuan(q.Due)).Field("payments", "err.purchase_payments_mismatch_short")
	}
	return by, nil
}

// Purchase is a stored purchase.
type Purchase struct {
	ID             int64
	MemberID       int64
	CampusID       int64
	Total          int64
	TierDiscount   int64
	CouponDiscount int64
	PointsRedeemed int64
	PointsDiscount int64
	Paid           int64
	SVPrincipal    int64 `gorm:"column:sv_principal"`
	SVBonus        int64 `gorm:"column:sv_bonus"`
	PointsEarned   int64
	Tier           string // the member's tier when paying
	Grade          string // the member's grade when paying (the reports count the payment under both)
	Items          string
	Payments       string
	Refunded       int64
	PointsReversed int64
	ActorType      string
	ActorID        int64
	At             time.Time
}

// TableName maps Purchase to its table.
func (Purchase) TableName() string { return "purchases" }

// PaymentMap decodes the stored payments (method → fen).
func (p *Purchase) PaymentMap() map[string]int64 {
	m := map[string]int64{}
	_ = json.Unmarshal([]byte(p.Payments), &m)
	return m
}

// PurchaseResult is the answer to a recorded purchase (DOMAIN §4 plus extras).
type PurchaseResult struct {
	ID             int64     `json:"id"`
	MemberID       int64     `json:"member_id"`
	Total          int64     `json:"total"`
	Paid           int64     `json:"paid"`
	PointsEarned   int64     `json:"points_earned"`
	PointsRedeemed int64     `json:"points_redeemed"`
	Discount       int64     `json:"discount"`
	CouponDiscount int64     `json:"coupon_discount"`
	CouponsUsed    []string  `json:"coupons_used,omitempty"`
	CouponIssued   string    `json:"coupon_issued,omitempty"` // a "spend ¥200, get ¥20" coupon this purchase earned
	Tier           string    `json:"tier"`
	TierUpgraded   bool      `json:"tier_upgraded"`
	At             time.Time `json:"at"`
	Balances       Balances  `json:"balances"`
	// Lines, PaidBy and the grade and tier it was paid under travel with
	// the purchase's domain event (subscribers need not read the row back);
	// they are not part of the answer.
	Lines     []PurchaseItem   `json:"-"`
	PaidBy    map[string]int64 `json:"-"`
	PaidGrade string           `json:"-"`
	PaidTier  string           `json:"-"`
}

// splitStoredValue takes amount from the wallet's bonus and principal in the
// configured order.
func splitStoredValue(r Rules, w *wallet, amount int64) (bonus, principal int64) {
	left := amount
	for _, k := range r.PaymentOrder {
		switch k {
		case "bonus":
			bonus = min(left, w.Bonus.Balance)
			left -= bonus
		case "principal":
			principal = min(left, w.Principal.Balance)
			left -= principal
		}
	}
	return bonus, principal
}

// PostPurchase records a purchase inside tx: one journal for the money,
// the points redeemed and the points earned, the lot, and a tier upgrade when
// the purchase crosses a threshold. Refusals change nothing.
func PostPurchase(ctx context.Context, tx *gorm.DB, now time.Time, r Rules, in PurchaseInput) (*PurchaseResult, error) {
	now = now.UTC()
	// Validate what needs no database first (the tier only changes the quote's
	// discount and earning, not its validity).
	if _, err := QuotePurchase(r, TierSilver, in.Items, in.PointsToRedeem); err != nil {
		return nil, err
	}
	spendSince := SpendDay(r, WindowStart(r, now))
	w, spend, err := lockWalletSpend(ctx, tx, now, in.MemberID, spendSince)
	if err != nil {
		return nil, err
	}
	if in.Viewer != nil && !in.Viewer.CanSeeCampus(w.CampusID) {
		return nil, ErrMemberNotFound
	}
	q, err := QuotePurchase(r, w.Tier, in.Items, in.PointsToRedeem)
	if err != nil {
		return nil, err
	}
	// Coupons are priced on the lines after the tier discount and marked used
	// in this transaction: a refusal anywhere below gives them back.
	var cres CouponResult
	if len(in.CouponCodes) > 0 {
		cres, err = ApplyCoupons(ctx, tx, now, CouponUse{MemberID: w.MemberID, Codes: in.CouponCodes,
			Lines: q.CouponLines(in.Items), Actor: in.Actor})
		if e, ok := AsError(err); ok && len(e.Fields) == 0 {
			return nil, e.Field("coupon_codes", e.Key) // the form shows it at the coupon box
		}
		if err != nil {
			return nil, err
		}
		if q, err = QuoteWithCoupons(r, w.Tier, in.Items, in.PointsToRedeem, cres.PerLine); err != nil {
			return nil, err
		}
	}
	by, err := checkPayments(q, in.Payments)
	if err != nil {
		return nil, err
	}
	sv := by["stored_value"]
	if sv > w.Bonus.Balance+w.Principal.Balance {
		return nil, ErrInsufficientBalance.With(Yuan(sv), Yuan(w.Bonus.Balance+w.Principal.Balance))
	}
	var draws []lotMove
	if in.PointsToRedeem > 0 {
		lots, err := spendableLots(ctx, tx, w.Points.ID, now)
		if err != nil {
			return nil, err
		}
		var short int64
		draws, short = planDraw(lots, in.PointsToRedeem)
		if short > 0 {
			return nil, ErrInsufficientPoints.With(in.PointsToRedeem, in.PointsToRedeem-short)
		}
	}
	bonus, principal := splitStoredValue(r, w, sv)
	newTier := TierAfterPurchase(r, w.Tier, spend+q.Due)
	items, _ := json.Marshal(in.Items)
	pays, _ := json.Marshal(by)
	p := Purchase{MemberID: w.MemberID, CampusID: campusOf(in.Actor, w), Total: q.Total, TierDiscount: q.TierDiscount,
		CouponDiscount: q.CouponDiscount, PointsRedeemed: in.PointsToRedeem, PointsDiscount: q.PointsDiscount, Paid: q.Due, SVPrincipal: principal,
		SVBonus: bonus, PointsEarned: q.PointsEarned, Tier: w.Tier, Grade: w.Grade, Items: string(items), Payments: string(pays),
		ActorType: orSystem(in.Actor.Type), ActorID: in.Actor.ID, At: now}
	if p.ID, err = insertID(ctx, tx, `INSERT INTO purchases (member_id, campus_id, total, tier_discount, coupon_discount,
		points_redeemed, points_discount, paid, sv_principal, sv_bonus, points_earned, tier, grade, items, payments, refunded,
		points_reversed, actor_type, actor_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.MemberID, p.CampusID, p.Total, p.TierDiscount, p.CouponDiscount, p.PointsRedeemed, p.PointsDiscount, p.Paid,
		p.SVPrincipal, p.SVBonus, p.PointsEarned, p.Tier, p.Grade, p.Items, p.Payments, p.Refunded, p.PointsReversed, p.ActorType,
		p.ActorID, p.At); err != nil {
		return nil, fmt.Errorf("models: post purchase: %w", err)
	}
	if err := addSpend(ctx, tx, w.MemberID, SpendDay(r, now), q.Due); err != nil {
		return nil, err
	}
	if err := markSeen(ctx, tx, r.Location(), w.MemberID, w.Days, SpendDay(r, now), true); err != nil {
		return nil, err
	}
	d := &draft{Kind: KindPurchase, CampusID: p.CampusID, Actor: in.Actor, RefType: "purchase", RefID: p.ID}
	d.sys(SysRevenue, AssetCNY, q.Total-q.TierDiscount)
	d.sys(SysCouponDiscount, AssetCNY, -q.CouponDiscount)
	d.sys(SysPointsDiscount, AssetCNY, -q.PointsDiscount)
	d.add(w.Bonus, -bonus)
	d.add(w.Principal, -principal)
	for _, m := range sortedKeys(by) {
		if m != "stored_value" {
			d.sys(clearingAccount[m], AssetCNY, -by[m])
		}
	}
	d.add(w.Points, -in.PointsToRedeem)
	d.sys(SysPointsSpent, AssetPoints, in.PointsToRedeem)
	d.add(w.Points, q.PointsEarned)
	d.sys(SysPointsIssued, AssetPoints, -q.PointsEarned)
	jid, err := post(ctx, tx, now, d)
	if err != nil {
		return nil, fmt.Errorf("models: post purchase: %w", err)
	}
	if err := applyLotMoves(ctx, tx, jid, draws); err != nil {
		return nil, fmt.Errorf("models: post purchase: %w", err)
	}
	if q.PointsEarned > 0 {
		avail := now.AddDate(0, 0, r.PendingDays)
		if err := addLot(ctx, tx, w.Points.ID, jid, q.PointsEarned, now, avail, LotExpiry(now, r)); err != nil {
			return nil, fmt.Errorf("models: post purchase: lot: %w", err)
		}
	}
	if newTier != w.Tier {
		if err := setTier(ctx, tx, now, in.Actor, w.MemberID, w.Tier, newTier, "purchase", Ref("purchase", p.ID),
			spend+q.Due); err != nil {
			return nil, err
		}
		if _, err := AfterTierUpgrade(ctx, tx, now, w.MemberID, w.Tier, newTier); err != nil {
			return nil, err
		}
	}
	res := &PurchaseResult{ID: p.ID, MemberID: w.MemberID, Total: q.Total, Paid: q.Due, PointsEarned: q.PointsEarned,
		PointsRedeemed: in.PointsToRedeem, Discount: q.Discount, CouponDiscount: q.CouponDiscount, Tier: newTier,
		TierUpgraded: newTier != w.Tier, At: now, Balances: w.balances(), Lines: in.Items, PaidBy: by,
		PaidGrade: p.Grade, PaidTier: p.Tier}
	if err := LinkCouponsToPurchase(ctx, tx, cres, p.ID); err != nil {
		return nil, err
	}
	for _, a := range cres.Applied {
		res.CouponsUsed = append(res.CouponsUsed, a.Code)
	}
	// Triggers: "spend ¥200, get ¥20", purchase stamp cards, a referred
	// family's first paid enrolment.
	lines := make([]CouponLine, len(q.earn))
	for i, e := range q.earn {
		lines[i] = CouponLine{Category: e.Category, Amount: e.Amount}
	}
	after, err := AfterPurchase(ctx, tx, now, PurchaseFacts{PurchaseID: p.ID, MemberID: w.MemberID, Paid: q.Due,
		Lines: lines, Actor: in.Actor})
	if err != nil {
		return nil, err
	}
	if after.Coupon != nil {
		res.CouponIssued = after.Coupon.Code
	}
	// Paid amounts feed grading: the grade moves in this transaction.
	if err := memberChanged(ctx, tx, now, MemberEvent{MemberID: w.MemberID, Cause: "purchase", Ref: Ref("purchase", p.ID),
		Actor: in.Actor, PaidDelta: q.Due, SpendSince: spendSince, SpendAfter: spend + q.Due}); err != nil {
		return nil, err
	}
	if err := Emit(ctx, tx, DomainEvent{Type: EventPurchaseCreated, At: now, CampusID: p.CampusID, MemberID: w.MemberID,
		ObjectID: p.ID, Object: res, Actor: in.Actor}); err != nil {
		return nil, err
	}
	return res, nil
}

func sortedKeys(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// RecordPurchase runs PostPurchase once per idempotency key: the rules are
// read before the transaction, the answer (201 and the JSON result) is stored
// with the key, and a replay returns it unchanged.
func RecordPurchase(ctx context.Context, db *DB, now time.Time, id Idem, in PurchaseInput) (Outcome, error) {
	r, err := LoadRules(ctx, db.R, now)
	if err != nil {
		return Outcome{}, err
	}
	return runIdem(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := PostPurchase(ctx, tx, now, r, in)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}

// GetPurchase loads a purchase.
func GetPurchase(ctx context.Context, db *gorm.DB, id int64) (*Purchase, error) {
	var p Purchase
	res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&p)
	if res.Error != nil {
		return nil, fmt.Errorf("models: get purchase: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrPurchaseNotFound
	}
	return &p, nil
}

// Yuan formats fen as "¥1,234.56" for messages.
func Yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	s := strconv.FormatInt(fen/100, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	out := fmt.Sprintf("¥%s.%02d", s, fen%100)
	if neg {
		return "-" + out
	}
	return out
}
