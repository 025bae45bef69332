package reports_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// TestCloseFillsDaysAndMonths: the reports job closes today's first
// midnight at once, then the missed days of the last ClosedDays and month
// starts of the last ClosedMonths one of each a run, none before the first
// member joined; a week that ended yesterday and the month before last read
// their closings, a period longer than a daily closing keeps reads the
// history, and an old daily closing is deleted.
func TestCloseFillsDaysAndMonths(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now, today, _, month := schoolClock()
		if n, err := reports.Close(ctx, db, now, shanghai); err != nil || n != 0 {
			t.Fatalf("a school with no members: closed %d (%v)", n, err)
		}
		joined := month.AddDate(0, -2, 10) // after the start of the month before last
		s := newLiveSchool(t, db, joined, "CM")
		m := s.member(t, 0, joined, "结存")
		s.buy(t, 0, m, joined.Add(24*time.Hour), 1200)
		week := reports.Period{From: today.AddDate(0, 0, -7), To: today, Loc: shanghai, Grain: reports.GrainDay}
		if reports.ClosedFits(ctx, db.R, week, reports.Filter{}) {
			t.Fatal("last week reads a closing before any was written")
		}
		if n, err := reports.Close(ctx, db, now, shanghai); err != nil || n < 2 || n > 3 {
			t.Fatalf("first run: closed %d (%v), want today, a month start and (unless today is one) a day", n, err)
		}
		if !reports.ClosedFits(ctx, db.R, week, reports.Filter{}) {
			t.Error("the week up to today does not read today's closing")
		}
		runs := 1
		for ; runs < 200; runs++ {
			n, err := reports.Close(ctx, db, now, shanghai)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		var days int
		for d := today; d.After(joined); d = d.AddDate(0, 0, -1) {
			days++
		}
		if runs < days-5 || runs > days+1 { // the first run closes up to three, a month start may go with a day
			t.Errorf("filled %d days since the member joined in %d runs, want one a run", days, runs)
		}
		before := reports.Period{From: month.AddDate(0, -2, 0), To: month.AddDate(0, -1, 0), Loc: shanghai, Grain: reports.GrainDay}
		for _, p := range []reports.Period{week, before, {From: today.AddDate(0, 0, -30), To: today.AddDate(0, 0, -2), Loc: shanghai}} {
			if !reports.ClosedFits(ctx, db.R, p, reports.Filter{}) {
				t.Errorf("%s to %s does not read its closing", p.From.Format(time.DateOnly), p.To.Format(time.DateOnly))
			}
		}
		if l, err := reports.LoyaltyFor(ctx, db.R, before); err != nil || l.Buyers != 1 {
			t.Errorf("the month of the purchase, as closed: %+v (%v), want one buyer", l, err)
		}
		long := reports.Period{From: today.AddDate(0, 0, -60), To: today.AddDate(0, 0, -2), Loc: shanghai}
		if today.AddDate(0, 0, -2).Day() != 1 && reports.ClosedFits(ctx, db.R, long, reports.Filter{}) {
			t.Error("sixty days to a daily closing read it: it keeps the buyers of 31")
		}
		// A daily closing older than ClosedDays goes on the next run.
		old := today.AddDate(0, 0, -reports.ClosedDays-5)
		if old.Day() == 1 {
			old = old.AddDate(0, 0, 1)
		}
		if err := reports.CloseDay(ctx, db, old, shanghai); err != nil {
			t.Fatal(err)
		}
		if _, err := reports.Close(ctx, db, now, shanghai); err != nil {
			t.Fatal(err)
		}
		if reports.ClosedFits(ctx, db.R, reports.Period{From: old.AddDate(0, 0, -7), To: old, Loc: shanghai}, reports.Filter{}) {
			t.Errorf("the closing of %s stayed", old.Format(time.DateOnly))
		}
	})
}
