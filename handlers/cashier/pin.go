package cashier

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// pinData is the approval PIN page of a campus manager or an admin.
type pinData struct {
	HasPIN bool
	Saved  bool
}

// pinShow shows whether the manager has an approval PIN and a form to set it.
func (h handler) pinShow(c *fiber.Ctx) error {
	has, err := models.HasApprovalPIN(c.UserContext(), h.DB.R, render.User(c).ID)
	if err != nil {
		return err
	}
	return h.pinPage(c, fiber.StatusOK, &pinData{HasPIN: has, Saved: c.Query("saved") == "1"}, nil, "")
}

// pinSave sets (or clears) the manager's approval PIN; the PIN is typed
// twice, and the manager's password proves it is them at this screen.
func (h handler) pinSave(c *fiber.Ctx) error {
	ctx, u := c.UserContext(), render.User(c)
	has, err := models.HasApprovalPIN(ctx, h.DB.R, u.ID)
	if err != nil {
		return err
	}
	d := &pinData{HasPIN: has}
	pin, again := strings.TrimSpace(c.FormValue("pin")), strings.TrimSpace(c.FormValue("pin_again"))
	clear := c.FormValue("clear") == "1"
	fields := map[string]string{}
	if _, err := models.Authenticate(ctx, h.DB.R, u.Username, c.FormValue("password")); err != nil {
		fields["password"] = h.T(c, "desk.pin_password_wrong")
	}
	if !clear {
		switch {
		case !models.ValidPIN(pin):
			fields["pin"] = h.T(c, "desk.pin_format")
		case pin != again:
			fields["pin_again"] = h.T(c, "desk.pin_mismatch")
		}
	} else {
		pin = ""
	}
	if len(fields) > 0 {
		return h.pinPage(c, fiber.StatusUnprocessableEntity, d, fields, h.T(c, "cashier.fix_fields"))
	}
	if err := models.SetApprovalPIN(ctx, h.DB, h.Now(), render.Actor(c), u, pin); err != nil {
		msg, f, ierr := h.formError(c, err, nil)
		if ierr != nil {
			return ierr
		}
		return h.pinPage(c, fiber.StatusUnprocessableEntity, d, f, msg)
	}
	return render.Redirect(c, "/cashier/pin?saved=1")
}

func (h handler) pinPage(c *fiber.Ctx, status int, d *pinData, errs map[string]string, msg string) error {
	v := render.View{Title: h.T(c, "desk.pin_title"), D: d, Errors: errs, Flash: msg, FlashKind: "error"}
	if msg == "" && d.Saved {
		v.Flash, v.FlashKind = h.T(c, "desk.pin_saved"), "ok"
	}
	return h.Page(c, status, "cashier/pin", "", v)
}
