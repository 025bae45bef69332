package admin

import (
	"strconv"
	"strings"
	"time"

	"starcard/models"
)

// rulesForm is the rules page's form: every value as the admin reads and
// types it (yuan, multipliers like 1.5, percentages), converted to and from
// the integer rules (fen, permille) without floats.
type rulesForm struct {
	PointsPerYuan    string
	Category         map[string]string // multiplier, e.g. "1.5"
	AttendancePoints string
	ExpiryMonths     string
	PendingDays      string

	RedeemPointsPerYuan string
	RedeemCapPercent    string

	ThresholdGold     string
	ThresholdPlatinum string
	TierWindowMonths  string
	TermEnds          string
	TierMultiplier    map[string]string
	TuitionDiscount   map[string]string // percent, e.g. "5" or "2.5"

	Bands        []bandForm
	PaymentOrder string // "bonus" or "principal" first
	PrepaidCap   string
	CampusCap    map[int64]string

	RefundApproval string
	EffectiveAt    string // datetime-local, school time; blank = now
}

// bandForm is one top-up bonus band as typed; Tiers is "" (all) or a
// comma-separated list.
type bandForm struct {
	Min, Bonus, Points, Tiers string
	Coupon                    string // a coupon template id, "" = none
}

// bandTierChoices are the tier sets a band may be limited to.
var bandTierChoices = []string{"", "silver", "gold", "platinum", "gold,platinum"}

// fenText formats fen for an input: 500000 → "5000", 12345 → "123.45".
func fenText(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return strconv.FormatInt(fen/100, 10) + "." + pad2(fen%100)
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// milliText formats a permille as a decimal: 1500 → "1.5", 1000 → "1".
func milliText(pm int64) string {
	s := strconv.FormatInt(pm/1000, 10)
	if r := pm % 1000; r != 0 {
		f := strings.TrimRight(strconv.FormatInt(1000+r, 10)[1:], "0")
		s += "." + f
	}
	return s
}

// percentText formats a permille as a percentage: 50 → "5", 25 → "2.5".
func percentText(pm int64) string {
	s := strconv.FormatInt(pm/10, 10)
	if r := pm % 10; r != 0 {
		s += "." + strconv.FormatInt(r, 10)
	}
	return s
}

// formFromRules fills the form from rules.
func formFromRules(r models.Rules, campuses []models.Campus) *rulesForm {
	f := &rulesForm{
		PointsPerYuan: strconv.FormatInt(r.PointsPerYuan, 10), Category: map[string]string{},
		AttendancePoints: strconv.FormatInt(r.AttendancePoints, 10), ExpiryMonths: strconv.Itoa(r.ExpiryMonths),
		PendingDays: strconv.Itoa(r.PendingDays), RedeemPointsPerYuan: strconv.FormatInt(r.RedeemPointsPerYuan, 10),
		RedeemCapPercent: strconv.FormatInt(r.RedeemCapPercent, 10),
		ThresholdGold:    fenText(r.TierThresholds[models.TierGold]), ThresholdPlatinum: fenText(r.TierThresholds[models.TierPlatinum]),
		TierWindowMonths: strconv.Itoa(r.TierWindowMonths), TermEnds: strings.Join(r.TermEnds, ", "),
		TierMultiplier: map[string]string{}, TuitionDiscount: map[string]string{},
		PaymentOrder: "bonus", PrepaidCap: fenText(r.PrepaidCap), CampusCap: map[int64]string{},
		RefundApproval: fenText(r.RefundApprovalAmount),
	}
	for _, c := range models.Categories {
		pm, ok := r.CategoryPermille[c]
		if !ok {
			pm = 1000
		}
		f.Category[c] = milliText(pm)
	}
	for _, t := range models.TierOrder {
		pm, ok := r.TierPermille[t]
		if !ok {
			pm = 1000
		}
		f.TierMultiplier[t] = milliText(pm)
		f.TuitionDiscount[t] = percentText(r.TuitionDiscountPermille[t])
	}
	if len(r.PaymentOrder) > 0 && r.PaymentOrder[0] == "principal" {
		f.PaymentOrder = "principal"
	}
	for _, cp := range campuses {
		if v, ok := r.PrepaidCapByCampus[strconv.FormatInt(cp.ID, 10)]; ok {
			f.CampusCap[cp.ID] = fenText(v)
		}
	}
	for _, b := range r.TopupBands {
		f.Bands = append(f.Bands, bandForm{Min: fenText(b.MinAmount), Bonus: fenText(b.BonusAmount),
			Points: strconv.FormatInt(b.BonusPoints, 10), Tiers: strings.Join(b.Tiers, ",")})
		if b.CouponTemplateID > 0 {
			f.Bands[len(f.Bands)-1].Coupon = strconv.FormatInt(b.CouponTemplateID, 10)
		}
	}
	f.padBands()
	return f
}

// padBands leaves two empty band rows to add new bands.
func (f *rulesForm) padBands() {
	empty := 0
	for _, b := range f.Bands {
		if b.Min == "" && b.Bonus == "" && b.Points == "" && b.Coupon == "" {
			empty++
		}
	}
	for ; empty < 2; empty++ {
		f.Bands = append(f.Bands, bandForm{})
	}
}

// parser collects field errors (message keys) while reading the form.
type parser map[string]string

func (p parser) fen(field, s string) int64 {
	s = strings.TrimSpace(strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(s), "¥"), ",", ""))
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || len(whole) > 9 || (dot && (frac == "" || len(frac) > 2 || !digits(frac))) {
		p[field] = "err.rules_money"
		return 0
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < 2 {
		frac += "0"
	}
	fr, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + fr
}

