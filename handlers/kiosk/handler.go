// Package kiosk serves the check-in kiosk at /kiosk, a tablet at the school
// door: a camera scanner and a focused input for USB scanner guns.
package kiosk

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

type handler struct{ *render.Deps }

// Register mounts the surface; the group already checks the role.
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/", h.home)
	r.Post("/checkin", h.checkinCreate)
	r.Get("/recent", h.recentList)
	h.registerRewards(r)
}

// kioskData is what the page and its fragments show.
type kioskData struct {
	Campus    string
	Mode      string // arrival or departure
	Departure bool   // the departure scan is offered
	Recent    []models.CheckinRow
	Today     int64
	Result    *result
	OOB       bool // an htmx answer also refreshes the list out of band
}

// result is the big answer after a scan.
type result struct {
	Kind    string // ok, dup, out, err
	Name    string
	Class   string
	Message string
	Points  int64
}

func mode(c *fiber.Ctx) string {
	if c.Query("mode", c.FormValue("mode")) == models.CheckinDeparture {
		return models.CheckinDeparture
	}
	return models.CheckinArrival
}

// load fills what every kiosk view shows: campus, today's count and list.
func (h handler) load(c *fiber.Ctx) (kioskData, error) {
	ctx := c.UserContext()
	u := render.User(c)
	d := kioskData{Mode: mode(c)}
	settings, err := models.LoadCheckinSettings(ctx, h.DB.R, h.Now())
	if err != nil {
		return d, err
	}
	d.Departure = settings.Departure
	if len(u.CampusIDs) == 0 {
		return d, nil
	}
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return d, err
	}
	for _, cp := range campuses {
		if cp.ID == u.CampusIDs[0] {
			d.Campus = cp.Name
		}
	}
	d.Recent, d.Today, err = models.RecentCheckins(ctx, h.DB.R, h.Now(), h.Loc, u.CampusIDs[0], 8)
	return d, err
}

func (h handler) home(c *fiber.Ctx) error {
	// A door tablet's account with no campus would check children in
	// nowhere: say so instead of showing the scanner.
	if u := render.User(c); u != nil && u.Role == models.RoleKiosk && len(u.CampusIDs) == 0 {
		return h.Page(c, fiber.StatusConflict, "kiosk/no_campus", "", render.View{Title: h.T(c, "kiosk.title")})
	}
	d, err := h.load(c)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "kiosk/home", "", render.View{Title: h.T(c, "kiosk.title"), D: d})
}

func (h handler) recentList(c *fiber.Ctx) error {
	d, err := h.load(c)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "kiosk/home", "recent", render.View{D: d})
}
