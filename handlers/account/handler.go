// Package account serves what every member of staff shares: logging in and
// out, choosing the language, and the staff inbox.
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
	// The staff inbox: every staff role (handlers/access.Table), their own
	// notices and contact details only.
	r.Get("/inbox", h.inboxList)
	r.Post("/inbox/read", h.inboxRead)
	r.Post("/inbox/contact", h.inboxContact)
}
