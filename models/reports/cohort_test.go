package reports_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// TestActivityAndCohorts: on the seeded school's first day every child is
// new and active (each bought); a child put on file in August who never
// came back is churned and is an August cohort of one with 0% retained;
// the filters narrow every figure.
func TestActivityAndCohorts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := seed(t, db)
		old := f.member(t, 0, "钱小宝")
		aug := time.Date(2026, 8, 15, 2, 0, 0, 0, time.UTC)
		if err := db.W.Exec("UPDATE members SET created_at = ?, tier = 'gold' WHERE id = ?", aug, old.ID).Error; err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai)
		p := reports.Period{From: day, To: day.AddDate(0, 0, 1), Loc: shanghai, Grain: reports.GrainDay}
		north := p
		north.CampusIDs = []int64{f.campus[0]}
		for _, c := range []struct {
			name string
			p    reports.Period
			f    reports.Filter
			want reports.Activity
			dec  int64 // the December cohort's size
		}{
			{"school", p, reports.Filter{}, reports.Activity{New: 4, Active: 4, Churned: 1}, 4},
			{"north", north, reports.Filter{}, reports.Activity{New: 2, Active: 2, Churned: 1}, 2},
			{"gold", p, reports.Filter{Tier: "gold"}, reports.Activity{Churned: 1}, 0},
			{"course", p, reports.Filter{CourseID: f.course.ID}, reports.Activity{New: 1, Active: 1}, 1},
			{"class", p, reports.Filter{ClassID: 999999}, reports.Activity{}, 0},
		} {
			got, err := reports.ActivityFor(ctx, db.R, c.p, c.f)
			if err != nil || got != c.want {
				t.Errorf("%s: activity %+v %v, want %+v", c.name, got, err, c.want)
			}
			cs, err := reports.CohortsFor(ctx, db.R, c.p, c.f)
			if err != nil || len(cs) != reports.CohortMonths {
				t.Fatalf("%s: cohorts %+v %v", c.name, cs, err)
			}
			dec := cs[len(cs)-1]
			if dec.Month != "2026-12" || dec.Size != c.dec || len(dec.Pct) != 1 || (c.dec > 0 && dec.Pct[0] != 100) {
				t.Errorf("%s: December cohort %+v", c.name, dec)
			}
		}
		cs, _ := reports.CohortsFor(ctx, db.R, p, reports.Filter{})
		if a := cs[1]; a.Month != "2026-08" || a.Size != 1 || len(a.Pct) != 5 || a.Pct[0] != 0 || a.Pct[4] != 0 {
			t.Errorf("August cohort %+v", a)
		}
		m, err := reports.MembersFiltered(ctx, db.R, nil, reports.Filter{Tier: "gold"})
		if err != nil || m.Total != 1 {
			t.Errorf("gold members %+v %v", m, err)
		}
	})
}
