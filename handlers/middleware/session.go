// Package middleware holds the request pipeline pieces every surface shares:
// language, CSRF, staff sessions, API bearer tokens, roles, metrics and logs.
package middleware

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/security"
	"starcard/views"
)

// Cookie names.
const (
	// GuardianCookie is the parent portal's session cookie (set by the
	// portal, path /portal); CSRF tokens on portal pages are bound to it.
	GuardianCookie = "sc_portal"
	SessionCookie  = "sc_staff"
	CSRFCookie     = "sc_csrf"
	LangCookie     = "sc_lang"
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

// CSRF protects unsafe requests with a token bound to the session: an
// HMAC of the staff session's id (or, before login, of a random value in an
// HttpOnly cookie) under the server's secret, which the page repeats in the
// X-CSRF-Token header (htmx, set once on <body>) or the _csrf form field.
// Logging in starts a new session and a new pre-login value, so the token
// rotates; a token planted before login, or taken from another session, is
// worth nothing. It keeps no server state, so any instance can check it.
func CSRF(d *render.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		pre := c.Cookies(CSRFCookie)
		if len(pre) != 32 {
			pre = RotateCSRF(c, d)
		}
		binding := "pre:" + pre
		if sid := SessionID(c, d); sid != "" {
			binding = "sid:" + sid
		} else if g := c.Cookies(GuardianCookie); g != "" && strings.HasPrefix(c.Path(), "/portal") {
			binding = "guardian:" + g // a parent's session (its cookie is a random token)
		}
		token := csrfToken(d.Secret, binding)
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

// RotateCSRF sets a new pre-login CSRF value (at login and logout) and
// returns it.
func RotateCSRF(c *fiber.Ctx, d *render.Deps) string {
	pre := models.NewToken(16)
	c.Cookie(&fiber.Cookie{Name: CSRFCookie, Value: pre, Path: "/", HTTPOnly: true,
		Secure: d.Secure, SameSite: fiber.CookieSameSiteLaxMode})
	return pre
}

// CSRFFor returns the token pages carry for a session started just now (the
// login answer renders with it, before the new cookie comes back).
func CSRFFor(d *render.Deps, sid string) string { return csrfToken(d.Secret, "sid:"+sid) }

func csrfToken(secret []byte, binding string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("starcard-csrf|" + binding))
	return hex.EncodeToString(m.Sum(nil))[:32]
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
	return SessionIDOf(d, c.Cookies(SessionCookie))
}

// SessionIDOf returns the session id a session cookie's value names, or ""
// when it is not a valid one.
func SessionIDOf(d *render.Deps, cookie string) string {
	if cookie == "" {
		return ""
	}
	var cl staffClaims
	if (staffDeps{d}).parse(cookie, "staff", &cl) != nil {
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

// clientSubject prefixes the subject of an API client's token, so that a
// client's id can never be read as a staff account's.
const clientSubject = "client:"

// IssueClientToken signs a bearer token for an API client.
func IssueClientToken(d *render.Deps, cl *security.Client) (string, error) {
	now := d.Now()
	claims := apiClaims{jwt.RegisteredClaims{
		Subject:   clientSubject + strconv.FormatInt(cl.ID, 10),
		Audience:  jwt.ClaimStrings{"api"},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(APITokenTTL)),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(d.Secret)
	if err != nil {
		return "", fmt.Errorf("middleware: sign client token: %w", err)
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
		if rest, ok := strings.CutPrefix(cl.Subject, clientSubject); ok {
			return clientCall(c, d, rest)
		}
		id, err := strconv.ParseInt(cl.Subject, 10, 64)
		if err != nil {
			return ErrBadToken
		}
		u, err := bearerStaff.get(c.UserContext(), d.DB.R, id)
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

// clientCall serves a request made with an API client's token: the client
// must still be live; it acts with its role and campus; and the call is
// audited with the client's name once its outcome is known.
func clientCall(c *fiber.Ctx, d *render.Deps, rawID string) error {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil {
		return ErrBadToken
	}
	ctx := c.UserContext()
	cl, err := security.GetClient(ctx, d.DB.R, id)
	if errors.Is(err, security.ErrBadClient) {
		return ErrBadToken
	}
	if err != nil {
		return err
	}
	u := cl.AsStaff()
	actor := models.Actor{Type: "api_client", ID: cl.ID, Device: "api:" + cl.ClientID}
	if cl.CampusID != nil {
		actor.CampusID = *cl.CampusID
	}
	c.Locals(render.LocalUser, u)
	c.Locals(render.LocalActor, actor)
	if herr := c.Next(); herr != nil {
		// Answer now, so that the audit row has the status the client sees.
		if err := c.App().ErrorHandler(c, herr); err != nil {
			return err
		}
	}
	actor.IP = c.IP()
	return security.AuditCall(ctx, d.DB.W, d.Now(), actor, cl, c.Method(), c.Path(), c.Response().StatusCode())
}
