// Package account serves what every member of staff shares: logging in and
// out, choosing the language, and the staff inbox.
package account

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/middleware"
	"starcard/handlers/render"
	"starcard/models"
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
	// The staff inbox: every staff role, their own notices only.
	staff := middleware.RequireRole(models.Roles...)
	r.Get("/inbox", staff, h.inboxList)             // every staff role
	r.Post("/inbox/read", staff, h.inboxRead)       // every staff role
	r.Post("/inbox/contact", staff, h.inboxContact) // every staff role: their own phone/e-mail
}
