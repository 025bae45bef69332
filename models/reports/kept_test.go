package reports_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// TestKeptFiguresEqualTheHistory: a school with half a year of purchases and
// check-ins written through the use cases (so the app keeps each member's
// days as it goes), then grades, tiers, lifecycles, an archive and a campus
// move made by raw UPDATEs (the triggers follow them). For periods ending
// today of 7, 30 and 90 days, every campus scope and grade or tier filter,
// the active, churned, buyer and repeat-buyer counts read from the kept
// days equal those read from the history; so does the retention triangle
// for those scopes and filters, up to today and up to the start of this
// month and the last. One more arrival today moves "active" by one.
func TestKeptFiguresEqualTheHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now, _, tomorrow, monthStart := schoolClock()
		yesterdayEnd := tomorrow.AddDate(0, 0, -1) // today's first midnight
		s := newLiveSchool(t, db, now.AddDate(0, -8, 0), "KN", "KS")
		campus, actor := s.campus, s.actor
		rng := rand.New(rand.NewPCG(7, 16))
		type event struct {
			at     time.Time
			member int
			buy    bool
		}
		// Members 16 on join half an hour either side of where the 7, 30 and
		// 90-day windows open, and are never seen: the part-days of the
		// new-member counts and the edge of "churned".
		var edges []time.Time
		for _, d := range []int{7, 30, 90} {
			edges = append(edges, tomorrow.AddDate(0, 0, -d).Add(30*time.Minute).UTC(), tomorrow.AddDate(0, 0, -d).Add(-30*time.Minute).UTC())
		}
		// And either side of the 90-day edge of the closings (the start of
		// this month and of the last).
		for _, m := range []time.Time{monthStart, monthStart.AddDate(0, -1, 0)} {
			edges = append(edges, m.AddDate(0, 0, -90).Add(30*time.Minute).UTC(), m.AddDate(0, 0, -90).Add(-30*time.Minute).UTC())
		}
		n := 16 + len(edges)
		ids := make([]int64, n)
		cards := make([]string, n)
		var events []event
		for i := range n {
			joined := now.AddDate(0, 0, -5-rng.IntN(200))
			if i >= 16 {
				joined = edges[i-16]
			}
			ids[i] = s.member(t, i%2, joined, fmt.Sprintf("留存%02d", i))
			if err := db.R.Raw("SELECT c.card_no FROM cards c JOIN members m ON m.card_id = c.id WHERE m.id = ?", ids[i]).
				Scan(&cards[i]).Error; err != nil || cards[i] == "" {
				t.Fatalf("card of member %d: %q %v", i, cards[i], err)
			}
			if i%5 == 4 || i >= 16 {
				continue // never seen
			}
			for k := rng.IntN(9); k > 0; k-- {
				at := joined.Add(time.Duration(rng.Int64N(int64(now.Sub(joined)))))
				events = append(events, event{at, i, rng.IntN(2) == 0})
				if rng.IntN(4) == 0 { // a second purchase the same day
					events = append(events, event{at.Add(time.Minute), i, true})
				}
			}
		}
		sort.Slice(events, func(a, b int) bool { return events[a].at.Before(events[b].at) })
		for _, e := range events {
			if e.buy {
				s.buy(t, e.member%2, ids[e.member], e.at, 1000)
				continue
			}
			if _, err := models.CheckIn(ctx, db, e.at, nil, shanghai, models.CheckinRequest{
				Input: models.CardInput{CardNo: cards[e.member]}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []struct {
			sql string
			arg any
			m   int
		}{
			{"UPDATE members SET grade = ? WHERE id = ?", "key", 0},
			{"UPDATE members SET grade = ? WHERE id = ?", "key", 3},
			{"UPDATE members SET tier = ? WHERE id = ?", models.TierGold, 1},
			{"UPDATE members SET tier = ? WHERE id = ?", models.TierGold, 4},
			{"UPDATE members SET lifecycle = ? WHERE id = ?", models.LifecycleChurned, 2},
			{"UPDATE members SET lifecycle = ? WHERE id = ?", models.LifecycleGraduated, 5},
			{"UPDATE members SET lifecycle = ? WHERE id = ?", models.LifecycleProspect, 9},
			{"UPDATE members SET archived_at = ? WHERE id = ?", now, 6},
		} {
			if err := db.W.Exec(u.sql, u.arg, ids[u.m]).Error; err != nil {
				t.Fatal(err)
			}
		}
		// A move to the other campus, as the member page makes it.
		if err := models.UpdateMember(ctx, db, now, actor[0], ids[8], models.MemberEdit{Name: "留存08", CampusID: campus[1]}); err != nil {
			t.Fatal(err)
		}
		type onFile struct {
			CampusID    int64
			Grade, Tier string
			CreatedAt   time.Time
		}
		joined := func(p reports.Period, f reports.Filter) (n int64) {
			var ms []onFile
			if err := db.R.Raw("SELECT campus_id, grade, tier, created_at FROM members").Scan(&ms).Error; err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if (p.CampusIDs == nil || m.CampusID == p.CampusIDs[0]) && (f.Tier == "" || m.Tier == f.Tier) &&
					(f.Grade == "" || m.Grade == f.Grade || (f.Grade == reports.UngradedKey && m.Grade == "")) &&
					!m.CreatedAt.Before(p.From) && m.CreatedAt.Before(p.To) {
					n++
				}
			}
			return n
		}
		check := func(label string) reports.Activity {
			t.Helper()
			var school reports.Activity
			for _, days := range []int{7, 30, 90} {
				for _, cs := range [][]int64{nil, {campus[0]}, {campus[1]}} {
					for _, f := range []reports.Filter{{}, {Tier: models.TierGold}, {Grade: "key"}, {Grade: reports.UngradedKey}} {
						p := reports.Period{From: tomorrow.AddDate(0, 0, -days), To: tomorrow, CampusIDs: cs, Loc: shanghai,
							Grain: reports.GrainDay, Filter: f}
						kept, err := reports.ActivityFor(ctx, db.R, p, f)
						hist, err2 := reports.ActivityFromHistory(ctx, db.R, p, f)
						if err != nil || err2 != nil || kept != hist || kept.New != joined(p, f) {
							t.Errorf("%s, %d days, campuses %v, %+v: activity kept %+v (%v), history %+v (%v), %d joined",
								label, days, cs, f, kept, err, hist, err2, joined(p, f))
						}
						kb, kr, err := reports.BuyersKept(ctx, db.R, p)
						hb, hr, err2 := reports.BuyersFromHistory(ctx, db.R, p)
						if err != nil || err2 != nil || kb != hb || kr != hr {
							t.Errorf("%s, %d days, campuses %v, %+v: buyers kept %d/%d (%v), history %d/%d (%v)", label, days, cs, f, kb, kr, err, hb, hr, err2)
						}
						if cs == nil && f == (reports.Filter{}) {
							if days == 30 {
								school = kept
							}
							if days == 90 && (hb == 0 || hr == 0) {
								t.Errorf("%s: 90 days: %d buyers, %d repeat: the fixture should have both", label, hb, hr)
							}
						}
					}
				}
			}
			// Periods that ended at the start of this month or the last, or
			// at today's first midnight or three days before, read from the
			// school's closing of that midnight (written after the changes
			// above, as the job writes it once the midnight has passed).
			for _, to := range []time.Time{monthStart, monthStart.AddDate(0, -1, 0), yesterdayEnd, yesterdayEnd.AddDate(0, 0, -3)} {
				for _, days := range []int{7, 30, 90, 365} {
					if to.Day() != 1 && days > reports.ClosedDayBuyDays {
						continue // longer than a daily closing keeps: the history
					}
					for _, cs := range [][]int64{nil, {campus[0]}, {campus[1]}} {
						for _, f := range []reports.Filter{{}, {Tier: models.TierGold}, {Grade: "key"}, {Grade: reports.UngradedKey}} {
							p := reports.Period{From: to.AddDate(0, 0, -days), To: to, CampusIDs: cs, Loc: shanghai, Grain: reports.GrainDay, Filter: f}
							if !reports.ClosedFits(ctx, db.R, p, f) {
								t.Fatalf("%s: the period up to %s is not read from its closing", label, to.Format(time.DateOnly))
							}
							closed, err := reports.ActivityFor(ctx, db.R, p, f)
							hist, err2 := reports.ActivityFromHistory(ctx, db.R, p, f)
							if err != nil || err2 != nil || closed != hist {
								t.Errorf("%s, %d days to %s, campuses %v, %+v: activity closed %+v (%v), history %+v (%v)",
									label, days, to.Format(time.DateOnly), cs, f, closed, err, hist, err2)
							}
							cb, cr, err := reports.BuyersClosed(ctx, db.R, p)
							hb, hr, err2 := reports.BuyersFromHistory(ctx, db.R, p)
							if err != nil || err2 != nil || cb != hb || cr != hr {
								t.Errorf("%s, %d days to %s, campuses %v, %+v: buyers closed %d/%d (%v), history %d/%d (%v)",
									label, days, to.Format(time.DateOnly), cs, f, cb, cr, err, hb, hr, err2)
							}
						}
					}
				}
			}
			// The retention triangle up to today, up to the start of this
			// month and of the one before, and up to a day in the middle of
			// last month (whole calendar months either way), for every
			// campus scope and filter.
			for _, to := range []time.Time{tomorrow, monthStart, monthStart.AddDate(0, -1, 0), monthStart.AddDate(0, -1, 12)} {
				for _, cs := range [][]int64{nil, {campus[0]}, {campus[1]}} {
					for _, f := range []reports.Filter{{}, {Tier: models.TierGold}, {Grade: "key"}, {Grade: reports.UngradedKey}} {
						p := reports.Period{From: to.AddDate(0, 0, -30), To: to, CampusIDs: cs, Loc: shanghai, Grain: reports.GrainDay, Filter: f}
						kept, err := reports.CohortsFor(ctx, db.R, p, f)
						end := to.Add(-time.Nanosecond)
						first := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, shanghai).AddDate(0, 1-reports.CohortMonths, 0)
						out, idx := reports.EmptyCohorts(first)
						months := p // whole calendar months, the month in progress up to now
						months.From, months.To = first, first.AddDate(0, reports.CohortMonths, 0)
						hist, err2 := reports.CohortsFromHistory(ctx, db.R, months, f, first, idx, out)
						if err != nil || err2 != nil || fmt.Sprint(kept) != fmt.Sprint(hist) {
							t.Errorf("%s, to %s, campuses %v, %+v: cohorts kept %v (%v), history %v (%v)",
								label, to.Format(time.DateOnly), cs, f, kept, err, hist, err2)
						}
						for i, c := range kept {
							if want := joined(reports.Period{From: first.AddDate(0, i, 0), To: first.AddDate(0, i+1, 0), CampusIDs: cs}, f); c.Size != want {
								t.Errorf("%s: cohort %s has %d members, %d joined", label, c.Month, c.Size, want)
							}
						}
					}
				}
			}
			return school
		}
		for _, at := range []time.Time{monthStart, monthStart.AddDate(0, -1, 0), yesterdayEnd, yesterdayEnd.AddDate(0, 0, -3)} {
			if err := reports.CloseDay(ctx, db, at, shanghai); err != nil {
				t.Fatal(err)
			}
		}
		before := check("history")
		if before.Active == 0 || before.Churned == 0 {
			t.Errorf("30 days, whole school: %+v: the fixture should have active and churned members", before)
		}
		// Member 4 (gold) was never seen: an arrival now makes it active.
		if _, err := models.CheckIn(ctx, db, now, nil, shanghai, models.CheckinRequest{Input: models.CardInput{CardNo: cards[4]}}); err != nil {
			t.Fatal(err)
		}
		if after := check("after an arrival today"); after.Active != before.Active+1 {
			t.Errorf("active after one more arrival today: %d, want %d", after.Active, before.Active+1)
		}
		if rep, err := models.Verify(ctx, db); err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
		// What the app kept as it went equals what the migration's refill
		// reads back from the history, and so do the triggers' counts.
		kept := func() string {
			var days []struct{ ID, LastSeenDay, LastBuyDay, PrevBuyDay, Cohort, SeenMonths int64 }
			var cohorts []struct {
				CampusID, Cohort int64
				Grade, Tier      string
				K, N             int64
			}
			if err := db.R.Raw("SELECT id, last_seen_day, last_buy_day, prev_buy_day, cohort, seen_months FROM members ORDER BY id").
				Scan(&days).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.R.Raw("SELECT campus_id, cohort, grade, tier, k, n FROM member_cohorts WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5").
				Scan(&cohorts).Error; err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(days, cohorts)
		}
		live := kept()
		if err := models.RecountMemberDays(ctx, db, shanghai); err != nil {
			t.Fatal(err)
		}
		if again := kept(); again != live {
			t.Errorf("kept days and cohorts as written:\n%s\nrecounted from the history:\n%s", live, again)
		}
		// A count off by one is what verify is for.
		if err := db.W.Exec("UPDATE member_days SET n = n + 1 WHERE kind = 'seen' AND campus_id = ?", campus[0]).Error; err != nil {
			t.Fatal(err)
		}
		if rep, err := models.Verify(ctx, db); err != nil || rep.Clean() {
			t.Errorf("verify after member_days was changed by hand: %v, problems %v", err, rep.Problems)
		}
	})
}
