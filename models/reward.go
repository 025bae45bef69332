package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"
	"gorm.io/gorm"
)

// Reward kinds (积分奖励计划).
const (
	RewardGift   = "gift"   // a present handed over at the desk
	RewardCourse = "course" // a points-exclusive short course (积分专享课程)
	RewardTicket = "ticket" // an event ticket
	RewardCoupon = "coupon" // a coupon of a template, issued at once (积分兑换优惠券)
)

// RewardKinds lists the kinds in display order.
var RewardKinds = []string{RewardGift, RewardCourse, RewardTicket, RewardCoupon}

// KindRewardCash is the journal of the cash part of a points + cash reward
// (换购), taken at the hand-over.
const KindRewardCash = "reward_cash"

// Redemption statuses: reserved (points held) → handed_over (captured) or
// cancelled (released; also when it was not collected in time).
const (
	RedemptionReserved   = "reserved"
	RedemptionHandedOver = "handed_over"
	RedemptionCancelled  = "cancelled"
)

// Expected reward failures.
var (
	ErrRewardNotFound     = NewError(KindNotFound, "unknown-reward", "err.reward_unknown")
	ErrRewardUnavailable  = NewError(KindConflict, "reward-unavailable", "err.reward_unavailable")
	ErrRewardOutOfStock   = NewError(KindConflict, "reward-out-of-stock", "err.reward_out_of_stock")
	ErrRewardLimit        = NewError(KindConflict, "reward-member-limit", "err.reward_member_limit")
	ErrRewardPoints       = NewError(KindConflict, "insufficient-points", "err.reward_points")
	ErrRedemptionNotFound = NewError(KindNotFound, "unknown-redemption", "err.redemption_unknown")
	ErrRedemptionClosed   = NewError(KindConflict, "redemption-closed", "err.redemption_closed")
	ErrRedemptionExpired  = NewError(KindConflict, "redemption-expired", "err.redemption_expired")
)

