package account

import (
	"errors"
	"strings"

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

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.HasPrefix(next, "/\\") {
		return next
	}
	return ""
}

func (h handler) loginForm(c *fiber.Ctx) error {
	if u := render.User(c); u != nil {
		return c.Redirect(u.Role.Home(), fiber.StatusSeeOther)
	}
	return h.Page(c, fiber.StatusOK, "account/login", "", render.View{
		Title: h.T(c, "login.title"),
		Form:  map[string]string{"next": safeNext(c.Query("next"))},
	})
}

func (h handler) loginSubmit(c *fiber.Ctx) error {
	username := strings.TrimSpace(c.FormValue("username"))
	password := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
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
	u, err := models.Authenticate(ctx, h.DB.R, username, password)
	if errors.Is(err, models.ErrBadCredentials) || errors.Is(err, models.ErrAccountDisabled) {
		e, _ := models.AsError(err)
		return h.Page(c, fiber.StatusUnauthorized, "account/login", "", render.View{
			Title: h.T(c, "login.title"), Form: form, Flash: h.T(c, e.Key), FlashKind: "error"})
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
	return render.Redirect(c, "/login")
}
