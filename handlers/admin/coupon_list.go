package admin

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// couponListData is the coupons page: templates, the new-template form and
// the automatic triggers.
type couponListData struct {
	Templates  []models.CouponTemplate
	Kinds      []string
	Categories []string
	Rules      models.LoyaltyRules
}

func (l loyalty) couponPage(c *fiber.Ctx, status int, v render.View) error {
	ctx := c.UserContext()
	ts, err := models.ListCouponTemplates(ctx, l.DB.R)
	if err != nil {
		return err
	}
	rules, err := models.LoadLoyaltyRules(ctx, l.DB.R, l.Now())
	if err != nil {
		return err
	}
	v.Title = l.T(c, "coupon.title")
	v.D = couponListData{Templates: ts, Kinds: models.CouponKinds, Categories: models.Categories, Rules: rules}
	return l.Page(c, status, "admin/coupons", "coupons", v)
}

func (l loyalty) couponList(c *fiber.Ctx) error {
	return l.couponPage(c, fiber.StatusOK, render.View{})
}

var couponFormFields = []string{"name", "kind", "amount_off", "percent_off", "max_discount", "gift_value", "min_spend",
	"valid_days", "valid_from", "valid_until", "per_member_limit", "total_quantity", "budget", "stackable"}

func (l loyalty) couponCreate(c *fiber.Ctx) error {
	form := lyForm(c, couponFormFields...)
	errs := map[string]string{}
	money := func(name string) int64 {
		v, ok := lyYuan(form[name])
		if !ok {
			errs[name] = l.T(c, "err.loyalty_money")
		}
		return v
	}
	num := func(name string) int64 {
		v, ok := lyInt(form[name])
		if !ok {
			errs[name] = l.T(c, "err.loyalty_number")
		}
		return v
	}
	var cats []string
	for _, k := range models.Categories {
		if c.FormValue("cat_"+k) != "" {
			cats = append(cats, k)
			form["cat_"+k] = "on"
		}
	}
	n := models.NewCouponTemplate{Name: form["name"], CouponTerms: models.CouponTerms{Kind: form["kind"],
		AmountOff: money("amount_off"), PercentOff: num("percent_off"), MaxDiscount: money("max_discount"),
		GiftValue: money("gift_value"), MinSpend: money("min_spend"), Categories: strings.Join(cats, ","),
		Stackable: form["stackable"] != ""},
		ValidDays: int(num("valid_days")), PerMemberLimit: int(num("per_member_limit")),
		TotalQuantity: num("total_quantity"), Budget: money("budget")}
	var ok bool
	if n.ValidFrom, ok = lyDay(form["valid_from"], l.Loc, false); !ok {
		errs["valid_from"] = l.T(c, "err.loyalty_date")
	}
	if n.ValidUntil, ok = lyDay(form["valid_until"], l.Loc, true); !ok {
		errs["valid_until"] = l.T(c, "err.loyalty_date")
	}
	if len(errs) == 0 {
		tp, err := models.CreateCouponTemplate(c.UserContext(), l.DB, l.Now(), render.Actor(c), n)
		if err == nil {
			return l.couponPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "coupon.created", tp.Name), FlashKind: "ok"})
		}
		if _, isModel := models.AsError(err); !isModel {
			return err
		}
		errs = l.FieldErrors(c, err)
	}
	return l.couponPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: errs,
		Flash: l.T(c, "err.validation"), FlashKind: "error"})
}

func (l loyalty) couponSettingsSave(c *fiber.Ctx) error {
	form := lyForm(c, "purchase_coupon_min", "purchase_coupon_template", "birthday_template", "tier_upgrade_template",
		"referral_gift_key", "referral_gift_normal", "referral_discount_key", "referral_discount_normal",
		"redeem_max_failures_phone", "redeem_max_failures_ip", "redeem_window_minutes", "redemption_hold_days")
	r, err := models.LoadLoyaltyRules(c.UserContext(), l.DB.R, l.Now())
	if err != nil {
		return err
	}
	bad := false
	money := func(name string) int64 {
		v, ok := lyYuan(form[name])
		bad = bad || !ok
		return v
	}
	num := func(name string) int64 {
		v, ok := lyInt(form[name])
		bad = bad || !ok
		return v
	}
	r.PurchaseCouponMin = money("purchase_coupon_min")
	r.PurchaseCouponTemplate = num("purchase_coupon_template")
	r.BirthdayTemplate = num("birthday_template")
	r.TierUpgradeTemplate = num("tier_upgrade_template")
	r.ReferralGift = map[string]int64{"key": money("referral_gift_key"), "normal": money("referral_gift_normal")}
	r.ReferralDiscountPercent = map[string]int64{"key": num("referral_discount_key"), "normal": num("referral_discount_normal")}
	r.RedeemMaxFailuresPhone = int(num("redeem_max_failures_phone"))
	r.RedeemMaxFailuresIP = int(num("redeem_max_failures_ip"))
	r.RedeemWindowMinutes = int(num("redeem_window_minutes"))
	r.RedemptionHoldDays = int(num("redemption_hold_days"))
	if bad {
		return l.couponPage(c, fiber.StatusUnprocessableEntity, render.View{Flash: l.T(c, "err.loyalty_number"), FlashKind: "error"})
	}
	if err := models.SaveLoyaltyRules(c.UserContext(), l.DB, l.Now(), render.Actor(c), r); err != nil {
		if _, isModel := models.AsError(err); !isModel {
			return err
		}
		return l.couponPage(c, fiber.StatusUnprocessableEntity, render.View{Flash: l.T(c, "err.loyalty_bad_rules"), FlashKind: "error",
			Errors: l.FieldErrors(c, err)})
	}
	return l.couponPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "coupon.settings_saved"), FlashKind: "ok"})
}

func (l loyalty) setTemplateArchived(c *fiber.Ctx, archived bool) error {
	id, err := lyID(c, "id")
	if err != nil {
		return err
	}
	if err := models.SetCouponTemplateArchived(c.UserContext(), l.DB, l.Now(), render.Actor(c), id, archived); err != nil {
		return err
	}
	key := "coupon.activated"
	if archived {
		key = "coupon.archived"
	}
	return l.couponPage(c, fiber.StatusOK, render.View{Flash: l.T(c, key), FlashKind: "ok"})
}

func (l loyalty) couponArchive(c *fiber.Ctx) error  { return l.setTemplateArchived(c, true) }
func (l loyalty) couponActivate(c *fiber.Ctx) error { return l.setTemplateArchived(c, false) }
