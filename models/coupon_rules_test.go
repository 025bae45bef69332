package models_test

import (
	"errors"
	"testing"
	"time"

	"starcard/models"
)

var lyShanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// at is a wall-clock time in Shanghai.
func lyAt(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, lyShanghai).UTC()
}

func lyCoupon(code, kind string, opts ...func(*models.Coupon)) models.Coupon {
	c := models.Coupon{ID: int64(len(code)), Code: code, Name: code, MemberID: 7, Status: models.CouponActive,
		CouponTerms: models.CouponTerms{Kind: kind},
		ValidFrom:   lyAt(2026, 3, 1, 0, 0), ValidUntil: lyAt(2026, 4, 1, 0, 0)}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func TestPriceCoupons(t *testing.T) {
	now := lyAt(2026, 3, 10, 10, 0)
	amount := func(fen int64) func(*models.Coupon) { return func(c *models.Coupon) { c.AmountOff = fen } }
	pct := func(p, cap int64) func(*models.Coupon) {
		return func(c *models.Coupon) { c.PercentOff, c.MaxDiscount = p, cap }
	}
	minSpend := func(fen int64) func(*models.Coupon) { return func(c *models.Coupon) { c.MinSpend = fen } }
	cats := func(s string) func(*models.Coupon) { return func(c *models.Coupon) { c.Categories = s } }
	stack := func(c *models.Coupon) { c.Stackable = true }
	tuition := []models.CouponLine{{Category: "tuition", Amount: 300000}}
	mixed := []models.CouponLine{{Category: "meals", Amount: 5000}, {Category: "tuition", Amount: 20000}}

	cases := []struct {
		name     string
		coupons  []models.Coupon
		lines    []models.CouponLine
		member   int64
		now      time.Time
		discount int64
		perLine  []int64
		err      error
	}{
		{name: "¥20 off", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(2000))}, lines: tuition,
			discount: 2000, perLine: []int64{2000}},
		{name: "amount never exceeds the bill", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(9000))},
			lines: []models.CouponLine{{Category: "meals", Amount: 3000}}, discount: 3000, perLine: []int64{3000}},
		{name: "15% off rounds down to the fen", coupons: []models.Coupon{lyCoupon("P", models.CouponPercent, pct(15, 0))},
			lines: []models.CouponLine{{Category: "tuition", Amount: 12345}}, discount: 1851, perLine: []int64{1851}},
		{name: "percent stops at its cap", coupons: []models.Coupon{lyCoupon("P", models.CouponPercent, pct(20, 30000))},
			lines: tuition, discount: 30000},
		{name: "min spend met", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(5000), minSpend(20000))},
			lines: []models.CouponLine{{Category: "tuition", Amount: 20000}}, discount: 5000},
		{name: "min spend missed", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(5000), minSpend(20000))},
			lines: []models.CouponLine{{Category: "tuition", Amount: 19999}}, err: models.ErrCouponMinSpend},
		{name: "min spend counts only eligible categories",
			coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(1000), minSpend(10000), cats("meals"))},
			lines:   mixed, err: models.ErrCouponMinSpend},
		{name: "category coupon takes only from its lines",
			coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(8000), cats("meals"))},
			lines:   mixed, discount: 5000, perLine: []int64{5000, 0}},
		{name: "no eligible line", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(1000), cats("materials"))},
			lines: mixed, err: models.ErrCouponCategory},
		{name: "two non-stackable refused",
			coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(1000)), lyCoupon("BB", models.CouponAmount, amount(1000), stack)},
			lines:   tuition, err: models.ErrCouponNotStackable},
		{name: "stackable: amount first, then percent on the rest",
			coupons: []models.Coupon{lyCoupon("P", models.CouponPercent, pct(10, 0), stack), lyCoupon("AA", models.CouponAmount, amount(5000), stack)},
			lines:   []models.CouponLine{{Category: "tuition", Amount: 20000}}, discount: 5000 + 1500, perLine: []int64{6500}},
		{name: "same code twice", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(1000), stack), lyCoupon("A", models.CouponAmount, amount(1000), stack)},
			lines: tuition, err: models.ErrCouponDuplicate},
		{name: "someone else's coupon", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(1000))}, lines: tuition,
			member: 8, err: models.ErrCouponNotMember},
		{name: "used", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(1000), func(c *models.Coupon) { c.Status = models.CouponUsed })},
			lines: tuition, err: models.ErrCouponUsed},
		{name: "expired at the stroke of valid_until", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(1000))},
			lines: tuition, now: lyAt(2026, 4, 1, 0, 0), err: models.ErrCouponExpired},
		{name: "last second still valid", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(1000))},
			lines: tuition, now: lyAt(2026, 4, 1, 0, 0).Add(-time.Second), discount: 1000},
		{name: "not yet valid", coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(1000))},
			lines: tuition, now: lyAt(2026, 2, 28, 23, 59), err: models.ErrCouponNotYetValid},
		{name: "free lesson worth ¥150 on a ¥120 lesson", coupons: []models.Coupon{lyCoupon("G", models.CouponGift, func(c *models.Coupon) { c.GiftValue = 15000 })},
			lines: []models.CouponLine{{Category: "interest_class", Amount: 12000}}, discount: 12000},
		{name: "discount spread over lines in order",
			coupons: []models.Coupon{lyCoupon("A", models.CouponAmount, amount(7000))},
			lines:   mixed, discount: 7000, perLine: []int64{5000, 2000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			member := tc.member
			if member == 0 {
				member = 7
			}
			when := tc.now
			if when.IsZero() {
				when = now
			}
			res, err := models.PriceCoupons(tc.coupons, member, tc.lines, when)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Discount != tc.discount {
				t.Fatalf("discount = %d, want %d", res.Discount, tc.discount)
			}
			var sum int64
			for i, d := range res.PerLine {
				sum += d
				if d > tc.lines[i].Amount {
					t.Fatalf("line %d discounted %d, more than its %d", i, d, tc.lines[i].Amount)
				}
			}
			if sum != res.Discount {
				t.Fatalf("per-line discounts sum to %d, total says %d", sum, res.Discount)
			}
			if tc.perLine != nil {
				for i, want := range tc.perLine {
					if res.PerLine[i] != want {
						t.Fatalf("line %d discount %d, want %d", i, res.PerLine[i], want)
					}
				}
			}
		})
	}
}

