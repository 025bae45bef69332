package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
)

func init() {
	// The core calls this in the transaction of every event that changes a
	// member's facts (purchase, refund, guardian, check-in, referral, create).
	models.OnMemberChange(func(ctx context.Context, tx *gorm.DB, now time.Time, e models.MemberEvent) error {
		if e.PaidDelta != 0 {
			if inert, err := paidMoveInert(ctx, tx, now, e); err != nil || inert {
				return err
			}
		}
		_, err := Recompute(ctx, tx, now, e.Actor, e.MemberID, e.Cause, e.Ref)
		return err
	})
	models.RegisterJobs(jobs)
}

// Causes of a grade change.
const (
	CauseOverride = "override"
	CauseNightly  = "nightly"
	CauseRules    = "rules" // the admin changed the scheme and asked to re-grade
)

// eventFacts says which fact types an event can change; an event that
// changes none the active scheme reads is not re-graded.
var eventFacts = map[string][]string{
	"purchase": {FactPaid},
	"refund":   {FactPaid},
	"guardian": {FactPosition, FactEmployer},
	"checkin":  {FactCheckins},
	"referral": {FactReferrals},
}

// GradeChange is one row of a member's grade history.
type GradeChange struct {
	ID        int64
	MemberID  int64
	Scheme    string
	FromGrade string
	ToGrade   string
	Reasons   string
	Cause     string
	Detail    string
	ActorType string
	ActorID   int64
	At        time.Time
}

// TableName maps GradeChange to its table.
func (GradeChange) TableName() string { return "crm_grade_history" }

// ReasonList returns the reasons as a list.
func (g GradeChange) ReasonList() []string { return models.SplitReasons(g.Reasons) }

// Override is a service head's grade override (seed 003: "若销售人员认为需要
// 重点跟进…向上级主管告知").
type Override struct {
	ID        int64
	MemberID  int64
	Grade     string
	Reason    string
	ExpiresAt time.Time
	ActorID   int64
	CreatedAt time.Time
	EndedAt   *time.Time
}

// TableName maps Override to its table.
func (Override) TableName() string { return "crm_grade_overrides" }

type memberRow struct {
	ID           int64
	FamilyID     int64
	CampusID     int64
	ClassID      *int64
	Name         string
	BirthDate    *time.Time
	Lifecycle    string
	Grade        string
	GradeReasons string
	EnrolledOn   string
	ArchivedAt   *time.Time
	CreatedAt    time.Time
}

func loadMember(ctx context.Context, tx *gorm.DB, id int64) (*memberRow, error) {
	var m memberRow
	err := tx.WithContext(ctx).Raw(`SELECT id, family_id, campus_id, class_id, name, birth_date, lifecycle, grade,
		grade_reasons, enrolled_on, archived_at, created_at FROM members WHERE id = ?`, id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("crm: member: %w", err)
	}
	return &m, nil
}