// Reward is an item of the catalogue. Points prices by tier: PointsPrice is
// the silver (base) price; PointsGold and PointsPlatinum, when not zero, are
// the member prices of those tiers. NormalPrice is what a non-member pays in
// cash for a course (shown for comparison); CashPrice is the cash part of a
// points + cash price.
type Reward struct {
	ID             int64
	Name           string
	Description    string
	Kind           string
	PointsPrice    int64
	PointsGold     int64
	PointsPlatinum int64
	CashPrice      int64
	NormalPrice    int64
	Stock          int64
	PerMemberLimit int
	AvailableFrom  *time.Time
	AvailableUntil *time.Time
	// CouponTemplateID is the template a "coupon" reward issues.
	CouponTemplateID *int64
	Image            string
	Active           bool
	Redeemed         int64
	CreatedBy        int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TableName maps Reward to its table.
func (Reward) TableName() string { return "rewards" }

// PointsFor is the price in points for a member of tier.
func (r Reward) PointsFor(tier string) int64 {
	switch {
	case tier == TierPlatinum && r.PointsPlatinum > 0:
		return r.PointsPlatinum
	case (tier == TierGold || tier == TierPlatinum) && r.PointsGold > 0:
		return r.PointsGold
	}
	return r.PointsPrice
}

// OpenAt reports whether the reward can be redeemed at now (stock aside).
func (r Reward) OpenAt(now time.Time) bool {
	if !r.Active {
		return false
	}
	if r.AvailableFrom != nil && now.Before(*r.AvailableFrom) {
		return false
	}
	if r.AvailableUntil != nil && !now.Before(*r.AvailableUntil) {
		return false
	}
	return true
}

// NewReward is what an admin fills in.
type NewReward struct {
	Name           string
	Description    string
	Kind           string
	PointsPrice    int64
	PointsGold     int64
	PointsPlatinum int64
	CashPrice      int64
	NormalPrice    int64
	Stock          int64
	PerMemberLimit int
	AvailableFrom  *time.Time
	AvailableUntil *time.Time
	// CouponTemplateID: the template a "coupon" reward issues (no cash part).
	CouponTemplateID int64
}

// Validate checks a new reward and returns field → message key.
func (n *NewReward) Validate() map[string]string {
	n.Name, n.Description = strings.TrimSpace(n.Name), strings.TrimSpace(n.Description)
	f := map[string]string{}
	if n.Name == "" {
		f["name"] = "err.required"
	} else if utf8.RuneCountInString(n.Name) > 40 {
		f["name"] = "err.coupon_name_long"
	}
	if utf8.RuneCountInString(n.Description) > 200 {
		f["description"] = "err.reward_description_long"
	}
	if !slices.Contains(RewardKinds, n.Kind) {
		f["kind"] = "err.reward_kind"
	}
	if n.PointsPrice <= 0 {
		f["points_price"] = "err.reward_points_price"
	}
	if n.Kind == RewardCoupon && n.CouponTemplateID <= 0 {
		f["coupon_template_id"] = "prog.err.coupon"
	}
	if n.Kind == RewardCoupon && n.CashPrice != 0 {
		f["cash_price"] = "prog.err.coupon_cash"
	}
	for k, v := range map[string]int64{"points_gold": n.PointsGold, "points_platinum": n.PointsPlatinum,
		"cash_price": n.CashPrice, "normal_price": n.NormalPrice, "stock": n.Stock} {
		if v < 0 {
			f[k] = "err.coupon_negative"
		}
	}
	if n.PerMemberLimit < 0 {
		f["per_member_limit"] = "err.coupon_negative"
	}
	if n.AvailableFrom != nil && n.AvailableUntil != nil && !n.AvailableUntil.After(*n.AvailableFrom) {
		f["available_until"] = "err.coupon_validity_order"
	}
	return f
}

// CreateReward adds a catalogue item, audited.
func CreateReward(ctx context.Context, db *DB, now time.Time, actor Actor, n NewReward) (*Reward, error) {
	if f := n.Validate(); len(f) > 0 {
		return nil, Invalid(f)
	}
	r := &Reward{Name: n.Name, Description: n.Description, Kind: n.Kind, PointsPrice: n.PointsPrice,
		PointsGold: n.PointsGold, PointsPlatinum: n.PointsPlatinum, CashPrice: n.CashPrice, NormalPrice: n.NormalPrice,
		Stock: n.Stock, PerMemberLimit: n.PerMemberLimit, AvailableFrom: utcPtr(n.AvailableFrom),
		AvailableUntil: utcPtr(n.AvailableUntil), Active: true, CreatedBy: actor.ID, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if n.Kind == RewardCoupon {
		r.CouponTemplateID = &n.CouponTemplateID
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if r.CouponTemplateID != nil {
			if _, err := GetCouponTemplate(ctx, tx, *r.CouponTemplateID); err != nil {
				return Invalid(map[string]string{"coupon_template_id": "prog.err.coupon"})
			}
		}
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "reward.create", "reward", r.ID, fmt.Sprintf("points=%d stock=%d", r.PointsPrice, r.Stock))
	})
	if err != nil {
		return nil, fmt.Errorf("models: create reward: %w", err)
	}
	return r, nil
}

// RestockReward adds (or, negative, removes) stock, never below zero.
func RestockReward(ctx context.Context, db *DB, now time.Time, actor Actor, id, delta int64) error {
	return db.Tx(ctx, func(tx *gorm.DB) error {
		r := tx.Exec(`UPDATE rewards SET stock = stock + ?, updated_at = ? WHERE id = ? AND stock + ? >= 0`, delta, now.UTC(), id, delta)
		if r.Error != nil {
			return fmt.Errorf("models: restock reward: %w", r.Error)
		}
		if r.RowsAffected == 0 {
			return Invalid(map[string]string{"stock": "err.reward_stock_negative"})
		}
		return Audit(ctx, tx, now, actor, "reward.restock", "reward", id, fmt.Sprintf("delta=%d", delta))
	})
}

