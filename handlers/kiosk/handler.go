// Package kiosk serves the check-in kiosk at /kiosk, a tablet at the school door.
package kiosk

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
)

type handler struct{ *render.Deps }

// Register mounts the surface; the group already checks the role.
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/", h.home)
}

func (h handler) home(c *fiber.Ctx) error {
	return h.Page(c, fiber.StatusOK, "kiosk/home", "", render.View{Title: h.T(c, "kiosk.title")})
}