// schoolDay is t's date in the school's time zone, as midnight UTC of that
// date (so that AddDate works on calendar dates).
func schoolDay(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// LoadFacts reads what the scheme needs to grade a member at now.
func LoadFacts(ctx context.Context, tx *gorm.DB, now time.Time, r models.Rules, s Scheme, m *memberRow) (Facts, error) {
	loc := r.Location()
	f := Facts{Today: schoolDay(now, loc), Numbers: map[string]int64{}}
	if m.EnrolledOn != "" {
		if t, err := time.Parse("2006-01-02", m.EnrolledOn); err == nil {
			f.EnrolledOn = t
		}
	}
	if f.EnrolledOn.IsZero() {
		f.EnrolledOn = schoolDay(m.CreatedAt, loc)
	}
	db := tx.WithContext(ctx)
	if s.Uses(FactPosition, FactEmployer) {
		var gs []struct{ EmployerType, PositionLevel string }
		if err := db.Raw("SELECT employer_type, position_level FROM guardians WHERE family_id = ?", m.FamilyID).
			Scan(&gs).Error; err != nil {
			return f, fmt.Errorf("crm: facts: %w", err)
		}
		for _, g := range gs {
			if g.EmployerType != "" {
				f.EmployerTypes = append(f.EmployerTypes, g.EmployerType)
			}
			if g.PositionLevel != "" {
				f.PositionLevels = append(f.PositionLevels, g.PositionLevel)
			}
		}
	}
	for _, c := range s.Conditions() {
		key := c.FactKey()
		if _, done := f.Numbers[key]; done || c.Coded() || c.Type == FactTenure {
			continue
		}
		var v int64
		var err error
		switch c.Type {
		case FactPaid:
			// Net paid on the school days after the one Window months ago
			// (the same day table the tier window reads).
			from := paidFrom(r, now, c)
			err = db.Raw("SELECT COALESCE(SUM(amount), 0) FROM member_spend_days WHERE member_id = ? AND day > ?",
				m.ID, from).Scan(&v).Error
		case FactReferrals:
			err = db.Raw("SELECT COUNT(*) FROM referrals WHERE referrer_member_id = ? AND status <> ?",
				m.ID, models.ReferralInvited).Scan(&v).Error
		case FactCheckins:
			from := f.Today.AddDate(0, 0, -c.Window+1).Format("2006-01-02")
			err = db.Raw(`SELECT COUNT(*) FROM (SELECT local_day AS d FROM checkins WHERE member_id = ? AND kind = ? AND local_day >= ?
				UNION SELECT day AS d FROM crm_roll_calls WHERE member_id = ? AND status = ? AND day >= ?) x`,
				m.ID, models.CheckinArrival, from, m.ID, RollPresent, from).Scan(&v).Error
		case FactComplaints:
			err = db.Raw("SELECT COUNT(*) FROM complaints WHERE family_id = ? AND kind = ? AND created_at >= ?",
				m.FamilyID, "complaint", now.UTC().AddDate(0, -c.Window, 0)).Scan(&v).Error
		default:
			if p := provider(c.Type); p != nil {
				v, err = p(ctx, tx, now, m.ID, c)
			}
		}
		if err != nil {
			return f, fmt.Errorf("crm: facts %s: %w", key, err)
		}
		f.Numbers[key] = v
	}
	return f, nil
}

func activeOverride(ctx context.Context, tx *gorm.DB, memberID int64, now time.Time) (*Override, error) {
	var o Override
	err := tx.WithContext(ctx).Where("member_id = ? AND ended_at IS NULL AND expires_at > ?", memberID, now.UTC()).
		Order("id DESC").Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("crm: override: %w", err)
	}
	return &o, nil
}

// Recompute re-grades a member inside tx: the active scheme on the facts
// of now, unless an override is in force. A changed grade is written with
// its history and an audit entry, and the new grade's plan gets its first
// tasks in the same transaction. It returns whether the grade changed.
// An event that cannot affect the scheme's conditions changes nothing.
func Recompute(ctx context.Context, tx *gorm.DB, now time.Time, actor models.Actor, memberID int64, cause, ref string) (bool, error) {
	cfg, err := LoadConfig(ctx, tx, now)
	if err != nil {
		return false, err
	}
	s := cfg.Scheme()
	if types, ok := eventFacts[cause]; ok && !s.Uses(types...) {
		return false, nil
	}
	r, err := models.LoadRules(ctx, tx, now)
	if err != nil {
		return false, err
	}
	m, err := loadMember(ctx, tx, memberID)
	if err != nil {
		return false, err
	}
	return regrade(ctx, tx, now, actor, cfg, r, m, cause, ref)
}

func regrade(ctx context.Context, tx *gorm.DB, now time.Time, actor models.Actor, cfg Config, r models.Rules, m *memberRow,
	cause, ref string) (bool, error) {
	s := cfg.Scheme()
	f, err := LoadFacts(ctx, tx, now, r, s, m)
	if err != nil {
		return false, err
	}
	res := Evaluate(s, f)
	o, err := activeOverride(ctx, tx, m.ID, now)
	if err != nil {
		return false, err
	}
	if o != nil && s.Has(o.Grade) {
		res = Result{Grade: o.Grade, Reasons: []string{CauseOverride}}
		if cause != CauseOverride {
			cause, ref = CauseOverride, fmt.Sprintf("override:%d", o.ID)
		}
	}
	reasons := JoinReasons(res.Reasons)
	if res.Grade == m.Grade && reasons == m.GradeReasons {
		return false, nil
	}
	if err := tx.WithContext(ctx).Exec("UPDATE members SET grade = ?, grade_reasons = ? WHERE id = ?",
		res.Grade, reasons, m.ID).Error; err != nil {
		return false, fmt.Errorf("crm: set grade: %w", err)
	}
	if res.Grade == m.Grade {
		return false, nil // the same grade for other reasons: no history, no tasks
	}
	h := GradeChange{MemberID: m.ID, Scheme: s.Code, FromGrade: m.Grade, ToGrade: res.Grade, Reasons: reasons,
		Cause: cause, Detail: truncate(ref, 255), ActorType: orSystem(actor.Type), ActorID: actor.ID, At: now.UTC()}
	if err := tx.WithContext(ctx).Create(&h).Error; err != nil {
		return false, fmt.Errorf("crm: grade history: %w", err)
	}
	if err := models.Emit(ctx, tx, models.DomainEvent{Type: models.EventGradeChanged, At: now, CampusID: m.CampusID, MemberID: m.ID, ObjectID: h.ID, Actor: actor, Object: map[string]any{"member_id": m.ID, "scheme": s.Code, "from": m.Grade, "to": res.Grade, "grade_reasons": res.Reasons, "cause": cause}}); err != nil {
		return false, err
	}
	if err := models.Audit(ctx, tx, now, actor, "member.grade", "member", m.ID,
		fmt.Sprintf("%s→%s cause=%s reasons=%s %s", m.Grade, res.Grade, cause, reasons, ref)); err != nil {
		return false, err
	}
	m.Grade = res.Grade
	if m.ArchivedAt == nil {
		if _, err := planMember(ctx, tx, now, cfg, r.Location(), m, true); err != nil {
			return false, err
		}
	}
	return true, nil
}