// SetRewardActive shows or hides a reward in the catalogue.
func SetRewardActive(ctx context.Context, db *DB, now time.Time, actor Actor, id int64, active bool) error {
	return db.Tx(ctx, func(tx *gorm.DB) error {
		r := tx.Model(&Reward{}).Where("id = ?", id).Updates(map[string]any{"active": active, "updated_at": now.UTC()})
		if r.Error != nil {
			return fmt.Errorf("models: reward active: %w", r.Error)
		}
		if r.RowsAffected == 0 {
			return ErrRewardNotFound
		}
		return Audit(ctx, tx, now, actor, fmt.Sprintf("reward.active=%t", active), "reward", id, "")
	})
}

// SetRewardImage records the stored image file of a reward.
func SetRewardImage(ctx context.Context, db *DB, now time.Time, actor Actor, id int64, name string) error {
	return db.Tx(ctx, func(tx *gorm.DB) error {
		r := tx.Model(&Reward{}).Where("id = ?", id).Updates(map[string]any{"image": name, "updated_at": now.UTC()})
		if r.Error != nil {
			return fmt.Errorf("models: reward image: %w", r.Error)
		}
		if r.RowsAffected == 0 {
			return ErrRewardNotFound
		}
		return Audit(ctx, tx, now, actor, "reward.image", "reward", id, name)
	})
}

// GetReward loads a reward.
func GetReward(ctx context.Context, db *gorm.DB, id int64) (*Reward, error) {
	var r Reward
	err := db.WithContext(ctx).Take(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrRewardNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: get reward: %w", err)
	}
	return &r, nil
}

// ListRewards lists every reward for the back office, active first.
func ListRewards(ctx context.Context, db *gorm.DB) ([]Reward, error) {
	var rs []Reward
	if err := db.WithContext(ctx).Order("active DESC, id DESC").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("models: list rewards: %w", err)
	}
	return rs, nil
}

// RewardItem is a reward as one member sees it.
type RewardItem struct {
	Reward
	Points     int64 // the member's price in points
	Affordable bool  // enough points, in stock, open, under the limit
	Short      int64 // points still missing
	LimitLeft  int   // how many more the member may redeem (-1 = no limit)
}

// Catalogue is the rewards page of one member.
type Catalogue struct {
	MemberID   int64
	MemberName string
	Tier       string
	Points     int64
	Items      []RewardItem
}

// RewardCatalogue lists the rewards open at now with the member's price and
// whether they can have it: affordable ones first, cheapest first. The
// kiosk and the portal both show it.
func RewardCatalogue(ctx context.Context, db *gorm.DB, memberID int64, now time.Time) (*Catalogue, error) {
	m, err := GetMember(ctx, db, memberID)
	if err != nil {
		return nil, err
	}
	bal, err := MemberBalances(ctx, db, memberID)
	if err != nil {
		return nil, err
	}
	var rs []Reward
	if err := db.WithContext(ctx).Where("active = ?", true).Order("points_price, id").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("models: reward catalogue: %w", err)
	}
	var taken []struct {
		RewardID int64
		N        int
	}
	if err := db.WithContext(ctx).Raw(`SELECT reward_id, COUNT(*) AS n FROM reward_redemptions WHERE member_id = ? AND status <> ?
		GROUP BY reward_id`, memberID, RedemptionCancelled).Scan(&taken).Error; err != nil {
		return nil, fmt.Errorf("models: reward catalogue: %w", err)
	}
	had := map[int64]int{}
	for _, t := range taken {
		had[t.RewardID] = t.N
	}
	c := &Catalogue{MemberID: m.ID, MemberName: m.Name, Tier: m.Tier, Points: bal[memberID].Points}
	var can, cannot []RewardItem
	for _, r := range rs {
		if !r.OpenAt(now) {
			continue
		}
		it := RewardItem{Reward: r, Points: r.PointsFor(m.Tier), LimitLeft: -1}
		if r.PerMemberLimit > 0 {
			it.LimitLeft = max(r.PerMemberLimit-had[r.ID], 0)
		}
		it.Short = max(it.Points-c.Points, 0)
		it.Affordable = it.Short == 0 && r.Stock > 0 && it.LimitLeft != 0
		if it.Affordable {
			can = append(can, it)
		} else {
			cannot = append(cannot, it)
		}
	}
	c.Items = append(can, cannot...)
	return c, nil
}

