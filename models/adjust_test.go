package models_test

import (
	"context"
	"errors"
	"testing"

	"starcard/models"
	"starcard/models/dbtest"
)

// TestAdjustmentMakerChecker: below the threshold an adjustment posts at
// once; above it, it waits, its maker may not approve it, a second person
// does; a debit beyond the balance is refused; a re-submitted form is one
// adjustment; verify stays clean throughout.
func TestAdjustmentMakerChecker(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.member(t, false)
		maker := f.actor
		checker := models.Actor{Type: "staff", ID: 2, CampusID: f.campus}
		req := func(key, asset string, amount int64) (*models.Adjustment, error) {
			return models.RequestAdjustment(ctx, db, t0, models.AdjustInput{Key: key, MemberID: m, Asset: asset,
				Amount: amount, Reason: "活动补录", Actor: maker})
		}
		steps := []struct {
			key, asset string
			amount     int64
			status     string
			err        error
			points     int64
			principal  int64
		}{
			{"p-small", models.AdjustPoints, 300, models.AdjustApplied, nil, 300, 0},
			{"p-small", models.AdjustPoints, 300, models.AdjustApplied, nil, 300, 0}, // the same form again
			{"p-big", models.AdjustPoints, 2000, models.AdjustPending, nil, 300, 0},
			{"v-small", models.AdjustPrincipal, 15000, models.AdjustApplied, nil, 300, 15000},
			{"v-big", models.AdjustPrincipal, 50000, models.AdjustPending, nil, 300, 15000},
			{"p-minus", models.AdjustPoints, -400, "", models.ErrInsufficientPoints, 300, 15000},
			{"p-minus-ok", models.AdjustPoints, -100, models.AdjustApplied, nil, 200, 15000},
		}
		ids := map[string]int64{}
		for _, s := range steps {
			a, err := req(s.key, s.asset, s.amount)
			if !errors.Is(err, s.err) {
				t.Fatalf("%s: err %v, want %v", s.key, err, s.err)
			}
			if err == nil {
				if a.Status != s.status {
					t.Fatalf("%s: status %s, want %s", s.key, a.Status, s.status)
				}
				ids[s.key] = a.ID
			}
			b := f.balances(t, m)
			if b.Points != s.points || b.StoredValuePrincipal != s.principal {
				t.Fatalf("%s: balances %+v, want %d points, %d principal", s.key, b, s.points, s.principal)
			}
		}
		if _, err := req("p-small", models.AdjustPoints, 301); !errors.Is(err, models.ErrAdjustKeyReused) {
			t.Fatalf("a key reused for another amount: %v", err)
		}
		if _, err := models.RequestAdjustment(ctx, db, t0, models.AdjustInput{Key: "bad", MemberID: m, Asset: "gold"}); err == nil {
			t.Fatal("an adjustment without amount, asset or reason was accepted")
		} else if e, ok := models.AsError(err); !ok || len(e.Fields) != 3 {
			t.Fatalf("want 3 field errors, got %v", err)
		}
		if _, err := models.ApproveAdjustment(ctx, db, t0, maker, ids["p-big"]); !errors.Is(err, models.ErrAdjustSelfApproval) {
			t.Fatalf("the maker approved their own adjustment: %v", err)
		}
		a, err := models.ApproveAdjustment(ctx, db, t0, checker, ids["p-big"])
		if err != nil || a.Status != models.AdjustApplied || a.CheckerID != checker.ID {
			t.Fatalf("approval: %+v %v", a, err)
		}
		if _, err := models.ApproveAdjustment(ctx, db, t0, checker, ids["p-big"]); !errors.Is(err, models.ErrAdjustDecided) {
			t.Fatalf("approved twice: %v", err)
		}
		if _, err := models.RejectAdjustment(ctx, db, t0, checker, ids["v-big"]); err != nil {
			t.Fatal(err)
		}
		if b := f.balances(t, m); b.Points != 2200 || b.StoredValuePrincipal != 15000 {
			t.Fatalf("after approval and rejection: %+v", b)
		}
		pending, err := models.ListAdjustments(ctx, db.R, 0, nil, 0)
		if err != nil || len(pending) != 0 {
			t.Fatalf("still pending: %+v %v", pending, err)
		}
		if rep, err := models.Verify(ctx, db); err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %+v", err, rep.Problems)
		}
	})
}
