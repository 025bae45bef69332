package courses

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Attendance statuses: present consumes the course's hours per lesson,
// leave (请假) and absent consume nothing.
const (
	StatusPresent = "present"
	StatusLeave   = "leave"
	StatusAbsent  = "absent"
)

// Statuses lists the attendance statuses in display order.
var Statuses = []string{StatusPresent, StatusLeave, StatusAbsent}

// Refusals about attendance.
var (
	ErrAlreadyMarked      = models.NewError(models.KindConflict, "attendance-exists", "courses.err.already_marked")
	ErrNotEnoughHours     = models.NewError(models.KindConflict, "insufficient-hours", "courses.err.not_enough_hours")
	ErrAttendanceNotFound = models.NewError(models.KindNotFound, "unknown-attendance", "courses.err.unknown_attendance")
	ErrSameStatus         = models.NewError(models.KindConflict, "same-status", "courses.err.same_status")
)

// Attendance is one member's mark for one lesson day of a course.
type Attendance struct {
	ID        int64
	CourseID  int64
	MemberID  int64
	OnDay     string // yyyy-mm-dd, school time
	Status    string
	Hours     int64 // consumed by this mark (corrections included)
	JournalID *int64
	ActorType string
	ActorID   int64
	At        time.Time
}

// TableName maps Attendance to its table.
func (Attendance) TableName() string { return "course_attendance" }

// AttendanceInput is a teacher's (or the kiosk's, or the API's) mark.
type AttendanceInput struct {
	CourseID int64
	MemberID int64
	On       string // yyyy-mm-dd; "" = today
	Status   string
	Actor    models.Actor
	User     *models.StaffUser // nil: no campus check
}

// AttendanceResult answers a mark (DOMAIN §4b plus what the roll call shows).
type AttendanceResult struct {
	ID            int64  `json:"id"`
	CourseID      int64  `json:"course_id"`
	MemberID      int64  `json:"member_id"`
	On            string `json:"on"`
	Status        string `json:"status"`
	HoursConsumed int64  `json:"hours_consumed"`
	HoursLeft     int64  `json:"hours_left"`
	RenewalDue    bool   `json:"renewal_due"` // at or below the course's renewal mark
}

func validStatus(s string) bool { return s == StatusPresent || s == StatusLeave || s == StatusAbsent }

// parseDay checks a lesson day: a real date, not after today (school time).
func parseDay(on string, now time.Time, loc *time.Location) (string, error) {
	today := now.In(loc).Format(time.DateOnly)
	if on == "" {
		return today, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, on, loc)
	if err != nil || d.Format(time.DateOnly) != on {
		return "", models.Invalid(map[string]string{"on": "courses.err.bad_day"})
	}
	if on > today {
		return "", models.Invalid(map[string]string{"on": "courses.err.future_day"})
	}
	return on, nil
}