// RewardRedemption is one redemption order.
type RewardRedemption struct {
	ID        int64
	RewardID  int64
	MemberID  int64
	Token     string
	Points    int64
	Cash      int64
	HoldID    int64
	Status    string
	CampusID  int64
	CreatedAt time.Time
	ExpiresAt time.Time
	ClosedAt  *time.Time
	ClosedBy  int64
	// CashMethod and CashJournalID record how the cash part was paid at the
	// hand-over and its ledger journal.
	CashMethod    string
	CashJournalID *int64
}

// TableName maps RewardRedemption to its table.
func (RewardRedemption) TableName() string { return "reward_redemptions" }

// RedeemReward reserves a reward for a member: inside one transaction it
// locks the reward row, checks the window, the member's limit and stock,
// holds the points through the ledger (two-phase: nothing is spent until
// staff hand the item over) and takes one from stock by a conditional
// UPDATE, so stock is never oversold. The redemption carries a random token
// for its QR code. idemKey (optional) makes a double tap on the kiosk
// return the first redemption instead of a second one.
func RedeemReward(ctx context.Context, db *DB, now time.Time, actor Actor, memberID, rewardID int64, idemKey string) (*RewardRedemption, error) {
	now = now.UTC()
	ledger, err := LoadRules(ctx, db.R, now)
	if err != nil {
		return nil, err
	}
	loyalty, err := LoadLoyaltyRules(ctx, db.R, now)
	if err != nil {
		return nil, err
	}
	var red *RewardRedemption
	run := func(tx *gorm.DB) (int, []byte, error) {
		var r Reward
		res := tx.Raw(`SELECT * FROM rewards WHERE id = ?`+forUpdate(tx), rewardID).Scan(&r)
		if res.Error != nil {
			return 0, nil, fmt.Errorf("models: redeem reward: %w", res.Error)
		}
		if r.ID == 0 {
			return 0, nil, ErrRewardNotFound
		}
		if !r.OpenAt(now) {
			return 0, nil, ErrRewardUnavailable.With(r.Name)
		}
		if r.Stock <= 0 {
			return 0, nil, ErrRewardOutOfStock.With(r.Name)
		}
		m, err := GetMember(ctx, tx, memberID)
		if err != nil {
			return 0, nil, err
		}
		if r.PerMemberLimit > 0 {
			var n int64
			if err := tx.Raw(`SELECT COUNT(*) FROM reward_redemptions WHERE member_id = ? AND reward_id = ? AND status <> ?`,
				memberID, r.ID, RedemptionCancelled).Scan(&n).Error; err != nil {
				return 0, nil, fmt.Errorf("models: redeem reward: %w", err)
			}
			if n >= int64(r.PerMemberLimit) {
				return 0, nil, ErrRewardLimit.With(r.Name, r.PerMemberLimit)
			}
		}
		red = &RewardRedemption{RewardID: r.ID, MemberID: m.ID, Token: "RD" + randomCode(14), Points: r.PointsFor(m.Tier),
			Cash: r.CashPrice, Status: RedemptionReserved, CampusID: campusOfActor(actor, m), CreatedAt: now,
			ExpiresAt: now.AddDate(0, 0, loyalty.RedemptionHoldDays)}
		if err := tx.Create(red).Error; err != nil {
			return 0, nil, fmt.Errorf("models: redeem reward: %w", err)
		}
		hold, err := ReserveHold(ctx, tx, now, ledger, HoldInput{MemberID: m.ID, Asset: AssetPoints, Amount: red.Points,
			ExpiresAt: red.ExpiresAt.AddDate(0, 0, 1), RefType: "reward_redemption", RefID: red.ID, Actor: actor})
		if errors.Is(err, ErrInsufficientPoints) {
			return 0, nil, ErrRewardPoints.With(r.Name, red.Points)
		}
		if err != nil {
			return 0, nil, err
		}
		red.HoldID = hold
		up := tx.Exec(`UPDATE rewards SET stock = stock - 1, redeemed = redeemed + 1, updated_at = ? WHERE id = ? AND stock > 0`,
			now, r.ID)
		if up.Error != nil {
			return 0, nil, fmt.Errorf("models: redeem reward: %w", up.Error)
		}
		if up.RowsAffected != 1 {
			return 0, nil, ErrRewardOutOfStock.With(r.Name)
		}
		if err := tx.Model(&RewardRedemption{}).Where("id = ?", red.ID).Update("hold_id", hold).Error; err != nil {
			return 0, nil, fmt.Errorf("models: redeem reward: %w", err)
		}
		if r.Kind == RewardCoupon && r.CouponTemplateID != nil {
			// Nothing to hand over: the coupon is issued and the points spent now.
			if err := CaptureHold(ctx, tx, now, actor, hold, red.Points); err != nil {
				return 0, nil, err
			}
			if _, err := IssueCoupon(ctx, tx, now, CouponIssue{TemplateID: *r.CouponTemplateID, MemberID: m.ID,
				SourceKey: fmt.Sprintf("reward:%d", red.ID), Actor: actor}); err != nil {
				return 0, nil, err
			}
			if err := closeRedemption(ctx, tx, now, actor, red, RedemptionHandedOver, false); err != nil {
				return 0, nil, err
			}
			red.Status = RedemptionHandedOver
		}
		if err := Audit(ctx, tx, now, actor, "reward.redeem", "reward_redemption", red.ID,
			fmt.Sprintf("reward=%d member=%d points=%d", r.ID, m.ID, red.Points)); err != nil {
			return 0, nil, err
		}
		b, _ := json.Marshal(map[string]int64{"id": red.ID})
		return 201, b, nil
	}
	if idemKey == "" {
		err = db.Tx(ctx, func(tx *gorm.DB) error { _, _, err := run(tx); return err })
		if err != nil {
			return nil, fmt.Errorf("models: redeem reward: %w", err)
		}
		return red, nil
	}
	out, err := RunIdempotent(ctx, db, now, Idem{Scope: fmt.Sprintf("reward:%d", memberID), Key: idemKey,
		Hash: RequestHash([]byte(fmt.Sprint(rewardID)))}, run)
	if err != nil {
		return nil, err
	}
	if out.Replayed {
		var ref struct{ ID int64 }
		if err := json.Unmarshal(out.Body, &ref); err != nil {
			return nil, fmt.Errorf("models: redeem reward: %w", err)
		}
		var prev RewardRedemption
		if err := db.R.WithContext(ctx).Take(&prev, ref.ID).Error; err != nil {
			return nil, fmt.Errorf("models: redeem reward: %w", err)
		}
		return &prev, nil
	}
	return red, nil
}

