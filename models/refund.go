package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// RefundInput asks to refund (part of) a purchase.
type RefundInput struct {
	PurchaseID int64
	Amount     *int64 // fen of what was paid; nil = the rest
	Reason     string
	Actor      Actor
	// Via names the area use case refunding through here ("class_hours"), so
	// its RefundGuard lets it through; empty for the desk and the API.
	Via string
	// Lines are the purchase lines given back (a line refund at the desk),
	// recorded so that no line is picked twice; nil for an amount refund.
	Lines []int
}

// RefundResult is the answer to a refund (DOMAIN §4 plus extras).
type RefundResult struct {
	ID                  int64            `json:"id"`
	PurchaseID          int64            `json:"purchase_id"`
	Amount              int64            `json:"amount"`
	PointsReversed      int64            `json:"points_reversed"`
	PointsShortfall     int64            `json:"points_shortfall"`
	PointsReturned      int64            `json:"points_returned"`
	StoredValueReturned int64            `json:"stored_value_returned"`
	Owed                map[string]int64 `json:"owed"` // paid back outside StarCard, per method
	Balances            Balances         `json:"balances"`
	// The grade and tier its purchase was paid under, for the reports.
	PaidGrade string `json:"-"`
	PaidTier  string `json:"-"`
}

// PurchaseRefund is a stored refund.
type PurchaseRefund struct {
	ID              int64
	PurchaseID      int64
	JournalID       int64
	Amount          int64
	Reason          string
	PointsReversed  int64
	PointsShortfall int64
	PointsReturned  int64
	SVPrincipal     int64 `gorm:"column:sv_principal"`
	SVBonus         int64 `gorm:"column:sv_bonus"`
	Owed            string
	LineNos         string // the purchase lines given back, "0,2"; "" for an amount refund
	ActorType       string
	ActorID         int64
	At              time.Time
}

// TableName maps PurchaseRefund to its table.
func (PurchaseRefund) TableName() string { return "purchase_refunds" }

