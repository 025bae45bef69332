package reports_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// moneyFromSources is the money report summed straight from the purchases,
// top-ups and refunds — what the summaries must always equal.
func moneyFromSources(t *testing.T, db *models.DB, p reports.Period) reports.MoneyLine {
	t.Helper()
	var l reports.MoneyLine
	from, to := p.From.UTC(), p.To.UTC()
	var ps []struct{ Paid int64 }
	if err := db.R.Raw(`SELECT paid FROM purchases WHERE at >= ? AND at < ?`, from, to).Scan(&ps).Error; err != nil {
		t.Fatal(err)
	}
	for _, x := range ps {
		l.Sales += x.Paid
		l.Count++
	}
	var sums struct{ Topups, Bonus, PRefunds, TRefunds int64 }
	if err := db.R.Raw(`SELECT
		(SELECT COALESCE(SUM(amount), 0) FROM topups WHERE at >= ? AND at < ?) AS topups,
		(SELECT COALESCE(SUM(bonus), 0) FROM topups WHERE at >= ? AND at < ?) AS bonus,
		(SELECT COALESCE(SUM(amount), 0) FROM purchase_refunds WHERE at >= ? AND at < ?) AS p_refunds,
		(SELECT COALESCE(SUM(amount), 0) FROM topup_refunds WHERE at >= ? AND at < ?) AS t_refunds`,
		from, to, from, to, from, to, from, to).Scan(&sums).Error; err != nil {
		t.Fatal(err)
	}
	l.Topups, l.Bonus, l.Refunds = sums.Topups, sums.Bonus, sums.PRefunds+sums.TRefunds
	return l
}

