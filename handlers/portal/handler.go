// Package portal serves the parents' pages at /portal, on a phone. Guardians
// have their own sessions, separate from staff sessions: their own cookie
// (sc_portal, path /portal) and their own table, so logging a parent out
// never touches the school's staff and a staff cookie never opens the portal.
package portal

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/middleware"
	"starcard/handlers/render"
	"starcard/models"
)

type handler struct{ *render.Deps }

// CookieName is the parent session cookie (the CSRF token of portal pages
// is bound to it).
const CookieName = middleware.GuardianCookie

const localPrincipal = "portal.principal"

// Register mounts /portal. The login pages, the service worker, the manifest
// and icons, and the referral landing page are public; everything else needs
// a parent session (h.auth).
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/sw.js", h.serviceWorker)
	r.Get("/manifest.webmanifest", h.manifest)
	r.Get("/icons/:name", h.icon)
	r.Get("/login", h.loginShow)
	r.Get("/privacy-policy", h.privacyPolicy) // issue 17: the policy the login asks consent to
	r.Post("/login/code", h.codeSend)
	r.Post("/login", h.loginCode)
	r.Post("/login/password", h.loginPassword)
	r.Get("/join", h.joinShow)
	r.Post("/join", h.joinCreate)

	a := r.Group("", h.auth)
	a.Post("/logout", h.logout)
	a.Get("/", h.home)
	a.Get("/kids/:id", h.childShow)
	a.Get("/kids/:id/card", h.cardShow)
	a.Get("/kids/:id/card.png", h.cardPNG)
	a.Post("/kids/:id/card/lost", h.cardLost) // issue 17: a parent reports the card lost
	a.Get("/kids/:id/history", h.historyList)
	a.Get("/kids/:id/coupons", h.couponList)
	a.Get("/kids/:id/stamps", h.stampList)
	a.Get("/kids/:id/rewards", h.rewardList)
	a.Post("/kids/:id/rewards/:rid/redeem", h.rewardRedeem)
	a.Get("/kids/:id/redemptions/:token", h.redemptionShow)
	a.Get("/kids/:id/redemptions/:token/qr.png", h.redemptionQR)
	a.Get("/kids/:id/checkins", h.checkinCalendar)
	a.Get("/kids/:id/courses", h.courseList) // issue 15: class hours left and lesson history
	a.Post("/kids/:id/courses/:cid/leave", h.leaveCreate)
	a.Get("/kids/:id/refer", h.referShow)
	a.Get("/kids/:id/refer/poster.png", h.referPoster)
	a.Get("/rewards/images/:name", h.rewardImage)
	a.Get("/feedback", h.feedbackList)
	a.Post("/feedback", h.feedbackCreate)
	a.Get("/feedback/:id", h.feedbackShow)
	a.Get("/feedback/:id/photo", h.feedbackPhoto)
	a.Post("/feedback/:id/confirm", h.feedbackConfirm)
	a.Post("/feedback/:id/reply", h.feedbackReply) // issue 14: the family answers back in the thread
	a.Get("/surveys", h.surveyList)                // issue 14: surveys sent to the family
	a.Get("/surveys/:id", h.surveyShow)            // the form, or the thanks once answered
	a.Post("/surveys/:id", h.surveyAnswer)         // one answer per family per survey
	a.Get("/inbox", h.inboxList)
	a.Post("/inbox/:id/read", h.inboxRead)
	a.Get("/me", h.meShow)
	a.Get("/settings", h.settingsShow)
	a.Post("/settings/prefs", h.prefsSave)
	a.Post("/settings/password", h.passwordSave)
	a.Get("/contact", h.contactShow) // issue 17 B: phone (verified by code) and e-mail
	a.Post("/contact/phone", h.phoneCodeSend)
	a.Post("/contact/phone/confirm", h.phoneConfirm)
	a.Post("/contact/email", h.emailSave)
	a.Get("/privacy", h.privacyShow)
	a.Post("/privacy/consent", h.consentGrant)
	a.Post("/privacy/withdraw", h.consentWithdraw)
	a.Get("/privacy/export.json", h.exportJSON)
	a.Get("/privacy/export.xlsx", h.exportXLSX)
	a.Post("/privacy/erasure", h.erasureCreate)
	h.registerProgrammes(a) // issue 17: points lottery, auction, parties (models/programmes)
}

// auth lets only a parent with a live session through. A browser without
// one goes to the portal's login page (never the staff login), htmx gets
// HX-Redirect. The session is extended at most once a day while in use.
func (h handler) auth(c *fiber.Ctx) error {
	token := c.Cookies(CookieName)
	p, renew, err := models.ResolveGuardianSession(c.UserContext(), h.DB.R, h.Now(), token)
	if err != nil {
		if _, ok := models.AsError(err); !ok {
			return err
		}
		if token != "" {
			h.clearCookie(c)
		}
		next := "/portal/login"
		if c.Method() == fiber.MethodGet && c.Path() != "/portal/" && c.Path() != "/portal" {
			next += "?next=" + c.OriginalURL()
		}
		return render.Redirect(c, next)
	}
	if renew {
		until, err := models.ExtendGuardianSession(c.UserContext(), h.DB.W, h.Now(), token)
		if err != nil {
			return err
		}
		h.setCookie(c, token, until)
	}
	c.Locals(localPrincipal, p)
	c.Locals(render.LocalActor, p.Actor(""))
	return c.Next()
}

