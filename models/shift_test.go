package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

func TestShiftOpenReportClose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
		sun, _ := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
		riv, _ := models.CreateCampus(ctx, db.W, now, "RIV", "滨江校区", "")
		u, err := models.CreateStaff(ctx, db.W, now, models.NewStaff{Username: "desk", Name: "刘前台", Password: "password123",
			Role: string(models.RoleCashier), CampusIDs: []int64{sun.ID}})
		if err != nil {
			t.Fatal(err)
		}
		var m *models.Member
		if err := db.Tx(ctx, func(tx *gorm.DB) (err error) {
			m, err = models.CreateMember(ctx, tx, now, models.SystemActor, models.NewMember{Name: "张小明", CampusID: sun.ID,
				Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912341234", Relation: "mother"}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		actor := models.Actor{Type: "staff", ID: u.ID, CampusID: sun.ID}
		if _, err := models.OpenShift(ctx, db, now, actor, u, riv.ID, 0); !errors.Is(err, models.ErrShiftCampus) {
			t.Fatalf("a shift at another campus: %v", err)
		}
		// Two tabs open a shift at once: exactly one wins.
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = models.OpenShift(ctx, db, now, actor, u, sun.ID, 20000)
			}(i)
		}
		wg.Wait()
		opened := 0
		for _, err := range errs {
			switch {
			case err == nil:
				opened++
			case !errors.Is(err, models.ErrShiftOpen):
				t.Fatalf("concurrent open: %v", err)
			}
		}
		if opened != 1 {
			t.Fatalf("%d shifts opened, want 1", opened)
		}
		s, err := models.CurrentShift(ctx, db.R, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		buy := func(at time.Time, key string, pays ...models.Payment) {
			t.Helper()
			var total int64
			for _, p := range pays {
				total += p.Amount
			}
			if _, err := models.RecordPurchase(ctx, db, at, models.Idem{Scope: "t", Key: key, Hash: key},
				models.PurchaseInput{MemberID: m.ID, Items: []models.PurchaseItem{{Category: "meals", Amount: total}},
					Payments: pays, Actor: actor}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := models.RecordTopup(ctx, db, now.Add(time.Minute), models.Idem{Scope: "t", Key: "top", Hash: "top"},
			models.TopupInput{MemberID: m.ID, Amount: 100000, Method: "cash", Actor: actor}); err != nil {
			t.Fatal(err)
		}
		buy(now.Add(-time.Hour), "before", models.Payment{Method: "cash", Amount: 999}) // before the shift: not in it
		buy(now.Add(2*time.Minute), "p1", models.Payment{Method: "stored_value", Amount: 30000}, models.Payment{Method: "wechat", Amount: 5000})
		buy(now.Add(3*time.Minute), "p2", models.Payment{Method: "cash", Amount: 1250})
		if _, err := models.RecordRefund(ctx, db, now.Add(4*time.Minute), models.Idem{Scope: "t", Key: "r", Hash: "r"},
			models.RefundInput{PurchaseID: 3, Reason: "退餐", Actor: actor}); err != nil {
			t.Fatal(err)
		}
		sr, err := models.ReportForShift(ctx, db.R, now.Add(5*time.Minute), s)
		if err != nil {
			t.Fatal(err)
		}
		r := sr.Report
		if r.PurchaseCount != 2 || r.TopupCount != 1 || r.RefundCount != 1 {
			t.Fatalf("counts: %d purchases, %d top-ups, %d refunds", r.PurchaseCount, r.TopupCount, r.RefundCount)
		}
		want := map[string]models.MethodLine{
			"stored_value": {Method: "stored_value", Purchases: 30000},
			"cash":         {Method: "cash", Purchases: 1250, Topups: 100000, Refunds: 1250},
			"wechat":       {Method: "wechat", Purchases: 5000},
		}
		for m, w := range want {
			if got := r.Method(m); got != w {
				t.Errorf("%s: %+v, want %+v", m, got, w)
			}
		}
		if sr.ExpectedCash != 20000+100000 {
			t.Fatalf("expected cash %d", sr.ExpectedCash)
		}
		if r.PointsGiven() != 350+12-12 {
			t.Fatalf("points given %d", r.PointsGiven())
		}
		counted := int64(119950)
		closed, err := models.CloseShift(ctx, db, now.Add(6*time.Minute), actor, u.ID, &counted, "少五毛")
		if err != nil {
			t.Fatal(err)
		}
		if closed.CashDifference() != -50 || closed.CampusName != "阳光校区" {
			t.Fatalf("closed: %+v", closed)
		}
		if _, err := models.CloseShift(ctx, db, now.Add(7*time.Minute), actor, u.ID, nil, ""); !errors.Is(err, models.ErrNoShift) {
			t.Fatalf("closing twice: %v", err)
		}
		day, err := models.ReportForDay(ctx, db.R, sun.ID, now, time.FixedZone("CST", 8*3600))
		if err != nil {
			t.Fatal(err)
		}
		if day.Report.PurchaseCount != 3 || len(day.Shifts) != 1 || len(day.Report.Cashiers) != 1 || day.Report.Cashiers[0].Name != "刘前台" {
			t.Fatalf("daily report: %+v", day.Report)
		}
	})
}

func TestReceiptNumbers(t *testing.T) {
	for _, c := range []struct {
		in   string
		kind string
		id   int64
		ok   bool
	}{
		{"P00000123", "P", 123, true}, {"t00000045", "T", 45, true}, {"123", "P", 123, true},
		{"P", "", 0, false}, {"X123", "", 0, false}, {"P-1", "", 0, false},
	} {
		kind, id, ok := models.ParseDeskReceiptNo(c.in)
		if kind != c.kind || id != c.id || ok != c.ok {
			t.Errorf("%q → %q %d %v", c.in, kind, id, ok)
		}
	}
	if got := models.DeskReceiptNo(models.ReceiptPurchase, 123); got != "P00000123" {
		t.Fatal(got)
	}
}

func TestDemoShifts(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)
	loc := time.FixedZone("CST", 8*3600)
	db := dbtest.DemoSQLite(t, now, loc)
	var closed int64
	db.R.Raw("SELECT COUNT(*) FROM shifts WHERE closed_at IS NOT NULL AND counted_cash = expected_cash").Scan(&closed)
	if closed != 2 {
		t.Fatalf("%d balanced closed demo shifts, want one per campus", closed)
	}
	day, err := models.ReportForDay(ctx, db.R, 1, now.AddDate(0, 0, -1), loc)
	if err != nil {
		t.Fatal(err)
	}
	if len(day.Shifts) != 1 {
		t.Fatalf("yesterday's report has %d shifts", len(day.Shifts))
	}
}
