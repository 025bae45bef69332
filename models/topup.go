package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Top-up refusals.
var (
	ErrPrepaidCap      = NewError(KindConflict, "prepaid-cap-exceeded", "err.topup_prepaid_cap")
	ErrTopupMethod     = NewError(KindInvalid, "bad-method", "err.topup_bad_method")
	ErrTopupNotFound   = NewError(KindNotFound, "unknown-topup", "err.topup_unknown")
	ErrNothingToRefund = NewError(KindConflict, "nothing-to-refund", "err.refund_nothing_left")
	ErrRefundTooLarge  = NewError(KindInvalid, "refund-too-large", "err.refund_too_large")
)

// TopupMethods are the ways money comes in for stored value.
var TopupMethods = []string{"cash", "wechat", "alipay", "bank_card"}

// TopupInput is a top-up as the desk or the API submits it.
type TopupInput struct {
	MemberID int64
	Amount   int64
	Method   string
	Actor    Actor
}

// Topup is a stored top-up.
type Topup struct {
	ID             int64
	MemberID       int64
	CampusID       int64
	Amount         int64
	Bonus          int64
	BonusPoints    int64
	Method         string
	Refunded       int64
	BonusForfeited int64
	ActorType      string
	ActorID        int64
	At             time.Time
}

// TableName maps Topup to its table.
func (Topup) TableName() string { return "topups" }

// TopupResult is the answer to a top-up (DOMAIN §4 plus extras).
type TopupResult struct {
	ID          int64     `json:"id"`
	MemberID    int64     `json:"member_id"`
	Amount      int64     `json:"amount"`
	Bonus       int64     `json:"bonus"`
	BonusPoints int64     `json:"bonus_points"`
	Method      string    `json:"method"`
	At          time.Time `json:"at"`
	Balances    Balances  `json:"balances"`
	// BonusCouponID is the coupon the bonus band gave, if any.
	BonusCouponID int64 `json:"bonus_coupon_id,omitempty"`
}