func (p parser) integer(field, s string, lo, hi int64) int64 {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || !digits(s) || n < lo || n > hi {
		p[field] = "err.rules_int"
		return 0
	}
	return n
}

// scaled reads a non-negative decimal with at most places decimals, times 10^places.
func (p parser) scaled(field, s string, places int, key string) int64 {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || len(whole) > 6 || (dot && (frac == "" || len(frac) > places || !digits(frac))) {
		p[field] = key
		return 0
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	for len(frac) < places {
		frac += "0"
	}
	fr, _ := strconv.ParseInt(frac, 10, 64)
	mul := int64(1)
	for i := 0; i < places; i++ {
		mul *= 10
	}
	return w*mul + fr
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// toRules converts the form over base (fields the page does not show, like
// the time zone, keep their values) and returns the field errors (message
// keys) and the effective time.
func (f *rulesForm) toRules(base models.Rules, campuses []models.Campus, loc *time.Location, now time.Time) (models.Rules, time.Time, map[string]string) {
	p := parser{}
	r := base
	r.PointsPerYuan = p.integer("points_per_yuan", f.PointsPerYuan, 0, 1000)
	r.CategoryPermille = map[string]int64{}
	for _, c := range models.Categories {
		r.CategoryPermille[c] = p.scaled("cat_"+c, f.Category[c], 3, "err.rules_multiplier")
	}
	r.AttendancePoints = p.integer("attendance_points", f.AttendancePoints, 0, 100000)
	r.ExpiryMonths = int(p.integer("expiry_months", f.ExpiryMonths, 1, 120))
	r.PendingDays = int(p.integer("pending_days", f.PendingDays, 0, 365))
	r.RedeemPointsPerYuan = p.integer("redeem_points_per_yuan", f.RedeemPointsPerYuan, 1, 1000000)
	r.RedeemCapPercent = p.integer("redeem_cap_percent", f.RedeemCapPercent, 0, 100)

	gold, plat := p.fen("threshold_gold", f.ThresholdGold), p.fen("threshold_platinum", f.ThresholdPlatinum)
	if p["threshold_gold"] == "" && p["threshold_platinum"] == "" && plat <= gold {
		p["threshold_platinum"] = "err.rules_threshold_order"
	}
	r.TierThresholds = map[string]int64{models.TierSilver: 0, models.TierGold: gold, models.TierPlatinum: plat}
	r.TierWindowMonths = int(p.integer("tier_window_months", f.TierWindowMonths, 1, 60))
	r.TermEnds = nil
	for _, part := range strings.FieldsFunc(f.TermEnds, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' }) {
		if _, err := time.Parse("01-02", part); err != nil {
			p["term_ends"] = "err.rules_term_ends"
			continue
		}
		r.TermEnds = append(r.TermEnds, part)
	}
	r.TierPermille, r.TuitionDiscountPermille = map[string]int64{}, map[string]int64{}
	for _, t := range models.TierOrder {
		r.TierPermille[t] = p.scaled("tier_"+t, f.TierMultiplier[t], 3, "err.rules_multiplier")
		d := p.scaled("discount_"+t, f.TuitionDiscount[t], 1, "err.rules_percent")
		if d > 1000 {
			p["discount_"+t] = "err.rules_percent"
		}
		r.TuitionDiscountPermille[t] = d
	}

	r.TopupBands = nil
	for i, b := range f.Bands {
		if strings.TrimSpace(b.Min+b.Bonus+b.Points+b.Coupon) == "" {
			continue
		}
		k := strconv.Itoa(i)
		band := models.TopupBand{MinAmount: p.fen("band_min_"+k, b.Min)}
		if band.MinAmount <= 0 && p["band_min_"+k] == "" {
			p["band_min_"+k] = "err.rules_money_positive"
		}
		if strings.TrimSpace(b.Bonus) != "" {
			band.BonusAmount = p.fen("band_bonus_"+k, b.Bonus)
		}
		if strings.TrimSpace(b.Points) != "" {
			band.BonusPoints = p.integer("band_points_"+k, b.Points, 0, 10000000)
		}
		if b.Tiers != "" {
			band.Tiers = strings.Split(b.Tiers, ",")
		}
		if strings.TrimSpace(b.Coupon) != "" {
			band.CouponTemplateID = p.integer("band_coupon_"+k, b.Coupon, 1, 1<<50)
		}
		r.TopupBands = append(r.TopupBands, band)
	}
	r.PaymentOrder = []string{"bonus", "principal"}
	if f.PaymentOrder == "principal" {
		r.PaymentOrder = []string{"principal", "bonus"}
	}
	r.PrepaidCap = p.fen("prepaid_cap", f.PrepaidCap)
	r.PrepaidCapByCampus = map[string]int64{}
	for _, cp := range campuses {
		if v := strings.TrimSpace(f.CampusCap[cp.ID]); v != "" {
			r.PrepaidCapByCampus[strconv.FormatInt(cp.ID, 10)] = p.fen("cap_"+strconv.FormatInt(cp.ID, 10), v)
		}
	}
	r.RefundApprovalAmount = p.fen("refund_approval", f.RefundApproval)

	eff := now
	if s := strings.TrimSpace(f.EffectiveAt); s != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", s, loc)
		switch {
		case err != nil:
			p["effective_at"] = "err.rules_effective"
		case t.Before(now.Add(-time.Minute)):
			p["effective_at"] = "err.rules_effective_past"
		default:
			eff = t
		}
	}
	return r, eff, p
}
