package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models/courses"
)

// courseData is a child's class hours: per course the hours left, when the
// hours end and the next lesson, then the latest lessons.
type courseData struct {
	shell
	Courses  []courses.MemberCourse
	Lessons  []courses.Lesson
	Honorary bool // a lifetime honorary member (终身荣誉学员)
}

// courseList is GET /portal/kids/:id/courses (issue 15), behind the portal's
// guardian session like every /kids/:id page.
func (h handler) courseList(c *fiber.Ctx) error {
	v := render.View{}
	if c.Query("ok") == "leave" {
		v.Flash, v.FlashKind = h.T(c, "courses.portal.leave_ok", c.Query("on")), "ok"
	}
	return h.coursePage(c, fiber.StatusOK, v)
}

func (h handler) coursePage(c *fiber.Ctx, status int, v render.View) error {
	s, err := h.childLoad(c, "courses", "courses.portal.title")
	if err != nil {
		return err
	}
	s.Back = "/portal/kids/" + c.Params("id")
	ctx := c.UserContext()
	d := courseData{shell: s}
	if d.Courses, err = courses.MemberCourses(ctx, h.DB.R, h.Now(), h.Loc, s.Child.ID); err != nil {
		return err
	}
	if d.Lessons, err = courses.LessonHistory(ctx, h.DB.R, s.Child.ID, 30); err != nil {
		return err
	}
	if _, d.Honorary, err = courses.MemberPlans(ctx, h.DB.R, s.Child.ID); err != nil {
		return err
	}
	v.Title, v.D = s.Heading, d
	return h.Page(c, status, "courses/portal", "", v)
}

// leaveCreate is POST /portal/kids/:id/courses/:cid/leave (issue 15): the
// parent asks for leave (请假) for one lesson day ahead; it consumes nothing.
func (h handler) leaveCreate(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "courses", "")
	if err != nil {
		return err
	}
	cid, err := strconv.ParseInt(c.Params("cid"), 10, 64)
	if err != nil || cid <= 0 {
		return courses.ErrCourseNotFound
	}
	on := c.FormValue("on")
	_, err = courses.RequestLeave(c.UserContext(), h.DB, h.Now(), h.Loc, render.Actor(c), s.Child.ID, cid, on)
	if status, msg, _, ok := h.refusal(c, err); ok {
		return h.coursePage(c, status, render.View{Flash: msg, FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/portal/kids/"+strconv.FormatInt(s.Child.ID, 10)+"/courses?ok=leave&on="+on)
}
