package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LoyaltySetting is the settings name under which LoyaltyRules are stored.
const LoyaltySetting = "loyalty.rules"

// LoyaltyRules are the admin-configurable levers of coupons, rewards,
// referrals and birthdays. Money is in fen. A template id of 0 turns that
// trigger off.
type LoyaltyRules struct {
	// A single purchase paying at least PurchaseCouponMin earns a coupon of
	// PurchaseCouponTemplate (seed 004: over ¥200 → a ¥20 coupon).
	PurchaseCouponMin      int64 `json:"purchase_coupon_min"`
	PurchaseCouponTemplate int64 `json:"purchase_coupon_template"`
	// BirthdayTemplate is the birthday gift coupon (seed 004 case 8).
	BirthdayTemplate int64 `json:"birthday_template"`
	// TierUpgradeTemplate is given when a member moves up a tier.
	TierUpgradeTemplate int64 `json:"tier_upgrade_template"`
	// Referrals (seed 003): the referrer's gift and the new family's
	// percentage off tuition, by the referrer's grade ("key" = 重点,
	// "normal" = 一般 and the fallback for any other grade).
	ReferralGiftTemplate     int64            `json:"referral_gift_template"`
	ReferralDiscountTemplate int64            `json:"referral_discount_template"`
	ReferralGift             map[string]int64 `json:"referral_gift"`
	ReferralDiscountPercent  map[string]int64 `json:"referral_discount_percent"`
	// Phone + verification code redemption: at most this many failures per
	// phone and per IP within RedeemWindowMinutes.
	RedeemMaxFailuresPhone int `json:"redeem_max_failures_phone"`
	RedeemMaxFailuresIP    int `json:"redeem_max_failures_ip"`
	RedeemWindowMinutes    int `json:"redeem_window_minutes"`
	// A reward reserved but not handed over within RedemptionHoldDays is
	// cancelled and its points return.
	RedemptionHoldDays int `json:"redemption_hold_days"`
}

// DefaultLoyaltyRules returns the defaults of DOMAIN.md §3.5–3.7; the
// template ids are the built-in templates of migration 0040.
func DefaultLoyaltyRules() LoyaltyRules {
	return LoyaltyRules{
		PurchaseCouponMin:        20000,
		PurchaseCouponTemplate:   1,
		BirthdayTemplate:         2,
		TierUpgradeTemplate:      5,
		ReferralGiftTemplate:     3,
		ReferralDiscountTemplate: 4,
		ReferralGift:             map[string]int64{"key": 30000, "normal": 20000},
		ReferralDiscountPercent:  map[string]int64{"key": 20, "normal": 15},
		RedeemMaxFailuresPhone:   5,
		RedeemMaxFailuresIP:      20,
		RedeemWindowMinutes:      15,
		RedemptionHoldDays:       7,
	}
}

// ReferralTerms returns the referrer's gift (fen) and the new family's
// discount (percent) for a referrer of the given grade.
func (r LoyaltyRules) ReferralTerms(grade string) (gift, percent int64) {
	g := "normal"
	if grade == "key" || grade == "A" || grade == "重点" {
		g = "key"
	}
	gift, ok := r.ReferralGift[g]
	if !ok {
		gift = r.ReferralGift["normal"]
	}
	percent, ok = r.ReferralDiscountPercent[g]
	if !ok {
		percent = r.ReferralDiscountPercent["normal"]
	}
	return gift, percent
}

// ErrBadLoyaltyRules is returned when loyalty settings fail validation.
var ErrBadLoyaltyRules = NewError(KindInvalid, "bad-loyalty-rules", "err.loyalty_bad_rules")

// Validate checks the settings and returns field → message key.
func (r LoyaltyRules) Validate() map[string]string {
	f := map[string]string{}
	if r.PurchaseCouponMin < 0 {
		f["purchase_coupon_min"] = "err.coupon_negative"
	}
	for g, v := range r.ReferralGift {
		if v < 0 {
			f["referral_gift_"+g] = "err.coupon_negative"
		}
	}
	for g, v := range r.ReferralDiscountPercent {
		if v < 0 || v > 99 {
			f["referral_discount_"+g] = "err.coupon_percent_range"
		}
	}
	if r.RedeemMaxFailuresPhone < 1 {
		f["redeem_max_failures_phone"] = "err.loyalty_positive"
	}
	if r.RedeemMaxFailuresIP < 1 {
		f["redeem_max_failures_ip"] = "err.loyalty_positive"
	}
	if r.RedeemWindowMinutes < 1 {
		f["redeem_window_minutes"] = "err.loyalty_positive"
	}
	if r.RedemptionHoldDays < 1 {
		f["redemption_hold_days"] = "err.loyalty_positive"
	}
	return f
}

// LoadLoyaltyRules returns the settings in force at now over the defaults.
func LoadLoyaltyRules(ctx context.Context, db *gorm.DB, now time.Time) (LoyaltyRules, error) {
	r := DefaultLoyaltyRules()
	v, found, err := SettingAt(ctx, db, LoyaltySetting, now)
	if err != nil {
		return r, fmt.Errorf("models: load loyalty rules: %w", err)
	}
	if !found {
		return r, nil
	}
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return DefaultLoyaltyRules(), fmt.Errorf("models: load loyalty rules: %w", err)
	}
	return r, nil
}

// SaveLoyaltyRules stores a new version of the settings, effective at once,
// audited in the same transaction.
func SaveLoyaltyRules(ctx context.Context, db *DB, now time.Time, actor Actor, r LoyaltyRules) error {
	if f := r.Validate(); len(f) > 0 {
		return Invalid(f)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("models: save loyalty rules: %w", err)
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		for _, id := range []int64{r.PurchaseCouponTemplate, r.BirthdayTemplate, r.TierUpgradeTemplate,
			r.ReferralGiftTemplate, r.ReferralDiscountTemplate} {
			if id == 0 {
				continue
			}
			if _, err := GetCouponTemplate(ctx, tx, id); err != nil {
				return Invalid(map[string]string{"template": "err.coupon_template_unknown"})
			}
		}
		row := settingRow{Name: LoyaltySetting, Value: string(b), EffectiveAt: now.UTC(), ChangedBy: actor.ID, CreatedAt: now.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("models: save loyalty rules: %w", err)
		}
		return Audit(ctx, tx, now, actor, "loyalty.rules.save", "settings", row.ID, string(b))
	})
}

// schoolLoc returns the school's time zone from the ledger rules.
func schoolLoc(ctx context.Context, db *gorm.DB, now time.Time) (*time.Location, error) {
	r, err := LoadRules(ctx, db, now)
	if err != nil {
		return time.UTC, err
	}
	return r.Location(), nil
}