// ValidateTopup checks a top-up's amount and method.
func ValidateTopup(in TopupInput) error {
	f := map[string]string{}
	if in.Amount <= 0 || in.Amount > MaxAmount {
		f["amount"] = "err.ledger_bad_amount"
	}
	if _, ok := clearingAccount[in.Method]; !ok {
		f["method"] = "err.topup_bad_method"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// PostTopup records a top-up inside tx: principal from the payment method,
// the bonus band's bonus (and points), refused over the campus's prepaid cap
// with the most that can still be added.
func PostTopup(ctx context.Context, tx *gorm.DB, now time.Time, r Rules, in TopupInput) (*TopupResult, error) {
	now = now.UTC()
	if err := ValidateTopup(in); err != nil {
		return nil, err
	}
	w, err := lockWallet(ctx, tx, now, in.MemberID)
	if err != nil {
		return nil, err
	}
	band, _ := TopupBonus(r, w.Tier, in.Amount)
	held := w.Principal.Balance + w.Bonus.Balance
	limit := r.CapFor(w.CampusID)
	if held+in.Amount+band.BonusAmount > limit {
		room := max(0, limit-held)
		return nil, ErrPrepaidCap.With(Yuan(limit), Yuan(held), Yuan(MaxTopup(r, w.Tier, room)))
	}
	t := Topup{MemberID: w.MemberID, CampusID: campusOf(in.Actor, w), Amount: in.Amount, Bonus: band.BonusAmount,
		BonusPoints: band.BonusPoints, Method: in.Method, ActorType: orSystem(in.Actor.Type), ActorID: in.Actor.ID, At: now}
	if err := tx.WithContext(ctx).Create(&t).Error; err != nil {
		return nil, fmt.Errorf("models: post topup: %w", err)
	}
	d := &draft{Kind: KindTopup, CampusID: t.CampusID, Actor: in.Actor, RefType: "topup", RefID: t.ID}
	d.add(w.Principal, in.Amount)
	d.sys(clearingAccount[in.Method], AssetCNY, -in.Amount)
	d.add(w.Bonus, band.BonusAmount)
	d.sys(SysBonusExpense, AssetCNY, -band.BonusAmount)
	d.add(w.Points, band.BonusPoints)
	d.sys(SysPointsIssued, AssetPoints, -band.BonusPoints)
	jid, err := post(ctx, tx, now, d)
	if err != nil {
		return nil, fmt.Errorf("models: post topup: %w", err)
	}
	if band.BonusPoints > 0 {
		if err := addLot(ctx, tx, w.Points.ID, jid, band.BonusPoints, now, now, LotExpiry(now, r)); err != nil {
			return nil, fmt.Errorf("models: post topup: lot: %w", err)
		}
	}
	res := &TopupResult{ID: t.ID, MemberID: w.MemberID, Amount: t.Amount, Bonus: t.Bonus, BonusPoints: t.BonusPoints,
		Method: t.Method, At: now, Balances: w.balances()}
	if band.CouponTemplateID > 0 {
		// A coupon as bonus (充值送券). A template since archived or sold
		// out gives nothing rather than refusing the family's money.
		cp, err := IssueCoupon(ctx, tx, now, CouponIssue{TemplateID: band.CouponTemplateID, MemberID: w.MemberID,
			SourceKey: fmt.Sprintf("topup:%d", t.ID), Actor: in.Actor})
		switch {
		case err == nil:
			res.BonusCouponID = cp.ID
		case errors.Is(err, ErrCouponSoldOut), errors.Is(err, ErrCouponClosed), errors.Is(err, ErrNotFound):
		default:
			return nil, err
		}
	}
	if err := Emit(ctx, tx, DomainEvent{Type: EventTopupCreated, At: now, CampusID: t.CampusID, MemberID: w.MemberID,
		ObjectID: t.ID, Object: res, Actor: in.Actor}); err != nil {
		return nil, err
	}
	return res, nil
}

// RecordTopup runs PostTopup once per idempotency key (see RecordPurchase).
func RecordTopup(ctx context.Context, db *DB, now time.Time, id Idem, in TopupInput) (Outcome, error) {
	r, err := LoadRules(ctx, db.R, now)
	if err != nil {
		return Outcome{}, err
	}
	return runIdem(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := PostTopup(ctx, tx, now, r, in)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}

// TopupRefundInput asks to pay back principal of a top-up.
type TopupRefundInput struct {
	TopupID int64
	Amount  *int64 // principal to return; nil = all that is left
	Reason  string
	Actor   Actor
}

// TopupRefundResult is the answer to a top-up refund.
type TopupRefundResult struct {
	ID             int64    `json:"id"`
	TopupID        int64    `json:"topup_id"`
	Amount         int64    `json:"amount"`
	BonusForfeited int64    `json:"bonus_forfeited"`
	Method         string   `json:"method"`
	Balances       Balances `json:"balances"`
}

type topupRefundRow struct {
	ID             int64
	TopupID        int64
	JournalID      int64
	Amount         int64
	BonusForfeited int64
	Reason         string
	ActorType      string
	ActorID        int64
	At             time.Time
}

func (topupRefundRow) TableName() string { return "topup_refunds" }

// PostTopupRefund returns principal of a top-up to the method it came by, pro
// rata, and forfeits the bonus in the same proportion (cumulatively exact:
// refunding a top-up in parts forfeits exactly its bonus in the end). Bonus
// already spent cannot be forfeited: the forfeit stops at the bonus balance.
func PostTopupRefund(ctx context.Context, tx *gorm.DB, now time.Time, in TopupRefundInput) (*TopupRefundResult, error) {
	now = now.UTC()
	if in.Reason == "" {
		return nil, Invalid(map[string]string{"reason": "err.required"})
	}
	if ReasonTooLong(in.Reason) {
		return nil, Invalid(map[string]string{"reason": "sec.too_long"})
	}
	var t Topup
	res := tx.WithContext(ctx).Where("id = ?", in.TopupID).Limit(1).Find(&t)
	if res.Error != nil {
		return nil, fmt.Errorf("models: topup refund: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrTopupNotFound
	}
	w, err := lockWallet(ctx, tx, now, t.MemberID)
	if err != nil {
		return nil, err
	}
	// Re-read under the member lock: a concurrent refund may have moved it.
	if err := tx.WithContext(ctx).Where("id = ?", t.ID).Take(&t).Error; err != nil {
		return nil, fmt.Errorf("models: topup refund: %w", err)
	}
	left := t.Amount - t.Refunded
	if left <= 0 {
		return nil, ErrNothingToRefund
	}
	amount := left
	if in.Amount != nil {
		amount = *in.Amount
	}
	if amount <= 0 {
		return nil, ErrBadAmount.Field("amount", "err.ledger_bad_amount")
	}
	if amount > left {
		return nil, ErrRefundTooLarge.With(Yuan(left)).Field("amount", "err.refund_too_large_short")
	}
	if amount > w.Principal.Balance {
		return nil, ErrInsufficientBalance.With(Yuan(amount), Yuan(w.Principal.Balance))
	}
	forfeit := min(Cumulative(t.Bonus, t.Amount, t.Refunded, amount), w.Bonus.Balance)
	d := &draft{Kind: KindTopupRefund, CampusID: campusOf(in.Actor, w), Actor: in.Actor, RefType: "topup", RefID: t.ID,
		Reason: in.Reason}
	d.add(w.Principal, -amount)
	d.sys(clearingAccount[t.Method], AssetCNY, amount)
	d.add(w.Bonus, -forfeit)
	d.sys(SysBonusForfeited, AssetCNY, forfeit)
	jid, err := post(ctx, tx, now, d)
	if err != nil {
		return nil, fmt.Errorf("models: topup refund: %w", err)
	}
	row := topupRefundRow{TopupID: t.ID, JournalID: jid, Amount: amount, BonusForfeited: forfeit, Reason: truncate(in.Reason, 255),
		ActorType: orSystem(in.Actor.Type), ActorID: in.Actor.ID, At: now}
	if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
		return nil, fmt.Errorf("models: topup refund: %w", err)
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE topups SET refunded = refunded + ?, bonus_forfeited = bonus_forfeited + ? WHERE id = ?`,
		amount, forfeit, t.ID).Error; err != nil {
		return nil, fmt.Errorf("models: topup refund: %w", err)
	}
	out := &TopupRefundResult{ID: row.ID, TopupID: t.ID, Amount: amount, BonusForfeited: forfeit, Method: t.Method,
		Balances: w.balances()}
	if err := Emit(ctx, tx, DomainEvent{Type: EventTopupRefunded, At: now, CampusID: t.CampusID, MemberID: t.MemberID,
		ObjectID: row.ID, Object: out, Actor: in.Actor}); err != nil {
		return nil, err
	}
	return out, nil
}

// RecordTopupRefund runs PostTopupRefund once per idempotency key.
func RecordTopupRefund(ctx context.Context, db *DB, now time.Time, id Idem, in TopupRefundInput) (Outcome, error) {
	return runIdem(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := PostTopupRefund(ctx, tx, now, in)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}
