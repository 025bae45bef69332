package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"starcard/models"
)

// Task statuses.
const (
	StatusOpen    = "open"
	StatusDone    = "done"
	StatusSkipped = "skipped"
)

// Task is a follow-up for a member: a call, a birthday gift, an invitation…
type Task struct {
	ID         int64      `json:"id"`
	MemberID   int64      `json:"member_id"`
	CampusID   int64      `json:"-"`
	Kind       string     `json:"kind"`
	Role       string     `json:"-"`
	PeriodKey  string     `json:"-"`
	AssigneeID *int64     `json:"assignee_id"`
	DueOn      string     `json:"due_on"`
	DueTime    string     `json:"due_time,omitempty"`
	Status     string     `json:"status"`
	Outcome    string     `json:"outcome,omitempty"`
	Note       string     `json:"note,omitempty"`
	Source     string     `json:"source,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	DoneBy     *int64     `json:"done_by,omitempty"`
}

// TableName maps Task to its table.
func (Task) TableName() string { return "crm_tasks" }

// Task errors.
var (
	ErrTaskClosed = models.NewError(models.KindConflict, "task-closed", "crm.err.task_closed")
	ErrNotYours   = models.NewError(models.KindForbidden, "task-not-yours", "crm.err.task_not_yours")
)

// insertTask creates a task unless the member already has one of that kind
// for that period (the unique key decides, so several instances generating
// at once create it once). It returns whether it was created.
func insertTask(ctx context.Context, tx *gorm.DB, t *Task) (bool, error) {
	res := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(t)
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return false, nil
		}
		return false, fmt.Errorf("crm: create task: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// homeroomOf returns the homeroom teacher of a class, if one is set.
func homeroomOf(ctx context.Context, tx *gorm.DB, classID *int64) (*int64, error) {
	if classID == nil {
		return nil, nil
	}
	var ids []int64
	if err := tx.WithContext(ctx).Raw(`SELECT t.staff_id FROM crm_class_teachers t JOIN staff_users s ON s.id = t.staff_id
		WHERE t.class_id = ? AND s.disabled_at IS NULL`, *classID).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("crm: homeroom: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return &ids[0], nil
}

// headOf returns the person in charge of the head's services.
func headOf(ctx context.Context, tx *gorm.DB, cfg Config) (*int64, error) {
	if cfg.HeadStaffID != 0 {
		id := cfg.HeadStaffID
		return &id, nil
	}
	var ids []int64
	if err := tx.WithContext(ctx).Raw(`SELECT id FROM staff_users WHERE role = ? AND disabled_at IS NULL ORDER BY id LIMIT 1`,
		string(models.RoleServiceHead)).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("crm: head: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return &ids[0], nil
}

const day = "2006-01-02"

func addPeriod(t time.Time, it PlanItem) time.Time {
	if it.Unit == "month" {
		return t.AddDate(0, it.Every, 0)
	}
	return t.AddDate(0, 0, it.Every)
}

// planMember creates the member's due tasks of its grade's plan for today.
// newGrade means the grade just changed: items with FirstAtOnce get a task
// due today, and open calls of the old cadence due later are skipped.
func planMember(ctx context.Context, tx *gorm.DB, now time.Time, cfg Config, loc *time.Location, m *memberRow, newGrade bool) (int, error) {
	if m.Lifecycle == models.LifecycleGraduated || m.Lifecycle == models.LifecycleChurned || m.Lifecycle == models.LifecycleProspect {
		return 0, nil
	}
	today := schoolDay(now, loc)
	created := 0
	var homeroom, head *int64
	var looked bool
	assignee := func(role string) (*int64, error) {
		if !looked {
			var err error
			if homeroom, err = homeroomOf(ctx, tx, m.ClassID); err != nil {
				return nil, err
			}
			if head, err = headOf(ctx, tx, cfg); err != nil {
				return nil, err
			}
			looked = true
		}
		if role == RoleHead {
			return head, nil
		}
		return homeroom, nil
	}
	add := func(it PlanItem, due time.Time, period, source string) error {
		who, err := assignee(it.Role)
		if err != nil {
			return err
		}
		t := &Task{MemberID: m.ID, CampusID: m.CampusID, Kind: it.Kind, Role: it.Role, PeriodKey: period, AssigneeID: who,
			DueOn: due.Format(day), DueTime: it.DueTime, Status: StatusOpen, Source: source, CreatedAt: now.UTC()}
		ok, err := insertTask(ctx, tx, t)
		if ok {
			created++
		}
		return err
	}
	for _, it := range cfg.Plans[m.Grade] {
		switch it.Kind {
		case KindCall:
			if newGrade {
				if err := tx.WithContext(ctx).Exec(`UPDATE crm_tasks SET status = ?, outcome = ?, done_at = ? WHERE member_id = ?
					AND kind = ? AND status = ? AND due_on > ? AND source LIKE ?`, StatusSkipped, "superseded", now.UTC(), m.ID,
					KindCall, StatusOpen, today.Format(day), "plan:%").Error; err != nil {
					return created, fmt.Errorf("crm: plan: %w", err)
				}
			}
			var last string
			if err := tx.WithContext(ctx).Raw(`SELECT COALESCE(MAX(due_on), '') FROM crm_tasks WHERE member_id = ? AND kind = ?
				AND source LIKE ? AND status <> ?`, m.ID, KindCall, "plan:%", StatusSkipped).Scan(&last).Error; err != nil {
				return created, fmt.Errorf("crm: plan: %w", err)
			}
			var due time.Time
			switch {
			case newGrade && it.FirstAtOnce:
				due = today
			case last == "":
				due = addPeriod(today, it)
				if it.FirstAtOnce {
					due = today
				}
			default:
				lt, err := time.Parse(day, last)
				if err != nil {
					return created, fmt.Errorf("crm: plan: %w", err)
				}
				if lt.After(today) {
					continue // the next call is already planned
				}
				due = addPeriod(lt, it)
				if due.Before(today) {
					due = today
				}
			}
			if err := add(it, due, due.Format(day), "plan:"+m.Grade); err != nil {
				return created, err
			}
		case KindBirthdayGift:
			if m.BirthDate == nil {
				continue
			}
			b := *m.BirthDate
			bd := time.Date(today.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
			if bd.Before(today) {
				bd = time.Date(today.Year()+1, b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
			}
			if bd.Sub(today) > time.Duration(it.LeadDays)*24*time.Hour {
				continue
			}
			if err := add(it, bd, bd.Format("2006"), "plan:"+m.Grade); err != nil {
				return created, err
			}
		case KindPartyInvite:
			if cfg.PartyDate == "" {
				continue
			}
			pd, err := time.Parse("2006-01-02", fmt.Sprintf("%d-%s", today.Year(), cfg.PartyDate))
			if err != nil || pd.Before(today) || pd.Sub(today) > time.Duration(it.LeadDays)*24*time.Hour {
				continue
			}
			// Invitations go out a week before the party at the latest.
			due := pd.AddDate(0, 0, -7)
			if due.Before(today) {
				due = today
			}
			if err := add(it, due, pd.Format("2006"), "plan:"+m.Grade); err != nil {
				return created, err
			}
		}
	}
	return created, nil
}

// GenerateTasks runs every current member's plan for today and opens a
// feedback_reply task for feedback that awaits its first answer; it also
// hands open homeroom tasks to the class's current teacher. Safe to run
// again and on several instances: the period keys are unique.
func GenerateTasks(ctx context.Context, db *models.DB, now time.Time) (int, error) {
	cfg, err := LoadConfig(ctx, db.R, now)
	if err != nil {
		return 0, err
	}
	r, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return 0, err
	}
	loc := r.Location()
	created := 0
	var after int64
	for {
		var ms []memberRow
		if err := db.R.WithContext(ctx).Raw(`SELECT id, family_id, campus_id, class_id, name, birth_date, lifecycle, grade,
			grade_reasons, enrolled_on, archived_at, created_at FROM members WHERE archived_at IS NULL AND id > ? ORDER BY id LIMIT 500`,
			after).Scan(&ms).Error; err != nil {
			return created, fmt.Errorf("crm: generate tasks: %w", err)
		}
		if len(ms) == 0 {
			break
		}
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			for i := range ms {
				n, err := planMember(ctx, tx, now, cfg, loc, &ms[i], false)
				if err != nil {
					return err
				}
				created += n
			}
			return nil
		})
		if err != nil {
			return created, err
		}
		after = ms[len(ms)-1].ID
	}
	n, err := feedbackTasks(ctx, db, now, cfg)
	created += n
	if err != nil {
		return created, err
	}
	return created, ReassignToHomeroom(ctx, db.W, 0, 0)
}

// feedbackTasks opens a feedback_reply task, due within FeedbackHours, for
// each piece of family feedback not yet answered.
func feedbackTasks(ctx context.Context, db *models.DB, now time.Time, cfg Config) (int, error) {
	var rows []struct {
		ID        int64
		MemberID  *int64
		FamilyID  int64
		CampusID  int64
		CreatedAt time.Time
	}
	if err := db.R.WithContext(ctx).Raw(`SELECT id, member_id, family_id, campus_id, created_at FROM complaints
		WHERE first_answer_at IS NULL AND status = ? AND created_at >= ?`, "received", now.UTC().AddDate(0, 0, -30)).
		Scan(&rows).Error; err != nil {
		return 0, fmt.Errorf("crm: feedback tasks: %w", err)
	}
	r, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return 0, err
	}
	created := 0
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		for _, c := range rows {
			mid := int64(0)
			if c.MemberID != nil {
				mid = *c.MemberID
			} else if err := tx.Raw("SELECT COALESCE(MIN(id), 0) FROM members WHERE family_id = ?", c.FamilyID).Scan(&mid).Error; err != nil {
				return err
			}
			if mid == 0 {
				continue
			}
			m, err := loadMember(ctx, tx, mid)
			if err != nil {
				return err
			}
			who, err := homeroomOf(ctx, tx, m.ClassID)
			if err != nil {
				return err
			}
			due := c.CreatedAt.Add(time.Duration(cfg.FeedbackHours) * time.Hour).In(r.Location())
			ok, err := insertTask(ctx, tx, &Task{MemberID: mid, CampusID: m.CampusID, Kind: KindFeedbackReply, Role: RoleHomeroom,
				PeriodKey: fmt.Sprintf("complaint:%d", c.ID), AssigneeID: who, DueOn: due.Format(day), DueTime: due.Format("15:04"),
				Status: StatusOpen, Source: fmt.Sprintf("complaint:%d", c.ID), CreatedAt: now.UTC()})
			if ok {
				created++
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return created, err
}

// ReassignToHomeroom gives open homeroom tasks that nobody has, or that the
// previous teacher (from) had, to the current homeroom teacher of the
// child's class (classID 0 = every class): a class that changes teacher
// takes its open follow-ups along, while a service head's own re-assignment
// to someone else stays.
func ReassignToHomeroom(ctx context.Context, tx *gorm.DB, classID, from int64) error {
	q := `UPDATE crm_tasks SET assignee_id = (SELECT t.staff_id FROM crm_class_teachers t JOIN members m ON m.class_id = t.class_id
		WHERE m.id = crm_tasks.member_id)
		WHERE status = ? AND role = ? AND (assignee_id IS NULL OR assignee_id = ?)
		AND member_id IN (SELECT m.id FROM members m JOIN crm_class_teachers t ON t.class_id = m.class_id`
	args := []any{StatusOpen, RoleHomeroom, from}
	if classID != 0 {
		q += ` WHERE m.class_id = ?`
		args = append(args, classID)
	}
	q += `)`
	if err := tx.WithContext(ctx).Exec(q, args...).Error; err != nil {
		return fmt.Errorf("crm: reassign to homeroom: %w", err)
	}
	return nil
}

// SetClassTeacher makes a staff user the homeroom teacher of a class (0
// removes it); the class's open follow-ups move to them.
func SetClassTeacher(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, classID, staffID int64) error {
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := models.GetClass(ctx, tx, classID); err != nil {
			return err
		}
		var old int64
		if err := tx.Raw("SELECT COALESCE(MAX(staff_id), 0) FROM crm_class_teachers WHERE class_id = ?", classID).Scan(&old).Error; err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM crm_class_teachers WHERE class_id = ?", classID).Error; err != nil {
			return err
		}
		if staffID != 0 {
			u, err := models.GetStaff(ctx, tx, staffID)
			if err != nil {
				return models.Invalid(map[string]string{"staff_id": "crm.err.staff_unknown"})
			}
			if u.DisabledAt != nil {
				return models.Invalid(map[string]string{"staff_id": "crm.err.staff_unknown"})
			}
			if err := tx.Exec("INSERT INTO crm_class_teachers (class_id, staff_id, updated_at) VALUES (?, ?, ?)",
				classID, staffID, now.UTC()).Error; err != nil {
				return err
			}
			if err := ReassignToHomeroom(ctx, tx, classID, old); err != nil {
				return err
			}
		}
		return models.Audit(ctx, tx, now, actor, "class.teacher", "class", classID, fmt.Sprintf("staff=%d", staffID))
	})
	if err != nil {
		return fmt.Errorf("crm: class teacher: %w", err)
	}
	return nil
}

// ClassTeachers maps class id → homeroom teacher id.
func ClassTeachers(ctx context.Context, db *gorm.DB) (map[int64]int64, error) {
	var rows []struct{ ClassID, StaffID int64 }
	if err := db.WithContext(ctx).Raw("SELECT class_id, staff_id FROM crm_class_teachers").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("crm: class teachers: %w", err)
	}
	out := map[int64]int64{}
	for _, r := range rows {
		out[r.ClassID] = r.StaffID
	}
	return out, nil
}

// TaskRow is a task with its member's name and class, for lists.
type TaskRow struct {
	Task
	MemberName   string
	ClassName    string
	AssigneeName string
	Grade        string
	Overdue      bool
}

func taskRows(q *gorm.DB, today string) ([]TaskRow, error) {
	var out []TaskRow
	err := q.Select(`t.*, m.name AS member_name, COALESCE(cl.name, '') AS class_name, COALESCE(s.name, '') AS assignee_name,
		m.grade`).
		Joins("JOIN members m ON m.id = t.member_id").
		Joins("LEFT JOIN classes cl ON cl.id = m.class_id").
		Joins("LEFT JOIN staff_users s ON s.id = t.assignee_id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("crm: tasks: %w", err)
	}
	for i := range out {
		out[i].Overdue = out[i].Status == StatusOpen && out[i].DueOn < today
	}
	return out, nil
}

// Today is now's date in the school's time zone, as YYYY-MM-DD.
func Today(now time.Time, loc *time.Location) string { return now.In(loc).Format(day) }

// MyTasks are a staff user's open tasks: overdue, due today and upcoming
// (the next 14 days), each oldest first.
type MyTasks struct {
	Overdue, Today, Upcoming []TaskRow
}

// TasksFor lists a staff user's open tasks around today.
func TasksFor(ctx context.Context, db *gorm.DB, now time.Time, loc *time.Location, staffID int64) (MyTasks, error) {
	today := Today(now, loc)
	until := schoolDay(now, loc).AddDate(0, 0, 14).Format(day)
	rows, err := taskRows(db.WithContext(ctx).Table("crm_tasks t").Where("t.assignee_id = ? AND t.status = ? AND t.due_on <= ?",
		staffID, StatusOpen, until).Order("t.due_on, t.id"), today)
	if err != nil {
		return MyTasks{}, err
	}
	var out MyTasks
	for _, r := range rows {
		switch {
		case r.DueOn < today:
			out.Overdue = append(out.Overdue, r)
		case r.DueOn == today:
			out.Today = append(out.Today, r)
		default:
			out.Upcoming = append(out.Upcoming, r)
		}
	}
	return out, nil
}

// MemberTasks lists a member's tasks, newest due first.
func MemberTasks(ctx context.Context, db *gorm.DB, u *models.StaffUser, memberID int64, limit int) ([]Task, error) {
	if err := models.CheckMemberAccess(ctx, db, u, memberID); err != nil {
		return nil, err
	}
	out := []Task{}
	if err := db.WithContext(ctx).Where("member_id = ?", memberID).Order("due_on DESC, id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("crm: member tasks: %w", err)
	}
	return out, nil
}

// GetTask loads a task a staff user may see.
func GetTask(ctx context.Context, db *gorm.DB, u *models.StaffUser, id int64) (*TaskRow, error) {
	rows, err := taskRows(db.WithContext(ctx).Table("crm_tasks t").Where("t.id = ?", id), "")
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || (u != nil && !u.CanSeeCampus(rows[0].CampusID)) {
		return nil, models.ErrNotFound
	}
	return &rows[0], nil
}

// mayWork reports whether u may complete or re-plan a task: its assignee,
// or a manager of its campus, a service head or an admin.
func mayWork(u *models.StaffUser, t *Task) bool {
	if u == nil {
		return true
	}
	if !u.CanSeeCampus(t.CampusID) {
		return false
	}
	switch u.Role {
	case models.RoleAdmin, models.RoleServiceHead, models.RoleCampusManager:
		return true
	}
	return t.AssigneeID != nil && *t.AssigneeID == u.ID
}

func validOutcome(outcome, note string) map[string]string {
	f := map[string]string{}
	if strings.TrimSpace(outcome) == "" {
		f["outcome"] = "err.required"
	} else if utf8.RuneCountInString(outcome) > 200 {
		f["outcome"] = "crm.err.too_long"
	}
	if utf8.RuneCountInString(note) > 500 {
		f["note"] = "crm.err.too_long"
	}
	return f
}

// completeTask closes an open task inside tx.
func completeTask(ctx context.Context, tx *gorm.DB, now time.Time, actor models.Actor, u *models.StaffUser, id int64, outcome, note string) (*Task, error) {
	var t Task
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Take(&t, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("crm: complete task: %w", err)
	}
	if u != nil && !u.CanSeeCampus(t.CampusID) {
		return nil, models.ErrNotFound
	}
	if !mayWork(u, &t) {
		return nil, ErrNotYours
	}
	if t.Status != StatusOpen {
		return nil, ErrTaskClosed
	}
	at := now.UTC()
	t.Status, t.Outcome, t.Note, t.DoneAt = StatusDone, strings.TrimSpace(outcome), strings.TrimSpace(note), &at
	if u != nil {
		t.DoneBy = &u.ID
	}
	if err := tx.WithContext(ctx).Model(&Task{}).Where("id = ? AND status = ?", t.ID, StatusOpen).Updates(map[string]any{
		"status": t.Status, "outcome": t.Outcome, "note": t.Note, "done_at": at, "done_by": t.DoneBy}).Error; err != nil {
		return nil, fmt.Errorf("crm: complete task: %w", err)
	}
	if err := models.Audit(ctx, tx, now, actor, "task.complete", "task", t.ID, truncate(t.Outcome, 200)); err != nil {
		return nil, err
	}
	return &t, nil
}

// CompleteTask closes a task with its outcome (an optional note): only its
// assignee or a manager may; a closed task is 409.
func CompleteTask(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, u *models.StaffUser, id int64, outcome, note string) (*Task, error) {
	if f := validOutcome(outcome, note); len(f) > 0 {
		return nil, models.Invalid(f)
	}
	var t *Task
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		t, err = completeTask(ctx, tx, now, actor, u, id, outcome, note)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("crm: complete task: %w", err)
	}
	return t, nil
}

// Reassign hands open tasks to another staff user (the service head's bulk
// re-assignment). It returns how many moved.
func Reassign(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, u *models.StaffUser, ids []int64, to int64) (int64, error) {
	if len(ids) == 0 {
		return 0, models.Invalid(map[string]string{"ids": "crm.err.none_selected"})
	}
	target, err := models.GetStaff(ctx, db.R, to)
	if err != nil || target.DisabledAt != nil {
		return 0, models.Invalid(map[string]string{"to": "crm.err.staff_unknown"})
	}
	var n int64
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&Task{}).Where("id IN ? AND status = ?", ids, StatusOpen)
		if scope := models.StaffCampusScope(u); scope != nil {
			q = q.Where("campus_id IN ?", scope)
		}
		res := q.Update("assignee_id", to)
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return models.Audit(ctx, tx, now, actor, "task.reassign", "staff", to, fmt.Sprintf("tasks=%d", n))
	})
	if err != nil {
		return 0, fmt.Errorf("crm: reassign: %w", err)
	}
	return n, nil
}

// StaffStats is one line of the service head's board: a staff member's
// tasks due in a week.
type StaffStats struct {
	StaffID  int64
	Name     string
	Due      int64 // due in the week
	Done     int64 // of those, done
	OnTime   int64 // of those, done by their due date
	Overdue  int64 // open and past due today (any week)
	Open     int64 // open, all
	RatePct  int64 // Done*100/Due
	OnTimePc int64
}

// Board computes per staff member, for the week starting on weekStart
// (a date), the tasks due, done, done on time, and the overdue count now.
func Board(ctx context.Context, db *gorm.DB, now time.Time, loc *time.Location, u *models.StaffUser, weekStart time.Time) ([]StaffStats, error) {
	from, to := weekStart.Format(day), weekStart.AddDate(0, 0, 7).Format(day)
	today := Today(now, loc)
	q := db.WithContext(ctx).Table("crm_tasks t").Select(`t.assignee_id AS staff_id, COALESCE(s.name, '') AS name,
		SUM(CASE WHEN t.due_on >= ? AND t.due_on < ? AND t.status <> ? THEN 1 ELSE 0 END) AS due,
		SUM(CASE WHEN t.due_on >= ? AND t.due_on < ? AND t.status = ? THEN 1 ELSE 0 END) AS done,
		SUM(CASE WHEN t.status = ? AND t.due_on < ? THEN 1 ELSE 0 END) AS overdue,
		SUM(CASE WHEN t.status = ? THEN 1 ELSE 0 END) AS open`,
		from, to, StatusSkipped, from, to, StatusDone, StatusOpen, today, StatusOpen).
		Joins("LEFT JOIN staff_users s ON s.id = t.assignee_id").Group("t.assignee_id, s.name").Order("s.name")
	if scope := models.StaffCampusScope(u); scope != nil {
		q = q.Where("t.campus_id IN ?", scope)
	}
	var out []StaffStats
	if err := q.Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("crm: board: %w", err)
	}
	// On time: done no later than the due day (school time). Done rows of the
	// week are few; count them here rather than in dialect-specific SQL.
	var done []struct {
		AssigneeID *int64
		DueOn      string
		DoneAt     time.Time
	}
	dq := db.WithContext(ctx).Table("crm_tasks").Select("assignee_id, due_on, done_at").
		Where("status = ? AND due_on >= ? AND due_on < ?", StatusDone, from, to)
	if scope := models.StaffCampusScope(u); scope != nil {
		dq = dq.Where("campus_id IN ?", scope)
	}
	if err := dq.Scan(&done).Error; err != nil {
		return nil, fmt.Errorf("crm: board: %w", err)
	}
	onTime := map[int64]int64{}
	for _, d := range done {
		if d.DoneAt.In(loc).Format(day) <= d.DueOn {
			var id int64
			if d.AssigneeID != nil {
				id = *d.AssigneeID
			}
			onTime[id]++
		}
	}
	for i := range out {
		out[i].OnTime = onTime[out[i].StaffID]
		if out[i].Due > 0 {
			out[i].RatePct = out[i].Done * 100 / out[i].Due
			out[i].OnTimePc = out[i].OnTime * 100 / out[i].Due
		}
	}
	return out, nil
}

// BoardTasks lists open tasks for the board (overdue first), optionally of
// one assignee (-1 = unassigned, 0 = everyone).
func BoardTasks(ctx context.Context, db *gorm.DB, now time.Time, loc *time.Location, u *models.StaffUser, assignee int64, limit int) ([]TaskRow, error) {
	q := db.WithContext(ctx).Table("crm_tasks t").Where("t.status = ?", StatusOpen)
	switch {
	case assignee > 0:
		q = q.Where("t.assignee_id = ?", assignee)
	case assignee < 0:
		q = q.Where("t.assignee_id IS NULL")
	}
	if scope := models.StaffCampusScope(u); scope != nil {
		q = q.Where("t.campus_id IN ?", scope)
	}
	return taskRows(q.Order("t.due_on, t.id").Limit(limit), Today(now, loc))
}

// WeekStart is the Monday of now's week (school time), as a date.
func WeekStart(now time.Time, loc *time.Location) time.Time {
	d := schoolDay(now, loc)
	wd := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -wd)
}

// OpenTask lets another area open a follow-up inside its own transaction
// (courses: a renewal when few class hours are left; care: a low survey
// score), for the child's homeroom teacher. periodKey makes it idempotent
// per member and kind (e.g. "package:12"); it returns whether it was created.
func OpenTask(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64, kind, dueOn, periodKey, note string) (bool, error) {
	if !contains(TaskKinds, kind) {
		return false, models.Invalid(map[string]string{"kind": "crm.err.task_kind"})
	}
	if _, err := time.Parse(day, dueOn); err != nil {
		return false, models.Invalid(map[string]string{"due_on": "crm.err.next_on"})
	}
	m, err := loadMember(ctx, tx, memberID)
	if err != nil {
		return false, err
	}
	who, err := homeroomOf(ctx, tx, m.ClassID)
	if err != nil {
		return false, err
	}
	return insertTask(ctx, tx, &Task{MemberID: memberID, CampusID: m.CampusID, Kind: kind, Role: RoleHomeroom, PeriodKey: periodKey,
		AssigneeID: who, DueOn: dueOn, Status: StatusOpen, Note: truncate(note, 500), Source: truncate(periodKey, 64),
		CreatedAt: now.UTC()})
}
