package reports_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// TestPaidByGradeAndTier: three members of different grades and tiers buy
// over four months at two campuses; one purchase is partly refunded; then
// a member changes grade and buys again. Narrowed to a grade, a tier or
// both, the loyalty section's paid — read from the summaries, whole folded
// months included — equals the purchases' own grade and tier summed, the
// payment made before the grade change stays with the old grade, verify
// holds the days' paid by grade to their sales (and notices a changed
// row), and the backfill that 0211 starts rebuilds the same figures.
func TestPaidByGradeAndTier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now, _, tomorrow, month := schoolClock()
		start := month.AddDate(0, -4, 0)
		s := newLiveSchool(t, db, start, "PG", "PH")
		key := s.member(t, 0, start, "重点")
		general := s.member(t, 1, start, "一般")
		none := s.member(t, 0, start, "未分级")
		for _, u := range []struct {
			id          int64
			grade, tier string
		}{{key, "key", models.TierGold}, {general, "general", models.TierSilver}, {none, "", models.TierSilver}} {
			if err := db.W.Exec("UPDATE members SET grade = ?, tier = ? WHERE id = ?", u.grade, u.tier, u.id).Error; err != nil {
				t.Fatal(err)
			}
		}
		var keyPaid int64 // paid by the key member while key
		for d, i := start.Add(9*time.Hour), int64(0); d.Before(now.Add(-48 * time.Hour)); d, i = d.AddDate(0, 0, 6), i+1 {
			s.buy(t, 0, key, d, 1000+i)
			keyPaid += 1000 + i
			s.buy(t, 1, general, d.Add(time.Hour), 2000+i)
			s.buy(t, 0, none, d.Add(2*time.Hour), 300+i)
		}
		// Half of the key member's first purchase back, today.
		var first int64
		if err := db.R.Raw("SELECT MIN(id) FROM purchases WHERE member_id = ?", key).Scan(&first).Error; err != nil {
			t.Fatal(err)
		}
		half := int64(500)
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.PostRefund(ctx, tx, now.Add(-time.Hour), models.RefundInput{PurchaseID: first, Amount: &half, Reason: "半退",
				Actor: s.actor[0]})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if months, err := reports.Fold(ctx, db, now); err != nil || months < 3 {
			t.Fatalf("folded %d months (%v)", months, err)
		}
		// The key member becomes general and buys again: that one is general's.
		if err := db.W.Exec("UPDATE members SET grade = 'general' WHERE id = ?", key).Error; err != nil {
			t.Fatal(err)
		}
		s.buy(t, 0, key, now.Add(-30*time.Minute), 4444)

		filters := []reports.Filter{{Grade: "key"}, {Grade: "general"}, {Grade: reports.UngradedKey}, {Tier: models.TierGold},
			{Tier: models.TierSilver}, {Grade: "key", Tier: models.TierGold}, {Grade: "general", Tier: models.TierGold}}
		check := func(label string) {
			t.Helper()
			for _, from := range []time.Time{tomorrow.AddDate(0, 0, -30), start.AddDate(0, 0, 3)} {
				for _, grain := range []string{reports.GrainDay, reports.GrainMonth} {
					for _, cs := range [][]int64{nil, {s.campus[0]}, {s.campus[1]}} {
						for _, f := range filters {
							p := reports.Period{From: from, To: tomorrow, CampusIDs: cs, Loc: shanghai, Grain: grain, Filter: f}
							sum, err := reports.PaidFromSummaries(ctx, db.R, p)
							hist, err2 := reports.PaidFromPurchases(ctx, db.R, p)
							l, err3 := reports.LoyaltyFor(ctx, db.R, p)
							if err != nil || err2 != nil || err3 != nil || sum != hist || l.Paid != sum {
								t.Errorf("%s: from %s by %s, campuses %v, %+v: paid from the summaries %d (%v), from the purchases %d (%v), loyalty %v (%v)",
									label, from.Format(time.DateOnly), grain, cs, f, sum, err, hist, err2, l, err3)
							}
						}
					}
				}
			}
			p := reports.Period{From: start, To: tomorrow, Loc: shanghai, Grain: reports.GrainMonth, Filter: reports.Filter{Grade: "key"}}
			if got, err := reports.PaidFromSummaries(ctx, db.R, p); err != nil || got != keyPaid-half {
				t.Errorf("%s: key grade paid since the start %d (%v), want %d (before the change, less the refund)", label, got, err, keyPaid-half)
			}
			p.Filter = reports.Filter{Grade: "general", Tier: models.TierGold}
			if got, err := reports.PaidFromSummaries(ctx, db.R, p); err != nil || got != 4444 {
				t.Errorf("%s: general and gold paid %d (%v), want 4444 (the purchase after the change)", label, got, err)
			}
		}
		check("as written")
		if rep, err := models.Verify(ctx, db); err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
		// What 0211 does on a school with history: the graded rows summed
		// again by the backfill from the purchases, the months folded again.
		for _, q := range []string{
			"DELETE FROM report_daily WHERE metric IN ('paid_by', 'refund_by')",
			"DELETE FROM report_monthly",
			"UPDATE report_backfill SET upto = 0, done = 0 WHERE source = 'monthly'",
			"UPDATE report_backfill SET done = 0, upto = (SELECT MAX(id) FROM purchases) WHERE source = 'purchase_grades'",
			"UPDATE report_backfill SET done = 0, upto = (SELECT MAX(id) FROM purchase_refunds) WHERE source = 'purchase_refund_grades'",
		} {
			if err := db.W.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		if _, err := reports.Backfill(ctx, db, now, 0); err != nil {
			t.Fatal(err)
		}
		if months, err := reports.Fold(ctx, db, now); err != nil || months < 3 {
			t.Fatalf("folded again %d months (%v)", months, err)
		}
		check("backfilled")
		if rep, err := models.Verify(ctx, db); err != nil || !rep.Clean() {
			t.Fatalf("verify after the backfill: %v %v", err, rep.Problems)
		}
		var last string
		if err := db.R.Raw("SELECT MAX(day) FROM report_daily WHERE metric = 'paid_by' AND campus_id = ?", s.campus[0]).Scan(&last).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.W.Exec("UPDATE report_daily SET amount = amount + 1 WHERE metric = 'paid_by' AND campus_id = ? AND day = ?",
			s.campus[0], last).Error; err != nil {
			t.Fatal(err)
		}
		if rep, err := models.Verify(ctx, db); err != nil || rep.Clean() {
			t.Errorf("verify after a paid-by row was changed by hand: %v, problems %v", err, rep.Problems)
		}
	})
}
