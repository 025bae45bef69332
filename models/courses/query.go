package courses

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// MemberCourse is one course a member holds (or held) hours of, as the
// portal and the desk show it.
type MemberCourse struct {
	CourseID     int64     `json:"course_id"`
	Name         string    `json:"name"`
	HoursLeft    int64     `json:"hours_left"`
	PerLesson    int64     `json:"hours_per_lesson"`
	ValidUntil   time.Time `json:"valid_until"` // the last-ending active package
	RenewalDue   bool      `json:"renewal_due"`
	NextLesson   time.Time `json:"next_lesson"` // zero: no schedule
	Weekdays     string    `json:"weekdays"`
	LessonTime   string    `json:"lesson_time"`
	PricePerHour int64     `json:"price_per_hour"`
	// Upcoming are the next lesson days and whether leave is already asked for each.
	Upcoming []UpcomingLesson `json:"upcoming"`
}

// UpcomingLesson is a lesson day ahead with its mark, if any.
type UpcomingLesson struct {
	On     string `json:"on"`
	Status string `json:"status"` // "" or leave/present/absent
}

// MemberCourses lists the courses a member is on, with the hours left.
func MemberCourses(ctx context.Context, db *gorm.DB, now time.Time, loc *time.Location, memberID int64) ([]MemberCourse, error) {
	var rows []struct {
		Course
		HoursLeft int64
	}
	err := db.WithContext(ctx).Raw(`SELECT c.*, COALESCE(a.balance, 0) AS hours_left
		FROM course_members cm JOIN courses c ON c.id = cm.course_id
		LEFT JOIN ledger_accounts a ON a.owner_type = 'member' AND a.owner_id = cm.member_id
			AND a.name = `+concatName(db)+`
		WHERE cm.member_id = ? AND c.archived_at IS NULL ORDER BY c.name, c.id`, memberID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("courses: member courses: %w", err)
	}
	// The last-ending live package per course (MAX over a DATETIME comes
	// back as text from SQLite, so it is taken here).
	var pkgs []struct {
		CourseID   int64
		ValidUntil time.Time
	}
	if err := db.WithContext(ctx).Raw(`SELECT course_id, valid_until FROM class_hour_packages
		WHERE member_id = ? AND status = ? AND remaining > 0`, memberID, PackageActive).Scan(&pkgs).Error; err != nil {
		return nil, fmt.Errorf("courses: member courses: %w", err)
	}
	ends := map[int64]time.Time{}
	for _, p := range pkgs {
		if p.ValidUntil.After(ends[p.CourseID]) {
			ends[p.CourseID] = p.ValidUntil
		}
	}
	type markKey struct {
		course int64
		day    string
	}
	var ms []struct {
		CourseID int64
		OnDay    string
		Status   string
	}
	if err := db.WithContext(ctx).Raw(`SELECT course_id, on_day, status FROM course_attendance WHERE member_id = ? AND on_day >= ?`,
		memberID, now.In(loc).Format(time.DateOnly)).Scan(&ms).Error; err != nil {
		return nil, fmt.Errorf("courses: member courses: %w", err)
	}
	marks := map[markKey]string{}
	for _, m := range ms {
		marks[markKey{m.CourseID, m.OnDay}] = m.Status
	}
	out := make([]MemberCourse, 0, len(rows))
	for _, r := range rows {
		mc := MemberCourse{CourseID: r.ID, Name: r.Name, HoursLeft: r.HoursLeft, PerLesson: r.HoursPerLesson,
			RenewalDue: r.RenewalAtHours >= 0 && r.HoursLeft <= r.RenewalAtHours, Weekdays: r.Weekdays,
			LessonTime: r.LessonTime, PricePerHour: r.PricePerHour, NextLesson: NextLesson(r.Course, now, loc)}
		mc.ValidUntil = ends[r.ID]
		for _, d := range UpcomingLessons(r.Course, now, loc, 4) {
			mc.Upcoming = append(mc.Upcoming, UpcomingLesson{On: d, Status: marks[markKey{r.ID, d}]})
		}
		out = append(out, mc)
	}
	return out, nil
}

// concatName is the SQL for "hours:" || c.id in the dialect at hand.
func concatName(db *gorm.DB) string {
	if db.Dialector.Name() == "mysql" {
		return `CONCAT('` + models.HoursAccountPrefix + `', c.id)`
	}
	return `'` + models.HoursAccountPrefix + `' || c.id`
}

// NextLesson is the course's next lesson from now (today's if it has not
// started yet), or zero for a course without a schedule.
func NextLesson(c Course, now time.Time, loc *time.Location) time.Time {
	days := c.LessonDays()
	if len(days) == 0 {
		return time.Time{}
	}
	hh, mm := 0, 0
	if t, err := time.Parse("15:04", c.LessonTime); err == nil {
		hh, mm = t.Hour(), t.Minute()
	}
	l := now.In(loc)
	for i := 0; i < 8; i++ {
		d := time.Date(l.Year(), l.Month(), l.Day()+i, hh, mm, 0, 0, loc)
		if d.Before(l) {
			continue
		}
		for _, w := range days {
			if d.Weekday() == w {
				return d
			}
		}
	}
	return time.Time{}
}

