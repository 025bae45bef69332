// Package courses is what a training school sells and watches: courses,
// class-hour packages (课时包) kept as a third ledger asset per member and
// course, and the attendance that consumes them (课消). It builds on the core
// ledger (models) and is never imported by it: the core calls back through
// the hooks registered in hooks.go.
package courses

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
)

// When a course's hours are consumed.
const (
	ConsumeRollCall = "roll_call" // the teacher's roll call
	ConsumeKiosk    = "kiosk"     // the child's arrival at the kiosk on a lesson day
)

// Defaults of a new course (DOMAIN §3.14; an admin changes them per course).
const (
	DefaultMaxPrepaidHours = 60
	DefaultRenewalAtHours  = 4
	DefaultValidityMonths  = 12
	MaxHours               = 10_000
)

// Refusals about courses.
var (
	ErrCourseNotFound = models.NewError(models.KindNotFound, "unknown-course", "courses.err.unknown_course")
	ErrCourseExists   = models.NewError(models.KindConflict, "course-exists", "courses.err.course_exists")
)

// Course is something a school sells class hours of.
type Course struct {
	ID              int64      `json:"id"`
	CampusID        int64      `json:"campus_id"`
	Name            string     `json:"name"`
	Category        string     `json:"category"` // a purchase category: tuition, interest_class…
	HoursPerLesson  int64      `json:"hours_per_lesson"`
	PricePerHour    int64      `json:"price_per_hour"` // fen
	TeacherID       int64      `json:"teacher_id"`
	Weekdays        string     `json:"weekdays"`    // lesson days, ISO weekday digits: "1,3" = Monday and Wednesday
	LessonTime      string     `json:"lesson_time"` // "16:00"
	ValidityMonths  int        `json:"validity_months"`
	ConsumeOn       string     `json:"consume_on"`
	MaxPrepaidHours int64      `json:"max_prepaid_hours"`
	RenewalAtHours  int64      `json:"renewal_at_hours"`
	ArchivedAt      *time.Time `json:"-"`
	CreatedAt       time.Time  `json:"created_at"`
}

// TableName maps Course to its table.
func (Course) TableName() string { return "courses" }

// LessonDays are the weekdays the course meets.
func (c Course) LessonDays() []time.Weekday {
	var out []time.Weekday
	for _, s := range strings.Split(c.Weekdays, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err == nil && n >= 1 && n <= 7 {
			out = append(out, time.Weekday(n%7))
		}
	}
	return out
}

// MeetsOn reports whether the course has a lesson on day's weekday (a
// course without a schedule meets any day).
func (c Course) MeetsOn(day time.Time) bool {
	ds := c.LessonDays()
	return len(ds) == 0 || slices.Contains(ds, day.Weekday())
}

// NewCourse is a course as an admin or the API submits it.
type NewCourse struct {
	CampusID        int64
	Name            string
	Category        string
	HoursPerLesson  int64 // 0 = 1
	PricePerHour    int64
	TeacherID       int64
	Weekdays        string
	LessonTime      string
	ValidityMonths  int    // 0 = 12
	ConsumeOn       string // "" = roll_call
	MaxPrepaidHours int64  // 0 = 60
	RenewalAtHours  int64  // 0 = 4; -1 = never
}

func (n *NewCourse) normalise() map[string]string {
	n.Name = strings.TrimSpace(n.Name)
	if n.HoursPerLesson == 0 {
		n.HoursPerLesson = 1
	}
	if n.ValidityMonths == 0 {
		n.ValidityMonths = DefaultValidityMonths
	}
	if n.ConsumeOn == "" {
		n.ConsumeOn = ConsumeRollCall
	}
	if n.MaxPrepaidHours == 0 {
		n.MaxPrepaidHours = DefaultMaxPrepaidHours
	}
	if n.RenewalAtHours == 0 {
		n.RenewalAtHours = DefaultRenewalAtHours
	}
	n.Weekdays = strings.ReplaceAll(strings.TrimSpace(n.Weekdays), " ", "")
	f := map[string]string{}
	if n.Name == "" || utf8.RuneCountInString(n.Name) > 40 {
		f["name"] = "courses.err.name"
	}
	if n.CampusID <= 0 {
		f["campus_id"] = "err.required"
	}
	if !slices.Contains(models.Categories, n.Category) {
		f["category"] = "err.purchase_bad_category"
	}
	if n.HoursPerLesson < 1 || n.HoursPerLesson > 8 {
		f["hours_per_lesson"] = "courses.err.hours_per_lesson"
	}
	if n.PricePerHour <= 0 || n.PricePerHour > 10_000_000 {
		f["price_per_hour"] = "err.ledger_bad_amount"
	}
	if n.ValidityMonths < 1 || n.ValidityMonths > 72 {
		f["validity_months"] = "courses.err.validity_months"
	}
	if n.ConsumeOn != ConsumeRollCall && n.ConsumeOn != ConsumeKiosk {
		f["consume_on"] = "courses.err.consume_on"
	}
	if n.MaxPrepaidHours < 1 || n.MaxPrepaidHours > MaxHours {
		f["max_prepaid_hours"] = "courses.err.max_prepaid_hours"
	}
	if n.RenewalAtHours < -1 || n.RenewalAtHours > MaxHours {
		f["renewal_at_hours"] = "courses.err.renewal_at_hours"
	}
	if n.Weekdays != "" {
		for _, s := range strings.Split(n.Weekdays, ",") {
			if d, err := strconv.Atoi(s); err != nil || d < 1 || d > 7 {
				f["weekdays"] = "courses.err.weekdays"
			}
		}
	}
	if n.LessonTime != "" {
		if _, err := time.Parse("15:04", n.LessonTime); err != nil {
			f["lesson_time"] = "courses.err.lesson_time"
		}
	}
	return f
}