func TestValidityAt(t *testing.T) {
	issued := lyAt(2026, 3, 10, 21, 30) // evening in Shanghai, 13:30 UTC
	from := lyAt(2026, 3, 1, 0, 0)
	until := lyAt(2026, 3, 31, 0, 0)
	past := lyAt(2026, 3, 5, 0, 0)
	cases := []struct {
		name      string
		tp        models.CouponTemplate
		wantFrom  time.Time
		wantUntil time.Time
		err       error
	}{
		{"30 days from issue: through the 30th day, school time", models.CouponTemplate{ValidDays: 30, CouponTerms: models.CouponTerms{Kind: models.CouponAmount}},
			issued, lyAt(2026, 4, 9, 0, 0), nil},
		{"next order starts at the next midnight", models.CouponTemplate{ValidDays: 7, CouponTerms: models.CouponTerms{Kind: models.CouponNextOrder}},
			lyAt(2026, 3, 11, 0, 0), lyAt(2026, 3, 18, 0, 0), nil},
		{"fixed dates", models.CouponTemplate{ValidFrom: &from, ValidUntil: &until, CouponTerms: models.CouponTerms{Kind: models.CouponAmount}},
			issued, until, nil},
		{"fixed window already over", models.CouponTemplate{ValidUntil: &past, CouponTerms: models.CouponTerms{Kind: models.CouponAmount}},
			time.Time{}, time.Time{}, models.ErrCouponClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := models.ValidityAt(tc.tp, issued, lyShanghai)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !v.From.Equal(tc.wantFrom) || !v.Until.Equal(tc.wantUntil) {
				t.Fatalf("window [%s, %s), want [%s, %s)", v.From.In(lyShanghai), v.Until.In(lyShanghai),
					tc.wantFrom.In(lyShanghai), tc.wantUntil.In(lyShanghai))
			}
		})
	}
}

func TestTemplateRemainingAndValidation(t *testing.T) {
	tp := models.CouponTemplate{CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000},
		TotalQuantity: 100, IssuedCount: 95, Budget: 1000000, IssuedValue: 990000}
	if got := tp.Remaining(); got != 2 { // budget allows 2 more ¥50 coupons, quantity 5
		t.Fatalf("remaining = %d, want 2 (budget binds)", got)
	}
	tp.Budget = 0
	if got := tp.Remaining(); got != 5 {
		t.Fatalf("remaining = %d, want 5", got)
	}
	tp.TotalQuantity = 0
	if got := tp.Remaining(); got != -1 {
		t.Fatalf("remaining = %d, want -1 (no limit)", got)
	}
	bad := models.NewCouponTemplate{Name: "", CouponTerms: models.CouponTerms{Kind: models.CouponPercent, PercentOff: 120, Categories: "toys"}}
	f := bad.Validate()
	for _, k := range []string{"name", "percent_off", "categories", "valid_until"} {
		if f[k] == "" {
			t.Errorf("want a message for %s, got %v", k, f)
		}
	}
	uncapped := models.NewCouponTemplate{Name: "八五折", ValidDays: 30, Budget: 100000,
		CouponTerms: models.CouponTerms{Kind: models.CouponPercent, PercentOff: 15}}
	if f := uncapped.Validate(); f["budget"] == "" {
		t.Errorf("an uncapped percent coupon cannot be budgeted: %v", f)
	}
}