func (h handler) setCookie(c *fiber.Ctx, token string, until time.Time) {
	c.Cookie(&fiber.Cookie{Name: CookieName, Value: token, Path: "/portal", HTTPOnly: true, Secure: h.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: until})
}

func (h handler) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: CookieName, Value: "", Path: "/portal", HTTPOnly: true, Secure: h.Secure,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), MaxAge: -1})
}

func principal(c *fiber.Ctx) *models.GuardianPrincipal {
	p, _ := c.Locals(localPrincipal).(*models.GuardianPrincipal)
	return p
}

// shell is what every logged-in page shows around its content: the child
// switcher, the bottom tabs and the unread count. Page data embeds it.
type shell struct {
	Parent   string
	Children []models.MemberView
	Child    *models.MemberView
	Section  string // the child page the switcher links to: "", "card", "history", …
	Tab      string // home, card, inbox, me
	Unread   int64
	Back     string
	Heading  string
}

// CardChild is the child the card tab opens: the current one, else the first.
func (s shell) CardChild() int64 {
	if s.Child != nil {
		return s.Child.ID
	}
	if len(s.Children) > 0 {
		return s.Children[0].ID
	}
	return 0
}

// load fills the shell; memberID > 0 selects that child, which must be one
// of the parent's (else 404, the same answer as for an id that does not exist).
func (h handler) load(c *fiber.Ctx, memberID int64, tab, section, heading string) (shell, error) {
	p := principal(c)
	ctx := c.UserContext()
	s := shell{Parent: p.Name(), Tab: tab, Section: section, Heading: heading}
	var err error
	if s.Children, err = models.PortalChildren(ctx, h.DB.R, p); err != nil {
		return s, err
	}
	if memberID != 0 {
		for i := range s.Children {
			if s.Children[i].ID == memberID {
				s.Child = &s.Children[i]
			}
		}
		if s.Child == nil {
			return s, models.ErrNotFound
		}
	}
	if s.Unread, err = models.PortalUnread(ctx, h.DB.R, p); err != nil {
		return s, err
	}
	return s, nil
}

// childLoad is load for the pages under /kids/:id.
func (h handler) childLoad(c *fiber.Ctx, section, headingID string) (shell, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return shell{}, models.ErrNotFound
	}
	heading := ""
	if headingID != "" {
		heading = h.T(c, headingID)
	}
	return h.load(c, id, "home", section, heading)
}

// okMessages are the confirmations a redirect may ask for with ?ok=…
var okMessages = map[string]string{
	"prefs":     "portal.ok.prefs",
	"password":  "portal.ok.password",
	"consent":   "portal.ok.consent",
	"withdrawn": "portal.ok.withdrawn",
	"erasure":   "portal.ok.erasure",
	"feedback":  "portal.ok.feedback",
	"confirmed": "portal.ok.confirmed",
	"redeemed":  "portal.ok.redeemed",
	"logout":    "portal.ok.logout",
	"replied":   "care.portal.replied",
	"answered":  "care.portal.thanks",
}

// view builds the page's view with the confirmation asked for by ?ok=.
func (h handler) view(c *fiber.Ctx, title string, d any) render.View {
	v := render.View{Title: title, D: d}
	if key, ok := okMessages[c.Query("ok")]; ok {
		v.Flash, v.FlashKind = h.T(c, key), "ok"
	}
	return v
}

// refusal turns an expected models error into a flash message for the form
// that caused it; other errors go to the app's error handler.
func (h handler) refusal(c *fiber.Ctx, err error) (int, string, map[string]string, bool) {
	e, ok := models.AsError(err)
	if !ok {
		return 0, "", nil, false
	}
	status := fiber.StatusUnprocessableEntity
	switch e.Kind {
	case models.KindNotFound:
		return 0, "", nil, false
	case models.KindConflict:
		status = fiber.StatusConflict
	case models.KindUnauthorized:
		status = fiber.StatusUnauthorized
	case models.KindRateLimited:
		status = fiber.StatusTooManyRequests
	}
	msg := h.T(c, e.Key, e.Args...)
	if e.Code == "validation" {
		msg = h.T(c, "portal.fix_fields")
	}
	return status, msg, h.FieldErrors(c, err), true
}

// safeNext keeps a post-login redirect inside the portal.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/portal/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") &&
		!strings.HasPrefix(next, "/portal/login") {
		return next
	}
	return "/portal/"
}
