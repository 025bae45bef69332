package admin

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) staffCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	now := h.Now()
	u, form, err := h.createStaffFromForm(c, false)
	if _, ok := models.AsError(err); ok {
		return h.staffPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err)})
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
