package portal

import (
	"github.com/gofiber/fiber/v2"

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
	return h.Page(c, fiber.StatusOK, "courses/portal", "", h.view(c, s.Heading, d))
}
