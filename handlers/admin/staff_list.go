package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) staffPage(c *fiber.Ctx, status int, v render.View) error {
	ctx := c.UserContext()
	users, err := models.ListStaff(ctx, h.DB.R)
	if err != nil {
		return err
	}
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	v.Title = h.T(c, "staff.title")
	v.D = fiber.Map{"Users": users, "Roles": models.Roles, "Campuses": campuses}
	return h.Page(c, status, "admin/staff", "staff", v)
}

func (h handler) staffList(c *fiber.Ctx) error {
	return h.staffPage(c, fiber.StatusOK, render.View{})
}
