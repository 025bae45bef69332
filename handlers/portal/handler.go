// Package portal serves the parents' pages at /portal, on a phone. Guardians
// have their own sessions, separate from staff sessions.
package portal

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
)

type handler struct{ *render.Deps }

// Register mounts /portal.
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/", h.home)
}

func (h handler) home(c *fiber.Ctx) error {
	return h.Page(c, fiber.StatusOK, "portal/home", "", render.View{Title: h.T(c, "portal.title")})
}
