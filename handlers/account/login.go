package account

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/middleware"
	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) root(c *fiber.Ctx) error {
	if u := render.User(c); u != nil {
		return c.Redirect(u.Role.Home(), fiber.StatusSeeOther)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// SafeNext keeps a post-login redirect on this site: a path that starts
// with one "/" and has no backslash, no control or space characters (a
// browser drops a TAB or newline, so "/\t/evil.example" is "//evil.example")
// and no scheme or host once parsed. Anything else is "" (the role's home).
func SafeNext(next string) string {
	if len(next) == 0 || len(next) > 2048 || next[0] != '/' {
		return ""
	}
	for _, r := range next {
		if r < 0x21 || r == 0x7f || r == '\\' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return ""
		}
	}
	if strings.HasPrefix(next, "//") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return ""
	}
	return next
}

func (h handler) loginForm(c *fiber.Ctx) error {
	if u := render.User(c); u != nil {
		return c.Redirect(u.Role.Home(), fiber.StatusSeeOther)
	}
	return h.Page(c, fiber.StatusOK, "account/login", "", render.View{
		Title: h.T(c, "login.title"),
		Form:  map[string]string{"next": SafeNext(c.Query("next"))},
	})
}

func (h handler) loginSubmit(c *fiber.Ctx) error {
	username := strings.TrimSpace(c.FormValue("username"))
	password := c.FormValue("password")
	next := SafeNext(c.FormValue("next"))
	form := map[string]string{"username": username, "next": next}
	if username == "" || password == "" {
		errs := map[string]string{}
		if username == "" {
			errs["username"] = h.T(c, "err.required")
		}
		if password == "" {
			errs["password"] = h.T(c, "err.required")
		}
		return h.Page(c, fiber.StatusUnprocessableEntity, "account/login", "", render.View{
			Title: h.T(c, "login.title"), Form: form, Errors: errs})
	}
	ctx := c.UserContext()
	u, err := h.Throttle.Login(ctx, h.Now(), c.IP(), username, password)
	if e, ok := models.AsError(err); ok && (e.Kind == models.KindUnauthorized || e.Kind == models.KindRateLimited) {
		status := fiber.StatusUnauthorized
		if e.Kind == models.KindRateLimited {
			status = fiber.StatusTooManyRequests
		}
		return h.Page(c, status, "account/login", "", render.View{
			Title: h.T(c, "login.title"), Form: form, Flash: h.T(c, e.Key, e.Args...), FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	now := h.Now()
	s, err := models.StartSession(ctx, h.DB.W, now, u.ID, middleware.SessionTTL, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return err
	}
	if err := models.Audit(ctx, h.DB.W, now, models.Actor{Type: "staff", ID: u.ID, IP: c.IP()}, "login", "staff", u.ID, ""); err != nil {
		return err
	}
	if err := middleware.IssueSessionCookie(c, h.Deps, s); err != nil {
		return err
	}
	middleware.RotateCSRF(c, h.Deps) // a token from before the login is worth nothing after it
	if next == "" {
		next = u.Role.Home()
	}
	return render.Redirect(c, next)
}

func (h handler) logout(c *fiber.Ctx) error {
	if sid := middleware.SessionID(c, h.Deps); sid != "" {
		if err := models.EndSession(c.UserContext(), h.DB.W, sid); err != nil {
			return err
		}
	}
	middleware.ClearSessionCookie(c, h.Deps)
	middleware.RotateCSRF(c, h.Deps)
	return render.Redirect(c, "/login")
}
