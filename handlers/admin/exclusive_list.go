package admin

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/courses"
)

// exclusiveAdmin is the back office's points-exclusive courses (积分专享课程).
type exclusiveAdmin struct{ members }

// registerExclusive mounts (on the /admin group, issue 15):
//
//	GET  /admin/exclusive-courses       the courses, seats taken, status
//	POST /admin/exclusive-courses       add one
//	GET  /admin/exclusive-courses/:id   its enrolment list
func registerExclusive(r fiber.Router, d *render.Deps) {
	h := exclusiveAdmin{members{handler: handler{d}}}
	r.Get("/exclusive-courses", h.list)
	r.Post("/exclusive-courses", h.create)
	r.Get("/exclusive-courses/:id", h.show)
}

func (h exclusiveAdmin) page(c *fiber.Ctx, status int, v render.View) error {
	campuses, err := h.campusesFor(c)
	if err != nil {
		return err
	}
	rows, err := courses.ListExclusive(c.UserContext(), h.DB.R, courses.VisibleCampuses(render.User(c)))
	if err != nil {
		return err
	}
	if v.Form == nil {
		v.Form = map[string]string{"min_to_open": strconv.Itoa(courses.DefaultMinToOpen), "sessions": "1"}
	}
	v.Title = h.T(c, "courses.exclusive.title")
	v.D = fiber.Map{"Courses": rows, "Campuses": campuses}
	return h.Page(c, status, "courses/exclusive", "", v)
}

func (h exclusiveAdmin) list(c *fiber.Ctx) error {
	v := render.View{}
	if c.Query("ok") == "created" {
		v.Flash, v.FlashKind = h.T(c, "courses.exclusive.created"), "ok"
	}
	return h.page(c, fiber.StatusOK, v)
}

func (h exclusiveAdmin) create(c *fiber.Ctx) error {
	form := map[string]string{}
	for _, k := range []string{"campus_id", "name", "hours", "sessions", "capacity", "min_to_open", "starts_on", "price",
		"points_silver", "points_gold", "points_platinum"} {
		form[k] = strings.TrimSpace(c.FormValue(k))
	}
	num := func(k string) int64 { n, _ := strconv.ParseInt(form[k], 10, 64); return n }
	price, _, ok := parseYuan(form["price"])
	if !ok {
		return h.page(c, fiber.StatusUnprocessableEntity, render.View{Form: form,
			Errors: map[string]string{"price": h.T(c, "err.ledger_bad_amount")}})
	}
	campus, err := models.ResolveCampus(c.UserContext(), h.DB.R, render.User(c), num("campus_id"))
	if err == nil {
		_, err = courses.CreateExclusive(c.UserContext(), h.DB.W, h.Now(), h.Loc, render.Actor(c), courses.NewExclusive{
			CampusID: campus, Name: form["name"], Hours: num("hours"), Sessions: num("sessions"), Capacity: num("capacity"),
			MinToOpen: num("min_to_open"), StartsOn: form["starts_on"], Price: price, PointsSilver: num("points_silver"),
			PointsGold: num("points_gold"), PointsPlatinum: num("points_platinum")})
	}
	if _, ok := models.AsError(err); ok {
		return h.page(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err)})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/exclusive-courses?ok=created")
}

func (h exclusiveAdmin) show(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return courses.ErrExclusiveNotFound
	}
	e, ens, err := courses.Enrolments(c.UserContext(), h.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "courses/exclusive_show", "", render.View{Title: e.Name,
		D: fiber.Map{"Course": e, "Enrolments": ens}})
}
