// Package admin serves the back office at /admin: configuration, staff,
// reports and the audit log, for admins, service heads and campus managers.
package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

type handler struct{ *render.Deps }

// Register mounts /admin; the group already requires a back-office role.
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/", h.home)
	adminOnly := r.Group("/staff", requireAdmin)
	adminOnly.Get("/", h.staffList)
	adminOnly.Post("/", h.staffCreate)
	adminOnly.Post("/:id/disable", h.staffDisable)
	adminOnly.Post("/:id/enable", h.staffEnable)
	r.Get("/audit", h.auditList)
	h.registerNotify(r)
	h.registerMembers(r)
	h.registerLoyalty(r)
	h.registerRules(r)
	h.registerCare(r)
}

func requireAdmin(c *fiber.Ctx) error {
	if u := render.User(c); u == nil || u.Role != models.RoleAdmin {
		return models.ErrForbidden
	}
	return c.Next()
}
