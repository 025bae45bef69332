package courses

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Renewal (续班) of a term: the students of a course who attended a lesson in
// [from, to) and, of those, the ones who bought the course's hours again in
// the same window after their first lesson of it — the next term paid
// before it starts. The rate per class, teacher and campus is the reports'.

// RenewalRow is one course's renewal over a term.
type RenewalRow struct {
	CourseID  int64  `json:"course_id"`
	Name      string `json:"name"`
	CampusID  int64  `json:"campus_id"`
	TeacherID int64  `json:"teacher_id"`
	Students  int64  `json:"students"`
	Renewed   int64  `json:"renewed"`
}

// Renewals counts each course's students and renewals over [from, to) at the
// given campuses (nil: all).
func Renewals(ctx context.Context, db *gorm.DB, campusIDs []int64, from, to time.Time, loc *time.Location) ([]RenewalRow, error) {
	fromDay, toDay := from.In(loc).Format(time.DateOnly), to.In(loc).Format(time.DateOnly)
	scope, args := "", []any{to.UTC(), fromDay, toDay}
	if campusIDs != nil {
		if len(campusIDs) == 0 {
			return nil, nil
		}
		scope = " WHERE c.campus_id IN ?"
		args = append(args, campusIDs)
	}
	var rows []RenewalRow
	err := db.WithContext(ctx).Raw(`SELECT c.id AS course_id, c.name, c.campus_id, c.teacher_id,
		COUNT(s.member_id) AS students, COALESCE(SUM(s.renewed), 0) AS renewed
		FROM courses c JOIN (
			SELECT a.course_id, a.member_id, MAX(CASE WHEN EXISTS (
				SELECT 1 FROM class_hour_packages p WHERE p.member_id = a.member_id AND p.course_id = a.course_id
				AND p.created_at > a.at AND p.created_at < ?) THEN 1 ELSE 0 END) AS renewed
			FROM course_attendance a
			WHERE a.status = 'present' AND a.on_day >= ? AND a.on_day < ?
			GROUP BY a.course_id, a.member_id) s ON s.course_id = c.id`+scope+`
		GROUP BY c.id, c.name, c.campus_id, c.teacher_id ORDER BY c.campus_id, c.name`, args...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("courses: renewals: %w", err)
	}
	return rows, nil
}