func orSystem(t string) string {
	if t == "" {
		return "system"
	}
	return t
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Override errors.
var (
	ErrBadOverride = models.NewError(models.KindInvalid, "bad-grade-override", "crm.err.override")
)

// SetOverride records a service head's grade override with a reason and an
// expiry and re-grades the member at once; every override is history.
func SetOverride(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, u *models.StaffUser, memberID int64,
	grade, reason string, expires time.Time) error {
	reason = strings.TrimSpace(reason)
	f := map[string]string{}
	if reason == "" {
		f["reason"] = "err.required"
	} else if utf8.RuneCountInString(reason) > 200 {
		f["reason"] = "crm.err.too_long"
	}
	if !expires.After(now) {
		f["expires_on"] = "crm.err.override_expiry"
	}
	cfg, err := LoadConfig(ctx, db.R, now)
	if err != nil {
		return err
	}
	if !cfg.Scheme().Has(grade) {
		f["grade"] = "crm.err.grade_code"
	}
	if len(f) > 0 {
		return models.Invalid(f)
	}
	if err := models.CheckMemberAccess(ctx, db.R, u, memberID); err != nil {
		return err
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		now := now.UTC()
		if err := tx.Exec("UPDATE crm_grade_overrides SET ended_at = ? WHERE member_id = ? AND ended_at IS NULL",
			now, memberID).Error; err != nil {
			return err
		}
		o := Override{MemberID: memberID, Grade: grade, Reason: reason, ExpiresAt: expires.UTC(), ActorID: actor.ID, CreatedAt: now}
		if err := tx.Create(&o).Error; err != nil {
			return err
		}
		if err := models.Audit(ctx, tx, now, actor, "member.grade_override", "member", memberID,
			fmt.Sprintf("grade=%s until=%s reason=%s", grade, expires.UTC().Format(time.RFC3339), reason)); err != nil {
			return err
		}
		_, err := Recompute(ctx, tx, now, actor, memberID, CauseOverride, fmt.Sprintf("override:%d %s", o.ID, reason))
		return err
	})
	if err != nil {
		return fmt.Errorf("crm: override: %w", err)
	}
	return nil
}

// EndOverride ends a member's override now and re-grades by the rules.
func EndOverride(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, u *models.StaffUser, memberID int64) error {
	if err := models.CheckMemberAccess(ctx, db.R, u, memberID); err != nil {
		return err
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE crm_grade_overrides SET ended_at = ? WHERE member_id = ? AND ended_at IS NULL", now.UTC(), memberID)
		if res.Error != nil {
			return res.Error
		}
		if err := models.Audit(ctx, tx, now, actor, "member.grade_override_end", "member", memberID, ""); err != nil {
			return err
		}
		_, err := Recompute(ctx, tx, now, actor, memberID, "override_end", "")
		return err
	})
	if err != nil {
		return fmt.Errorf("crm: end override: %w", err)
	}
	return nil
}

// ActiveOverride returns the member's override in force, if any.
func ActiveOverride(ctx context.Context, db *gorm.DB, now time.Time, memberID int64) (*Override, error) {
	return activeOverride(ctx, db, memberID, now)
}

// History lists a member's grade changes, newest first.
func History(ctx context.Context, db *gorm.DB, memberID int64, limit int) ([]GradeChange, error) {
	var out []GradeChange
	if err := db.WithContext(ctx).Where("member_id = ?", memberID).Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("crm: grade history: %w", err)
	}
	return out, nil
}