func campusOfActor(a Actor, m *Member) int64 {
	if a.CampusID != 0 {
		return a.CampusID
	}
	return m.CampusID
}

// RedemptionView is a redemption with what staff and families need to see.
type RedemptionView struct {
	RewardRedemption
	RewardName  string
	RewardKind  string
	RewardImage string
	MemberName  string
}

// GetRedemption finds a redemption by its QR token (as scanned) or id.
func GetRedemption(ctx context.Context, db *gorm.DB, token string) (*RedemptionView, error) {
	token = strings.ToUpper(strings.TrimSpace(token))
	var v RedemptionView
	res := db.WithContext(ctx).Raw(`SELECT d.*, r.name AS reward_name, r.kind AS reward_kind, r.image AS reward_image,
		m.name AS member_name FROM reward_redemptions d JOIN rewards r ON r.id = d.reward_id JOIN members m ON m.id = d.member_id
		WHERE d.token = ?`, token).Scan(&v)
	if res.Error != nil {
		return nil, fmt.Errorf("models: get redemption: %w", res.Error)
	}
	if v.ID == 0 {
		return nil, ErrRedemptionNotFound
	}
	return &v, nil
}

// OpenRedemptions lists reserved redemptions waiting to be handed over,
// oldest first, optionally at one campus.
func OpenRedemptions(ctx context.Context, db *gorm.DB, campusID int64, limit int) ([]RedemptionView, error) {
	q := `SELECT d.*, r.name AS reward_name, r.kind AS reward_kind, r.image AS reward_image, m.name AS member_name
		FROM reward_redemptions d JOIN rewards r ON r.id = d.reward_id JOIN members m ON m.id = d.member_id
		WHERE d.status = ?`
	args := []any{RedemptionReserved}
	if campusID != 0 {
		q += ` AND d.campus_id = ?`
		args = append(args, campusID)
	}
	q += ` ORDER BY d.id LIMIT ?`
	args = append(args, limit)
	var out []RedemptionView
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: open redemptions: %w", err)
	}
	return out, nil
}