// The money report reads the daily summaries: they follow every purchase,
// top-up and refund in its own transaction, bucket by the school's day, and
// a rebuild from the sources (the backfill with its watermark) gives the
// same figures, however often it runs.
func TestMoneySummariesFollowTheEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := seed(t, db)
		// Three days earlier, late evening in Shanghai (still the 28th there,
		// already the 28th in UTC too): a purchase paid half by stored value.
		earlier := time.Date(2026, 11, 28, 15, 30, 0, 0, time.UTC) // 23:30 Shanghai
		if _, err := models.RecordPurchase(ctx, db, earlier, f.idem("early"), models.PurchaseInput{MemberID: f.members[0],
			Items:    []models.PurchaseItem{{Category: models.CategoryMeals, Amount: 4000}, {Category: models.CategoryInterestClass, Amount: 6000}},
			Payments: []models.Payment{{Method: "stored_value", Amount: 5000}, {Method: "cash", Amount: 5000}}, Actor: f.actor[0]}); err != nil {
			t.Fatal(err)
		}
		var pid, tid int64
		db.R.Raw(`SELECT MAX(id) FROM purchases WHERE member_id = ?`, f.members[3]).Scan(&pid)
		db.R.Raw(`SELECT MAX(id) FROM topups WHERE member_id = ?`, f.members[2]).Scan(&tid)
		part := int64(1500)
		if _, err := models.RecordRefund(ctx, db, t0, f.idem("ref-1"), models.RefundInput{PurchaseID: pid, Amount: &part,
			Reason: "测试", Actor: f.actor[1]}); err != nil {
			t.Fatal(err)
		}
		tpart := int64(20000)
		if _, err := models.RecordTopupRefund(ctx, db, t0, f.idem("tref-1"), models.TopupRefundInput{TopupID: tid, Amount: &tpart,
			Reason: "测试", Actor: f.actor[1]}); err != nil {
			t.Fatal(err)
		}
		p := reports.Period{Loc: shanghai, Grain: reports.GrainDay,
			From: time.Date(2026, 11, 25, 0, 0, 0, 0, shanghai), To: time.Date(2026, 12, 3, 0, 0, 0, 0, shanghai)}
		want := moneyFromSources(t, db, p)
		if want.Refunds != 21500 || want.Count != 6 || want.Topups != 400000 {
			t.Fatalf("the fixture does not exercise every figure: %+v", want)
		}
		check := func(stage string) {
			t.Helper()
			m, err := reports.MoneyFor(ctx, db.R, p)
			if err != nil {
				t.Fatal(err)
			}
			got := m.Total
			if got.Hours != 1 {
				t.Fatalf("%s: class hours attended %d, the fixture attended one lesson", stage, got.Hours)
			}
			got.Bucket, got.Hours, got.Arrivals = "", 0, 0
			if got != want {
				t.Fatalf("%s: summaries %+v, sources %+v", stage, got, want)
			}
			days := map[string]int64{}
			for _, l := range m.Lines {
				days[l.Bucket] = l.Sales
			}
			if len(m.Lines) != 8 || days["2026-11-28"] != 10000 || days["2026-12-01"] != want.Sales-10000 {
				t.Fatalf("%s: days %v", stage, days)
			}
			var byMethod, byCat int64
			methods := map[string]int64{}
			for _, a := range m.ByMethod {
				byMethod += a.Amount
				methods[a.Key] = a.Amount
			}
			for _, a := range m.ByCategory {
				byCat += a.Amount
			}
			if byMethod != want.Sales || methods["stored_value"] != 5000 || byCat < want.Sales {
				t.Fatalf("%s: by method %v (sum %d), categories sum %d, sales %d", stage, m.ByMethod, byMethod, byCat, want.Sales)
			}
			south, err := reports.MoneyFor(ctx, db.R, reports.Period{Loc: shanghai, Grain: reports.GrainMonth, From: p.From, To: p.To,
				CampusIDs: []int64{f.campus[1]}})
			if err != nil {
				t.Fatal(err)
			}
			if south.Total.Sales != 25000 || south.Total.Refunds != 21500 || south.Total.Topups != 100000 || len(south.Lines) != 2 {
				t.Fatalf("%s: south campus %+v", stage, south)
			}
		}
		check("live")
		n, err := reports.Rebuild(ctx, db, t0)
		if err != nil || n == 0 {
			t.Fatalf("rebuild: %d %v", n, err)
		}
		check("rebuilt")
		if n, err := reports.Backfill(ctx, db, t0, 0); err != nil || n != 0 {
			t.Fatalf("backfill after rebuild summed %d rows again: %v", n, err)
		}
		check("backfilled twice")
		// A rebuild stopped after one batch resumes where it stopped.
		if err := db.W.Exec(`DELETE FROM report_daily`).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.W.Exec(`UPDATE report_backfill SET done = 0`).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := reports.Backfill(ctx, db, t0, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := reports.Backfill(ctx, db, t0, 0); err != nil {
			t.Fatal(err)
		}
		check("resumed")
		if n, err := reports.Compact(ctx, db, t0.AddDate(0, 0, 2)); err != nil || n == 0 {
			t.Fatalf("compact: %d %v", n, err)
		}
		var spread int64
		db.R.Raw(`SELECT COUNT(*) FROM report_daily WHERE slot > 0 AND day < '2026-12-02'`).Scan(&spread)
		if spread != 0 {
			t.Fatalf("compacting left %d rows in slots", spread)
		}
		check("compacted")
		// Desks selling at once: every sale lands in the summaries (no lost
		// update, no deadlock left unretried).
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 2; i++ {
					key := fmt.Sprintf("desk-%d-%d", g, i)
					if _, err := models.RecordPurchase(ctx, db, t0, f.idem(key), models.PurchaseInput{MemberID: f.members[g%4],
						Items:    []models.PurchaseItem{{Category: models.CategoryMeals, Amount: 100 + int64(g)}},
						Payments: []models.Payment{{Method: "cash", Amount: 100 + int64(g)}}, Actor: f.actor[(g%4)/2]}); err != nil {
						errs <- err
					}
				}
			}(g)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		want = moneyFromSources(t, db, p)
		if m, err := reports.MoneyFor(ctx, db.R, p); err != nil || m.Total.Sales != want.Sales || m.Total.Count != want.Count || want.Count != 22 {
			t.Fatalf("after concurrent sales: %+v %v, sources %+v", m.Total, err, want)
		}
		var lessons int64
		db.R.Raw(`SELECT COALESCE(SUM(n), 0) FROM report_daily WHERE metric = 'hours'`).Scan(&lessons)
		if lessons != 1 {
			t.Fatalf("lessons attended in the summaries: %d", lessons)
		}
	})
}

// Grades are named in the reader's language: the default scheme's and seed
// 000's A级…D级 have messages; a school's own code stands for itself.
func TestGradeLabel(t *testing.T) {
	for code, want := range map[string]string{"key": "crm.grade.key", "A": "crm.grade.A", "D": "crm.grade.D",
		reports.UngradedKey: "reports.members.ungraded", "VIP": ""} {
		if got := reports.GradeLabel(code); got != want {
			t.Errorf("GradeLabel(%q) = %q, want %q", code, got, want)
		}
	}
}
