package reports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/courses"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// outcomeID reads the id a recorded use case answered with.
func outcomeID(t *testing.T, run func() (models.Outcome, error)) int64 {
	t.Helper()
	o, err := run()
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ ID int64 }
	if err := json.Unmarshal(o.Body, &v); err != nil || v.ID == 0 {
		t.Fatalf("outcome %d %s: %v", o.Status, o.Body, err)
	}
	return v.ID
}

// checkTotals holds the running totals to the slow reading of every account
// and package, per campus and for the school, and to verify.
func checkTotals(t *testing.T, db *models.DB, step string) []reports.Liabilities {
	t.Helper()
	ctx := context.Background()
	got, err := reports.LiabilitiesByCampus(ctx, db.R, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := reports.LiabilitiesFromAccounts(ctx, db.R, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A campus whose totals went back to zero keeps its rows: compare the
	// campuses that hold something.
	nonzero := func(ls []reports.Liabilities) map[int64]reports.Liabilities {
		m := map[int64]reports.Liabilities{}
		for _, l := range ls {
			if (l != reports.Liabilities{CampusID: l.CampusID}) {
				m[l.CampusID] = l
			}
		}
		return m
	}
	g, w := nonzero(got), nonzero(want)
	if len(g) != len(w) {
		t.Fatalf("%s: totals %+v, accounts %+v", step, got, want)
	}
	for id, l := range w {
		if g[id] != l {
			t.Fatalf("%s: campus %d: totals %+v, accounts %+v", step, id, g[id], l)
		}
	}
	var sum reports.Liabilities
	for _, l := range got {
		sum = sum.Add(l)
	}
	ledger := ledgerSums(t, db)
	sum.CampusID = ledger.CampusID
	if sum != ledger {
		t.Fatalf("%s: totals sum to %+v, the postings to %+v", step, sum, ledger)
	}
	rep, err := models.Verify(ctx, db)
	if err != nil || !rep.Clean() {
		t.Fatalf("%s: verify: %v %v", step, err, rep.Problems)
	}
	return got
}

func TestLiabilityTotalsFollowEveryPosting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := seed(t, db)
		a, b, c, d := f.members[0], f.members[1], f.members[2], f.members[3]
		checkTotals(t, db, "seed")

		// A partial refund of a purchase paid from stored value (points
		// reversed, principal and bonus returned), and a top-up refund.
		pid := outcomeID(t, func() (models.Outcome, error) {
			return models.RecordPurchase(ctx, db, t0, f.idem("sv-buy"), models.PurchaseInput{MemberID: a,
				Items:    []models.PurchaseItem{{Category: models.CategoryMeals, Amount: 20000}},
				Payments: []models.Payment{{Method: "stored_value", Amount: 20000}}, Actor: f.actor[0]})
		})
		checkTotals(t, db, "stored-value purchase")
		amt := int64(7000)
		outcomeID(t, func() (models.Outcome, error) {
			return models.RecordRefund(ctx, db, t0, f.idem("refund"), models.RefundInput{PurchaseID: pid, Amount: &amt,
				Reason: "退一份", Actor: f.actor[0]})
		})
		checkTotals(t, db, "refund")
		tid := outcomeID(t, func() (models.Outcome, error) {
			return models.RecordTopup(ctx, db, t0, f.idem("topup-d"), models.TopupInput{MemberID: d, Amount: 50000,
				Method: "cash", Actor: f.actor[1]})
		})
		back := int64(20000)
		outcomeID(t, func() (models.Outcome, error) {
			return models.RecordTopupRefund(ctx, db, t0, f.idem("topup-refund"), models.TopupRefundInput{TopupID: tid,
				Amount: &back, Reason: "退款", Actor: f.actor[1]})
		})
		checkTotals(t, db, "top-up refund")

		// Adjustments under the approval limit post at once.
		for i, adj := range []struct {
			asset  string
			amount int64
		}{{models.AdjustPoints, 300}, {models.AdjustBonus, 1500}, {models.AdjustPoints, -100}} {
			if _, err := models.RequestAdjustment(ctx, db, t0, models.AdjustInput{Key: fmt.Sprintf("adj-%d", i), MemberID: d,
				Asset: adj.asset, Amount: adj.amount, Reason: "补录", Actor: f.actor[1]}); err != nil {
				t.Fatal(err)
			}
		}
		checkTotals(t, db, "adjustments")

		// Another lesson consumed, then the mark corrected (hours put back).
		if _, err := courses.MarkAttendance(ctx, db, t0.Add(48*time.Hour), shanghai, f.idem("att-2"), courses.AttendanceInput{
			CourseID: f.course.ID, MemberID: b, On: "2026-12-03", Status: courses.StatusPresent, Actor: f.actor[0]}); err != nil {
			t.Fatal(err)
		}
		checkTotals(t, db, "class hours consumed")

		// Moves: b (points, hours, a package) to the south campus; c, the
		// first child of the south family with the shared wallet, to the
		// north — the family's wallet moves with its first child.
		before := checkTotals(t, db, "before moves")
		for _, mv := range []struct {
			member int64
			to     int
			name   string
		}{{b, 1, "李小红"}, {c, 0, "王小华"}} {
			if err := models.UpdateMember(ctx, db, t0, f.actor[0], mv.member, models.MemberEdit{Name: mv.name,
				CampusID: f.campus[mv.to]}); err != nil {
				t.Fatal(err)
			}
		}
		after := checkTotals(t, db, "campus moves")
		if len(before) != 2 || len(after) != 2 || after[0] == before[0] || after[1].ClassHoursValue == 0 ||
			after[0].ClassHoursValue != 0 || after[0].StoredValuePrincipal <= before[0].StoredValuePrincipal {
			t.Fatalf("the moves did not move the balances: before %+v, after %+v", before, after)
		}

		// Points expire years later (no domain event: post() alone moves them).
		n, err := models.ExpirePoints(ctx, db, t0.AddDate(5, 0, 0))
		if err != nil || n == 0 {
			t.Fatalf("expired %d points: %v", n, err)
		}
		final := checkTotals(t, db, "points expiry")
		for _, l := range final {
			if l.PointsOutstanding != 0 {
				t.Fatalf("points left after expiry: %+v", final)
			}
		}
	})
}
