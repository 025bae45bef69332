package staff

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/courses"
)

// lessons is the teacher's roll call (课消) on a phone: pick a course, mark
// each child present, on leave or absent; present consumes the course's
// hours per lesson and the parent gets the notice with the hours left.
type lessons struct{ *render.Deps }

// RegisterLessons mounts the roll call (issue 15) on the /staff group, whose
// role check (teacher, campus manager, admin) applies:
//
//	GET  /staff/lessons                          the courses the user takes roll calls for
//	GET  /staff/lessons/:id?on=YYYY-MM-DD        a course's roll call for a day (default today)
//	POST /staff/lessons/:id/marks                mark a child (member_id, status, on)
//	POST /staff/lessons/:id/marks/:aid/correct   correct a mark (status)
//	POST /staff/lessons/:id/trials/:tid          mark a trial lesson (attended=1|0)
func RegisterLessons(r fiber.Router, d *render.Deps) {
	h := lessons{d}
	r.Get("/lessons", h.list)
	r.Get("/lessons/:id", h.roll)
	r.Post("/lessons/:id/marks", h.mark)
	r.Post("/lessons/:id/marks/:aid/correct", h.correct)
	r.Post("/lessons/:id/trials/:tid", h.trialMark)
}

// trialRow is a prospect's trial lesson on the roll call.
type trialRow struct {
	T      courses.Trial
	Course *courses.Course
	CSRF   string
	Msg    string
}

// rollRow is one child's card on the roll call.
type rollRow struct {
	E      courses.RollEntry
	Course *courses.Course
	Day    string
	CSRF   string
	Msg    string
	OK     bool
}

// Low says the hours left are at or below the course's renewal mark.
func (r rollRow) Low() bool {
	return r.Course.RenewalAtHours >= 0 && r.E.HoursLeft <= r.Course.RenewalAtHours
}

func (h lessons) list(c *fiber.Ctx) error {
	cs, err := courses.TeacherCourses(c.UserContext(), h.DB.R, render.User(c))
	if err != nil {
		return err
	}
	today := h.Now().In(h.Loc)
	type item struct {
		courses.CourseRow
		Today bool
		Next  time.Time
	}
	items := make([]item, 0, len(cs))
	for _, co := range cs {
		items = append(items, item{CourseRow: co, Today: co.MeetsOn(today) && co.Weekdays != "",
			Next: courses.NextLesson(co.Course, h.Now(), h.Loc)})
	}
	return h.Page(c, fiber.StatusOK, "courses/lessons", "", render.View{Title: h.T(c, "courses.roll.list_title"),
		D: fiber.Map{"Courses": items}})
}

func (h lessons) course(c *fiber.Ctx) (*courses.Course, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, courses.ErrCourseNotFound
	}
	return courses.CourseFor(c.UserContext(), h.DB.R, render.User(c), id)
}

// day is the ?on= (or form) day, or today in the school's time zone.
func (h lessons) day(s string) string {
	today := h.Now().In(h.Loc).Format(time.DateOnly)
	if d, err := time.ParseInLocation(time.DateOnly, s, h.Loc); err == nil && d.Format(time.DateOnly) <= today {
		return d.Format(time.DateOnly)
	}
	return today
}

func (h lessons) roll(c *fiber.Ctx) error {
	co, err := h.course(c)
	if err != nil {
		return err
	}
	day := h.day(c.Query("on"))
	entries, err := courses.Roll(c.UserContext(), h.DB.R, co.ID, day)
	if err != nil {
		return err
	}
	csrf, _ := c.Locals(render.LocalCSRF).(string)
	rows := make([]rollRow, len(entries))
	for i, e := range entries {
		rows[i] = rollRow{E: e, Course: co, Day: day, CSRF: csrf}
	}
	trials, err := courses.DayTrials(c.UserContext(), h.DB.R, co.ID, day)
	if err != nil {
		return err
	}
	trows := make([]trialRow, len(trials))
	for i, t := range trials {
		trows[i] = trialRow{T: t, Course: co, CSRF: csrf}
	}
	d, _ := time.ParseInLocation(time.DateOnly, day, h.Loc)
	return h.Page(c, fiber.StatusOK, "courses/roll", "", render.View{Title: co.Name, D: fiber.Map{"Course": co,
		"Day": day, "Today": h.Now().In(h.Loc).Format(time.DateOnly), "Weekday": int(d.Weekday()), "Rows": rows,
		"LessonDay": co.MeetsOn(d), "Trials": trows}})
}

