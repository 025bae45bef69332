package admin

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/courses"
)

// coursesAdmin is the back office's course list and the form that adds one.
type coursesAdmin struct{ members }

// RegisterCourses mounts the course pages (issue 15) on the /admin group,
// whose role check (admin, service head, campus manager) applies; campus
// managers see and create courses at their own campuses only:
//
//	GET  /admin/courses   the courses with students and hours held
//	POST /admin/courses   add a course
//
// and the points-exclusive courses (see registerExclusive).
func RegisterCourses(r fiber.Router, d *render.Deps) {
	h := coursesAdmin{members{handler: handler{d}}}
	r.Get("/courses", h.list)
	r.Post("/courses", h.create)
	registerExclusive(r, d)
}

func (h coursesAdmin) page(c *fiber.Ctx, status int, v render.View) error {
	ctx, u := c.UserContext(), render.User(c)
	campuses, err := h.campusesFor(c)
	if err != nil {
		return err
	}
	rows, err := courses.ListCourses(ctx, h.DB.R, courses.VisibleCampuses(u))
	if err != nil {
		return err
	}
	staff, err := models.ListStaff(ctx, h.DB.R)
	if err != nil {
		return err
	}
	var teachers []models.StaffUser
	for _, s := range staff {
		if s.Role == models.RoleTeacher && s.DisabledAt == nil {
			teachers = append(teachers, s)
		}
	}
	if v.Form == nil {
		v.Form = map[string]string{"hours_per_lesson": "1", "validity_months": "12",
			"max_prepaid_hours": strconv.Itoa(courses.DefaultMaxPrepaidHours),
			"renewal_at_hours":  strconv.Itoa(courses.DefaultRenewalAtHours), "category": models.CategoryInterestClass}
	}
	v.Title = h.T(c, "courses.admin.title")
	v.D = fiber.Map{"Courses": rows, "Campuses": campuses, "Teachers": teachers, "Categories": models.Categories}
	return h.Page(c, status, "courses/admin", "", v)
}

func (h coursesAdmin) list(c *fiber.Ctx) error {
	v := render.View{}
	if c.Query("ok") == "created" {
		v.Flash, v.FlashKind = h.T(c, "courses.admin.created"), "ok"
	}
	return h.page(c, fiber.StatusOK, v)
}

func (h coursesAdmin) create(c *fiber.Ctx) error {
	keys := []string{"name", "campus_id", "category", "price_per_hour", "hours_per_lesson", "teacher_id", "lesson_time",
		"validity_months", "max_prepaid_hours", "renewal_at_hours", "consume_on"}
	form := map[string]string{}
	for _, k := range keys {
		form[k] = strings.TrimSpace(c.FormValue(k))
	}
	days := c.Request().PostArgs().PeekMulti("weekdays")
	var ds []string
	for _, d := range days {
		ds = append(ds, string(d))
	}
	form["weekdays"] = strings.Join(ds, ",")
	num := func(k string) int64 { n, _ := strconv.ParseInt(form[k], 10, 64); return n }
	errs := map[string]string{}
	price, _, ok := parseYuan(form["price_per_hour"])
	if !ok {
		errs["price_per_hour"] = h.T(c, "err.ledger_bad_amount")
	}
	campus, err := models.ResolveCampus(c.UserContext(), h.DB.R, render.User(c), num("campus_id"))
	if err != nil {
		return h.page(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err)})
	}
	if len(errs) > 0 {
		return h.page(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: errs})
	}
	_, err = courses.CreateCourse(c.UserContext(), h.DB.W, h.Now(), render.Actor(c), courses.NewCourse{CampusID: campus,
		Name: form["name"], Category: form["category"], HoursPerLesson: num("hours_per_lesson"), PricePerHour: price,
		TeacherID: num("teacher_id"), Weekdays: form["weekdays"], LessonTime: form["lesson_time"],
		ValidityMonths: int(num("validity_months")), ConsumeOn: form["consume_on"], MaxPrepaidHours: num("max_prepaid_hours"),
		RenewalAtHours: num("renewal_at_hours")})
	if e, ok := models.AsError(err); ok {
		errs := h.FieldErrors(c, err)
		v := render.View{Form: form, Errors: errs}
		if len(errs) == 0 {
			v.Flash, v.FlashKind = h.T(c, e.Key, e.Args...), "error"
		}
		return h.page(c, fiber.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/courses?ok=created")
}

// parseYuan reads an amount typed in yuan ("100", "88.5") as fen.
func parseYuan(s string) (int64, bool, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥"))
	if s == "" {
		return 0, true, false
	}
	whole, frac, dot := strings.Cut(s, ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 100_000_000 || (dot && (len(frac) == 0 || len(frac) > 2)) {
		return 0, false, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, false, false
	}
	return w*100 + f, false, true
}
