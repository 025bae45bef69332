package admin

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// registerRules mounts the business rules pages: everyone in the back office
// may read them; admins and service heads change them.
func (h handler) registerRules(r fiber.Router) {
	r.Get("/rules", h.rulesShow)
	r.Post("/rules", h.rulesSave) // admins and service heads: handlers/access.Table
}

func canEditRules(u *models.StaffUser) bool {
	return u != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleServiceHead)
}

// rulesData is the rules page.
type rulesData struct {
	F        *rulesForm
	Campuses []models.Campus
	Versions []rulesVersion
	CanEdit  bool
	Choices  []string                // band tier choices
	Coupons  []models.CouponTemplate // coupon templates a band may give
	Saved    bool
}

// rulesVersion is one stored version as the history shows it.
type rulesVersion struct {
	ID          int64
	EffectiveAt time.Time
	CreatedAt   time.Time
	By          string
	State       string // current, scheduled, past
	Changes     []ruleChange
}

type ruleChange struct{ Label, From, To string }

func (h handler) rulesPage(c *fiber.Ctx, status int, f *rulesForm, errs map[string]string, flash, kind string) error {
	ctx, now := c.UserContext(), h.Now()
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	if f == nil {
		r, err := models.LoadRules(ctx, h.DB.R, now)
		if err != nil {
			return err
		}
		f = formFromRules(r, campuses)
	}
	hist, err := models.RulesHistory(ctx, h.DB.R)
	if err != nil {
		return err
	}
	staff, err := models.ListStaff(ctx, h.DB.R)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, s := range staff {
		names[s.ID] = s.Name
	}
	d := &rulesData{F: f, Campuses: campuses, CanEdit: canEditRules(render.User(c)), Choices: bandTierChoices}
	if d.Coupons, err = models.ListCouponTemplates(ctx, h.DB.R); err != nil {
		return err
	}
	current := false
	for i, v := range hist {
		rv := rulesVersion{ID: v.ID, EffectiveAt: v.EffectiveAt, CreatedAt: v.CreatedAt, By: names[v.ChangedBy], State: "past"}
		switch {
		case v.EffectiveAt.After(now):
			rv.State = "scheduled"
		case !current:
			rv.State, current = "current", true
		}
		prev := models.DefaultRules()
		if i+1 < len(hist) {
			prev = hist[i+1].Rules
		}
		rv.Changes = h.ruleChanges(c, prev, v.Rules, campuses)
		d.Versions = append(d.Versions, rv)
	}
	v := render.View{Title: h.T(c, "rules.title"), D: d, Errors: errs}
	if flash != "" {
		v.Flash, v.FlashKind = flash, kind
	}
	return h.Page(c, status, "admin/rules", "", v)
}

// rulesShow shows the rules in force, the form to change them and the history.
func (h handler) rulesShow(c *fiber.Ctx) error {
	return h.rulesPage(c, fiber.StatusOK, nil, nil, "", "")
}

// rulesSave stores a new version that applies from the stated time (audited
// by SaveRules); a form with mistakes comes back with the fields marked.
func (h handler) rulesSave(c *fiber.Ctx) error {
	ctx, now := c.UserContext(), h.Now()
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	f := readRulesForm(c, campuses)
	base, err := models.LoadRules(ctx, h.DB.R, now)
	if err != nil {
		return err
	}
	r, eff, bad := f.toRules(base, campuses, h.Loc, now)
	if len(bad) == 0 {
		err = models.SaveRules(ctx, h.DB, now, render.Actor(c), r, eff)
		if e, ok := models.AsError(err); ok {
			for k, v := range e.Fields {
				bad[ruleField(k)] = v
			}
			if len(bad) == 0 {
				bad["effective_at"] = e.Key
			}
		} else if err != nil {
			return err
		}
	}
	if len(bad) > 0 {
		errs := map[string]string{}
		for k, key := range bad {
			errs[k] = h.T(c, key)
		}
		f.padBands()
		return h.rulesPage(c, fiber.StatusUnprocessableEntity, f, errs, h.T(c, "rules.fix"), "error")
	}
	msg := h.T(c, "rules.saved_now")
	if eff.After(now) {
		msg = h.T(c, "rules.saved_later", eff.In(h.Loc).Format("2006-01-02 15:04"))
	}
	return h.rulesPage(c, fiber.StatusOK, nil, nil, msg, "ok")
}

// ruleField maps Rules.Validate's field names onto the form's.
func ruleField(k string) string {
	switch k {
	case "points":
		return "redeem_points_per_yuan"
	case "periods":
		return "expiry_months"
	case "topup_bands":
		return "band_min_0"
	}
	return k
}

