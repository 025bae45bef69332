// Package handlers wires the HTTP surfaces: this file is the whole URL map.
package handlers

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"starcard/handlers/access"
	"starcard/handlers/account"
	"starcard/handlers/admin"
	"starcard/handlers/api"
	"starcard/handlers/cashier"
	"starcard/handlers/kiosk"
	"starcard/handlers/middleware"
	"starcard/handlers/portal"
	"starcard/handlers/render"
	"starcard/handlers/staff"
	"starcard/models"
	"starcard/models/security"
	"starcard/static"
)

// CSP allows only this origin; the camera scanner needs blob: workers and media.
const CSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; " +
	"script-src 'self'; style-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// Options tune the app for production or tests.
type Options struct {
	// LoginRate is how many login or token attempts one IP may make for one
	// username per minute.
	LoginRate int
	// ProxyHeader, when set, is trusted for the client IP (behind a proxy).
	ProxyHeader    string
	TrustedProxies []string
	// Table is the route authorization table; nil means access.Table.
	Table []access.Rule
}

// App is the assembled application.
type App struct {
	Fiber   *fiber.App
	Doc     *api.Doc
	Metrics *middleware.Metrics
	Guard   *access.Guard
}

// New builds the application on d; it panics with the list of routes when
// the mounted routes and the access table disagree, so no route ever runs
// without its line.
func New(d *render.Deps, o Options) *App {
	a, err := Build(d, o)
	if err != nil {
		panic(err)
	}
	return a
}

// Build builds the application on d, or says which routes have no line in
// the access table (and which lines no route).
func Build(d *render.Deps, o Options) (*App, error) {
	if o.Table == nil {
		o.Table = access.Table
	}
	if d.Throttle == nil {
		d.Throttle = security.NewThrottle(d.DB)
	}
	g, err := access.NewGuard(d, o.Table)
	if err != nil {
		return nil, err
	}
	if o.LoginRate == 0 {
		o.LoginRate = 10
	}
	cfg := fiber.Config{
		Immutable:             true,
		ErrorHandler:          ErrorHandler(d),
		DisableStartupMessage: true,
		BodyLimit:             8 << 20,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
	}
	if o.ProxyHeader != "" {
		cfg.ProxyHeader = o.ProxyHeader
		cfg.EnableTrustedProxyCheck = true
		cfg.TrustedProxies = o.TrustedProxies
	}
	f := fiber.New(cfg)
	m := middleware.NewMetrics()
	root := g.Router(f)

	f.Use(recover.New())
	f.Use(requestid.New())
	f.Use(m.Handler())
	f.Use(helmet.New(helmet.Config{ContentSecurityPolicy: CSP, CrossOriginEmbedderPolicy: "unsafe-none",
		ReferrerPolicy: "same-origin", PermissionPolicy: "camera=(self), microphone=(), geolocation=()"}))
	if d.Secure {
		// Served over HTTPS (-tls): browsers must not come back over HTTP.
		f.Use(func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
			return c.Next()
		})
	}
	f.Use(middleware.Lang())

	root.Use("/static", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return c.Next()
	}, filesystem.New(filesystem.Config{Root: http.FS(static.Files)}))
	root.Get("/school/logo", admin.SchoolLogo(d)) // public: login page, receipts, portal
	root.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	root.Get("/readyz", func(c *fiber.Ctx) error {
		if err := d.DB.Ping(c.UserContext()); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
		}
		return c.SendString("ready")
	})
	root.Get("/metrics", metricsAllowed(d, o.ProxyHeader), func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
		m.Write(c, d.DB)
		return nil
	})

	// The JSON API: bearer tokens, no cookies, so no CSRF.
	limit := loginLimiter(d, o.LoginRate)
	doc := api.Register(root.Group("/api/v1"), d, limit)

	// Hypermedia surfaces: CSRF and the staff session.
	// Who may call each route comes from its line in access.Table.
	web := root.Group("", middleware.FormLimits(), middleware.CSRF(d), middleware.Staff(d))
	account.Register(web, d, limit)
	adminGroup := web.Group("/admin")
	admin.Register(adminGroup, d)
	admin.RegisterCourses(adminGroup, d) // courses, class hours (models/courses)
	// points lottery, auction, parties (models/programmes)
	admin.RegisterProgrammes(adminGroup, d)
	cashierGroup := web.Group("/cashier")
	cashier.Register(cashierGroup, d)
	cashier.RegisterPackages(cashierGroup, d)
	staffGroup := web.Group("/staff")
	staff.Register(staffGroup, d)
	staff.RegisterLessons(staffGroup, d)
	kiosk.Register(web.Group("/kiosk"), d)
	// The portal's public forms send SMS codes and create referrals: limit
	// them per client address as well as per phone (the portal's own rule).
	publicLimit := ipLimiter(d, "portal", o.LoginRate*2)
	web.Post("/portal/login/code", publicLimit)
	web.Post("/portal/join", publicLimit)
	portal.Register(web.Group("/portal"), d)

	// Anything else is a 404 through the ErrorHandler.
	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	if err := g.Verify(f.GetRoutes(true)); err != nil {
		return nil, err
	}
	return &App{Fiber: f, Doc: doc, Metrics: m, Guard: g}, nil
}

// metricsAllowed lets /metrics answer only a scraper on this machine
// (loopback) or one that presents the configured bearer token; anyone else
// gets 404, as if there were nothing there. Loopback means the connection's
// own peer, and not a request relayed by a reverse proxy on this machine
// (it carries proxyHeader), whose forwarded address a client can write.
func metricsAllowed(d *render.Deps, proxyHeader string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if d.MetricsToken != "" {
			got := c.Get(fiber.HeaderAuthorization)
			want := "Bearer " + d.MetricsToken
			if subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
				return c.Next()
			}
		}
		relayed := proxyHeader != "" && c.Get(proxyHeader) != ""
		if ip := c.Context().RemoteIP(); ip.IsLoopback() && !relayed {
			return c.Next()
		}
		return fiber.ErrNotFound
	}
}

// ErrRateLimited is returned when login or token attempts come too fast.
var ErrRateLimited = models.NewError(models.KindRateLimited, "rate-limited", "err.rate_limited")

// The limits below count in the database (models.TakeSlot: one conditional
// UPDATE per request), not in this process: behind a load balancer every
// instance draws from the same bucket, so N instances do not allow N times
// the guesses.

// ipLimiter allows perMinute requests a minute from one client address.
func ipLimiter(d *render.Deps, name string, perMinute int) fiber.Handler {
	return slotLimiter(d, perMinute, func(c *fiber.Ctx) string { return "http:" + name + ":" + c.IP() })
}

func loginLimiter(d *render.Deps, perMinute int) fiber.Handler {
	return slotLimiter(d, perMinute, func(c *fiber.Ctx) string {
		user := c.FormValue("username")
		if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
			user = jsonField(c.Body(), "username")
		}
		return "http:login:" + c.IP() + "|" + security.FoldName(user)
	})
}

// slotLimiter takes one of perMinute slots of the request's key before
// letting it through. Keys are clipped to the column's width by a digest of
// their tail, so a long typed name neither fails nor collides.
func slotLimiter(d *render.Deps, perMinute int, key func(*fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ok, err := models.TakeSlot(c.UserContext(), d.DB.W, d.Now(), models.SlotKey(key(c)), perMinute, time.Minute)
		if err != nil {
			return err
		}
		if !ok {
			c.Set(fiber.HeaderRetryAfter, "60")
			return ErrRateLimited
		}
		return c.Next()
	}
}
