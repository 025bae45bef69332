package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) auditList(c *fiber.Ctx) error {
	entries, err := models.ListAudit(c.UserContext(), h.DB.R, "", 0, 200)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "admin/audit", "", render.View{
		Title: h.T(c, "audit.title"), D: fiber.Map{"Entries": entries}})
}
