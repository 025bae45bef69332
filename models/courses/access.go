package courses

import "starcard/models"

// The kinds of object of this area whose campus the route table checks.
const (
	ObjectCourse     = "course"
	ObjectPackage    = "package"
	ObjectPlan       = "plan"
	ObjectExclusive  = "exclusive_course"
	ObjectTrial      = "trial"
	ObjectAttendance = "attendance"
)

func init() {
	models.RegisterObject(ObjectCourse, "SELECT campus_id FROM courses WHERE id = ?")
	models.RegisterObject(ObjectPackage, `SELECT m.campus_id FROM class_hour_packages p JOIN members m ON m.id = p.member_id
		WHERE p.id = ?`)
	models.RegisterObject(ObjectPlan, "SELECT campus_id FROM year_plans WHERE id = ?")
	models.RegisterObject(ObjectExclusive, "SELECT campus_id FROM exclusive_courses WHERE id = ?")
	models.RegisterObject(ObjectTrial, "SELECT c.campus_id FROM course_trials t JOIN courses c ON c.id = t.course_id WHERE t.id = ?")
	models.RegisterObject(ObjectAttendance, `SELECT c.campus_id FROM course_attendance a JOIN courses c ON c.id = a.course_id
		WHERE a.id = ?`)
}