// RecomputeAll re-grades every current member (the nightly run: tenure moves
// with the calendar, windows slide, overrides expire). Each member is its
// own short transaction. It returns how many grades changed.
func RecomputeAll(ctx context.Context, db *models.DB, now time.Time, cause string) (int, error) {
	cfg, err := LoadConfig(ctx, db.R, now)
	if err != nil {
		return 0, err
	}
	r, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return 0, err
	}
	changed := 0
	var after int64
	for {
		var ids []int64
		if err := db.R.WithContext(ctx).Raw(`SELECT id FROM members WHERE archived_at IS NULL AND id > ? ORDER BY id LIMIT 500`,
			after).Scan(&ids).Error; err != nil {
			return changed, fmt.Errorf("crm: recompute all: %w", err)
		}
		if len(ids) == 0 {
			return changed, nil
		}
		for _, id := range ids {
			if ctx.Err() != nil {
				return changed, ctx.Err()
			}
			err := db.Tx(ctx, func(tx *gorm.DB) error {
				m, err := loadMember(ctx, tx, id)
				if err != nil {
					return err
				}
				ok, err := regrade(ctx, tx, now, models.Actor{Type: "system"}, cfg, r, m, cause, "")
				if ok {
					changed++
				}
				return err
			})
			if err != nil {
				return changed, fmt.Errorf("crm: recompute member %d: %w", id, err)
			}
		}
		after = ids[len(ids)-1]
	}
}

// GradeCount is the number of current members of a grade.
type GradeCount struct {
	Grade string
	N     int64
}

// Distribution counts current members by grade (campus 0 = all the user sees).
func Distribution(ctx context.Context, db *gorm.DB, u *models.StaffUser, campusID int64) ([]GradeCount, int64, error) {
	q := db.WithContext(ctx).Table("members").Select("grade, COUNT(*) AS n").Where("archived_at IS NULL")
	if scope := models.StaffCampusScope(u); scope != nil {
		q = q.Where("campus_id IN ?", scope)
	}
	if campusID != 0 {
		q = q.Where("campus_id = ?", campusID)
	}
	var rows []GradeCount
	if err := q.Group("grade").Scan(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("crm: distribution: %w", err)
	}
	var total int64
	for _, r := range rows {
		total += r.N
	}
	return rows, total, nil
}

// Movement is a grade change with the member's name, for the service head.
type Movement struct {
	GradeChange
	Name string
	Up   bool
}

// Movements lists grade changes since from (e.g. this month), newest first;
// Up says the member moved to a higher grade of the active scheme.
func Movements(ctx context.Context, db *gorm.DB, now time.Time, u *models.StaffUser, from time.Time, limit int) ([]Movement, error) {
	cfg, err := LoadConfig(ctx, db, now)
	if err != nil {
		return nil, err
	}
	s := cfg.Scheme()
	q := db.WithContext(ctx).Table("crm_grade_history h").Select("h.*, m.name").
		Joins("JOIN members m ON m.id = h.member_id").Where("h.at >= ?", from.UTC())
	if scope := models.StaffCampusScope(u); scope != nil {
		q = q.Where("m.campus_id IN ?", scope)
	}
	var out []Movement
	if err := q.Order("h.id DESC").Limit(limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("crm: movements: %w", err)
	}
	for i := range out {
		fr, to := s.Rank(out[i].FromGrade), s.Rank(out[i].ToGrade)
		out[i].Up = to >= 0 && (fr < 0 || to < fr)
	}
	return out, nil
}

