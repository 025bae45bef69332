package reports_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// TestCloseMonthsOneEarlierARun: the reports job closes this month's start
// and one earlier month start a run, never one before the first member
// joined, and a closed month's report reads the closing.
func TestCloseMonthsOneEarlierARun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		today := now.In(shanghai)
		this := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, shanghai)
		if n, err := reports.CloseMonths(ctx, db, now, shanghai); err != nil || n != 0 {
			t.Fatalf("a school with no members: closed %d (%v)", n, err)
		}
		joined := this.AddDate(0, -2, 10) // after the start of the month before last
		s := newLiveSchool(t, db, joined, "CM")
		m := s.member(t, 0, joined, "结存")
		s.buy(t, 0, m, joined.Add(24*time.Hour), 1200)
		last := reports.Period{From: this.AddDate(0, -1, 0), To: this, Loc: shanghai, Grain: reports.GrainDay}
		if reports.ClosedFits(ctx, db.R, last, reports.Filter{}) {
			t.Fatal("last month reads a closing before any was written")
		}
		for run, want := range []int{2, 0} { // this month and last; then nothing (the month before began before the member)
			if n, err := reports.CloseMonths(ctx, db, now, shanghai); err != nil || n != want {
				t.Fatalf("run %d: closed %d (%v), want %d", run+1, n, err, want)
			}
		}
		if !reports.ClosedFits(ctx, db.R, last, reports.Filter{}) {
			t.Fatal("last month does not read its closing")
		}
		l, err := reports.LoyaltyFor(ctx, db.R, reports.Period{From: this.AddDate(0, -2, 0), To: this.AddDate(0, -1, 0), Loc: shanghai,
			Grain: reports.GrainDay})
		if err != nil || l.Buyers != 1 {
			t.Errorf("the month of the purchase, as closed: %+v (%v), want one buyer", l, err)
		}
	})
}
