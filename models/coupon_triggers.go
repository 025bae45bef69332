package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// PurchaseFacts is what the loyalty levers need to know about a purchase
// that has just been posted.
type PurchaseFacts struct {
	PurchaseID int64
	MemberID   int64
	Paid       int64        // fen the family paid after every discount (stored value counts)
	Lines      []CouponLine // each line after discounts
	Actor      Actor
}

// AfterPurchaseResult says what a purchase triggered, for the receipt.
type AfterPurchaseResult struct {
	Coupon   *Coupon        // the "spend ¥200, get ¥20" coupon, if earned
	Stamps   []StampOutcome // stamps added (and cards filled)
	Referral *Referral      // the referral this purchase completed, if any
}

// AfterPurchase runs the loyalty triggers of a purchase inside its
// transaction tx: a coupon for a single purchase paying at least the
// configured minimum (seed 004: ¥200 → ¥20), stamps on purchase programs,
// and the referral reward on a referred family's first enrolment. Each is
// keyed on the purchase id, so running it twice for one purchase gives
// nothing twice.
func AfterPurchase(ctx context.Context, tx *gorm.DB, now time.Time, p PurchaseFacts) (AfterPurchaseResult, error) {
	now = now.UTC()
	var out AfterPurchaseResult
	rules, err := LoadLoyaltyRules(ctx, tx, now)
	if err != nil {
		return out, err
	}
	if rules.PurchaseCouponTemplate != 0 && rules.PurchaseCouponMin > 0 && p.Paid >= rules.PurchaseCouponMin {
		c, err := IssueCoupon(ctx, tx, now, CouponIssue{TemplateID: rules.PurchaseCouponTemplate, MemberID: p.MemberID,
			SourceKey: fmt.Sprintf("purchase:%d", p.PurchaseID)})
		switch {
		case err == nil:
			out.Coupon = c
		case isSoftCouponRefusal(err):
			// An exhausted or closed trigger template must not block the sale.
		default:
			return out, err
		}
	}
	out.Stamps, err = stampFor(ctx, tx, now, p.MemberID, StampFromPurchase, fmt.Sprintf("purchase:%d", p.PurchaseID),
		func(sp StampProgram) bool {
			var amount int64
			for _, l := range p.Lines {
				if sp.Category == "" || sp.Category == l.Category {
					amount += l.Amount
				}
			}
			return amount > 0 && amount >= sp.MinAmount
		})
	if err != nil {
		return out, err
	}
	out.Referral, err = referralAfterPurchase(ctx, tx, now, p)
	return out, err
}

// isSoftCouponRefusal reports refusals an automatic trigger shrugs off: the
// template ran out, was archived, or the member reached its limit.
func isSoftCouponRefusal(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	switch e.Code {
	case ErrCouponSoldOut.Code, ErrCouponClosed.Code, ErrCouponMemberLimit.Code:
		return true
	}
	return false
}

// AfterTierUpgrade gives the tier-upgrade coupon, inside the transaction
// that moved the member up (once per member per tier reached).
func AfterTierUpgrade(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64, from, to string) (*Coupon, error) {
	if TierRank(to) <= TierRank(from) {
		return nil, nil
	}
	rules, err := LoadLoyaltyRules(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	if rules.TierUpgradeTemplate == 0 {
		return nil, nil
	}
	c, err := IssueCoupon(ctx, tx, now, CouponIssue{TemplateID: rules.TierUpgradeTemplate, MemberID: memberID,
		SourceKey: fmt.Sprintf("tier:%d:%s", memberID, to)})
	if isSoftCouponRefusal(err) {
		return nil, nil
	}
	return c, err
}
