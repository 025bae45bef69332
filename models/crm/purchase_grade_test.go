package crm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/crm"
	"starcard/models/dbtest"
)

// A purchase re-grades only when it takes the paid figure across one of the
// scheme's thresholds (the rest of the facts are as the last grading left
// them). Whether the paid window is the tier window the purchase already
// summed (12 months) or another (3 months, read separately), the grade after
// every purchase is the one a full re-grade gives.
func TestPurchaseGradeEqualsFullRegrade(t *testing.T) {
	for _, window := range []int{12, 3} {
		t.Run(fmt.Sprintf("window%d", window), func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *models.DB) {
				ctx := context.Background()
				w := newWorld(t, db)
				cfg, err := crm.LoadConfig(ctx, db.R, t0)
				if err != nil {
					t.Fatal(err)
				}
				s := crm.Seed003()
				for gi := range s.Grades {
					for ci := range s.Grades[gi].Conditions {
						if s.Grades[gi].Conditions[ci].Type == crm.FactPaid {
							s.Grades[gi].Conditions[ci].Window = window
						}
					}
				}
				cfg.Schemes[cfg.Active] = s
				if err := crm.SaveConfig(ctx, db, t0, w.actor, cfg); err != nil {
					t.Fatal(err)
				}
				id := w.member(t, models.NewGuardian{PositionLevel: "middle", EmployerType: "soe"}, "2026-10-01")
				// Five months ago: inside the 12-month window, outside the 3-month one.
				w.buy(t, t0.AddDate(0, -5, 0), id, 300000)
				steps := []struct {
					fen           int64
					want12, want3 string
				}{
					{100000, "watch", "general"}, // ¥4,000 / ¥1,000 in the window; 关注 needs the band and the SOE employer
					{400000, "watch", "watch"},   // ¥8,000 / ¥5,000: in the band, not over ¥8,000
					{1, "key", "watch"},          // ¥8,000.01 / ¥5,000.01
					{300000, "key", "key"},       // ¥11,000.01 / ¥8,000.01: over ¥8,000 with a middle manager
					{50000, "key", "key"},        // nothing crossed
				}
				for i, st := range steps {
					at := t0.Add(time.Duration(i+1) * time.Minute)
					w.buy(t, at, id, st.fen)
					want := st.want12
					if window == 3 {
						want = st.want3
					}
					if g, _ := grade(t, db, id); g != want {
						t.Fatalf("window %d, step %d (+%d fen): grade %q, want %q", window, i, st.fen, g, want)
					}
					var changed bool
					err := db.Tx(ctx, func(tx *gorm.DB) error {
						var err error
						changed, err = crm.Recompute(ctx, tx, at, w.actor, id, crm.CauseNightly, "")
						return err
					})
					if err != nil || changed {
						t.Fatalf("window %d, step %d: a full re-grade changed the grade (%v, %v)", window, i, changed, err)
					}
				}
			})
		})
	}
}