// PostAttendance records a mark inside tx. Present draws the course's hours
// per lesson from the member's packages, soonest-ending first, posts one
// journal and queues the parent's notice ("今日美术课消 1 课时，剩余 11 课时") and,
// when the hours left reach the course's renewal mark, a renewal notice. The
// same member, course and day twice is refused (409): a change is a correction.
func PostAttendance(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, in AttendanceInput) (*AttendanceResult, error) {
	now = now.UTC()
	f := map[string]string{}
	if !validStatus(in.Status) {
		f["status"] = "courses.err.status"
	}
	if in.CourseID <= 0 {
		f["course_id"] = "err.required"
	}
	if in.MemberID <= 0 {
		f["member_id"] = "err.required"
	}
	if len(f) > 0 {
		return nil, models.Invalid(f)
	}
	day, err := parseDay(in.On, now, loc)
	if err != nil {
		return nil, err
	}
	c, err := CourseFor(ctx, tx, in.User, in.CourseID)
	if err != nil {
		return nil, err
	}
	if in.User != nil {
		if err := models.CheckMemberAccess(ctx, tx, in.User, in.MemberID); err != nil {
			return nil, models.ErrMemberNotFound
		}
	}
	lock, err := models.LockMember(ctx, tx, now, in.MemberID)
	if err != nil {
		return nil, err
	}
	acct, err := models.MemberAccount(ctx, tx, now, in.MemberID, models.HoursAccountName(c.ID), models.AssetHours)
	if err != nil {
		return nil, err
	}
	a := Attendance{CourseID: c.ID, MemberID: in.MemberID, OnDay: day, Status: in.Status,
		ActorType: orSystem(in.Actor.Type), ActorID: in.Actor.ID, At: now}
	if err := tx.WithContext(ctx).Create(&a).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, ErrAlreadyMarked.With(day)
		}
		return nil, fmt.Errorf("courses: attendance: %w", err)
	}
	res := &AttendanceResult{ID: a.ID, CourseID: c.ID, MemberID: in.MemberID, On: day, Status: in.Status, HoursLeft: acct.Balance}
	if in.Status != StatusPresent {
		return res, nil
	}
	before := acct.Balance
	jid, err := consume(ctx, tx, now, in.Actor, lock.CampusID, c, acct, a.ID, c.HoursPerLesson)
	if err != nil {
		return nil, err
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE course_attendance SET hours = ?, journal_id = ? WHERE id = ?`,
		c.HoursPerLesson, jid, a.ID).Error; err != nil {
		return nil, fmt.Errorf("courses: attendance: %w", err)
	}
	res.HoursConsumed, res.HoursLeft = c.HoursPerLesson, acct.Balance
	res.RenewalDue = c.RenewalAtHours >= 0 && acct.Balance <= c.RenewalAtHours
	if err := notifyConsumed(ctx, tx, now, loc, c, in.MemberID, day, a.ID, c.HoursPerLesson, before, acct.Balance); err != nil {
		return nil, err
	}
	if err := models.Emit(ctx, tx, models.DomainEvent{Type: models.EventHoursConsumed, At: now, CampusID: lock.CampusID,
		MemberID: in.MemberID, ObjectID: a.ID, Object: res, Actor: in.Actor}); err != nil {
		return nil, err
	}
	return res, nil
}

// consume takes hours from the member's valid packages, soonest-ending first,
// and posts the consumption journal.
func consume(ctx context.Context, tx *gorm.DB, now time.Time, actor models.Actor, memberCampus int64, c *Course,
	acct *models.Account, attendanceID, hours int64) (int64, error) {
	var pkgs []Package
	if err := tx.WithContext(ctx).Where("account_id = ? AND status = ? AND remaining > 0 AND valid_until > ?",
		acct.ID, PackageActive, now).Order("valid_until, id").Find(&pkgs).Error; err != nil {
		return 0, fmt.Errorf("courses: consume: %w", err)
	}
	var avail int64
	for _, p := range pkgs {
		avail += p.Remaining
	}
	if avail < hours {
		return 0, ErrNotEnoughHours.With(c.Name, hours, avail)
	}
	campus := actor.CampusID
	if campus == 0 {
		campus = memberCampus
	}
	jid, err := models.PostJournal(ctx, tx, now, models.JournalSpec{Kind: KindHoursConsume, CampusID: campus, Actor: actor,
		RefType: "course_attendance", RefID: attendanceID, Reason: c.Name},
		models.Entry{Account: acct, Amount: -hours}, models.Entry{System: SysHoursConsumed, Asset: models.AssetHours, Amount: hours})
	if err != nil {
		return 0, fmt.Errorf("courses: consume: %w", err)
	}
	left := hours
	for _, p := range pkgs {
		if left == 0 {
			break
		}
		take := min(left, p.Remaining)
		if err := drawPackage(ctx, tx, p.ID, jid, take); err != nil {
			return 0, err
		}
		left -= take
	}
	// The first lesson attended makes an enrolled child active (在读).
	if _, err := models.AdvanceLifecycle(ctx, tx, now, actor, acct.OwnerID,
		[]string{models.LifecycleProspect, models.LifecycleEnrolled}, models.LifecycleActive, "first lesson: "+c.Name); err != nil {
		return 0, err
	}
	return jid, nil
}

// drawPackage records a draw (negative: hours put back) and moves the package's remaining.
func drawPackage(ctx context.Context, tx *gorm.DB, packageID, journalID, hours int64) error {
	if hours == 0 {
		return nil
	}
	if err := revaluePackage(ctx, tx, packageID, hours); err != nil {
		return err
	}
	if err := tx.WithContext(ctx).Create(&draw{PackageID: packageID, JournalID: journalID, Hours: hours}).Error; err != nil {
		return fmt.Errorf("courses: draw: %w", err)
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE class_hour_packages SET remaining = remaining - ? WHERE id = ?`,
		hours, packageID).Error; err != nil {
		return fmt.Errorf("courses: draw: %w", err)
	}
	return nil
}

