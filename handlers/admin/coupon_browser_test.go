package admin_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
)

// TestBrowserBulkIssueWithProgress: the service head sets "points ≥ 500",
// sees the live count, starts the bulk issue and watches the progress bar
// run to the end.
func TestBrowserBulkIssueWithProgress(t *testing.T) {
	b := apptest.Browser(t)
	a, _, _, _ := loyaltyWorld(t, 0)
	ctx := context.Background()
	campus, _ := models.ListCampuses(ctx, a.DB.R)
	// 3,000 children, every third with 600 points (1,000 match).
	bulk(t, a.DB, campus[0].ID, 3000)
	tp, err := models.CreateCouponTemplate(ctx, a.DB, a.Clock.Now(), models.Actor{Type: "staff", ID: 1}, models.NewCouponTemplate{
		Name: "¥50 回归礼券", ValidDays: 30, CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000, MinSpend: 20000}})
	if err != nil {
		t.Fatal(err)
	}
	base := a.Serve(t)
	p := apptest.Page(t, b, base+"/login?next=/admin/coupons", 1280, 1000)
	p.MustElement(`input[name=username]`).MustInput("boss")
	p.MustElement(`input[name=password]`).MustInput("password123")
	wait := p.MustWaitNavigation()
	p.MustElement(`button[type=submit]`).MustClick()
	wait()
	p.MustNavigate(base + "/admin/coupons").MustWaitLoad()
	apptest.Shot(t, p, "coupons-admin-list")
	p.MustNavigate(base + "/admin/coupons/" + strconv.FormatInt(tp.ID, 10)).MustWaitLoad()
	p.MustElement(`input[name=min_points]`).MustInput("500")
	count := p.Timeout(10*time.Second).MustElementR(`#segment-count`, `1,000`).MustText()
	if !strings.Contains(count, "符合条件的学员：1,000 人") {
		t.Fatalf("live count: %q", count)
	}
	p.MustElement(`#bulk-ask summary`).MustClick() // starting a bulk issue asks once
	p.MustElement(`#bulk-start`).MustClick()
	p.Timeout(10 * time.Second).MustElement(`#bulk-area progress`)
	apptest.Shot(t, p, "coupons-bulk-progress")
	done := p.Timeout(60 * time.Second).MustElement(`#bulk-area .ly-progress[data-status=done]`).MustText()
	if !strings.Contains(done, "已发放 1,000 / 1,000（100%）") {
		t.Fatalf("finished: %q", done)
	}
	apptest.Shot(t, p, "coupons-bulk-done")
	if got, _ := models.GetCouponTemplate(ctx, a.DB.R, tp.ID); got.IssuedCount != 1000 {
		t.Fatalf("issued %d", got.IssuedCount)
	}
}

// bulk inserts n members straight into the tables; every third has 600 points.
func bulk(t *testing.T, db *models.DB, campus int64, n int) {
	t.Helper()
	ts := "2026-01-01 00:00:00"
	for i := 0; i < n; i++ {
		if err := db.W.Exec(`INSERT INTO families (name, shared_wallet, created_at, updated_at) VALUES ('家庭', 0, ?, ?)`, ts, ts).Error; err != nil {
			t.Fatal(err)
		}
		var fam int64
		db.W.Raw(`SELECT MAX(id) FROM families`).Scan(&fam)
		db.W.Exec(`INSERT INTO guardians (family_id, name, phone, relation, created_at, updated_at) VALUES (?, '家长', ?, 'mother', ?, ?)`,
			fam, "137"+strconv.Itoa(10000000+i), ts, ts)
		db.W.Exec(`INSERT INTO members (family_id, campus_id, name, lifecycle, notes, created_at, updated_at) VALUES (?, ?, ?, 'active', '', ?, ?)`,
			fam, campus, "学员"+strconv.Itoa(i), ts, ts)
		if i%3 == 0 {
			var m int64
			db.W.Raw(`SELECT MAX(id) FROM members`).Scan(&m)
			db.W.Exec(`INSERT INTO ledger_accounts (owner_type, owner_id, name, asset, balance, created_at) VALUES ('member', ?, 'points', 'points', 600, ?)`, m, ts)
		}
	}
}
