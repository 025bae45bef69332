package reports_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// TestMonthlyFoldEqualsDays: four months of purchases, the ended months
// folded as the reports job does, then a purchase back-dated into a folded
// month: the money by month read from the folded months equals the money by
// day summed per month, the loyalty section's paid equals the daily sums,
// and verify holds the folded months to their days (it notices one changed
// by hand).
func TestMonthlyFoldEqualsDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now, _, tomorrow, month := schoolClock()
		start := month.AddDate(0, -4, 0)
		s := newLiveSchool(t, db, start, "MF")
		member := s.member(t, 0, start, "月结")
		buy := func(at time.Time, amount int64) { t.Helper(); s.buy(t, 0, member, at, amount) }
		for d := start.Add(10 * time.Hour); d.Before(now); d = d.AddDate(0, 0, 9) {
			buy(d, 1000+int64(d.Day())*10)
		}
		months, err := reports.Fold(ctx, db, now)
		if err != nil || months < 4 {
			t.Fatalf("folded %d months (%v), want at least 4", months, err)
		}
		// A purchase entered today but dated in a folded month.
		buy(start.AddDate(0, 1, 3).Add(11*time.Hour), 777)
		if again, err := reports.Fold(ctx, db, now); err != nil || again != 0 {
			t.Errorf("a second fold folded %d months (%v)", again, err)
		}
		p := reports.Period{From: start.AddDate(0, 0, 5), To: tomorrow, Loc: shanghai, Grain: reports.GrainMonth}
		byMonth, err := reports.MoneyFor(ctx, db.R, p)
		if err != nil {
			t.Fatal(err)
		}
		p.Grain = reports.GrainDay
		byDay, err := reports.MoneyFor(ctx, db.R, p)
		if err != nil {
			t.Fatal(err)
		}
		sum := map[string]int64{}
		for _, l := range byDay.Lines {
			sum[l.Bucket[:7]] += l.Sales
		}
		if len(byMonth.Lines) != 5 || byMonth.Total != byDay.Total {
			t.Errorf("by month %d lines, total %+v; by day total %+v", len(byMonth.Lines), byMonth.Total, byDay.Total)
		}
		for _, l := range byMonth.Lines {
			if l.Sales != sum[l.Bucket] || l.Sales == 0 {
				t.Errorf("%s: sales by month %d, by day %d", l.Bucket, l.Sales, sum[l.Bucket])
			}
		}
		l, err := reports.LoyaltyFor(ctx, db.R, p)
		if err != nil || l.Paid != byDay.Total.Sales-byDay.Total.Refunds {
			t.Errorf("loyalty paid %+v (%v), the days' sales %d", l, err, byDay.Total.Sales)
		}
		if rep, err := models.Verify(ctx, db); err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
		if err := db.W.Exec("UPDATE report_monthly SET amount = amount + 1 WHERE metric = 'sales'").Error; err != nil {
			t.Fatal(err)
		}
		if rep, err := models.Verify(ctx, db); err != nil || rep.Clean() {
			t.Errorf("verify after a folded month was changed by hand: %v %v", err, rep.Problems)
		}
	})
}
