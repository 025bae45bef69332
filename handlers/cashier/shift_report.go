package cashier

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// reportData is the printable report page: a shift's or a campus day's.
type reportData struct {
	Shift    *models.ShiftReport
	Daily    *models.DailyReport
	Campuses []models.Campus
	Day      string
	Manager  bool
	CanClose bool // the user's own open shift: the close form is shown
	Counted  string
	Note     string
	Printed  time.Time
}

func isManager(u *models.StaffUser) bool {
	return u.Role == models.RoleCampusManager || u.Role == models.RoleAdmin
}

// shiftReport is one shift's printable report: the cashier's own shifts, or
// any shift of their campus for a campus manager. The user's own open shift
// carries the close form.
func (h handler) shiftReport(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return h.renderShiftReport(c, id, fiber.StatusOK, &reportData{}, nil, "")
}

func (h handler) renderShiftReport(c *fiber.Ctx, id int64, status int, d *reportData, errs map[string]string, flash string) error {
	ctx, u := c.UserContext(), render.User(c)
	s, err := models.GetShift(ctx, h.DB.R, id)
	if err != nil {
		return err
	}
	if s.CashierID != u.ID && !models.CanApproveRefund(u, s.CampusID) {
		return models.ErrShiftNotFound
	}
	if d.Shift, err = models.ReportForShift(ctx, h.DB.R, h.Now(), s); err != nil {
		return err
	}
	d.CanClose = s.Open() && s.CashierID == u.ID
	d.Manager, d.Printed = isManager(u), h.Now()
	v := render.View{Title: h.T(c, "cashier.shift_report") + " #" + strconv.FormatInt(s.ID, 10), D: d, Errors: errs}
	if flash != "" {
		v.Flash, v.FlashKind = flash, "error"
	}
	return h.Page(c, status, "cashier/report", "", v)
}

// dailyReport is a campus's day at the desk, for its campus manager (and admins).
func (h handler) dailyReport(c *fiber.Ctx) error {
	// Who may (campus managers and admins) is its line in handlers/access.Table.
	ctx, u := c.UserContext(), render.User(c)
	all, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	d := &reportData{Manager: true, Printed: h.Now()}
	for _, cp := range all {
		if models.CanApproveRefund(u, cp.ID) {
			d.Campuses = append(d.Campuses, cp)
		}
	}
	if len(d.Campuses) == 0 {
		return models.ErrForbidden
	}
	campusID, _ := strconv.ParseInt(c.Query("campus"), 10, 64)
	if campusID == 0 {
		campusID = d.Campuses[0].ID
	}
	if !models.CanApproveRefund(u, campusID) {
		return models.ErrNotFound
	}
	day, ok := schoolDay(c.Query("date"), h.Loc, h.Now())
	if !ok {
		return fiber.ErrBadRequest
	}
	d.Day = day.Format("2006-01-02")
	if d.Daily, err = models.ReportForDay(ctx, h.DB.R, campusID, day, h.Loc); err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "cashier/report", "", render.View{Title: h.T(c, "cashier.daily_title"), D: d})
}