// CreateCourse adds a course at a campus; the same name twice at one campus is refused.
func CreateCourse(ctx context.Context, db *gorm.DB, now time.Time, actor models.Actor, in NewCourse) (*Course, error) {
	if f := in.normalise(); len(f) > 0 {
		return nil, models.Invalid(f)
	}
	c := &Course{CampusID: in.CampusID, Name: in.Name, Category: in.Category, HoursPerLesson: in.HoursPerLesson,
		PricePerHour: in.PricePerHour, TeacherID: in.TeacherID, Weekdays: in.Weekdays, LessonTime: in.LessonTime,
		ValidityMonths: in.ValidityMonths, ConsumeOn: in.ConsumeOn, MaxPrepaidHours: in.MaxPrepaidHours,
		RenewalAtHours: in.RenewalAtHours, CreatedAt: now.UTC()}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw(`SELECT COUNT(*) FROM campuses WHERE id = ?`, in.CampusID).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return models.Invalid(map[string]string{"campus_id": "courses.err.unknown_campus"})
		}
		if err := tx.Create(c).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrCourseExists.With(in.Name).Field("name", "courses.err.course_exists_short")
			}
			return err
		}
		return models.Audit(ctx, tx, now, actor, "course.create", "course", c.ID, c.Name)
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("courses: create course: %w", err)
	}
	return c, nil
}

// GetCourse loads a course (archived ones too).
func GetCourse(ctx context.Context, db *gorm.DB, id int64) (*Course, error) {
	var c Course
	res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&c)
	if res.Error != nil {
		return nil, fmt.Errorf("courses: get course: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrCourseNotFound
	}
	return &c, nil
}

// CourseFor loads a course the staff user may work with (another campus's is not found).
func CourseFor(ctx context.Context, db *gorm.DB, u *models.StaffUser, id int64) (*Course, error) {
	c, err := GetCourse(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if u != nil && !u.CanSeeCampus(c.CampusID) {
		return nil, ErrCourseNotFound
	}
	return c, nil
}

// CourseRow is a course with how many students hold hours and how many hours they hold.
type CourseRow struct {
	Course
	CampusName  string `json:"campus_name"`
	TeacherName string `json:"teacher_name"`
	Students    int64  `json:"students"`
	HoursHeld   int64  `json:"hours_held"`
}

// ListCourses lists the live courses of the given campuses (nil: all), by campus and name.
func ListCourses(ctx context.Context, db *gorm.DB, campusIDs []int64) ([]CourseRow, error) {
	q := `SELECT c.*, COALESCE(cp.name, '') AS campus_name, COALESCE(s.name, '') AS teacher_name,
		(SELECT COUNT(*) FROM course_members cm WHERE cm.course_id = c.id) AS students,
		(SELECT COALESCE(SUM(p.remaining), 0) FROM class_hour_packages p WHERE p.course_id = c.id AND p.status = 'active') AS hours_held
		FROM courses c LEFT JOIN campuses cp ON cp.id = c.campus_id LEFT JOIN staff_users s ON s.id = c.teacher_id
		WHERE c.archived_at IS NULL`
	args := []any{}
	if campusIDs != nil {
		if len(campusIDs) == 0 {
			return nil, nil
		}
		q += ` AND c.campus_id IN ?`
		args = append(args, campusIDs)
	}
	var rows []CourseRow
	if err := db.WithContext(ctx).Raw(q+` ORDER BY c.campus_id, c.name, c.id`, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("courses: list courses: %w", err)
	}
	return rows, nil
}

// VisibleCampuses is nil for staff who see every campus, else their campuses.
func VisibleCampuses(u *models.StaffUser) []int64 {
	if u == nil || u.Role.AllCampuses() {
		return nil
	}
	return append([]int64{}, u.CampusIDs...)
}
