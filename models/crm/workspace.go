package crm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"starcard/models"
)

// Roll-call statuses for children not scanned at the door.
const (
	RollPresent = "present"
	RollLeave   = "leave"
	RollAbsent  = "absent"
)

// RollStatuses lists the roll-call statuses.
var RollStatuses = []string{RollPresent, RollLeave, RollAbsent}

// Roll-call errors.
var (
	ErrRollStatus     = models.NewError(models.KindInvalid, "bad-roll-status", "crm.err.roll_status")
	ErrAlreadyScanned = models.NewError(models.KindConflict, "already-scanned", "crm.err.already_scanned")
)

// ClassChoice is a class the workspace can show.
type ClassChoice struct {
	ID         int64
	Name       string
	CampusName string
	Mine       bool
}

// WorkspaceClasses lists the classes a staff user's workspace shows: their
// homeroom classes first; managers and admins also see the other classes
// of their campuses.
func WorkspaceClasses(ctx context.Context, db *gorm.DB, u *models.StaffUser) ([]ClassChoice, error) {
	q := db.WithContext(ctx).Table("classes c").Select(`c.id, c.name, p.name AS campus_name,
		CASE WHEN t.staff_id = ? THEN 1 ELSE 0 END AS mine`, u.ID).
		Joins("JOIN campuses p ON p.id = c.campus_id").
		Joins("LEFT JOIN crm_class_teachers t ON t.class_id = c.id")
	if u.Role == models.RoleTeacher {
		q = q.Where("t.staff_id = ?", u.ID)
	} else if scope := models.StaffCampusScope(u); scope != nil {
		q = q.Where("c.campus_id IN ?", scope)
	}
	var out []ClassChoice
	if err := q.Order("mine DESC, c.campus_id, c.name").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("crm: workspace classes: %w", err)
	}
	return out, nil
}

// Child is one line of a class roster.
type Child struct {
	ID        int64
	Name      string
	Gender    string
	BirthDate *time.Time
	Grade     string
	Arrived   bool      // scanned at the door today
	ArrivedAt time.Time // today's first kiosk arrival
	Roll      string    // today's roll call, if any
	Birthday  string    // "MM-DD" when the birthday falls this week
	Initials  string
}

// Present reports whether the child is in today (scanned or marked present).
func (c Child) Present() bool { return c.Arrived || c.Roll == RollPresent }

// Roster is a class's children for today.
type Roster struct {
	ClassID   int64
	ClassName string
	Children  []Child
	Arrived   int // scanned at the door
	Marked    int // roll called
	Birthdays []Child
}

// ClassRoster loads a class's roster for today: arrivals from the kiosk,
// roll calls, and this week's birthdays. A teacher sees only their classes.
func ClassRoster(ctx context.Context, db *gorm.DB, now time.Time, loc *time.Location, u *models.StaffUser, classID int64) (*Roster, error) {
	if err := mayRollCall(ctx, db, u, classID); err != nil {
		return nil, err
	}
	cl, err := models.GetClass(ctx, db, classID)
	if err != nil {
		return nil, err
	}
	today := Today(now, loc)
	var kids []Child
	if err := db.WithContext(ctx).Raw(`SELECT id, name, gender, birth_date, grade FROM members
		WHERE class_id = ? AND archived_at IS NULL ORDER BY name, id`, classID).Scan(&kids).Error; err != nil {
		return nil, fmt.Errorf("crm: roster: %w", err)
	}
	r := &Roster{ClassID: cl.ID, ClassName: cl.Name}
	if len(kids) == 0 {
		r.Children = []Child{}
		return r, nil
	}
	ids := make([]int64, len(kids))
	for i, k := range kids {
		ids[i] = k.ID
	}
	var arr []struct {
		MemberID int64
		At       time.Time
	}
	// Plain rows, not MIN(at): SQLite hands aggregates of times back as text.
	if err := db.WithContext(ctx).Raw(`SELECT member_id, at FROM checkins WHERE member_id IN ? AND kind = ? AND local_day = ?
		ORDER BY at`, ids, models.CheckinArrival, today).Scan(&arr).Error; err != nil {
		return nil, fmt.Errorf("crm: roster arrivals: %w", err)
	}
	arrived := map[int64]time.Time{}
	for _, a := range arr {
		if _, seen := arrived[a.MemberID]; !seen {
			arrived[a.MemberID] = a.At
		}
	}
	var rolls []struct {
		MemberID int64
		Status   string
	}
	if err := db.WithContext(ctx).Raw("SELECT member_id, status FROM crm_roll_calls WHERE member_id IN ? AND day = ?", ids, today).
		Scan(&rolls).Error; err != nil {
		return nil, fmt.Errorf("crm: roster roll calls: %w", err)
	}
	roll := map[int64]string{}
	for _, x := range rolls {
		roll[x.MemberID] = x.Status
	}
	week := WeekStart(now, loc)
	for i := range kids {
		k := &kids[i]
		if at, ok := arrived[k.ID]; ok {
			k.Arrived, k.ArrivedAt = true, at
			r.Arrived++
		}
		if s, ok := roll[k.ID]; ok {
			k.Roll = s
			r.Marked++
		}
		k.Initials = initials(k.Name)
		if k.BirthDate != nil {
			for d := 0; d < 7; d++ {
				day := week.AddDate(0, 0, d)
				if day.Month() == k.BirthDate.Month() && day.Day() == k.BirthDate.Day() {
					k.Birthday = day.Format("01-02")
					r.Birthdays = append(r.Birthdays, *k)
				}
			}
		}
	}
	sort.SliceStable(r.Birthdays, func(i, j int) bool { return r.Birthdays[i].Birthday < r.Birthdays[j].Birthday })
	r.Children = kids
	return r, nil
}

