// Package admin serves the back office at /admin: configuration, staff,
// reports and the audit log, for admins, service heads and campus managers.
package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
)

type handler struct{ *render.Deps }

// Register mounts /admin; each route's roles are its line in handlers/access.Table.
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/", h.home)
	adminOnly := r.Group("/staff") // admins only: handlers/access.Table
	adminOnly.Get("/", h.staffList)
	adminOnly.Post("/", h.staffCreate)
	adminOnly.Post("/:id/disable", h.staffDisable)
	adminOnly.Post("/:id/enable", h.staffEnable)
	h.registerAPIClients(r)
	r.Get("/audit", h.auditList)
	h.registerNotify(r)
	h.registerMembers(r)
	h.registerLoyalty(r)
	h.registerRules(r)
	h.registerSetup(r)
	h.registerCRM(r)
	h.registerCare(r)
	h.registerReports(r)
	h.registerMembers2(r)
	h.registerWebhooks(r)
}
