package models_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

// bulkMembers inserts n members (one family and guardian each) straight
// into the tables, fast enough for 100,000; every third one has 600 points.
func bulkMembers(t testing.TB, db *models.DB, campus int64, n int) {
	t.Helper()
	var base int64
	db.W.Raw(`SELECT COALESCE(MAX(id), 0) FROM families`).Scan(&base)
	const chunk = 500
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		var fam, gua, mem, acc []string
		for i := start; i < end; i++ {
			id := base + int64(i) + 1
			ts := "'2026-01-01 00:00:00'"
			fam = append(fam, fmt.Sprintf("(%d, '家庭', 0, %s, %s)", id, ts, ts))
			gua = append(gua, fmt.Sprintf("(%d, '家长', '137%08d', 'mother', %s, %s)", id, id, ts, ts))
			mem = append(mem, fmt.Sprintf("(%d, %d, %d, '学员%d', 'active', '', %s, %s)", id, id, campus, id, ts, ts))
			if i%3 == 0 {
				acc = append(acc, fmt.Sprintf("('member', %d, 'points', 'points', 600, %s)", id, ts))
			}
		}
		for _, q := range []string{
			"INSERT INTO families (id, name, shared_wallet, created_at, updated_at) VALUES " + strings.Join(fam, ","),
			"INSERT INTO guardians (family_id, name, phone, relation, created_at, updated_at) VALUES " + strings.Join(gua, ","),
			"INSERT INTO members (id, family_id, campus_id, name, lifecycle, notes, created_at, updated_at) VALUES " + strings.Join(mem, ","),
			"INSERT INTO ledger_accounts (owner_type, owner_id, name, asset, balance, created_at) VALUES " + strings.Join(acc, ","),
		} {
			if err := db.W.Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestBulkIssueResumesWithoutDoubleIssuing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		bulkMembers(t, db, f.campus, 3500)
		tp := f.template(t, models.NewCouponTemplate{Name: "¥50 召回券", CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000}})
		seg := models.Segment{NoVisitDays: 60, MinPoints: 500, CampusID: f.campus}
		n, err := models.SegmentCount(ctx, db.R, lyNow, seg)
		if err != nil || n != 1167 {
			t.Fatalf("live count %d %v, want 1167 (every third of 3500 has points)", n, err)
		}
		c, err := models.StartCouponCampaign(ctx, db, lyNow, f.actor, tp.ID, "", seg)
		if err != nil || c.Total != 1167 {
			t.Fatalf("start: %+v %v", c, err)
		}
		// The first worker dies after its first batch (CampaignBatch members).
		wctx, stop := context.WithCancel(ctx)
		calls := 0
		clock := func() time.Time {
			calls++
			if calls == 3 {
				stop()
			}
			return lyNow
		}
		if err := models.RunCouponCampaign(wctx, db, clock, c.ID, "worker-a"); err == nil {
			t.Fatal("the interrupted worker reported success")
		}
		mid, _ := models.GetCouponCampaign(ctx, db.R, c.ID)
		if mid.Finished() || mid.Issued == 0 || mid.Issued >= 1167 {
			t.Fatalf("after the crash: %+v", mid)
		}
		// Another worker may not take it while the lease is live…
		if k, err := models.ResumeCouponCampaigns(ctx, db, func() time.Time { return lyNow }, "worker-b"); err != nil || k != 0 {
			t.Fatalf("resume under a live lease ran %d (%v)", k, err)
		}
		// …and finishes it once the lease has run out.
		later := lyNow.Add(2 * time.Minute)
		if k, err := models.ResumeCouponCampaigns(ctx, db, func() time.Time { return later }, "worker-b"); err != nil || k != 1 {
			t.Fatalf("resume: %d %v", k, err)
		}
		done, _ := models.GetCouponCampaign(ctx, db.R, c.ID)
		if done.Status != models.CampaignDone || done.Issued != 1167 || done.Skipped != 0 {
			t.Fatalf("finished campaign: %+v", done)
		}
		if dup := f.count(t, `SELECT COUNT(*) FROM (SELECT member_id FROM coupons WHERE campaign_id = ? GROUP BY member_id
			HAVING COUNT(*) > 1) x`, c.ID); dup != 0 {
			t.Fatalf("%d members got two coupons", dup)
		}
		if k := f.count(t, `SELECT COUNT(*) FROM coupons WHERE campaign_id = ?`, c.ID); k != 1167 {
			t.Fatalf("%d coupons, want 1167", k)
		}
		if k := f.count(t, `SELECT COUNT(*) FROM outbox WHERE event = 'coupon_issued'`); k != 1167 {
			t.Fatalf("%d notices, want 1167", k)
		}
		// A quantity-limited template stops the campaign when it runs out.
		few := f.template(t, models.NewCouponTemplate{Name: "限量100", TotalQuantity: 100})
		c2, _ := models.StartCouponCampaign(ctx, db, lyNow, f.actor, few.ID, "", seg)
		if err := models.RunCouponCampaign(ctx, db, func() time.Time { return lyNow }, c2.ID, "w"); err != nil {
			t.Fatal(err)
		}
		c2, _ = models.GetCouponCampaign(ctx, db.R, c2.ID)
		if c2.Status != models.CampaignSoldOut || c2.Issued != 100 || c2.Processed() != c2.Total {
			t.Fatalf("sold-out campaign: %+v", c2)
		}
	})
}

// BenchmarkBulkIssue measures one bulk issue to every member of a school of
// STARCARD_BENCH_MEMBERS members (default 100,000) on SQLite, or on MySQL
// with STARCARD_BENCH_MYSQL=1. Each iteration is a new campaign.
func BenchmarkBulkIssue(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("STARCARD_BENCH_MEMBERS")); err == nil && v > 0 {
		n = v
	}
	var db *models.DB
	if os.Getenv("STARCARD_BENCH_MYSQL") == "1" {
		db = dbtest.MySQL(b)
	} else {
		db = dbtest.SQLite(b)
	}
	ctx := context.Background()
	f := newLyFix(b, db)
	bulkMembers(b, db, f.campus, n)
	tp := f.template(b, models.NewCouponTemplate{Name: "全员券"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		c, err := models.StartCouponCampaign(ctx, db, lyNow, f.actor, tp.ID, "", models.Segment{CampusID: f.campus})
		if err != nil {
			b.Fatal(err)
		}
		if err := models.RunCouponCampaign(ctx, db, func() time.Time { return lyNow }, c.ID, "bench"); err != nil {
			b.Fatal(err)
		}
		c, _ = models.GetCouponCampaign(ctx, db.R, c.ID)
		if c.Issued != int64(n) {
			b.Fatalf("issued %d of %d", c.Issued, n)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "coupons/s")
	}
}