// PostRefund refunds amount of a purchase inside tx. The money goes back to
// where it came from, split over the parts still unrefunded in proportion
// (largest remainder, so every fen is accounted for and the last refund
// returns exactly what is left of each part); stored value to the wallet,
// other methods recorded as owed. Redeemed points come back to the lots they
// were taken from and the earned points are taken back, both in proportion
// to the refunded share (cumulatively exact). Points already spent cannot be
// taken back below zero: the shortfall is recorded on the refund.
func PostRefund(ctx context.Context, tx *gorm.DB, now time.Time, in RefundInput) (*RefundResult, error) {
	now = now.UTC()
	if in.Reason == "" {
		return nil, Invalid(map[string]string{"reason": "err.required"})
	}
	if ReasonTooLong(in.Reason) {
		return nil, Invalid(map[string]string{"reason": "sec.too_long"})
	}
	var memberID int64
	if err := tx.WithContext(ctx).Raw(`SELECT member_id FROM purchases WHERE id = ?`, in.PurchaseID).Scan(&memberID).Error; err != nil {
		return nil, fmt.Errorf("models: refund: %w", err)
	}
	if memberID == 0 {
		return nil, ErrPurchaseNotFound
	}
	w, err := lockWallet(ctx, tx, now, memberID)
	if err != nil {
		return nil, err
	}
	// Read the purchase and its refunds under the member lock.
	p, err := GetPurchase(ctx, tx, in.PurchaseID)
	if err != nil {
		return nil, err
	}
	for _, g := range refundGuards {
		if err := g(ctx, tx, p, in); err != nil {
			return nil, err
		}
	}
	left := p.Paid - p.Refunded
	if left <= 0 {
		return nil, ErrNothingToRefund
	}
	var prev []PurchaseRefund
	if err := tx.WithContext(ctx).Where("purchase_id = ?", p.ID).Find(&prev).Error; err != nil {
		return nil, fmt.Errorf("models: refund: %w", err)
	}
	amount := left
	if in.Amount != nil {
		amount = *in.Amount
	}
	if len(in.Lines) > 0 {
		// Read under the member lock: two cashiers cannot give one line back twice.
		var items []PurchaseItem
		_ = json.Unmarshal([]byte(p.Items), &items)
		if amount, err = LinesAmount(BuildPurchaseReceipt(p, items, nil, RefundedLines(prev)), in.Lines); err != nil {
			return nil, err
		}
	}
	if amount <= 0 {
		return nil, ErrBadAmount.Field("amount", "err.ledger_bad_amount")
	}
	if amount > left {
		return nil, ErrRefundTooLarge.With(Yuan(left)).Field("amount", "err.refund_too_large_short")
	}
	var purchaseJournal int64
	if err := tx.WithContext(ctx).Raw(`SELECT id FROM ledger_journals WHERE ref_type = 'purchase' AND ref_id = ? AND kind = ?`,
		p.ID, KindPurchase).Scan(&purchaseJournal).Error; err != nil {
		return nil, fmt.Errorf("models: refund: %w", err)
	}

	// Money: split over what is left of each part.
	back, owed := refundMoneySplit(p, prev, amount)

	// Points.
	pointsBack := Cumulative(p.PointsRedeemed, p.Paid, p.Refunded, amount)
	discountBack := Cumulative(p.PointsDiscount, p.Paid, p.Refunded, amount)
	couponBack := Cumulative(p.CouponDiscount, p.Paid, p.Refunded, amount)
	reverseTarget := Cumulative(p.PointsEarned, p.Paid, p.Refunded, amount)

	restore, err := restorableDraws(ctx, tx, purchaseJournal, p.ID)
	if err != nil {
		return nil, err
	}
	var returnMoves []lotMove
	need := pointsBack
	for _, l := range restore { // latest-expiring first
		if need == 0 {
			break
		}
		put := min(need, l.Amount)
		returnMoves = append(returnMoves, lotMove{LotID: l.LotID, Amount: -put})
		need -= put
	}
	pointsBack -= need // cannot return more than was drawn (never happens unless rules changed mid-way)

	// Earned points: from the purchase's own lot first, then the soonest to
	// expire, never below zero.
	var reverseMoves []lotMove
	var reversed int64
	if reverseTarget > 0 {
		var returned []int64
		for _, m := range returnMoves {
			returned = append(returned, m.LotID)
		}
		lots, err := reversibleLots(ctx, tx, w.Points.ID, purchaseJournal, returned)
		if err != nil {
			return nil, err
		}
		// Points returned by this same refund may be taken back too.
		for i := range lots {
			for _, m := range returnMoves {
				if m.LotID == lots[i].ID {
					lots[i].Remaining -= m.Amount
				}
			}
		}
		target := min(reverseTarget, w.Points.Balance+pointsBack)
		var short int64
		reverseMoves, short = planDraw(lots, target)
		reversed = target - short
	}
	return finishRefund(ctx, tx, now, in, w, p, purchaseJournal, amount, back, owed, pointsBack, discountBack,
		couponBack, reversed, reverseTarget-reversed, returnMoves, reverseMoves)
}