// MemberRedemptions lists a member's redemptions, newest first (the
// portal's "my rewards" and the kiosk's "show this QR to staff").
func MemberRedemptions(ctx context.Context, db *gorm.DB, memberID int64, limit int) ([]RedemptionView, error) {
	var out []RedemptionView
	if err := db.WithContext(ctx).Raw(`SELECT d.*, r.name AS reward_name, r.kind AS reward_kind, r.image AS reward_image,
		m.name AS member_name FROM reward_redemptions d JOIN rewards r ON r.id = d.reward_id JOIN members m ON m.id = d.member_id
		WHERE d.member_id = ? ORDER BY d.id DESC LIMIT ?`, memberID, limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: member redemptions: %w", err)
	}
	return out, nil
}

// lockRedemption reads a reserved redemption by token under a lock.
func lockRedemption(ctx context.Context, tx *gorm.DB, token string) (*RewardRedemption, error) {
	token = strings.ToUpper(strings.TrimSpace(token))
	var d RewardRedemption
	res := tx.WithContext(ctx).Raw(`SELECT * FROM reward_redemptions WHERE token = ?`+forUpdate(tx), token).Scan(&d)
	if res.Error != nil {
		return nil, fmt.Errorf("models: redemption: %w", res.Error)
	}
	if d.ID == 0 {
		return nil, ErrRedemptionNotFound
	}
	return &d, nil
}

