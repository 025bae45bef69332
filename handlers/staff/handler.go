// Package staff serves the teachers' pages at /staff: attendance, behaviour points, contact log and follow-ups.
package staff

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
)

type handler struct{ *render.Deps }

// Register mounts the surface; the group already checks the role.
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/", h.home)
	h.registerCare(r)
}

func (h handler) home(c *fiber.Ctx) error {
	return h.Page(c, fiber.StatusOK, "staff/home", "", render.View{Title: h.T(c, "teacher.title")})
}
