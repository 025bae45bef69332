// Package cashier serves the cashier desk at /cashier: scan a card, purchases, top-ups, refunds, shifts.
package cashier

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
)

type handler struct{ *render.Deps }

// Register mounts the surface; the group already checks the role.
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/", h.home)
	h.registerRedemptions(r)
	h.registerCoupons(r)
}

func (h handler) home(c *fiber.Ctx) error {
	return h.Page(c, fiber.StatusOK, "cashier/home", "", render.View{Title: h.T(c, "cashier.title")})
}
