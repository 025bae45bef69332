package courses_test

import (
	"context"
	"errors"
	"testing"

	"starcard/models"
	"starcard/models/courses"
	"starcard/models/dbtest"
)

// TestProspectFunnel: a prospect books a trial, comes, buys a package
// (enrolled) and attends a lesson (active); another books and does not come.
// The funnel counts each step.
func TestProspectFunnel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db) // 美术 meets Tuesdays and Thursdays; t0 is a Tuesday
		ctx := context.Background()
		a := f.memberAs(t, "王小丫", 0, models.LifecycleProspect)
		b := f.memberAs(t, "赵小虎", 0, models.LifecycleProspect)
		f.member(t, "老学员", 0)
		ta, err := courses.BookTrial(ctx, db, t0, shanghai, f.actor, nil, f.course.ID, a, "2026-12-01")
		if err != nil {
			t.Fatal(err)
		}
		tb, err := courses.BookTrial(ctx, db, t0, shanghai, f.actor, nil, f.course.ID, b, "2026-12-03")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			on   string
			code string
		}{
			{"the same day twice", "2026-12-01", "trial-exists"},
			{"not a lesson day", "2026-12-02", "not-a-lesson-day"},
			{"in the past", "2026-11-26", "validation"},
		} {
			if _, err := courses.BookTrial(ctx, db, t0, shanghai, f.actor, nil, f.course.ID, a, tc.on); func() bool {
				e, ok := models.AsError(err)
				return !ok || e.Code != tc.code
			}() {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		if _, err := courses.MarkTrial(ctx, db, t0, shanghai, f.actor, nil, tb.ID, true); !errors.Is(err, courses.ErrTrialEarly) {
			t.Fatalf("marked before the day: %v", err)
		}
		if m, err := courses.MarkTrial(ctx, db, t0, shanghai, f.actor, nil, ta.ID, true); err != nil || m.Status != courses.TrialAttended {
			t.Fatalf("attended: %+v %v", m, err)
		}
		if _, err := courses.MarkTrial(ctx, db, t0.AddDate(0, 0, 2), shanghai, f.actor, nil, tb.ID, false); err != nil {
			t.Fatal(err)
		}
		if ts, err := courses.DayTrials(ctx, db.R, f.course.ID, "2026-12-01"); err != nil || len(ts) != 1 || ts[0].Name != "王小丫" {
			t.Fatalf("day trials: %+v %v", ts, err)
		}
		f.sell(t, "f-sale", courses.SaleInput{MemberID: a, Hours: 10, Amount: 100000,
			Payments: []models.Payment{{Method: "cash", Amount: 100000}}})
		if _, err := f.mark(t, "f-att", a, courses.StatusPresent); err != nil {
			t.Fatal(err)
		}
		got, err := courses.ProspectFunnel(ctx, db.R, nil, t0.AddDate(0, 0, -1), t0.AddDate(0, 0, 7))
		want := courses.Funnel{NewProspects: 2, TrialsBooked: 2, TrialsAttended: 1, Converted: 1, Activated: 1}
		if err != nil || got != want {
			t.Fatalf("funnel %+v, want %+v (%v)", got, want, err)
		}
		if other, _ := courses.ProspectFunnel(ctx, db.R, []int64{f.campus + 1000}, t0.AddDate(0, 0, -1), t0.AddDate(0, 0, 7)); other != (courses.Funnel{}) {
			t.Fatalf("another campus's funnel: %+v", other)
		}
	})
}