// SetGuardianWork records a guardian's coded employer type and position
// level (and the free-text occupation/position) and re-grades the family's
// children in the same transaction.
func SetGuardianWork(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, u *models.StaffUser, guardianID int64,
	employerType, positionLevel, occupation, position string) error {
	f := map[string]string{}
	if employerType != "" && !contains(models.EmployerTypes, employerType) {
		f["employer_type"] = "crm.err.employer_type"
	}
	if positionLevel != "" && !contains(models.PositionLevels, positionLevel) {
		f["position_level"] = "crm.err.position_level"
	}
	if utf8.RuneCountInString(occupation) > 100 || utf8.RuneCountInString(position) > 100 {
		f["occupation"] = "crm.err.too_long"
	}
	if len(f) > 0 {
		return models.Invalid(f)
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var g models.Guardian
		if err := tx.Take(&g, guardianID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return models.ErrNotFound
			}
			return err
		}
		var campuses []int64
		if err := tx.Raw("SELECT DISTINCT campus_id FROM members WHERE family_id = ?", g.FamilyID).Scan(&campuses).Error; err != nil {
			return err
		}
		seen := len(campuses) == 0
		for _, c := range campuses {
			seen = seen || u == nil || u.CanSeeCampus(c)
		}
		if !seen {
			return models.ErrNotFound
		}
		if err := tx.Model(&models.Guardian{}).Where("id = ?", g.ID).Updates(map[string]any{
			"employer_type": employerType, "position_level": positionLevel, "occupation": strings.TrimSpace(occupation),
			"position": strings.TrimSpace(position), "updated_at": now.UTC()}).Error; err != nil {
			return err
		}
		if err := models.Audit(ctx, tx, now, actor, "guardian.work", "guardian", g.ID,
			fmt.Sprintf("employer=%s position=%s", employerType, positionLevel)); err != nil {
			return err
		}
		return models.FamilyChanged(ctx, tx, now, actor, g.FamilyID, "guardian", models.Ref("guardian", g.ID))
	})
	if err != nil {
		return fmt.Errorf("crm: guardian work: %w", err)
	}
	return nil
}

// GradeMember is a member in a list by grade.
type GradeMember struct {
	ID           int64
	Name         string
	ClassName    string
	CampusName   string
	Grade        string
	GradeReasons string
}

// Reasons returns the condition ids that held.
func (g GradeMember) Reasons() []string { return models.SplitReasons(g.GradeReasons) }

// MembersOfGrade lists current members of a grade (campus 0 = all the user sees).
func MembersOfGrade(ctx context.Context, db *gorm.DB, u *models.StaffUser, grade string, campusID int64, limit int) ([]GradeMember, error) {
	q := db.WithContext(ctx).Table("members m").Select(`m.id, m.name, COALESCE(cl.name, '') AS class_name, p.name AS campus_name,
		m.grade, m.grade_reasons`).Joins("JOIN campuses p ON p.id = m.campus_id").Joins("LEFT JOIN classes cl ON cl.id = m.class_id").
		Where("m.archived_at IS NULL AND m.grade = ?", grade)
	if scope := models.StaffCampusScope(u); scope != nil {
		q = q.Where("m.campus_id IN ?", scope)
	}
	if campusID != 0 {
		q = q.Where("m.campus_id = ?", campusID)
	}
	var out []GradeMember
	if err := q.Order("m.name, m.id").Limit(limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("crm: members of grade: %w", err)
	}
	return out, nil
}

// paidFrom is the school day after which a paid condition sums (the day
// Window months ago).
func paidFrom(r models.Rules, now time.Time, c Condition) int64 {
	return models.SpendDay(r, now.In(r.Location()).AddDate(0, -c.Window, 0))
}

// paidMoveInert reports whether an event that only added e.PaidDelta to the
// member's net paid today (a purchase) leaves every paid condition of the
// active scheme holding or failing as before. Then the grade, set when the
// other facts were what they still are, cannot change, and grading reads
// nothing more: at most the window's sum, and not even that when it is the
// tier window the purchase already summed. Facts that move with the
// calendar alone (tenure, sliding windows) are the nightly re-grade's.
func paidMoveInert(ctx context.Context, tx *gorm.DB, now time.Time, e models.MemberEvent) (bool, error) {
	if types := eventFacts[e.Cause]; len(types) != 1 || types[0] != FactPaid {
		return false, nil
	}
	cfg, err := LoadConfig(ctx, tx, now)
	if err != nil {
		return false, err
	}
	r, err := models.LoadRules(ctx, tx, now)
	if err != nil {
		return false, err
	}
	after := Facts{Numbers: map[string]int64{}}
	before := Facts{Numbers: map[string]int64{}}
	for _, c := range cfg.Scheme().Conditions() {
		if c.Type != FactPaid {
			continue
		}
		key := c.FactKey()
		if _, done := after.Numbers[key]; !done {
			v := e.SpendAfter
			if from := paidFrom(r, now, c); e.SpendSince == 0 || from != e.SpendSince {
				if err := tx.WithContext(ctx).Raw("SELECT COALESCE(SUM(amount), 0) FROM member_spend_days WHERE member_id = ? AND day > ?",
					e.MemberID, from).Scan(&v).Error; err != nil {
					return false, fmt.Errorf("crm: facts %s: %w", key, err)
				}
			}
			after.Numbers[key], before.Numbers[key] = v, v-e.PaidDelta
		}
		if c.Holds(after) != c.Holds(before) {
			return false, nil
		}
	}
	return true, nil
}
