package cashier

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// shiftData is the shift page: the open shift's live report and the close
// form, or the open form; and the user's recent shifts.
type shiftData struct {
	Shift    *models.Shift
	Campuses []models.Campus
	Recent   []models.Shift
	Opening  string
	Counted  string
	Note     string
	Manager  bool // may see the campus daily report
}

func (h handler) shiftPage(c *fiber.Ctx, status int, d *shiftData, errs map[string]string, flash string) error {
	ctx, u := c.UserContext(), render.User(c)
	s, err := h.shift(c)
	if err != nil {
		return err
	}
	d.Shift = s
	if s == nil {
		all, err := models.ListCampuses(ctx, h.DB.R)
		if err != nil {
			return err
		}
		for _, cp := range all {
			if u.CanSeeCampus(cp.ID) {
				d.Campuses = append(d.Campuses, cp)
			}
		}
	}
	if d.Recent, err = models.RecentShifts(ctx, h.DB.R, u.ID, 8); err != nil {
		return err
	}
	d.Manager = u.Role == models.RoleCampusManager || u.Role == models.RoleAdmin
	v := render.View{Title: h.T(c, "cashier.shift_title"), D: d, Errors: errs}
	if flash != "" {
		v.Flash, v.FlashKind = flash, "error"
	}
	return h.Page(c, status, "cashier/shift", "", v)
}

// shiftShow is the shift page: the open shift's live report with the close
// form, or the form that opens one.
func (h handler) shiftShow(c *fiber.Ctx) error {
	s, err := h.shift(c)
	if err != nil {
		return err
	}
	if s != nil {
		return c.Redirect("/cashier/shifts/"+strconv.FormatInt(s.ID, 10), fiber.StatusSeeOther)
	}
	return h.shiftPage(c, fiber.StatusOK, &shiftData{}, nil, "")
}

// shiftOpen opens a shift with the cash float in the drawer.
func (h handler) shiftOpen(c *fiber.Ctx) error {
	d := &shiftData{Opening: strings.TrimSpace(c.FormValue("opening_cash"))}
	fen, _, ok := parseFen(d.Opening)
	if !ok {
		return h.shiftPage(c, fiber.StatusUnprocessableEntity, d,
			map[string]string{"opening_cash": h.T(c, "err.cashier_bad_money")}, h.T(c, "cashier.fix_fields"))
	}
	campusID, _ := strconv.ParseInt(c.FormValue("campus_id"), 10, 64)
	u := render.User(c)
	// No campus asked: the cashier's only campus, or the school's (an admin
	// of a one-campus school is never asked which).
	campusID, err := models.ResolveCampus(c.UserContext(), h.DB.R, u, campusID)
	if err == nil {
		_, err = models.OpenShift(c.UserContext(), h.DB, h.Now(), render.Actor(c), u, campusID, fen)
	}
	if err != nil && !errorsIs(err, models.ErrShiftOpen) {
		msg, fields, ierr := h.formError(c, err, nil)
		if ierr != nil {
			return ierr
		}
		return h.shiftPage(c, fiber.StatusUnprocessableEntity, d, fields, msg)
	}
	back := c.FormValue("back")
	if !strings.HasPrefix(back, "/cashier") || strings.HasPrefix(back, "//") {
		back = "/cashier"
	}
	return render.Redirect(c, back)
}

// shiftClose closes the open shift with the cash counted and shows its report.
func (h handler) shiftClose(c *fiber.Ctx) error {
	open, err := h.shift(c)
	if err != nil {
		return err
	}
	if open == nil {
		return h.shiftPage(c, fiber.StatusConflict, &shiftData{}, nil, h.T(c, "err.shift_none"))
	}
	d := &reportData{Counted: strings.TrimSpace(c.FormValue("counted_cash")), Note: strings.TrimSpace(c.FormValue("note"))}
	fen, blank, ok := parseFen(d.Counted)
	if !ok {
		return h.renderShiftReport(c, open.ID, fiber.StatusUnprocessableEntity, d,
			map[string]string{"counted_cash": h.T(c, "err.cashier_bad_money")}, h.T(c, "cashier.fix_fields"))
	}
	var counted *int64
	if !blank {
		counted = &fen
	}
	s, err := models.CloseShift(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c).ID, counted, d.Note)
	if err != nil {
		msg, fields, ierr := h.formError(c, err, nil)
		if ierr != nil {
			return ierr
		}
		return h.renderShiftReport(c, open.ID, fiber.StatusUnprocessableEntity, d, fields, msg)
	}
	return render.Redirect(c, "/cashier/shifts/"+strconv.FormatInt(s.ID, 10))
}
