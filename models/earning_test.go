package models_test

import (
	"errors"
	"testing"

	"starcard/models"
)

func TestPointsEarnedRoundsOnceOverTheBill(t *testing.T) {
	r := models.DefaultRules()
	r.CategoryPermille[models.CategoryTuition] = 2000
	cases := []struct {
		name  string
		tier  string
		lines []models.EarnLine
		want  int64
	}{
		{"¥1 earns 1 point", models.TierSilver, []models.EarnLine{{models.CategoryMeals, 100}}, 1},
		{"99 fen earns nothing", models.TierSilver, []models.EarnLine{{models.CategoryMeals, 99}}, 0},
		{"two ¥1.50 lines earn 3, not 2", models.TierSilver, []models.EarnLine{{models.CategoryMeals, 150}, {models.CategoryOther, 150}}, 3},
		{"gold ×1.2 rounds down", models.TierGold, []models.EarnLine{{models.CategoryMeals, 9999}}, 119},
		{"platinum ×1.5", models.TierPlatinum, []models.EarnLine{{models.CategoryMeals, 100000}}, 1500},
		{"tuition ×2 at gold", models.TierGold, []models.EarnLine{{models.CategoryTuition, 100000}}, 2400},
		{"refunded-to-zero lines count nothing", models.TierSilver, []models.EarnLine{{models.CategoryMeals, 0}, {models.CategoryMeals, -500}}, 0},
		{"huge bills do not overflow", models.TierPlatinum, []models.EarnLine{{models.CategoryTuition, models.MaxAmount}}, 300_000_000},
	}
	for _, c := range cases {
		if got := models.PointsEarned(r, c.tier, c.lines); got != c.want {
			t.Errorf("%s: %d points, want %d", c.name, got, c.want)
		}
	}
}

func TestShareOfAndCumulativeNeverLoseAFen(t *testing.T) {
	for _, c := range []struct {
		amount  int64
		weights []int64
		want    []int64
	}{
		{100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{1, []int64{3, 0, 2}, []int64{1, 0, 0}},
		{10, []int64{0, 0}, []int64{0, 0}},
		{7, []int64{5000, 2500}, []int64{5, 2}},
	} {
		got := models.ShareOf(c.amount, c.weights)
		var sum int64
		for i := range got {
			sum += got[i]
			if got[i] != c.want[i] {
				t.Errorf("ShareOf(%d, %v) = %v, want %v", c.amount, c.weights, got, c.want)
				break
			}
		}
		if sum != c.amount && sum != 0 {
			t.Errorf("ShareOf(%d, %v) sums to %d", c.amount, c.weights, sum)
		}
	}
	// Proportional reversal: 333 points over a ¥100.00 purchase refunded in
	// uneven steps gives back exactly 333 in the end, whatever the steps.
	for _, steps := range [][]int64{{1, 9999}, {3333, 3333, 3334}, {5000, 5000}, {1, 1, 1, 9997}} {
		var done, sum int64
		for _, s := range steps {
			sum += models.Cumulative(333, 10000, done, s)
			done += s
		}
		if sum != 333 {
			t.Errorf("steps %v reversed %d points, want 333", steps, sum)
		}
	}
	if got := models.Cumulative(333, 10000, 0, 5000); got != 166 {
		t.Errorf("half of 333 points = %d, want 166 (rounded down)", got)
	}
}

func TestTopupBonusBandsAndTheCap(t *testing.T) {
	r := models.DefaultRules()
	r.TopupBands = append(r.TopupBands, models.TopupBand{MinAmount: 200000, BonusAmount: 30000, Tiers: []string{models.TierPlatinum}})
	for _, c := range []struct {
		tier   string
		amount int64
		bonus  int64
	}{
		{models.TierSilver, 99999, 0},
		{models.TierSilver, 100000, 10000},
		{models.TierSilver, 299999, 10000},
		{models.TierPlatinum, 250000, 30000}, // a platinum-only band
		{models.TierSilver, 300000, 40000},
		{models.TierGold, 500000, 80000},
	} {
		b, _ := models.TopupBonus(r, c.tier, c.amount)
		if b.BonusAmount != c.bonus {
			t.Errorf("%s tops up %d: bonus %d, want %d", c.tier, c.amount, b.BonusAmount, c.bonus)
		}
	}
	// MaxTopup agrees with a brute force over every amount.
	for _, room := range []int64{0, 1, 50000, 109999, 110000, 110001, 339999, 340000, 480000, 500000, 580000, 600000} {
		var want int64
		for a := int64(1); a <= room; a++ {
			b, _ := models.TopupBonus(r, models.TierSilver, a)
			if a+b.BonusAmount <= room {
				want = a
			}
		}
		if got := models.MaxTopup(r, models.TierSilver, room); got != want {
			t.Errorf("MaxTopup(room %d) = %d, brute force %d", room, got, want)
		}
	}
}

func TestQuotePurchasePointsForCash(t *testing.T) {
	r := models.DefaultRules()
	items := []models.PurchaseItem{{Category: models.CategoryMeals, Amount: 10000}}
	q, err := models.QuotePurchase(r, models.TierSilver, items, 5000)
	if err != nil || q.PointsDiscount != 5000 || q.Due != 5000 || q.PointsEarned != 50 {
		t.Fatalf("50%% by points: %+v %v", q, err)
	}
	if _, err := models.QuotePurchase(r, models.TierSilver, items, 5001); !errors.Is(err, models.ErrPointsCap) {
		t.Fatalf("over the cap: %v", err)
	}
	r.RedeemPointsPerYuan = 150
	if _, err := models.QuotePurchase(r, models.TierSilver, items, 1); !errors.Is(err, models.ErrPointsStep) {
		t.Fatalf("1 point at 150/¥1 is not a whole fen: %v", err)
	}
	if q, err := models.QuotePurchase(r, models.TierSilver, items, 3); err != nil || q.PointsDiscount != 2 {
		t.Fatalf("3 points at 150/¥1 = 2 fen: %+v %v", q, err)
	}
	r = models.DefaultRules()
	r.TuitionDiscountPermille[models.TierGold] = 50
	q, err = models.QuotePurchase(r, models.TierGold, []models.PurchaseItem{{Category: models.CategoryTuition, Amount: 9999},
		{Category: models.CategoryMeals, Amount: 1000}}, 0)
	if err != nil || q.TierDiscount != 499 || q.Due != 10500 {
		t.Fatalf("gold 5%% off tuition (rounded down per line): %+v %v", q, err)
	}
}

func TestParseYuan(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1280", 128000, true}, {"1,280.5", 128050, true}, {"¥1,234,567.89", 123456789, true}, {" 0.01 ", 1, true},
		{"0", 0, true}, {"12.", 0, false}, {".5", 0, false}, {"1.234", 0, false}, {"-5", 0, false}, {"1,23", 0, false},
		{"12,345,67", 0, false}, {"1e3", 0, false}, {"", 0, false}, {"¥", 0, false}, {"100000001", 0, false},
		{"100000000", models.MaxAmount, true}, {"１２", 0, false},
	} {
		got, err := models.ParseYuan(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}
