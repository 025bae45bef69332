package courses

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// consumeOnArrival marks the child present — consuming the hours per lesson
// — on every kiosk-consumed course that meets on the day of the arrival and
// has no mark yet. A course whose hours have run out is left for the roll
// call (the check-in itself is never refused for it).
func consumeOnArrival(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, a models.ArrivalFacts) error {
	var cs []Course
	if err := tx.WithContext(ctx).Raw(`SELECT c.* FROM courses c JOIN course_members cm ON cm.course_id = c.id
		WHERE cm.member_id = ? AND c.consume_on = ? AND c.archived_at IS NULL ORDER BY c.id`, a.MemberID, ConsumeKiosk).
		Scan(&cs).Error; err != nil {
		return fmt.Errorf("courses: arrival: %w", err)
	}
	if len(cs) == 0 {
		return nil
	}
	day, err := time.ParseInLocation(time.DateOnly, a.Day, loc)
	if err != nil {
		return fmt.Errorf("courses: arrival: %w", err)
	}
	for _, c := range cs {
		if !c.MeetsOn(day) {
			continue
		}
		var marked, avail int64
		if err := tx.WithContext(ctx).Raw(`SELECT COUNT(*) FROM course_attendance WHERE member_id = ? AND course_id = ? AND on_day = ?`,
			a.MemberID, c.ID, a.Day).Scan(&marked).Error; err != nil {
			return fmt.Errorf("courses: arrival: %w", err)
		}
		if err := tx.WithContext(ctx).Raw(`SELECT COALESCE(SUM(remaining), 0) FROM class_hour_packages
			WHERE member_id = ? AND course_id = ? AND status = ? AND remaining > 0 AND valid_until > ?`,
			a.MemberID, c.ID, PackageActive, now.UTC()).Scan(&avail).Error; err != nil {
			return fmt.Errorf("courses: arrival: %w", err)
		}
		if marked > 0 || avail < c.HoursPerLesson {
			continue
		}
		actor := a.Actor
		if actor.Device == "" {
			actor.Device = "kiosk"
		}
		if _, err := PostAttendance(ctx, tx, now, loc, AttendanceInput{CourseID: c.ID, MemberID: a.MemberID, On: a.Day,
			Status: StatusPresent, Actor: actor}); err != nil {
			return err
		}
	}
	return nil
}