// row answers a mark: the child's card for htmx, else back to the roll call.
func (h lessons) row(c *fiber.Ctx, status int, co *courses.Course, day string, memberID int64, msg string, ok bool) error {
	if !render.IsFragmentRequest(c) {
		return render.Redirect(c, "/staff/lessons/"+strconv.FormatInt(co.ID, 10)+"?on="+day)
	}
	entries, err := courses.Roll(c.UserContext(), h.DB.R, co.ID, day)
	if err != nil {
		return err
	}
	csrf, _ := c.Locals(render.LocalCSRF).(string)
	for _, e := range entries {
		if e.MemberID == memberID {
			return h.Page(c, status, "courses/roll", "roll-row-frag", render.View{D: rollRow{E: e, Course: co, Day: day,
				CSRF: csrf, Msg: msg, OK: ok}})
		}
	}
	return models.ErrMemberNotFound
}

// refusal turns an expected refusal into the message shown on the child's card.
func (h lessons) refusal(c *fiber.Ctx, err error) (int, string, bool) {
	e, ok := models.AsError(err)
	if !ok {
		return 0, "", false
	}
	status := fiber.StatusUnprocessableEntity
	if e.Kind == models.KindConflict {
		status = fiber.StatusConflict
	}
	if e.Kind == models.KindNotFound {
		status = fiber.StatusNotFound
	}
	return status, h.T(c, e.Key, e.Args...), true
}

func (h lessons) mark(c *fiber.Ctx) error {
	co, err := h.course(c)
	if err != nil {
		return err
	}
	memberID, _ := strconv.ParseInt(c.FormValue("member_id"), 10, 64)
	day := h.day(c.FormValue("on"))
	a := render.Actor(c)
	a.Device = "roll_call"
	res, err := courses.Mark(c.UserContext(), h.DB, h.Now(), h.Loc, courses.AttendanceInput{CourseID: co.ID,
		MemberID: memberID, On: day, Status: c.FormValue("status"), Actor: a, User: render.User(c)})
	if status, msg, ok := h.refusal(c, err); ok {
		if status == fiber.StatusNotFound {
			return err
		}
		return h.row(c, status, co, day, memberID, msg, false)
	}
	if err != nil {
		return err
	}
	msg := ""
	if res.HoursConsumed > 0 {
		msg = h.T(c, "courses.roll.consumed", res.HoursConsumed, res.HoursLeft)
	}
	return h.row(c, fiber.StatusOK, co, day, memberID, msg, true)
}

func (h lessons) correct(c *fiber.Ctx) error {
	co, err := h.course(c)
	if err != nil {
		return err
	}
	aid, err := strconv.ParseInt(c.Params("aid"), 10, 64)
	if err != nil || aid <= 0 {
		return courses.ErrAttendanceNotFound
	}
	memberID, _ := strconv.ParseInt(c.FormValue("member_id"), 10, 64)
	day := h.day(c.FormValue("on"))
	a := render.Actor(c)
	a.Device = "roll_call"
	res, err := courses.Correct(c.UserContext(), h.DB, h.Now(), h.Loc, a, render.User(c), aid, c.FormValue("status"))
	if status, msg, ok := h.refusal(c, err); ok {
		if status == fiber.StatusNotFound {
			return err
		}
		return h.row(c, status, co, day, memberID, msg, false)
	}
	if err != nil {
		return err
	}
	return h.row(c, fiber.StatusOK, co, day, res.MemberID, h.T(c, "courses.roll.corrected", res.HoursLeft), true)
}

func (h lessons) trialMark(c *fiber.Ctx) error {
	co, err := h.course(c)
	if err != nil {
		return err
	}
	tid, err := strconv.ParseInt(c.Params("tid"), 10, 64)
	if err != nil || tid <= 0 {
		return courses.ErrTrialNotFound
	}
	t, err := courses.MarkTrial(c.UserContext(), h.DB, h.Now(), h.Loc, render.Actor(c), render.User(c), tid, c.FormValue("attended") == "1")
	if err != nil {
		return err
	}
	if !render.IsFragmentRequest(c) {
		return render.Redirect(c, "/staff/lessons/"+strconv.FormatInt(co.ID, 10)+"?on="+t.OnDay)
	}
	ts, err := courses.DayTrials(c.UserContext(), h.DB.R, co.ID, t.OnDay)
	if err != nil {
		return err
	}
	csrf, _ := c.Locals(render.LocalCSRF).(string)
	for _, x := range ts {
		if x.ID == t.ID {
			return h.Page(c, fiber.StatusOK, "courses/roll", "trial-row-frag", render.View{D: trialRow{T: x, Course: co, CSRF: csrf}})
		}
	}
	return courses.ErrTrialNotFound
}
