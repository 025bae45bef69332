package admin

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) staffCreate(c *fiber.Ctx) error {
	in := models.NewStaff{Username: c.FormValue("username"), Name: c.FormValue("name"),
		Password: c.FormValue("password"), Role: c.FormValue("role")}
	if id, err := strconv.ParseInt(c.FormValue("campus_id"), 10, 64); err == nil && id > 0 {
		in.CampusIDs = []int64{id}
	}
	form := map[string]string{"username": in.Username, "name": in.Name, "role": in.Role, "campus_id": c.FormValue("campus_id")}
	ctx := c.UserContext()
	now := h.Now()
	u, err := models.CreateStaff(ctx, h.DB.W, now, in)
	if e, ok := models.AsError(err); ok {
		errs := h.FieldErrors(c, err)
		if e.Code == models.ErrDuplicateUsername.Code {
			errs = map[string]string{"username": h.T(c, e.Key)}
		}
		return h.staffPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: errs})
	}
	if err != nil {
		return err
	}
	if err := models.Audit(ctx, h.DB.W, now, render.Actor(c), "staff.create", "staff", u.ID, fmt.Sprintf("role=%s", u.Role)); err != nil {
		return err
	}
	return h.staffPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "staff.created", u.Username), FlashKind: "ok"})
}

func (h handler) setDisabled(c *fiber.Ctx, disabled bool) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	if u := render.User(c); u.ID == id && disabled {
		return h.staffPage(c, fiber.StatusUnprocessableEntity, render.View{Flash: h.T(c, "staff.cannot_disable_self"), FlashKind: "error"})
	}
	ctx := c.UserContext()
	now := h.Now()
	if err := models.SetStaffDisabled(ctx, h.DB.W, now, id, disabled); err != nil {
		return err
	}
	action := "staff.enable"
	if disabled {
		action = "staff.disable"
	}
	if err := models.Audit(ctx, h.DB.W, now, render.Actor(c), action, "staff", id, ""); err != nil {
		return err
	}
	return h.staffPage(c, fiber.StatusOK, render.View{Flash: h.T(c, action+"d"), FlashKind: "ok"})
}

func (h handler) staffDisable(c *fiber.Ctx) error { return h.setDisabled(c, true) }
func (h handler) staffEnable(c *fiber.Ctx) error  { return h.setDisabled(c, false) }
