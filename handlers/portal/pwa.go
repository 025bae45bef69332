package portal

import (
	"encoding/json"
	"sync"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
	"starcard/static"
)

// The portal installs as a home-screen app: a manifest, icons drawn once at
// first request, and a service worker that keeps the last card and balances
// for when the school gate has no signal. The worker is served from /portal/
// so that its scope is the portal.

var icons = struct {
	once sync.Once
	png  map[string][]byte
	err  error
}{}

func iconPNG(name string) ([]byte, error) {
	icons.once.Do(func() {
		icons.png = map[string][]byte{}
		for name, size := range map[string]int{"192.png": 192, "512.png": 512, "180.png": 180} {
			b, err := models.PortalIconPNG(size)
			if err != nil {
				icons.err = err
				return
			}
			icons.png[name] = b
		}
	})
	if icons.err != nil {
		return nil, icons.err
	}
	b, ok := icons.png[name]
	if !ok {
		return nil, models.ErrNotFound
	}
	return b, nil
}

func (h handler) icon(c *fiber.Ctx) error {
	b, err := iconPNG(c.Params("name"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "public, max-age=604800")
	return c.Send(b)
}

func (h handler) manifest(c *fiber.Ctx) error {
	type icon struct {
		Src     string `json:"src"`
		Sizes   string `json:"sizes"`
		Type    string `json:"type"`
		Purpose string `json:"purpose"`
	}
	m := map[string]any{
		"name":             h.T(c, "portal.app_name"),
		"short_name":       h.T(c, "portal.app_short"),
		"description":      h.T(c, "portal.intro"),
		"lang":             c.Locals("sc.lang"),
		"start_url":        "/portal/",
		"scope":            "/portal/",
		"display":          "standalone",
		"orientation":      "portrait",
		"background_color": "#fff7ed",
		"theme_color":      "#e8590c",
		"icons": []icon{
			{"/portal/icons/192.png", "192x192", "image/png", "any maskable"},
			{"/portal/icons/512.png", "512x512", "image/png", "any maskable"},
		},
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/manifest+json; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Vary(fiber.HeaderAcceptLanguage)
	return c.Send(b)
}

// serviceWorker serves static/js/portal-sw.js from /portal/ so it may
// control the whole portal. no-cache: a new version is picked up at once.
func (h handler) serviceWorker(c *fiber.Ctx) error {
	b, err := static.Files.ReadFile("js/portal-sw.js")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("Service-Worker-Allowed", "/portal/")
	return c.Send(b)
}
