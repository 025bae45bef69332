// Package middleware holds the request pipeline pieces every surface shares:
// language, CSRF, staff sessions, API bearer tokens, roles, metrics and logs.
package middleware

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/views"
)

// Cookie names.
const (
	SessionCookie = "sc_staff"
	CSRFCookie    = "sc_csrf"
	LangCookie    = "sc_lang"
)

// Session lifetimes: a staff session lasts SessionTTL since its last renewal;
// the cookie is renewed when it is older than RenewAfter, so an active user
// stays in and an idle desk is logged out.
const (
	SessionTTL  = 2 * time.Hour
	RenewAfter  = 10 * time.Minute
	APITokenTTL = time.Hour
)

// Lang picks the request's language (cookie, then Accept-Language) and
// leaves it in Locals; htmx fragments come back in it because the cookie
// travels with them.
func Lang() fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(render.LocalLang, views.MatchLang(c.Cookies(LangCookie), c.Get(fiber.HeaderAcceptLanguage)))
		return c.Next()
	}
}

// ErrCSRF is returned when a form or htmx request lacks the page's token.
var ErrCSRF = models.NewError(models.KindForbidden, "csrf", "err.csrf")

// CSRF protects unsafe requests with a double-submit token: a random value in
// an HttpOnly cookie that the page repeats in the X-CSRF-Token header (htmx,
// set once on <body>) or the _csrf form field. It keeps no server state, so
// any instance behind a load balancer can check it.
func CSRF(secure bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		token := c.Cookies(CSRFCookie)
		if len(token) != 32 {
			token = models.NewToken(16)
			c.Cookie(&fiber.Cookie{Name: CSRFCookie, Value: token, Path: "/", HTTPOnly: true,
				Secure: secure, SameSite: fiber.CookieSameSiteLaxMode})
		}
		c.Locals(render.LocalCSRF, token)
		switch c.Method() {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
			return c.Next()
		}
		got := c.Get("X-CSRF-Token")
		if got == "" {
			got = c.FormValue("_csrf")
		}
		if len(got) != len(token) || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 || c.Cookies(CSRFCookie) == "" {
			return ErrCSRF
		}
		return c.Next()
	}
}

type staffClaims struct {
	SID string `json:"sid"`
	jwt.RegisteredClaims
}

// IssueSessionCookie signs a JWT for the session and sets it as an HttpOnly,
// SameSite=Lax cookie (Secure under TLS). The cookie itself has no expiry:
// it ends with the browser, and the token's exp and the session row decide
// how long it is honoured.
func IssueSessionCookie(c *fiber.Ctx, d *render.Deps, s *models.Session) error {
	now := d.Now()
	claims := staffClaims{SID: s.ID, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   strconv.FormatInt(s.UserID, 10),
		Audience:  jwt.ClaimStrings{"staff"},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(s.ExpiresAt),
	}}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(d.Secret)
	if err != nil {
		return fmt.Errorf("middleware: sign session: %w", err)
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: signed, Path: "/", HTTPOnly: true,
		Secure: d.Secure, SameSite: fiber.CookieSameSiteLaxMode})
	return nil
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(c *fiber.Ctx, d *render.Deps) {
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", HTTPOnly: true, Secure: d.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
}

func (d staffDeps) parse(token, audience string, out jwt.Claims) error {
	_, err := jwt.ParseWithClaims(token, out, func(*jwt.Token) (any, error) { return d.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(d.Now))
	return err
}

type staffDeps struct{ *render.Deps }

// SessionID returns the id of the request's staff session, or "".
func SessionID(c *fiber.Ctx, d *render.Deps) string {
	var cl staffClaims
	if (staffDeps{d}).parse(c.Cookies(SessionCookie), "staff", &cl) != nil {
		return ""
	}
	return cl.SID
}

// Staff loads the staff user from the session cookie when there is one and
// renews the session while it is used. It never refuses: RequireRole does.
func Staff(d *render.Deps) fiber.Handler {
	sd := staffDeps{d}
	return func(c *fiber.Ctx) error {
		raw := c.Cookies(SessionCookie)
		if raw == "" {
			return c.Next()
		}
		var cl staffClaims
		if err := sd.parse(raw, "staff", &cl); err != nil {
			ClearSessionCookie(c, d)
			return c.Next()
		}
		ctx := c.UserContext()
		now := d.Now()
		s, u, err := models.ResolveSession(ctx, d.DB.R, now, cl.SID)
		if err != nil {
			if _, ok := models.AsError(err); ok {
				ClearSessionCookie(c, d)
				return c.Next()
			}
			return err
		}
		if cl.IssuedAt != nil && now.Sub(cl.IssuedAt.Time) > RenewAfter {
			s.ExpiresAt = now.Add(SessionTTL)
			if err := models.ExtendSession(ctx, d.DB.W, s.ID, s.ExpiresAt); err != nil {
				return err
			}
			if err := IssueSessionCookie(c, d, s); err != nil {
				return err
			}
		}
		c.Locals(render.LocalUser, u)
		c.Locals(render.LocalActor, models.Actor{Type: "staff", ID: u.ID, CampusID: firstCampus(u), Device: "web"})
		return c.Next()
	}
}

func firstCampus(u *models.StaffUser) int64 {
	if len(u.CampusIDs) > 0 {
		return u.CampusIDs[0]
	}
	return 0
}

// RequireRole lets only logged-in staff of the given roles through: anonymous
// requests get 401 (a redirect to the login page for browsers), others 403.
func RequireRole(roles ...models.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := render.User(c)
		if u == nil {
			return models.ErrUnauthenticated
		}
		for _, r := range roles {
			if u.Role == r {
				return c.Next()
			}
		}
		return models.ErrForbidden
	}
}

type apiClaims struct {
	jwt.RegisteredClaims
}

// IssueAPIToken signs a bearer token for an API client.
func IssueAPIToken(d *render.Deps, u *models.StaffUser) (string, error) {
	now := d.Now()
	claims := apiClaims{jwt.RegisteredClaims{
		Subject:   strconv.FormatInt(u.ID, 10),
		Audience:  jwt.ClaimStrings{"api"},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(APITokenTTL)),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(d.Secret)
	if err != nil {
		return "", fmt.Errorf("middleware: sign api token: %w", err)
	}
	return s, nil
}

// ErrBadToken is returned for a missing, malformed, forged or expired bearer token.
var ErrBadToken = models.NewError(models.KindUnauthorized, "bad-token", "err.bad_token")

// Bearer authenticates API requests with a JWT from the Authorization header;
// the account must still be active.
func Bearer(d *render.Deps) fiber.Handler {
	sd := staffDeps{d}
	return func(c *fiber.Ctx) error {
		h := c.Get(fiber.HeaderAuthorization)
		const prefix = "Bearer "
		if len(h) <= len(prefix) || h[:len(prefix)] != prefix {
			return ErrBadToken
		}
		var cl apiClaims
		if err := sd.parse(h[len(prefix):], "api", &cl); err != nil {
			return ErrBadToken
		}
		id, err := strconv.ParseInt(cl.Subject, 10, 64)
		if err != nil {
			return ErrBadToken
		}
		u, err := models.GetStaff(c.UserContext(), d.DB.R, id)
		if errors.Is(err, models.ErrNotFound) || (err == nil && u.DisabledAt != nil) {
			return ErrBadToken
		}
		if err != nil {
			return err
		}
		c.Locals(render.LocalUser, u)
		c.Locals(render.LocalActor, models.Actor{Type: "api", ID: u.ID, CampusID: firstCampus(u), Device: "api"})
		return c.Next()
	}
}