func readRulesForm(c *fiber.Ctx, campuses []models.Campus) *rulesForm {
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	f := &rulesForm{PointsPerYuan: v("points_per_yuan"), Category: map[string]string{}, AttendancePoints: v("attendance_points"),
		ExpiryMonths: v("expiry_months"), PendingDays: v("pending_days"), RedeemPointsPerYuan: v("redeem_points_per_yuan"),
		RedeemCapPercent: v("redeem_cap_percent"), ThresholdGold: v("threshold_gold"), ThresholdPlatinum: v("threshold_platinum"),
		TierWindowMonths: v("tier_window_months"), TermEnds: v("term_ends"), TierMultiplier: map[string]string{},
		TuitionDiscount: map[string]string{}, PaymentOrder: v("payment_order"), PrepaidCap: v("prepaid_cap"),
		CampusCap: map[int64]string{}, RefundApproval: v("refund_approval"), EffectiveAt: v("effective_at")}
	for _, cat := range models.Categories {
		f.Category[cat] = v("cat_" + cat)
	}
	for _, t := range models.TierOrder {
		f.TierMultiplier[t], f.TuitionDiscount[t] = v("tier_"+t), v("discount_"+t)
	}
	for _, cp := range campuses {
		f.CampusCap[cp.ID] = v("cap_" + strconv.FormatInt(cp.ID, 10))
	}
	args := c.Request().PostArgs()
	mins, bonuses, points, tiers := args.PeekMulti("band_min"), args.PeekMulti("band_bonus"), args.PeekMulti("band_points"),
		args.PeekMulti("band_tiers")
	coupons := args.PeekMulti("band_coupon")
	for i := range mins {
		b := bandForm{Min: strings.TrimSpace(string(mins[i]))}
		if i < len(bonuses) {
			b.Bonus = strings.TrimSpace(string(bonuses[i]))
		}
		if i < len(points) {
			b.Points = strings.TrimSpace(string(points[i]))
		}
		if i < len(tiers) {
			b.Tiers = string(tiers[i])
		}
		if i < len(coupons) {
			b.Coupon = strings.TrimSpace(string(coupons[i]))
		}
		ok := false
		for _, ch := range bandTierChoices {
			ok = ok || ch == b.Tiers
		}
		if !ok {
			b.Tiers = ""
		}
		f.Bands = append(f.Bands, b)
	}
	return f
}

// ruleChanges lists what a version changed against the one before it, in
// the words of the form.
func (h handler) ruleChanges(c *fiber.Ctx, prev, next models.Rules, campuses []models.Campus) []ruleChange {
	a, b := h.ruleLines(c, prev, campuses), h.ruleLines(c, next, campuses)
	var out []ruleChange
	for i := range b {
		if a[i][1] != b[i][1] {
			out = append(out, ruleChange{Label: b[i][0], From: a[i][1], To: b[i][1]})
		}
	}
	return out
}

// ruleLines flattens rules into (label, value) lines in a fixed order.
func (h handler) ruleLines(c *fiber.Ctx, r models.Rules, campuses []models.Campus) [][2]string {
	f := formFromRules(r, campuses)
	t := func(id string, args ...any) string { return h.T(c, id, args...) }
	y := func(s string) string {
		fen := parser{}.fen("", s)
		return models.Yuan(fen)
	}
	lines := [][2]string{
		{t("rules.points_per_yuan"), f.PointsPerYuan},
		{t("rules.attendance_points"), f.AttendancePoints},
		{t("rules.expiry_months"), f.ExpiryMonths},
		{t("rules.pending_days"), f.PendingDays},
		{t("rules.redeem_points_per_yuan"), f.RedeemPointsPerYuan},
		{t("rules.redeem_cap_percent"), f.RedeemCapPercent + "%"},
		{t("rules.threshold", t("tier.gold")), y(f.ThresholdGold)},
		{t("rules.threshold", t("tier.platinum")), y(f.ThresholdPlatinum)},
		{t("rules.tier_window_months"), f.TierWindowMonths},
		{t("rules.term_ends"), f.TermEnds},
		{t("rules.payment_order"), t("rules.order_" + f.PaymentOrder)},
		{t("rules.prepaid_cap"), y(f.PrepaidCap)},
		{t("rules.refund_approval"), y(f.RefundApproval)},
	}
	for _, cat := range models.Categories {
		lines = append(lines, [2]string{t("rules.category_multiplier", t("cashier.cat."+cat)), "×" + f.Category[cat]})
	}
	for _, tr := range models.TierOrder {
		lines = append(lines, [2]string{t("rules.tier_multiplier", t("tier."+tr)), "×" + f.TierMultiplier[tr]},
			[2]string{t("rules.tuition_discount", t("tier."+tr)), f.TuitionDiscount[tr] + "%"})
	}
	for _, cp := range campuses {
		v := f.CampusCap[cp.ID]
		if v != "" {
			v = y(v)
		}
		lines = append(lines, [2]string{t("rules.campus_cap", cp.Name), v})
	}
	var bands []string
	for _, b := range f.Bands {
		if b.Min == "" {
			continue
		}
		s := t("cashier.band", y(b.Min), y(b.Bonus))
		if b.Points != "0" && b.Points != "" {
			s += t("cashier.band_points", mustInt(b.Points))
		}
		if b.Coupon != "" {
			s += t("prog.rules.band_coupon", b.Coupon)
		}
		if b.Tiers != "" {
			s += "（" + t("rules.band_tiers_"+b.Tiers) + "）"
		}
		bands = append(bands, s)
	}
	return append(lines, [2]string{t("rules.bands"), strings.Join(bands, "；")})
}

func mustInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
