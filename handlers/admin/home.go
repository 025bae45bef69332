package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/reports"
)

func (h handler) home(c *fiber.Ctx) error {
	ctx := c.UserContext()
	// An empty school's first admin is greeted by the set-up wizard.
	if u := render.User(c); u != nil && u.Role == models.RoleAdmin {
		need, err := models.NeedsSetup(ctx, h.DB.R)
		if err != nil {
			return err
		}
		if need {
			return render.Redirect(c, "/admin/setup")
		}
	}
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	local := h.Now().In(h.Loc)
	dayStart := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, h.Loc).UTC()
	scope := models.StaffCampusScope(render.User(c))
	counts, err := models.SchoolCounts(ctx, h.DB.R, dayStart, scope)
	if err != nil {
		return err
	}
	// The dashboard: the last 30 days of the viewer's campuses, each figure
	// linking into its report.
	p, _, err := h.reportPeriod(c)
	if err != nil {
		return err
	}
	rep, err := reports.BuildDashboard(ctx, h.DB.R, p)
	if err != nil {
		return err
	}
	if scope != nil {
		counts.StoredValue, counts.Points = rep.LiabTotal.StoredValue(), rep.LiabTotal.PointsOutstanding
	}
	return h.Page(c, fiber.StatusOK, "admin/home", "", render.View{
		Title: h.T(c, "admin.title"),
		D:     fiber.Map{"Campuses": campuses, "Counts": counts, "R": rep, "Spark": h.salesSpark(c, rep), "Renewal": renewalPct(rep)},
	})
}