// HandOverRedemption is staff scanning the redemption QR and giving the
// item: the held points are captured. A redemption past its time is
// cancelled instead (points back, stock back) and refused.
//
// The cash part of a points + cash reward (换购) is taken now by method
// (cash, wechat, alipay, bank_card): a journal moves it from the method's
// clearing account to revenue, and the shift report counts it.
func HandOverRedemption(ctx context.Context, db *DB, now time.Time, actor Actor, token, method string) (*RedemptionView, error) {
	now = now.UTC()
	expired := false
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		expired = false
		d, err := lockRedemption(ctx, tx, token)
		if err != nil {
			return err
		}
		if d.Status != RedemptionReserved {
			return ErrRedemptionClosed
		}
		if !now.Before(d.ExpiresAt) {
			expired = true
			return cancelRedemption(ctx, tx, now, SystemActor, d)
		}
		if d.Cash > 0 && clearingAccount[method] == 0 {
			return Invalid(map[string]string{"method": "err.topup_bad_method"})
		}
		err = CaptureHold(ctx, tx, now, actor, d.HoldID, d.Points)
		if errors.Is(err, ErrHoldClosed) {
			expired = true // the ledger let the hold go: the order cannot stand
			return closeRedemption(ctx, tx, now, SystemActor, d, RedemptionCancelled, true)
		}
		if err != nil {
			return err
		}
		if d.Cash > 0 {
			jid, err := PostJournal(ctx, tx, now, JournalSpec{Kind: KindRewardCash, CampusID: d.CampusID, Actor: actor,
				RefType: "reward_redemption", RefID: d.ID, Reason: method},
				Entry{System: clearingAccount[method], Asset: AssetCNY, Amount: -d.Cash},
				Entry{System: SysRevenue, Asset: AssetCNY, Amount: d.Cash})
			if err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE reward_redemptions SET cash_method = ?, cash_journal_id = ? WHERE id = ?`,
				method, jid, d.ID).Error; err != nil {
				return fmt.Errorf("models: hand over: %w", err)
			}
		}
		return closeRedemption(ctx, tx, now, actor, d, RedemptionHandedOver, false)
	})
	if err != nil {
		return nil, fmt.Errorf("models: hand over: %w", err)
	}
	if expired {
		return nil, ErrRedemptionExpired
	}
	return GetRedemption(ctx, db.W, token)
}

// CancelRedemption is staff (or the family) calling a reserved redemption
// off: the points are released and the item goes back in stock.
func CancelRedemption(ctx context.Context, db *DB, now time.Time, actor Actor, token string) (*RedemptionView, error) {
	now = now.UTC()
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		d, err := lockRedemption(ctx, tx, token)
		if err != nil {
			return err
		}
		if d.Status != RedemptionReserved {
			return ErrRedemptionClosed
		}
		return cancelRedemption(ctx, tx, now, actor, d)
	})
	if err != nil {
		return nil, fmt.Errorf("models: cancel redemption: %w", err)
	}
	return GetRedemption(ctx, db.W, token)
}

func cancelRedemption(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, d *RewardRedemption) error {
	err := ReleaseHold(ctx, tx, now, actor, d.HoldID)
	if err != nil && !errors.Is(err, ErrHoldClosed) {
		return err
	}
	return closeRedemption(ctx, tx, now, actor, d, RedemptionCancelled, true)
}

func closeRedemption(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, d *RewardRedemption, status string, restock bool) error {
	r := tx.WithContext(ctx).Exec(`UPDATE reward_redemptions SET status = ?, closed_at = ?, closed_by = ? WHERE id = ? AND status = ?`,
		status, now, actor.ID, d.ID, RedemptionReserved)
	if r.Error != nil {
		return fmt.Errorf("models: close redemption: %w", r.Error)
	}
	if r.RowsAffected != 1 {
		return ErrRedemptionClosed
	}
	if restock {
		if err := tx.WithContext(ctx).Exec(`UPDATE rewards SET stock = stock + 1, redeemed = redeemed - 1 WHERE id = ?`,
			d.RewardID).Error; err != nil {
			return fmt.Errorf("models: close redemption: %w", err)
		}
	}
	return Audit(ctx, tx, now, actor, "reward."+status, "reward_redemption", d.ID, fmt.Sprintf("points=%d", d.Points))
}

// ExpireRedemptions cancels reserved redemptions nobody collected in time
// (points back, stock back) and returns how many; the scheduler runs it
// hourly, before the ledger's ReleaseExpiredHolds would free the points
// behind the order's back.
func ExpireRedemptions(ctx context.Context, db *DB, now time.Time) (int, error) {
	var tokens []string
	if err := db.R.WithContext(ctx).Raw(`SELECT token FROM reward_redemptions WHERE status = ? AND expires_at <= ? ORDER BY id`,
		RedemptionReserved, now.UTC()).Scan(&tokens).Error; err != nil {
		return 0, fmt.Errorf("models: expire redemptions: %w", err)
	}
	n := 0
	for _, tok := range tokens {
		_, err := CancelRedemption(ctx, db, now, SystemActor, tok)
		if errors.Is(err, ErrRedemptionClosed) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RedemptionQR renders the QR code staff scan to hand a reward over.
func RedemptionQR(token string, size int) ([]byte, error) {
	png, err := qrcode.Encode(token, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("models: redemption qr: %w", err)
	}
	return png, nil
}
