package courses

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Trial lessons (试听): the desk books a prospect into a course's lesson, the
// teacher marks whether they came; no hours change hands. With the lifecycle
// history (prospect → enrolled on the first package, → active on the first
// lesson) they make the prospect funnel.

// Trial statuses.
const (
	TrialBooked   = "booked"
	TrialAttended = "attended"
	TrialNoShow   = "no_show"
)

// TrialAheadDays is how far ahead a trial may be booked.
const TrialAheadDays = 60

// Refusals about trials.
var (
	ErrTrialNotFound = models.NewError(models.KindNotFound, "unknown-trial", "courses.err.unknown_trial")
	ErrTrialExists   = models.NewError(models.KindConflict, "trial-exists", "courses.err.trial_exists")
	ErrTrialEarly    = models.NewError(models.KindConflict, "trial-not-yet", "courses.err.trial_not_yet")
)

// Trial is a booked trial lesson.
type Trial struct {
	ID        int64      `json:"id"`
	CourseID  int64      `json:"course_id"`
	MemberID  int64      `json:"member_id"`
	OnDay     string     `json:"on"`
	Status    string     `json:"status"`
	ActorType string     `json:"-"`
	ActorID   int64      `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	MarkedAt  *time.Time `json:"marked_at,omitempty"`
	Name      string     `json:"name,omitempty" gorm:"-"`
}

// TableName maps Trial to its table.
func (Trial) TableName() string { return "course_trials" }

// BookTrial books a member into a lesson day of a course, from today up to
// TrialAheadDays ahead, on a day the course meets.
func BookTrial(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor, u *models.StaffUser,
	courseID, memberID int64, on string) (*Trial, error) {
	now = now.UTC()
	d, err := time.ParseInLocation(time.DateOnly, on, loc)
	today := now.In(loc)
	switch {
	case err != nil || d.Format(time.DateOnly) != on:
		return nil, models.Invalid(map[string]string{"on": "courses.err.bad_day"})
	case on < today.Format(time.DateOnly) || on > today.AddDate(0, 0, TrialAheadDays).Format(time.DateOnly):
		return nil, models.Invalid(map[string]string{"on": "courses.err.trial_window"})
	}
	t := &Trial{CourseID: courseID, MemberID: memberID, OnDay: on, Status: TrialBooked, ActorType: orSystem(actor.Type),
		ActorID: actor.ID, CreatedAt: now}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		c, err := CourseFor(ctx, tx, u, courseID)
		if err != nil {
			return err
		}
		if u != nil {
			if err := models.CheckMemberAccess(ctx, tx, u, memberID); err != nil {
				return models.ErrMemberNotFound
			}
		}
		if !c.MeetsOn(d) {
			return ErrNotLessonDay.With(c.Name, on)
		}
		if err := tx.WithContext(ctx).Create(t).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrTrialExists.With(on)
			}
			return err
		}
		return models.Audit(ctx, tx, now, actor, "course.trial_book", "course_trial", t.ID, fmt.Sprintf("member=%d on=%s", memberID, on))
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("courses: book trial: %w", err)
	}
	return t, nil
}

// MarkTrial records whether the prospect came, on or after the lesson day.
func MarkTrial(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor, u *models.StaffUser,
	id int64, attended bool) (*Trial, error) {
	now = now.UTC()
	var t Trial
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if res := tx.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&t); res.Error != nil {
			return res.Error
		} else if res.RowsAffected == 0 {
			return ErrTrialNotFound
		}
		if _, err := CourseFor(ctx, tx, u, t.CourseID); err != nil {
			return ErrTrialNotFound
		}
		if t.OnDay > now.In(loc).Format(time.DateOnly) {
			return ErrTrialEarly.With(t.OnDay)
		}
		t.Status, t.MarkedAt = TrialNoShow, &now
		if attended {
			t.Status = TrialAttended
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE course_trials SET status = ?, marked_at = ? WHERE id = ?`, t.Status, now, t.ID).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "course.trial_mark", "course_trial", t.ID, t.Status)
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("courses: mark trial: %w", err)
	}
	return &t, nil
}

// DayTrials lists a course's trials on a day, with the prospects' names.
func DayTrials(ctx context.Context, db *gorm.DB, courseID int64, day string) ([]Trial, error) {
	var rows []struct {
		Trial
		MemberName string
	}
	if err := db.WithContext(ctx).Raw(`SELECT t.*, m.name AS member_name FROM course_trials t JOIN members m ON m.id = t.member_id
		WHERE t.course_id = ? AND t.on_day = ? ORDER BY m.name, t.id`, courseID, day).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("courses: day trials: %w", err)
	}
	out := make([]Trial, len(rows))
	for i, r := range rows {
		out[i] = r.Trial
		out[i].Name = r.MemberName
	}
	return out, nil
}

// Funnel counts the prospect pipeline over [from, to): lifecycle moves from
// the members' history and trial lessons, for the given campuses (nil: all).
type Funnel struct {
	NewProspects   int64 `json:"new_prospects"`
	TrialsBooked   int64 `json:"trials_booked"`
	TrialsAttended int64 `json:"trials_attended"`
	Converted      int64 `json:"converted"` // prospect → enrolled
	Activated      int64 `json:"activated"` // → active (first lesson)
	Graduated      int64 `json:"graduated"`
	Churned        int64 `json:"churned"`
}

// ProspectFunnel counts the pipeline.
func ProspectFunnel(ctx context.Context, db *gorm.DB, campusIDs []int64, from, to time.Time) (Funnel, error) {
	var f Funnel
	scope, args := "", []any{}
	if campusIDs != nil {
		if len(campusIDs) == 0 {
			return f, nil
		}
		scope = " AND m.campus_id IN ?"
		args = append(args, campusIDs)
	}
	var moves []struct {
		FromStatus string
		ToStatus   string
		N          int64
	}
	q := `SELECT h.from_status, h.to_status, COUNT(*) AS n FROM member_lifecycle_history h JOIN members m ON m.id = h.member_id
		WHERE h.at >= ? AND h.at < ?` + scope + ` GROUP BY h.from_status, h.to_status`
	if err := db.WithContext(ctx).Raw(q, append([]any{from.UTC(), to.UTC()}, args...)...).Scan(&moves).Error; err != nil {
		return f, fmt.Errorf("courses: funnel: %w", err)
	}
	for _, mv := range moves {
		switch {
		case mv.ToStatus == models.LifecycleProspect:
			f.NewProspects += mv.N
		case mv.FromStatus == models.LifecycleProspect && mv.ToStatus == models.LifecycleEnrolled:
			f.Converted += mv.N
		}
		switch mv.ToStatus {
		case models.LifecycleActive:
			f.Activated += mv.N
		case models.LifecycleGraduated:
			f.Graduated += mv.N
		case models.LifecycleChurned:
			f.Churned += mv.N
		}
	}
	var trials []struct {
		Status string
		N      int64
	}
	tq := `SELECT t.status, COUNT(*) AS n FROM course_trials t JOIN members m ON m.id = t.member_id
		WHERE t.created_at >= ? AND t.created_at < ?` + scope + ` GROUP BY t.status`
	if err := db.WithContext(ctx).Raw(tq, append([]any{from.UTC(), to.UTC()}, args...)...).Scan(&trials).Error; err != nil {
		return f, fmt.Errorf("courses: funnel: %w", err)
	}
	for _, t := range trials {
		f.TrialsBooked += t.N
		if t.Status == TrialAttended {
			f.TrialsAttended += t.N
		}
	}
	return f, nil
}
