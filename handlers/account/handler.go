// Package account serves what every member of staff shares: logging in and
// out, and choosing the language.
package account

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
)

type handler struct{ *render.Deps }

// Register mounts the account routes.
func Register(r fiber.Router, d *render.Deps, loginLimit fiber.Handler) {
	h := handler{d}
	r.Get("/", h.root)
	r.Get("/login", h.loginForm)
	r.Post("/login", loginLimit, h.loginSubmit)
	r.Post("/logout", h.logout)
	r.Get("/lang/:code", h.setLang)
}
