package demo

import (
	"context"
	"fmt"
	"time"

	"starcard/models"
)

// demoShifts gives each campus's cashier a closed shift for yesterday's
// opening hours (float ¥200, the drawer counted right), so the shift list,
// the shift report and the campus daily report have something to show over
// the demo ledger's history.
func demoShifts(ctx context.Context, d *School) error {
	lt := d.Now.In(d.Loc).AddDate(0, 0, -1)
	open := time.Date(lt.Year(), lt.Month(), lt.Day(), 8, 0, 0, 0, d.Loc)
	end := time.Date(lt.Year(), lt.Month(), lt.Day(), 18, 0, 0, 0, d.Loc)
	for i, c := range d.Campuses {
		u := d.Staff[fmt.Sprintf("cashier%d", i+1)]
		if u == nil {
			continue
		}
		actor := models.Actor{Type: "staff", ID: u.ID, CampusID: c.ID, Device: "demo"}
		if _, err := models.OpenShift(ctx, d.DB, open, actor, u, c.ID, 20000); err != nil {
			return fmt.Errorf("demo shifts: %w", err)
		}
		rep, err := models.DeskReportFor(ctx, d.DB.R, models.ReportScope{CampusID: c.ID, ActorID: u.ID, From: open, To: end})
		if err != nil {
			return fmt.Errorf("demo shifts: %w", err)
		}
		counted := 20000 + rep.NetCash()
		if _, err := models.CloseShift(ctx, d.DB, end, actor, u.ID, &counted, "交班正常"); err != nil {
			return fmt.Errorf("demo shifts: %w", err)
		}
	}
	return nil
}