func notifyConsumed(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, c *Course, memberID int64,
	day string, attendanceID, hours, before, left int64) error {
	// The parent's notice says "today": a mark made later for an earlier day
	// shows in the portal's lesson history instead.
	if day == now.In(loc).Format(time.DateOnly) {
		if err := models.EnqueueNotice(ctx, tx, now, models.Notice{Event: EventConsumed, MemberID: memberID,
			Data:      map[string]any{"course": c.Name, "hours": hours, "left": left},
			DedupeKey: fmt.Sprintf("%s:%d:%d", EventConsumed, attendanceID, left)}); err != nil {
			return err
		}
	}
	if c.RenewalAtHours >= 0 && before > c.RenewalAtHours && left <= c.RenewalAtHours {
		if err := models.EnqueueNotice(ctx, tx, now, models.Notice{Event: EventRenewal, MemberID: memberID,
			Data:      map[string]any{"course": c.Name, "left": left},
			DedupeKey: fmt.Sprintf("%s:%d:%d", EventRenewal, attendanceID, left)}); err != nil {
			return err
		}
		for _, h := range renewalHooks {
			if err := h(ctx, tx, now, RenewalDue{MemberID: memberID, Course: *c, HoursLeft: left}); err != nil {
				return err
			}
		}
	}
	return nil
}

// RenewalDue is a member whose hours of a course just reached the renewal mark.
type RenewalDue struct {
	MemberID  int64
	Course    Course // its TeacherID is who should call
	HoursLeft int64
}

// RenewalHook runs in the lesson's transaction when a member's hours reach
// the renewal mark: the follow-up task of issue 13 (kind "renewal", for the
// course's teacher or the consultant) is made here when wired in cmd.
type RenewalHook func(ctx context.Context, tx *gorm.DB, now time.Time, r RenewalDue) error

var renewalHooks []RenewalHook

// RegisterRenewalHook adds a hook called when hours reach the renewal mark.
// Register at init or in cmd wiring, before serving.
func RegisterRenewalHook(h RenewalHook) { renewalHooks = append(renewalHooks, h) }