// Lesson is one attendance mark in a member's history.
type Lesson struct {
	ID         int64     `json:"id"`
	CourseID   int64     `json:"course_id"`
	CourseName string    `json:"course_name"`
	OnDay      string    `json:"on"`
	Status     string    `json:"status"`
	Hours      int64     `json:"hours"`
	At         time.Time `json:"at"`
}

// LessonHistory lists a member's latest marks, newest lesson first.
func LessonHistory(ctx context.Context, db *gorm.DB, memberID int64, limit int) ([]Lesson, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []Lesson
	err := db.WithContext(ctx).Raw(`SELECT a.id, a.course_id, c.name AS course_name, a.on_day, a.status, a.hours, a.at
		FROM course_attendance a JOIN courses c ON c.id = a.course_id
		WHERE a.member_id = ? ORDER BY a.on_day DESC, a.id DESC LIMIT ?`, memberID, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("courses: lesson history: %w", err)
	}
	return out, nil
}

// RollEntry is one child on a course's roll call for a day.
type RollEntry struct {
	MemberID     int64  `json:"member_id"`
	Name         string `json:"name"`
	ClassName    string `json:"class_name"`
	HoursLeft    int64  `json:"hours_left"`
	AttendanceID int64  `json:"attendance_id"` // 0: not marked yet
	Status       string `json:"status"`
	Hours        int64  `json:"hours"`
}

// Roll lists a course's students with their hours left and the day's mark.
func Roll(ctx context.Context, db *gorm.DB, courseID int64, day string) ([]RollEntry, error) {
	var out []RollEntry
	err := db.WithContext(ctx).Raw(`SELECT m.id AS member_id, m.name, COALESCE(cl.name, '') AS class_name,
		COALESCE(a.balance, 0) AS hours_left, COALESCE(att.id, 0) AS attendance_id, COALESCE(att.status, '') AS status,
		COALESCE(att.hours, 0) AS hours
		FROM course_members cm JOIN courses c ON c.id = cm.course_id JOIN members m ON m.id = cm.member_id
		LEFT JOIN classes cl ON cl.id = m.class_id
		LEFT JOIN ledger_accounts a ON a.owner_type = 'member' AND a.owner_id = m.id AND a.name = `+concatName(db)+`
		LEFT JOIN course_attendance att ON att.member_id = m.id AND att.course_id = c.id AND att.on_day = ?
		WHERE cm.course_id = ? AND m.archived_at IS NULL ORDER BY m.name, m.id`, day, courseID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("courses: roll: %w", err)
	}
	return out, nil
}

// MemberPackages lists a member's packages, newest first.
func MemberPackages(ctx context.Context, db *gorm.DB, memberID int64) ([]PackageRow, error) {
	var out []PackageRow
	err := db.WithContext(ctx).Raw(`SELECT p.*, c.name AS course_name FROM class_hour_packages p
		JOIN courses c ON c.id = p.course_id WHERE p.member_id = ? ORDER BY p.id DESC`, memberID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("courses: member packages: %w", err)
	}
	return out, nil
}

// PackageRow is a package with its course's name and what refunding it now returns.
type PackageRow struct {
	Package
	CourseName string `json:"course_name"`
}

// Refund is what refunding the package now would return.
func (p PackageRow) Refund() RefundQuote { return QuoteRefund(p.Package) }

// GetPackage loads a package the staff user may see.
func GetPackage(ctx context.Context, db *gorm.DB, u *models.StaffUser, id int64) (*PackageRow, error) {
	var out []PackageRow
	if err := db.WithContext(ctx).Raw(`SELECT p.*, c.name AS course_name FROM class_hour_packages p
		JOIN courses c ON c.id = p.course_id WHERE p.id = ?`, id).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("courses: get package: %w", err)
	}
	if len(out) == 0 {
		return nil, ErrPackageNotFound
	}
	if u != nil {
		if err := models.CheckMemberAccess(ctx, db, u, out[0].MemberID); err != nil {
			return nil, ErrPackageNotFound
		}
	}
	return &out[0], nil
}

// TeacherCourses lists the live courses a teacher teaches (or that have no
// teacher yet) at the teacher's campuses, or every course of
// the user's campuses for campus managers and admins.
func TeacherCourses(ctx context.Context, db *gorm.DB, u *models.StaffUser) ([]CourseRow, error) {
	all, err := ListCourses(ctx, db, VisibleCampuses(u))
	if err != nil || u.Role != models.RoleTeacher {
		return all, err
	}
	var mine []CourseRow
	for _, c := range all {
		if c.TeacherID == u.ID || c.TeacherID == 0 {
			mine = append(mine, c)
		}
	}
	return mine, nil
}
