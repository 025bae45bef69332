package models

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Coupon kinds (seed 004 电子优惠券).
const (
	CouponAmount    = "amount"     // ¥X off
	CouponPercent   = "percent"    // X% off, with an optional cap
	CouponGift      = "gift"       // a free lesson or gift worth ¥X
	CouponNextOrder = "next_order" // ¥X off the next visit (not the day it was given)
)

// CouponKinds lists the kinds in display order.
var CouponKinds = []string{CouponAmount, CouponPercent, CouponGift, CouponNextOrder}

// Coupon statuses. Expiry is not a status: a coupon past valid_until is
// simply no longer usable, so no job has to sweep them.
const (
	CouponActive = "active"
	CouponUsed   = "used"
	CouponVoid   = "void"
)

// Expected coupon failures.
var (
	ErrCouponUnknown      = NewError(KindInvalid, "unknown-coupon", "err.coupon_unknown")
	ErrCouponNotMember    = NewError(KindInvalid, "coupon-not-member", "err.coupon_not_member")
	ErrCouponUsed         = NewError(KindConflict, "coupon-used", "err.coupon_used")
	ErrCouponVoid         = NewError(KindConflict, "coupon-void", "err.coupon_void")
	ErrCouponExpired      = NewError(KindConflict, "coupon-expired", "err.coupon_expired")
	ErrCouponNotYetValid  = NewError(KindConflict, "coupon-not-yet-valid", "err.coupon_not_yet_valid")
	ErrCouponNotStackable = NewError(KindInvalid, "coupon-not-stackable", "err.coupon_not_stackable")
	ErrCouponDuplicate    = NewError(KindInvalid, "coupon-duplicate", "err.coupon_duplicate")
	ErrCouponMinSpend     = NewError(KindInvalid, "coupon-min-spend", "err.coupon_min_spend")
	ErrCouponCategory     = NewError(KindInvalid, "coupon-category", "err.coupon_category")
	ErrCouponSoldOut      = NewError(KindConflict, "coupon-sold-out", "err.coupon_sold_out")
	ErrCouponMemberLimit  = NewError(KindConflict, "coupon-member-limit", "err.coupon_member_limit")
	ErrCouponClosed       = NewError(KindConflict, "coupon-template-closed", "err.coupon_template_closed")
	ErrCouponCodeWrong    = NewError(KindNotFound, "coupon-code-wrong", "err.coupon_code_wrong")
	ErrCouponRateLimited  = NewError(KindRateLimited, "coupon-redeem-limited", "err.coupon_redeem_limited")
)

// CouponTerms are what a coupon promises: copied from its template at issue.
type CouponTerms struct {
	Kind        string
	AmountOff   int64  // fen, for amount and next_order
	PercentOff  int64  // 1–99, for percent
	MaxDiscount int64  // fen cap of a percent coupon, 0 = none
	GiftValue   int64  // fen, what a gift or free lesson is worth
	MinSpend    int64  // fen of eligible lines before discounts
	Categories  string // comma list; "" = every category
	Stackable   bool
}