// CorrectAttendance changes a mark's status with new entries, never by
// editing the old ones: present → leave/absent puts the hours back into the
// packages they came from; leave/absent → present consumes them now.
func CorrectAttendance(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, actor models.Actor,
	u *models.StaffUser, id int64, status string) (*AttendanceResult, error) {
	now = now.UTC()
	if !validStatus(status) {
		return nil, models.Invalid(map[string]string{"status": "courses.err.status"})
	}
	var a Attendance
	if res := tx.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&a); res.Error != nil {
		return nil, fmt.Errorf("courses: correct attendance: %w", res.Error)
	} else if res.RowsAffected == 0 {
		return nil, ErrAttendanceNotFound
	}
	c, err := CourseFor(ctx, tx, u, a.CourseID)
	if err != nil {
		return nil, ErrAttendanceNotFound
	}
	lock, err := models.LockMember(ctx, tx, now, a.MemberID)
	if err != nil {
		return nil, err
	}
	acct, err := models.MemberAccount(ctx, tx, now, a.MemberID, models.HoursAccountName(c.ID), models.AssetHours)
	if err != nil {
		return nil, err
	}
	// Re-read under the member lock.
	if err := tx.WithContext(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return nil, fmt.Errorf("courses: correct attendance: %w", err)
	}
	if a.Status == status {
		return nil, ErrSameStatus
	}
	res := &AttendanceResult{ID: a.ID, CourseID: c.ID, MemberID: a.MemberID, On: a.OnDay, Status: status}
	hours := a.Hours
	var jid *int64
	switch {
	case status == StatusPresent:
		before := acct.Balance
		j, err := consume(ctx, tx, now, actor, lock.CampusID, c, acct, a.ID, c.HoursPerLesson)
		if err != nil {
			return nil, err
		}
		jid, hours = &j, a.Hours+c.HoursPerLesson
		res.HoursConsumed = c.HoursPerLesson
		if err := notifyConsumed(ctx, tx, now, loc, c, a.MemberID, a.OnDay, a.ID, c.HoursPerLesson, before, acct.Balance); err != nil {
			return nil, err
		}
	case a.Hours > 0:
		j, err := restore(ctx, tx, now, actor, lock.CampusID, c, acct, a)
		if err != nil {
			return nil, err
		}
		jid, hours = &j, 0
		res.HoursConsumed = -a.Hours
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE course_attendance SET status = ?, hours = ?, journal_id = COALESCE(?, journal_id) WHERE id = ?`,
		status, hours, jid, a.ID).Error; err != nil {
		return nil, fmt.Errorf("courses: correct attendance: %w", err)
	}
	if err := models.Audit(ctx, tx, now, actor, "course.attendance_correct", "course_attendance", a.ID,
		fmt.Sprintf("%s -> %s", a.Status, status)); err != nil {
		return nil, err
	}
	res.HoursLeft = acct.Balance
	return res, nil
}

// restore puts a mark's consumed hours back into the packages they were
// drawn from (latest-ending first; an expired or refunded package takes none back).
func restore(ctx context.Context, tx *gorm.DB, now time.Time, actor models.Actor, memberCampus int64, c *Course,
	acct *models.Account, a Attendance) (int64, error) {
	var rows []struct {
		PackageID int64
		Hours     int64
	}
	if err := tx.WithContext(ctx).Raw(`SELECT d.package_id, SUM(d.hours) AS hours FROM class_hour_draws d
		JOIN ledger_journals j ON j.id = d.journal_id JOIN class_hour_packages p ON p.id = d.package_id
		WHERE j.ref_type = 'course_attendance' AND j.ref_id = ? AND p.status = ? AND p.valid_until > ?
		GROUP BY d.package_id, p.valid_until HAVING SUM(d.hours) > 0 ORDER BY p.valid_until DESC, d.package_id DESC`,
		a.ID, PackageActive, now).Scan(&rows).Error; err != nil {
		return 0, fmt.Errorf("courses: restore: %w", err)
	}
	var back int64
	for _, r := range rows {
		back += r.Hours
	}
	back = min(back, a.Hours)
	campus := actor.CampusID
	if campus == 0 {
		campus = memberCampus
	}
	jid, err := models.PostJournal(ctx, tx, now, models.JournalSpec{Kind: KindHoursRestore, CampusID: campus, Actor: actor,
		RefType: "course_attendance", RefID: a.ID, Reason: "correction", ReversesID: a.JournalID},
		models.Entry{Account: acct, Amount: back}, models.Entry{System: SysHoursConsumed, Asset: models.AssetHours, Amount: -back})
	if err != nil {
		return 0, fmt.Errorf("courses: restore: %w", err)
	}
	left := back
	for _, r := range rows {
		put := min(left, r.Hours)
		if err := drawPackage(ctx, tx, r.PackageID, jid, -put); err != nil {
			return 0, err
		}
		left -= put
	}
	return jid, nil
}

// MarkAttendance runs PostAttendance once per idempotency key.
func MarkAttendance(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, id models.Idem, in AttendanceInput) (models.Outcome, error) {
	return models.RunIdempotent(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := PostAttendance(ctx, tx, now, loc, in)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}

// Mark records a mark without an idempotency key (the roll call page: the
// unique member+course+day row already makes a double tap harmless).
func Mark(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, in AttendanceInput) (*AttendanceResult, error) {
	var res *AttendanceResult
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		res, err = PostAttendance(ctx, tx, now, loc, in)
		return err
	})
	return res, err
}

// CorrectOnce runs CorrectAttendance once per idempotency key.
func CorrectOnce(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, id models.Idem, actor models.Actor,
	u *models.StaffUser, attendanceID int64, status string) (models.Outcome, error) {
	return models.RunIdempotent(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := CorrectAttendance(ctx, tx, now, loc, actor, u, attendanceID, status)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}

// Correct runs CorrectAttendance in its own transaction.
func Correct(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor, u *models.StaffUser,
	id int64, status string) (*AttendanceResult, error) {
	var res *AttendanceResult
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		res, err = CorrectAttendance(ctx, tx, now, loc, actor, u, id, status)
		return err
	})
	return res, err
}

func orSystem(s string) string {
	if s == "" {
		return "system"
	}
	return s
}

// LeaveAheadDays is how far ahead a parent may ask for leave.
const LeaveAheadDays = 30

// ErrNotLessonDay refuses leave for a day the course does not meet.
var ErrNotLessonDay = models.NewError(models.KindInvalid, "not-a-lesson-day", "courses.err.not_lesson_day")

// RequestLeave is a parent's leave request (请假) for a lesson from today up
// to LeaveAheadDays ahead: the lesson is marked leave, so it consumes nothing
// and the teacher's roll call shows it. The member must be on the course.
func RequestLeave(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor,
	memberID, courseID int64, on string) (*AttendanceResult, error) {
	now = now.UTC()
	today := now.In(loc)
	d, err := time.ParseInLocation(time.DateOnly, on, loc)
	if err != nil || d.Format(time.DateOnly) != on {
		return nil, models.Invalid(map[string]string{"on": "courses.err.bad_day"})
	}
	if on < today.Format(time.DateOnly) || on > today.AddDate(0, 0, LeaveAheadDays).Format(time.DateOnly) {
		return nil, models.Invalid(map[string]string{"on": "courses.err.leave_window"})
	}
	var res *AttendanceResult
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.WithContext(ctx).Raw(`SELECT COUNT(*) FROM course_members WHERE course_id = ? AND member_id = ?`,
			courseID, memberID).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrCourseNotFound
		}
		c, err := GetCourse(ctx, tx, courseID)
		if err != nil {
			return err
		}
		if !c.MeetsOn(d) {
			return ErrNotLessonDay.With(c.Name, on)
		}
		a := Attendance{CourseID: c.ID, MemberID: memberID, OnDay: on, Status: StatusLeave, ActorType: orSystem(actor.Type),
			ActorID: actor.ID, At: now}
		if err := tx.WithContext(ctx).Create(&a).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrAlreadyMarked.With(on)
			}
			return err
		}
		res = &AttendanceResult{ID: a.ID, CourseID: c.ID, MemberID: memberID, On: on, Status: StatusLeave}
		return models.Audit(ctx, tx, now, actor, "course.leave_request", "course_attendance", a.ID, on)
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("courses: leave: %w", err)
	}
	return res, nil
}

// UpcomingLessons are the next lesson days of a course from today (at most n),
// for the parent's leave request.
func UpcomingLessons(c Course, now time.Time, loc *time.Location, n int) []string {
	if len(c.LessonDays()) == 0 {
		return nil
	}
	var out []string
	l := now.In(loc)
	for i := 0; i <= LeaveAheadDays && len(out) < n; i++ {
		d := time.Date(l.Year(), l.Month(), l.Day()+i, 12, 0, 0, 0, loc)
		if c.MeetsOn(d) {
			out = append(out, d.Format(time.DateOnly))
		}
	}
	return out
}
