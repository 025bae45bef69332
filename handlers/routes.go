// Package handlers wires the HTTP surfaces: this file is the whole URL map.
package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

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
}

// App is the assembled application.
type App struct {
	Fiber   *fiber.App
	Doc     *api.Doc
	Metrics *middleware.Metrics
}

// New builds the application on d.
func New(d *render.Deps, o Options) *App {
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

	f.Use(recover.New())
	f.Use(requestid.New())
	f.Use(m.Handler())
	f.Use(helmet.New(helmet.Config{ContentSecurityPolicy: CSP, CrossOriginEmbedderPolicy: "unsafe-none",
		ReferrerPolicy: "same-origin", PermissionPolicy: "camera=(self), microphone=(), geolocation=()"}))
	f.Use(middleware.Lang())

	f.Use("/static", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return c.Next()
	}, filesystem.New(filesystem.Config{Root: http.FS(static.Files)}))
	f.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	f.Get("/readyz", func(c *fiber.Ctx) error {
		if err := d.DB.Ping(c.UserContext()); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
		}
		return c.SendString("ready")
	})
	f.Get("/metrics", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
		m.Write(c, d.DB)
		return nil
	})

	// The JSON API: bearer tokens, no cookies, so no CSRF.
	limit := loginLimiter(o.LoginRate)
	doc := api.Register(f.Group("/api/v1"), d, limit)

	// Hypermedia surfaces: CSRF and the staff session.
	web := f.Group("", middleware.CSRF(d.Secure), middleware.Staff(d))
	account.Register(web, d, limit)
	backOffice := []models.Role{models.RoleAdmin, models.RoleServiceHead, models.RoleCampusManager}
	adminGroup := web.Group("/admin", middleware.RequireRole(backOffice...))
	admin.Register(adminGroup, d)
	admin.RegisterCourses(adminGroup, d) // issue 15
	cashierGroup := web.Group("/cashier", middleware.RequireRole(models.RoleCashier, models.RoleCampusManager, models.RoleAdmin))
	cashier.Register(cashierGroup, d)
	cashier.RegisterPackages(cashierGroup, d) // issue 15
	staffGroup := web.Group("/staff", middleware.RequireRole(models.RoleTeacher, models.RoleCampusManager, models.RoleAdmin))
	staff.Register(staffGroup, d)
	staff.RegisterLessons(staffGroup, d) // issue 15
	kiosk.Register(web.Group("/kiosk", middleware.RequireRole(models.RoleKiosk, models.RoleCampusManager, models.RoleAdmin)), d)
	// The portal's public forms send SMS codes and create referrals: limit
	// them per client address as well as per phone (the portal's own rule).
	publicLimit := ipLimiter(o.LoginRate * 2)
	web.Post("/portal/login/code", publicLimit)
	web.Post("/portal/join", publicLimit)
	portal.Register(web.Group("/portal"), d)

	// Anything else is a 404 through the ErrorHandler.
	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return &App{Fiber: f, Doc: doc, Metrics: m}
}

// ErrRateLimited is returned when login or token attempts come too fast.
var ErrRateLimited = models.NewError(models.KindRateLimited, "rate-limited", "err.rate_limited")

// ipLimiter allows perMinute requests a minute from one client address.
func ipLimiter(perMinute int) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:          perMinute,
		Expiration:   time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return c.IP() },
		LimitReached: func(c *fiber.Ctx) error { return ErrRateLimited },
	})
}

func loginLimiter(perMinute int) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        perMinute,
		Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string {
			user := c.FormValue("username")
			if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON) {
				user = jsonField(c.Body(), "username")
			}
			return c.IP() + "|" + strings.ToLower(strings.TrimSpace(user))
		},
		LimitReached: func(c *fiber.Ctx) error { return ErrRateLimited },
	})
}
