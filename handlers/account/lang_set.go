package account

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/middleware"
	"starcard/views"
)

// setLang keeps the chosen language in a cookie and goes back where the user was.
func (h handler) setLang(c *fiber.Ctx) error {
	code := views.MatchLang(c.Params("code"), "")
	c.Cookie(&fiber.Cookie{Name: middleware.LangCookie, Value: code, Path: "/", Secure: h.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: h.Now().Add(365 * 24 * time.Hour)})
	back := SafeNext(c.Query("back"))
	if back == "" {
		back = "/"
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