// initials is what the roster shows in place of a photo: the given name's
// last character for a Chinese name, else the first letter.
func initials(name string) string {
	rs := []rune(name)
	if len(rs) == 0 {
		return "?"
	}
	if rs[0] > 0x2E80 {
		return string(rs[len(rs)-1])
	}
	return string(rs[0])
}

// mayRollCall lets a teacher work only their homeroom classes; managers and
// admins any class of their campuses.
func mayRollCall(ctx context.Context, db *gorm.DB, u *models.StaffUser, classID int64) error {
	cl, err := models.GetClass(ctx, db, classID)
	if err != nil {
		return err
	}
	if u == nil {
		return nil
	}
	if !u.CanSeeCampus(cl.CampusID) {
		return models.ErrNotFound
	}
	if u.Role != models.RoleTeacher {
		return nil
	}
	var n int64
	if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM crm_class_teachers WHERE class_id = ? AND staff_id = ?", classID, u.ID).
		Scan(&n).Error; err != nil {
		return fmt.Errorf("crm: roll call access: %w", err)
	}
	if n == 0 {
		return models.ErrNotFound
	}
	return nil
}

// RollCall records today's status of a child not scanned at the door
// (present / leave / absent); tapping again changes it. A child the kiosk
// already scanned needs no roll call (409).
func RollCall(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor, u *models.StaffUser,
	memberID int64, status string) error {
	if !contains(RollStatuses, status) {
		return ErrRollStatus.Field("status", ErrRollStatus.Key)
	}
	today := Today(now, loc)
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var m struct {
			ClassID *int64
		}
		err := tx.Raw("SELECT class_id FROM members WHERE id = ? AND archived_at IS NULL", memberID).Take(&m).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && m.ClassID == nil) {
			return models.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := mayRollCall(ctx, tx, u, *m.ClassID); err != nil {
			return err
		}
		var scanned int64
		if err := tx.Raw("SELECT COUNT(*) FROM checkins WHERE member_id = ? AND kind = ? AND local_day = ?",
			memberID, models.CheckinArrival, today).Scan(&scanned).Error; err != nil {
			return err
		}
		if scanned > 0 {
			return ErrAlreadyScanned
		}
		row := map[string]any{"member_id": memberID, "day": today, "status": status, "staff_id": actor.ID, "at": now.UTC()}
		if err := tx.Table("crm_roll_calls").Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "member_id"}, {Name: "day"}},
			DoUpdates: clause.AssignmentColumns([]string{"status", "staff_id", "at"})}).Create(row).Error; err != nil {
			return err
		}
		if err := models.Audit(ctx, tx, now, actor, "rollcall", "member", memberID, today+" "+status); err != nil {
			return err
		}
		_, err = Recompute(ctx, tx, now, actor, memberID, "checkin", "rollcall:"+today)
		return err
	})
	if err != nil {
		return fmt.Errorf("crm: roll call: %w", err)
	}
	return nil
}

// Feedback is a family's feedback awaiting its first answer.
type Feedback struct {
	ID         int64
	MemberName string
	Kind       string
	Category   string
	Body       string
	Status     string
	DueAt      time.Time
	CreatedAt  time.Time
	Overdue    bool
}

// AwaitingFeedback lists feedback from the families of a staff user's
// classes that has no answer yet, oldest first (read-only here: the
// complaints workflow answers it).
func AwaitingFeedback(ctx context.Context, db *gorm.DB, now time.Time, u *models.StaffUser, classIDs []int64) ([]Feedback, error) {
	if len(classIDs) == 0 {
		return []Feedback{}, nil
	}
	var out []Feedback
	if err := db.WithContext(ctx).Raw(`SELECT c.id, c.kind, c.category, c.body, c.status, c.first_answer_due_at AS due_at, c.created_at,
		(SELECT MIN(m.name) FROM members m WHERE m.family_id = c.family_id AND m.class_id IN ?) AS member_name
		FROM complaints c WHERE c.first_answer_at IS NULL AND c.status IN ? AND c.family_id IN
		(SELECT m.family_id FROM members m WHERE m.class_id IN ?) ORDER BY c.first_answer_due_at, c.id LIMIT 50`,
		classIDs, []string{"received", "investigating"}, classIDs).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("crm: awaiting feedback: %w", err)
	}
	for i := range out {
		out[i].Overdue = now.After(out[i].DueAt)
		if u != nil && !u.Role.SeesFullPhone() && len([]rune(out[i].Body)) > 200 {
			out[i].Body = string([]rune(out[i].Body)[:200]) + "…"
		}
	}
	return out, nil
}
