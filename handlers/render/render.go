// Package render is what every web surface shares: the dependencies they are
// given, the per-request view data, and the one helper that decides whether a
// request gets the whole page or just a fragment.
package render

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
	"starcard/models/security"
	"starcard/views"
)

// Deps are the dependencies handed to every surface. Nothing here is global:
// cmd builds one Deps and tests build their own.
type Deps struct {
	DB      *models.DB
	Views   *views.Engine
	Secret  []byte
	Now     func() time.Time
	Loc     *time.Location
	Secure  bool   // cookies get the Secure flag (HTTPS)
	DataDir string // uploads and generated files
	// Throttle limits password guessing (login page and API tokens); nil
	// gets security.NewThrottle when the app is built.
	Throttle *security.Throttle
	// MetricsToken, when set, lets a scraper read /metrics from anywhere
	// with "Authorization: Bearer <token>"; without it only loopback may.
	MetricsToken string
	// Delivery says how notices leave this instance (the set-up wizard
	// shows it): the SMS provider ("log", "http", "none") and the e-mail
	// sender ("" when e-mail is off). cmd fills it from its flags.
	Delivery Delivery

	schoolMu   sync.Mutex
	schoolRead time.Time // when the school's settings were last read (wall clock)
}

// Delivery describes the configured notice channels.
type Delivery struct {
	SMS       string
	EmailFrom string
}

// schoolTTL is how long a page may show the school's settings before they
// are read again: another instance may have changed them.
const schoolTTL = 10 * time.Second

// RefreshSchool reads the school's name and contacts into the view engine
// when they are older than schoolTTL, so every page shows them.
func (d *Deps) RefreshSchool(ctx context.Context) {
	d.schoolMu.Lock()
	defer d.schoolMu.Unlock()
	if !d.schoolRead.IsZero() && time.Since(d.schoolRead) < schoolTTL {
		return
	}
	s, err := models.GetSchool(ctx, d.DB.R)
	if err != nil {
		slog.Warn("school settings", "err", err)
		return
	}
	d.Views.SetSchool(s)
	d.schoolRead = time.Now()
}

// SchoolChanged shows s at once on this instance's pages.
func (d *Deps) SchoolChanged(s models.School) {
	d.schoolMu.Lock()
	defer d.schoolMu.Unlock()
	d.Views.SetSchool(s)
	d.schoolRead = time.Now()
}

// Keys under which middleware leaves request state in c.Locals.
const (
	LocalLang  = "sc.lang"
	LocalUser  = "sc.user"
	LocalCSRF  = "sc.csrf"
	LocalActor = "sc.actor"
)

// Lang returns the request's language.
func Lang(c *fiber.Ctx) string {
	if l, ok := c.Locals(LocalLang).(string); ok {
		return l
	}
	return views.DefaultLang
}

// User returns the logged-in staff user, or nil.
func User(c *fiber.Ctx) *models.StaffUser {
	u, _ := c.Locals(LocalUser).(*models.StaffUser)
	return u
}

// Actor describes who makes this request, for the ledger and the audit log.
func Actor(c *fiber.Ctx) models.Actor {
	if a, ok := c.Locals(LocalActor).(models.Actor); ok {
		a.IP = c.IP()
		return a
	}
	return models.Actor{Type: "anonymous", IP: c.IP()}
}

// View is what every template receives. Page-specific data goes in D.
type View struct {
	Lang      string
	CSRF      string
	Path      string
	User      *models.StaffUser
	Title     string
	D         any
	Form      map[string]string // submitted values to re-fill a form
	Errors    map[string]string // field → translated message
	Flash     string
	FlashKind string // "ok" or "error"
	Unread    int64  // the staff member's unread inbox notices (top bar)
}

// T translates a message id in the request's language.
func (d *Deps) T(c *fiber.Ctx, id string, args ...any) string {
	return d.Views.Catalog.T(Lang(c), id, args...)
}

// OKFlash is a view confirming what the redirect after a form said it did
// (?ok=outcome), from the message id for each outcome; none for another.
func (d *Deps) OKFlash(c *fiber.Ctx, ids map[string]string) View {
	var v View
	if id, ok := ids[c.Query("ok")]; ok {
		v.Flash, v.FlashKind = d.T(c, id), "ok"
	}
	return v
}

// IsFragmentRequest reports whether htmx asked for a fragment; a history
// restore wants the whole page even though it comes from htmx.
func IsFragmentRequest(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-History-Restore-Request") != "true"
}

// Page renders page (a name like "cashier/home") in full, or only its
// fragment block when htmx asked for one and fragment is not empty.
func (d *Deps) Page(c *fiber.Ctx, status int, page, fragment string, v View) error {
	v.Lang = Lang(c)
	if v.CSRF == "" {
		v.CSRF, _ = c.Locals(LocalCSRF).(string)
	}
	if v.User == nil {
		v.User = User(c)
	}
	v.Path = c.Path()
	d.RefreshSchool(c.UserContext())
	name := page
	if fragment != "" && IsFragmentRequest(c) {
		name = page + "#" + fragment
	} else if v.User != nil {
		// Whole pages show the inbox link with its unread count; fragments
		// (the cashier's scans) do not pay for it.
		n, err := models.UnreadStaffInbox(c.UserContext(), d.DB.R, v.User.ID)
		if err != nil {
			return err
		}
		v.Unread = n
	}
	var buf bytes.Buffer
	if err := d.Views.Render(&buf, v.Lang, name, v); err != nil {
		return err
	}
	c.Vary("HX-Request")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Send(buf.Bytes())
}

// Redirect sends the browser to path; for htmx requests it uses HX-Redirect so
// the whole page changes rather than a fragment.
func Redirect(c *fiber.Ctx, path string) error {
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", path)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(path, fiber.StatusSeeOther)
}

// FieldErrors translates a models validation error's field keys.
func (d *Deps) FieldErrors(c *fiber.Ctx, err error) map[string]string {
	e, ok := models.AsError(err)
	if !ok || len(e.Fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(e.Fields))
	for f, key := range e.Fields {
		out[f] = d.T(c, key)
	}
	return out
}