func finishRefund(ctx context.Context, tx *gorm.DB, now time.Time, in RefundInput, w *wallet, p *Purchase, purchaseJournal,
	amount int64, back, owed map[string]int64, pointsBack, discountBack, couponBack, reversed, shortfall int64,
	returnMoves, reverseMoves []lotMove) (*RefundResult, error) {
	rev := purchaseJournal
	d := &draft{Kind: KindRefund, CampusID: campusOf(in.Actor, w), Actor: in.Actor, RefType: "purchase", RefID: p.ID,
		Reason: in.Reason, ReversesID: &rev}
	d.add(w.Bonus, back["bonus"])
	d.add(w.Principal, back["principal"])
	for _, m := range sortedKeys(owed) {
		d.sys(clearingAccount[m], AssetCNY, owed[m])
	}
	d.sys(SysRevenue, AssetCNY, -(amount + discountBack + couponBack))
	d.sys(SysPointsDiscount, AssetCNY, discountBack)
	d.sys(SysCouponDiscount, AssetCNY, couponBack)
	d.add(w.Points, pointsBack)
	d.sys(SysPointsSpent, AssetPoints, -pointsBack)
	d.add(w.Points, -reversed)
	d.sys(SysPointsIssued, AssetPoints, reversed)
	jid, err := post(ctx, tx, now, d)
	if err != nil {
		return nil, fmt.Errorf("models: refund: %w", err)
	}
	if err := applyLotMoves(ctx, tx, jid, append(returnMoves, reverseMoves...)); err != nil {
		return nil, fmt.Errorf("models: refund: %w", err)
	}
	ob, _ := json.Marshal(owed)
	row := PurchaseRefund{PurchaseID: p.ID, JournalID: jid, Amount: amount, Reason: truncate(in.Reason, 255),
		PointsReversed: reversed, PointsShortfall: shortfall, PointsReturned: pointsBack, SVPrincipal: back["principal"],
		SVBonus: back["bonus"], Owed: string(ob), LineNos: FormatLineNos(in.Lines), ActorType: orSystem(in.Actor.Type), ActorID: in.Actor.ID, At: now}
	if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
		return nil, fmt.Errorf("models: refund: %w", err)
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE purchases SET refunded = refunded + ?, points_reversed = points_reversed + ? WHERE id = ?`,
		amount, reversed, p.ID).Error; err != nil {
		return nil, fmt.Errorf("models: refund: %w", err)
	}
	// A purchase refunded in full gives back the coupons it spent, those
	// still inside their validity window.
	if p.Refunded+amount == p.Paid {
		if _, err := RestoreCoupons(ctx, tx, now, p.ID); err != nil {
			return nil, err
		}
	}
	// The refund lowers the spend of the day the purchase was made.
	rules, err := LoadRules(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	if err := addSpend(ctx, tx, p.MemberID, SpendDay(rules, p.At), -amount); err != nil {
		return nil, err
	}
	if err := Audit(ctx, tx, now, in.Actor, "purchase.refund", "purchase", p.ID,
		fmt.Sprintf("amount=%d points_reversed=%d shortfall=%d reason=%s", amount, reversed, shortfall, in.Reason)); err != nil {
		return nil, err
	}
	if err := memberChanged(ctx, tx, now, MemberEvent{MemberID: p.MemberID, Cause: "refund", Ref: Ref("purchase", p.ID),
		Actor: in.Actor}); err != nil {
		return nil, err
	}
	res := &RefundResult{ID: row.ID, PurchaseID: p.ID, Amount: amount, PointsReversed: reversed, PointsShortfall: shortfall,
		PointsReturned: pointsBack, StoredValueReturned: back["bonus"] + back["principal"], Owed: owed,
		Balances: w.balances(), PaidGrade: p.Grade, PaidTier: p.Tier}
	if err := Emit(ctx, tx, DomainEvent{Type: EventRefundCreated, At: now, CampusID: p.CampusID, MemberID: p.MemberID,
		ObjectID: row.ID, Object: res, Actor: in.Actor}); err != nil {
		return nil, err
	}
	return res, nil
}

// restorableDraws lists, per lot, the points the purchase took that have not
// been put back yet, latest-expiring first (those are worth most to the member).
func restorableDraws(ctx context.Context, tx *gorm.DB, purchaseJournal, purchaseID int64) ([]lotMove, error) {
	if purchaseJournal == 0 {
		return nil, nil
	}
	var rows []lotMove
	err := tx.WithContext(ctx).Raw(`SELECT d.lot_id, SUM(d.amount) AS amount
		FROM points_lot_draws d JOIN ledger_journals j ON j.id = d.journal_id
		JOIN points_lots l ON l.id = d.lot_id
		WHERE (d.journal_id = ? OR (j.ref_type = 'purchase' AND j.ref_id = ? AND j.kind = ? AND d.amount < 0))
		GROUP BY d.lot_id, l.expires_at HAVING SUM(d.amount) > 0
		ORDER BY l.expires_at DESC, d.lot_id DESC`, purchaseJournal, purchaseID, KindRefund).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: refund: draws: %w", err)
	}
	return rows, nil
}

// reversibleLots lists the lots points can be taken back from: the
// purchase's own lot first, then every other lot with points soonest-expiring
// first (pending and not-yet-expired alike).
func reversibleLots(ctx context.Context, tx *gorm.DB, accountID, purchaseJournal int64, alsoIDs []int64) ([]Lot, error) {
	var ls []Lot
	if len(alsoIDs) == 0 {
		alsoIDs = []int64{0}
	}
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM points_lots WHERE account_id = ? AND (remaining > 0 OR id IN ?)
		ORDER BY expires_at, id`, accountID, alsoIDs).Scan(&ls).Error; err != nil {
		return nil, fmt.Errorf("models: refund: lots: %w", err)
	}
	sort.SliceStable(ls, func(i, j int) bool {
		return ls[i].JournalID == purchaseJournal && ls[j].JournalID != purchaseJournal
	})
	return ls, nil
}

// RecordRefund runs PostRefund once per idempotency key.
func RecordRefund(ctx context.Context, db *DB, now time.Time, id Idem, in RefundInput) (Outcome, error) {
	return runIdem(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := PostRefund(ctx, tx, now, in)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}