// CategoryList returns the categories the terms apply to (nil = all).
func (t CouponTerms) CategoryList() []string {
	if strings.TrimSpace(t.Categories) == "" {
		return nil
	}
	var out []string
	for _, c := range strings.Split(t.Categories, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Applies reports whether the terms cover a purchase category.
func (t CouponTerms) Applies(category string) bool {
	cs := t.CategoryList()
	return len(cs) == 0 || slices.Contains(cs, category)
}

// FaceValue is what one coupon can cost the school at most, the figure a
// budget is counted in: the amount off, a percent coupon's cap, a gift's
// value. An uncapped percent coupon counts 0 (give it a cap to budget it).
func (t CouponTerms) FaceValue() int64 {
	switch t.Kind {
	case CouponAmount, CouponNextOrder:
		return t.AmountOff
	case CouponPercent:
		return t.MaxDiscount
	case CouponGift:
		return t.GiftValue
	}
	return 0
}

// Validate checks the terms, returning field → message key.
func (t CouponTerms) Validate() map[string]string {
	f := map[string]string{}
	switch t.Kind {
	case CouponAmount, CouponNextOrder:
		if t.AmountOff <= 0 {
			f["amount_off"] = "err.coupon_amount_required"
		}
	case CouponPercent:
		if t.PercentOff < 1 || t.PercentOff > 99 {
			f["percent_off"] = "err.coupon_percent_range"
		}
		if t.MaxDiscount < 0 {
			f["max_discount"] = "err.coupon_negative"
		}
	case CouponGift:
		if t.GiftValue <= 0 {
			f["gift_value"] = "err.coupon_amount_required"
		}
	default:
		f["kind"] = "err.coupon_kind"
	}
	if t.MinSpend < 0 {
		f["min_spend"] = "err.coupon_negative"
	}
	for _, c := range t.CategoryList() {
		if !slices.Contains(Categories, c) {
			f["categories"] = "err.coupon_category_unknown"
		}
	}
	return f
}

// Validity is when an issued coupon may be used: [From, Until).
type Validity struct {
	From, Until time.Time
}

// ValidityAt works out the window of a coupon issued at now. A template with
// ValidDays gives N whole days in school time (the day of issue counts as
// the first, the coupon lasts until midnight ending the Nth); otherwise the
// template's fixed dates apply. A next-order coupon starts at the next
// midnight, so it cannot be spent in the visit that earned it. It returns
// ErrCouponClosed when the fixed window has already ended.
func ValidityAt(tp CouponTemplate, now time.Time, loc *time.Location) (Validity, error) {
	now = now.UTC()
	lt := now.In(loc)
	midnight := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	v := Validity{From: now}
	if tp.Kind == CouponNextOrder {
		v.From = midnight.AddDate(0, 0, 1).UTC()
	}
	if tp.ValidDays > 0 {
		v.Until = midnight.AddDate(0, 0, tp.ValidDays).UTC()
		if tp.Kind == CouponNextOrder {
			v.Until = v.Until.AddDate(0, 0, 1)
		}
		return v, nil
	}
	if tp.ValidFrom != nil && tp.ValidFrom.After(v.From) {
		v.From = tp.ValidFrom.UTC()
	}
	if tp.ValidUntil == nil {
		return v, ErrCouponClosed
	}
	v.Until = tp.ValidUntil.UTC()
	if !v.Until.After(now) || !v.Until.After(v.From) {
		return v, ErrCouponClosed
	}
	return v, nil
}

// CheckUsable says whether a coupon can be used at now by memberID.
func CheckUsable(c Coupon, memberID int64, now time.Time) error {
	switch {
	case c.MemberID != memberID:
		return ErrCouponNotMember.With(c.Code)
	case c.Status == CouponUsed:
		return ErrCouponUsed.With(c.Code)
	case c.Status == CouponVoid:
		return ErrCouponVoid.With(c.Code)
	case now.Before(c.ValidFrom):
		return ErrCouponNotYetValid.With(c.Code, c.ValidFrom)
	case !now.Before(c.ValidUntil):
		return ErrCouponExpired.With(c.Code)
	}
	return nil
}

// CouponLine is one line of a bill as the coupon rules see it.
type CouponLine struct {
	Category string
	Amount   int64 // fen, after any tier discount, before coupons
}

// CouponApplied is one coupon's effect on a bill.
type CouponApplied struct {
	CouponID int64
	Code     string
	Name     string
	Discount int64
}

// CouponResult is what a set of coupons does to a bill.
type CouponResult struct {
	Discount int64           // total fen off
	PerLine  []int64         // fen off each line, in the order given
	Applied  []CouponApplied // per coupon, in the order applied
}

// PriceCoupons applies coupons to a bill with no side effects. Rules:
//   - each coupon must belong to memberID and be usable at now;
//   - a code may appear once; two or more coupons must all be stackable;
//   - a coupon's minimum spend counts its eligible lines (its categories)
//     before any coupon;
//   - amount, next-order and gift coupons go first, percent ones after, on
//     what is left (so stacking never gives more than the bill);
//   - percent discounts round down to the fen and stop at the cap;
//   - a coupon's discount is taken from its eligible lines in bill order,
//     never making a line negative; a coupon that finds nothing to take
//     from is refused (ErrCouponCategory) rather than silently burnt.
func PriceCoupons(coupons []Coupon, memberID int64, lines []CouponLine, now time.Time) (CouponResult, error) {
	res := CouponResult{PerLine: make([]int64, len(lines))}
	if len(coupons) == 0 {
		return res, nil
	}
	seen := map[string]bool{}
	for _, c := range coupons {
		if seen[c.Code] {
			return res, ErrCouponDuplicate.With(c.Code)
		}
		seen[c.Code] = true
		if err := CheckUsable(c, memberID, now); err != nil {
			return res, err
		}
		if len(coupons) > 1 && !c.Stackable {
			return res, ErrCouponNotStackable.With(c.Name)
		}
	}
	order := slices.Clone(coupons)
	slices.SortStableFunc(order, func(a, b Coupon) int {
		pa, pb := a.Kind == CouponPercent, b.Kind == CouponPercent
		switch {
		case pa == pb:
			return 0
		case pb:
			return -1
		}
		return 1
	})
	left := make([]int64, len(lines))
	for i, l := range lines {
		left[i] = max(l.Amount, 0)
	}
	for _, c := range order {
		var eligible, remaining int64
		for i, l := range lines {
			if c.Applies(l.Category) {
				eligible += max(l.Amount, 0)
				remaining += left[i]
			}
		}
		if eligible == 0 {
			return res, ErrCouponCategory.With(c.Name)
		}
		if eligible < c.MinSpend {
			return res, ErrCouponMinSpend.With(c.Name, fmtYuan(c.MinSpend))
		}
		var want int64
		switch c.Kind {
		case CouponAmount, CouponNextOrder:
			want = c.AmountOff
		case CouponGift:
			want = c.GiftValue
		case CouponPercent:
			want = remaining * c.PercentOff / 100
			if c.MaxDiscount > 0 {
				want = min(want, c.MaxDiscount)
			}
		}
		want = min(want, remaining)
		if want <= 0 {
			return res, ErrCouponCategory.With(c.Name)
		}
		took := int64(0)
		for i, l := range lines {
			if took == want {
				break
			}
			if !c.Applies(l.Category) {
				continue
			}
			t := min(left[i], want-took)
			left[i] -= t
			res.PerLine[i] += t
			took += t
		}
		res.Discount += took
		res.Applied = append(res.Applied, CouponApplied{CouponID: c.ID, Code: c.Code, Name: c.Name, Discount: took})
	}
	return res, nil
}

// fmtYuan formats fen as ¥1,234.56 for messages built in models.
func fmtYuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	y := fmt.Sprint(fen / 100)
	var b strings.Builder
	for i, r := range y {
		if i > 0 && (len(y)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, b.String(), fen%100)
}
