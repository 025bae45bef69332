package care

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
)

// Channels a complaint arrives by; staff record all but the portal's.
var Channels = []string{"phone", "visit", "wechat", "portal", "other"}

// Priorities of a complaint.
var Priorities = []string{"normal", "high"}

// Causes are the root-cause categories counted by the monthly statistics
// (seed 004: the point of handling complaints is to find the problem).
var Causes = []string{"teaching_method", "teacher_conduct", "communication", "service_process", "facility_safety",
	"billing_contract", "schedule", "misunderstanding", "other"}

// Transition targets staff may ask for (the family confirms; the job
// auto-confirms).
var Targets = []string{models.ComplaintInvestigating, models.ComplaintResolved, models.ComplaintArchived}

// Refusals of the workflow.
var (
	ErrIllegalTransition = models.NewError(models.KindConflict, "illegal-transition", "care.err.illegal_transition")
	ErrClosed            = models.NewError(models.KindConflict, "complaint-closed", "care.err.closed")
	ErrNoMember          = models.NewError(models.KindInvalid, "complaint-no-member", "care.err.no_member")
	ErrAlreadyAnswered   = models.NewError(models.KindConflict, "survey-already-answered", "care.err.already_answered")
	ErrSurveyClosed      = models.NewError(models.KindConflict, "survey-closed", "care.err.survey_closed")
)

// Case is a complaint with the workflow's columns.
type Case struct {
	models.Complaint
	Cause            string
	RootCause        string
	CorrectiveAction string
	RecordedBy       int64
	EscalatedAt      *time.Time
	Escalated2At     *time.Time
	AutoConfirmed    bool
	ArchivedAt       *time.Time
}

// TableName maps Case to the core's complaints table.
func (Case) TableName() string { return "complaints" }

// Open reports whether the family still waits for something.
func (c *Case) Open() bool {
	return c.Status != models.ComplaintConfirmed && c.Status != models.ComplaintArchived
}

// Overdue reports whether the first answer is late at now.
func (c *Case) Overdue(now time.Time) bool {
	return c.FirstAnswerAt == nil && c.Open() && now.After(c.FirstAnswerDueAt)
}

// Remaining is the time left to the first-answer deadline (negative when
// late; zero once answered).
func (c *Case) Remaining(now time.Time) time.Duration {
	if c.FirstAnswerAt != nil || !c.Open() {
		return 0
	}
	return c.FirstAnswerDueAt.Sub(now)
}

// Row is a case with the names a list shows.
type Row struct {
	Case
	MemberName string
	CampusName string
	OwnerName  string
	Guardian   string
	Phone      string
}

// Countdown renders the time left as "5h 12m" (or late by, with a minus).
func Countdown(d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	h := int(d / time.Hour)
	m := int((d % time.Hour) / time.Minute)
	s := fmt.Sprintf("%dh %02dm", h, m)
	if neg {
		return "-" + s
	}
	return s
}

// canManage reports whether a role runs the workflow (teachers only reply).
func canManage(u *models.StaffUser) bool {
	return u != nil && (u.Role == models.RoleAdmin || u.Role == models.RoleServiceHead || u.Role == models.RoleCampusManager)
}

// canReply reports whether a role may answer a complaint.
func canReply(u *models.StaffUser) bool {
	return canManage(u) || (u != nil && u.Role == models.RoleTeacher)
}

// scope restricts a query on complaints c to the campuses u sees.
func scope(q *gorm.DB, u *models.StaffUser) *gorm.DB {
	if u.Role.AllCampuses() {
		return q
	}
	ids := u.CampusIDs
	if len(ids) == 0 {
		ids = []int64{-1}
	}
	return q.Where("c.campus_id IN ?", ids)
}

// Filter narrows the queue. Zero values mean any.
type Filter struct {
	Status   string
	Category string
	CampusID int64
	OwnerID  int64
	Overdue  bool
	Open     bool  // only statuses the family still waits on
	Before   int64 // keyset cursor: ids below this
	Limit    int
}

const rowSelect = `c.*, COALESCE(m.name, '') AS member_name, COALESCE(cp.name, '') AS campus_name,
	COALESCE(s.name, '') AS owner_name, COALESCE(g.name, '') AS guardian, COALESCE(g.phone, '') AS phone`

func rowsQuery(ctx context.Context, db *gorm.DB, u *models.StaffUser) *gorm.DB {
	q := db.WithContext(ctx).Table("complaints c").Select(rowSelect).
		Joins("LEFT JOIN members m ON m.id = c.member_id").
		Joins("LEFT JOIN campuses cp ON cp.id = c.campus_id").
		Joins("LEFT JOIN staff_users s ON s.id = c.owner_id").
		Joins("LEFT JOIN guardians g ON g.id = c.guardian_id")
	return scope(q, u)
}

// Queue lists complaints for u: overdue ones first, then those still open by
// deadline, then the rest newest first (web), or by id descending with a
// cursor when f.Before is used (API).
func Queue(ctx context.Context, db *gorm.DB, now time.Time, u *models.StaffUser, f Filter, byID bool) ([]Row, error) {
	if u == nil || !canReply(u) {
		return nil, models.ErrForbidden
	}
	now = now.UTC()
	q := rowsQuery(ctx, db, u)
	if f.Status != "" {
		q = q.Where("c.status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("c.category = ?", f.Category)
	}
	if f.CampusID != 0 {
		q = q.Where("c.campus_id = ?", f.CampusID)
	}
	if f.OwnerID != 0 {
		q = q.Where("c.owner_id = ?", f.OwnerID)
	}
	if f.Open {
		q = q.Where("c.status NOT IN ?", []string{models.ComplaintConfirmed, models.ComplaintArchived})
	}
	if f.Overdue {
		q = q.Where("c.first_answer_at IS NULL AND c.first_answer_due_at < ? AND c.status NOT IN ?", now,
			[]string{models.ComplaintConfirmed, models.ComplaintArchived})
	}
	if f.Before > 0 {
		q = q.Where("c.id < ?", f.Before)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 200
	}
	if byID {
		q = q.Order("c.id DESC")
	} else {
		q = q.Order(gorm.Expr(`CASE WHEN c.first_answer_at IS NULL AND c.first_answer_due_at < ? AND c.status NOT IN ('confirmed', 'archived') THEN 0
			WHEN c.status NOT IN ('confirmed', 'archived') THEN 1 ELSE 2 END, CASE WHEN c.status NOT IN ('confirmed', 'archived') THEN c.first_answer_due_at END, c.id DESC`, now))
	}
	var out []Row
	if err := q.Limit(f.Limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("care: queue: %w", err)
	}
	return out, nil
}

// Get loads one complaint u may see (another campus's is not found).
func Get(ctx context.Context, db *gorm.DB, u *models.StaffUser, id int64) (*Row, error) {
	if u == nil || !canReply(u) {
		return nil, models.ErrForbidden
	}
	var r Row
	if err := rowsQuery(ctx, db, u).Where("c.id = ?", id).Scan(&r).Error; err != nil {
		return nil, fmt.Errorf("care: get: %w", err)
	}
	if r.ID == 0 {
		return nil, models.ErrNotFound
	}
	return &r, nil
}

// Update is a step in the thread, with who wrote it.
type Update struct {
	models.ComplaintUpdate
	ActorName string
}

// Thread lists every update of a complaint (staff see internal notes).
func Thread(ctx context.Context, db *gorm.DB, id int64) ([]Update, error) {
	var out []Update
	err := db.WithContext(ctx).Raw(`SELECT u.*, CASE WHEN u.actor_type = 'staff' THEN COALESCE(s.name, '')
		WHEN u.actor_type = 'guardian' THEN COALESCE(g.name, '') ELSE '' END AS actor_name
		FROM complaint_updates u LEFT JOIN staff_users s ON s.id = u.actor_id AND u.actor_type = 'staff'
		LEFT JOIN guardians g ON g.id = u.actor_id AND u.actor_type = 'guardian'
		WHERE u.complaint_id = ? ORDER BY u.id`, id).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("care: thread: %w", err)
	}
	return out, nil
}

// lock loads a complaint for update inside tx, within u's campuses.
func lock(ctx context.Context, tx *gorm.DB, u *models.StaffUser, id int64) (*Case, error) {
	var c Case
	if err := tx.WithContext(ctx).Raw("SELECT * FROM complaints WHERE id = ?"+forUpdate(tx), id).Scan(&c).Error; err != nil {
		return nil, err
	}
	if c.ID == 0 || (u != nil && !u.CanSeeCampus(c.CampusID)) {
		return nil, models.ErrNotFound
	}
	return &c, nil
}

// NewCase is a complaint staff record on a family's behalf.
type NewCase struct {
	MemberID int64
	Kind     string
	Category string
	Body     string
	Channel  string
	Priority string
}

func (n *NewCase) validate() map[string]string {
	n.Body = strings.TrimSpace(n.Body)
	f := map[string]string{}
	if n.Kind == "" {
		n.Kind = models.ComplaintKindComplaint
	}
	if n.Kind != models.ComplaintKindComplaint && n.Kind != models.ComplaintKindSuggestion {
		f["kind"] = "care.err.kind"
	}
	if !slices.Contains(models.ComplaintCategories, n.Category) {
		f["category"] = "err.portal_complaint_category"
	}
	if l := utf8.RuneCountInString(n.Body); l < models.ComplaintBodyMin || l > models.ComplaintBodyMax {
		f["body"] = "err.portal_complaint_body"
	}
	if n.Channel == "" {
		n.Channel = "phone"
	}
	if !slices.Contains(Channels, n.Channel) {
		f["channel"] = "care.err.channel"
	}
	if n.Priority == "" {
		n.Priority = "normal"
	}
	if !slices.Contains(Priorities, n.Priority) {
		f["priority"] = "care.err.priority"
	}
	if n.MemberID <= 0 {
		f["member_id"] = "care.err.member"
	}
	return f
}

// Record files a complaint received by phone, in person or by WeChat: the
// first-answer clock starts now, the owner comes from the routing rules and
// hears about it at once.
func Record(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, in NewCase) (*Case, error) {
	if !canManage(u) {
		return nil, models.ErrForbidden
	}
	now = now.UTC()
	if f := in.validate(); len(f) > 0 {
		return nil, models.Invalid(f)
	}
	set, err := LoadSettings(ctx, db.R)
	if err != nil {
		return nil, err
	}
	var m struct {
		ID, FamilyID, CampusID int64
	}
	if err := db.R.WithContext(ctx).Raw("SELECT id, family_id, campus_id FROM members WHERE id = ?", in.MemberID).Scan(&m).Error; err != nil {
		return nil, fmt.Errorf("care: record: %w", err)
	}
	if m.ID == 0 || !u.CanSeeCampus(m.CampusID) {
		return nil, models.Invalid(map[string]string{"member_id": "care.err.member"})
	}
	var guardian int64
	db.R.WithContext(ctx).Raw("SELECT id FROM guardians WHERE family_id = ? ORDER BY id LIMIT 1", m.FamilyID).Scan(&guardian)
	mid := m.ID
	c := &Case{Complaint: models.Complaint{FamilyID: m.FamilyID, GuardianID: guardian, MemberID: &mid, CampusID: m.CampusID,
		Kind: in.Kind, Category: in.Category, Body: in.Body, Status: models.ComplaintReceived, Priority: in.Priority,
		Channel: in.Channel, FirstAnswerDueAt: now.Add(time.Duration(set.SLAHours) * time.Hour), CreatedAt: now, UpdatedAt: now},
		RecordedBy: u.ID}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		c.ID = 0
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.ComplaintUpdate{ComplaintID: c.ID, At: now, ActorType: "staff", ActorID: u.ID,
			Status: models.ComplaintReceived, Public: true, Kind: "status"}).Error; err != nil {
			return err
		}
		if err := assign(ctx, tx, now, &c.Complaint); err != nil {
			return err
		}
		if err := models.Emit(ctx, tx, models.DomainEvent{Type: models.EventComplaintCreated, At: now, CampusID: c.CampusID, MemberID: mid, ObjectID: c.ID, Actor: staffActor(u)}); err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, staffActor(u), "complaint.record", "complaint", c.ID,
			fmt.Sprintf("channel=%s category=%s", c.Channel, c.Category))
	})
	if err != nil {
		return nil, fmt.Errorf("care: record: %w", err)
	}
	return c, nil
}

// onSubmitted is the core's hook for portal complaints: owner and alert,
// and the SLA from the settings.
func onSubmitted(ctx context.Context, tx *gorm.DB, now time.Time, c *models.Complaint) error {
	set, err := LoadSettings(ctx, tx)
	if err != nil {
		return err
	}
	if set.SLAHours != DefaultSettings.SLAHours {
		c.FirstAnswerDueAt = c.CreatedAt.Add(time.Duration(set.SLAHours) * time.Hour)
		if err := tx.WithContext(ctx).Model(&models.Complaint{}).Where("id = ?", c.ID).
			Update("first_answer_due_at", c.FirstAnswerDueAt).Error; err != nil {
			return err
		}
	}
	if err := models.Emit(ctx, tx, models.DomainEvent{Type: models.EventComplaintCreated, At: now, CampusID: c.CampusID, ObjectID: c.ID}); err != nil {
		return err
	}
	return assign(ctx, tx, now, c)
}

// Route is an owner rule: complaints of a category (or any: "") at a campus
// (or any: 0) go to a member of staff.
type Route struct {
	ID        int64
	Category  string
	CampusID  int64
	OwnerID   int64
	CreatedAt time.Time
}

// TableName maps Route to its table.
func (Route) TableName() string { return "complaint_routes" }

// OwnerFor picks the owner of a new complaint: the most specific rule, else
// the first active service head, else the first admin.
func OwnerFor(ctx context.Context, tx *gorm.DB, category string, campusID int64) (int64, error) {
	var id int64
	err := tx.WithContext(ctx).Raw(`SELECT r.owner_id FROM complaint_routes r JOIN staff_users s ON s.id = r.owner_id
		WHERE s.disabled_at IS NULL AND r.category IN (?, '') AND r.campus_id IN (?, 0)
		ORDER BY CASE WHEN r.category = '' THEN 1 ELSE 0 END, CASE WHEN r.campus_id = 0 THEN 1 ELSE 0 END LIMIT 1`,
		category, campusID).Scan(&id).Error
	if err != nil || id != 0 {
		return id, err
	}
	err = tx.WithContext(ctx).Raw(`SELECT id FROM staff_users WHERE disabled_at IS NULL AND role IN ('service_head', 'admin')
		ORDER BY CASE WHEN role = 'service_head' THEN 0 ELSE 1 END, id LIMIT 1`).Scan(&id).Error
	return id, err
}

func assign(ctx context.Context, tx *gorm.DB, now time.Time, c *models.Complaint) error {
	owner, err := OwnerFor(ctx, tx, c.Category, c.CampusID)
	if err != nil || owner == 0 {
		return err
	}
	c.OwnerID = owner
	if err := tx.WithContext(ctx).Model(&models.Complaint{}).Where("id = ?", c.ID).Update("owner_id", owner).Error; err != nil {
		return err
	}
	return alert(ctx, tx, now, owner, c, "assigned")
}

func alert(ctx context.Context, tx *gorm.DB, now time.Time, staffID int64, c *models.Complaint, what string) error {
	key := fmt.Sprintf("care:%s:%d:%d", what, c.ID, now.UnixMilli())
	if what != "family_reply" {
		key = fmt.Sprintf("care:%s:%d:%d", what, c.ID, staffID)
	}
	return models.EnqueueStaffNotice(ctx, tx, now, staffID, EventAlert, key,
		map[string]any{"complaint": c.ID, "what": what, "campus_id": c.CampusID})
}

// Assign gives a complaint to another member of staff who works on its
// campus, with an internal note in the thread.
func Assign(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, id, ownerID int64) error {
	if !canManage(u) {
		return models.ErrForbidden
	}
	now = now.UTC()
	owner, err := models.GetStaff(ctx, db.R, ownerID)
	if err != nil || owner.DisabledAt != nil || !canReply(owner) {
		return models.Invalid(map[string]string{"owner_id": "care.err.owner"})
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		c, err := lock(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if !owner.CanSeeCampus(c.CampusID) {
			return models.Invalid(map[string]string{"owner_id": "care.err.owner"})
		}
		if c.Status == models.ComplaintArchived {
			return ErrClosed
		}
		if err := tx.Model(&models.Complaint{}).Where("id = ?", id).
			Updates(map[string]any{"owner_id": ownerID, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.ComplaintUpdate{ComplaintID: id, At: now, ActorType: "staff", ActorID: u.ID,
			Status: c.Status, Note: "→ " + owner.Name, Public: false, Kind: "assign"}).Error; err != nil {
			return err
		}
		if ownerID != u.ID {
			if err := alert(ctx, tx, now, ownerID, &c.Complaint, "assigned"); err != nil {
				return err
			}
		}
		return models.Audit(ctx, tx, now, staffActor(u), "complaint.assign", "complaint", id, "owner="+strconv.FormatInt(ownerID, 10))
	})
}

// notifyFamily queues the complaint-update notice for the family.
func notifyFamily(ctx context.Context, tx *gorm.DB, now time.Time, c *Case, status string, updateID int64) error {
	n := models.Notice{Event: "complaint_update", Data: map[string]any{"status": status, "complaint_id": c.ID},
		DedupeKey: fmt.Sprintf("complaint:%d:u%d", c.ID, updateID)}
	if c.MemberID != nil {
		n.MemberID = *c.MemberID
	} else {
		n.GuardianID = c.GuardianID
	}
	return models.EnqueueNotice(ctx, tx, now, n)
}

func cleanNote(s string, max int) (string, bool) {
	s = strings.TrimSpace(s)
	return s, utf8.RuneCountInString(s) <= max
}

// Reply adds staff words to the thread: a public reply reaches the family
// in the portal and by notice (the first one is the first answer); an
// internal note stays with staff.
func Reply(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, id int64, body string, public bool) (*models.ComplaintUpdate, error) {
	if !canReply(u) {
		return nil, models.ErrForbidden
	}
	now = now.UTC()
	body, ok := cleanNote(body, 2000)
	if body == "" || !ok {
		return nil, models.Invalid(map[string]string{"body": "care.err.reply"})
	}
	var up *models.ComplaintUpdate
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		c, err := lock(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if c.Status == models.ComplaintArchived {
			return ErrClosed
		}
		kind := "note"
		if public {
			kind = "reply"
		}
		up = &models.ComplaintUpdate{ComplaintID: id, At: now, ActorType: "staff", ActorID: u.ID, Status: c.Status,
			Note: body, Public: public, Kind: kind}
		if err := tx.Create(up).Error; err != nil {
			return err
		}
		changes := map[string]any{"updated_at": now}
		if public && c.FirstAnswerAt == nil {
			changes["first_answer_at"] = now
		}
		if err := tx.Model(&models.Complaint{}).Where("id = ?", id).Updates(changes).Error; err != nil {
			return err
		}
		if public {
			if err := notifyFamily(ctx, tx, now, c, "reply", up.ID); err != nil {
				return err
			}
			if err := models.Emit(ctx, tx, models.DomainEvent{Type: models.EventComplaintAnswered, At: now, CampusID: c.CampusID, ObjectID: id, Actor: staffActor(u)}); err != nil {
				return err
			}
		}
		return models.Audit(ctx, tx, now, staffActor(u), "complaint."+kind, "complaint", id, "")
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("care: reply: %w", err)
	}
	return up, nil
}

// Move asks for a transition.
type Move struct {
	To               string
	Note             string
	Cause            string
	RootCause        string
	CorrectiveAction string
}

// allowed are the moves staff may make: from → to.
var allowed = map[string][]string{
	models.ComplaintReceived:      {models.ComplaintInvestigating},
	models.ComplaintInvestigating: {models.ComplaintResolved},
	models.ComplaintResolved:      {models.ComplaintInvestigating}, // reopened before the family confirms
	models.ComplaintConfirmed:     {models.ComplaintArchived},
}

// CanMove reports whether staff may move a complaint from one status to another.
func CanMove(from, to string) bool { return slices.Contains(allowed[from], to) }

// Transition moves a complaint. Resolving needs a note for the family (it
// counts as the first answer if none was given); archiving needs the root
// cause and the corrective action. Any other move is a 409.
func Transition(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, id int64, mv Move) (*Case, error) {
	if !canManage(u) {
		return nil, models.ErrForbidden
	}
	now = now.UTC()
	if !slices.Contains(Targets, mv.To) {
		return nil, models.Invalid(map[string]string{"to": "care.err.target"})
	}
	note, ok := cleanNote(mv.Note, 2000)
	f := map[string]string{}
	if !ok {
		f["note"] = "care.err.reply"
	}
	mv.RootCause, _ = cleanNote(mv.RootCause, 1000)
	mv.CorrectiveAction, _ = cleanNote(mv.CorrectiveAction, 1000)
	var out *Case
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		c, err := lock(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if !CanMove(c.Status, mv.To) {
			return ErrIllegalTransition.With(c.Status, mv.To)
		}
		changes := map[string]any{"status": mv.To, "updated_at": now}
		public := true
		switch mv.To {
		case models.ComplaintResolved:
			if note == "" {
				f["note"] = "care.err.resolution"
			}
			changes["resolved_at"] = now
			if c.FirstAnswerAt == nil {
				changes["first_answer_at"] = now
			}
		case models.ComplaintArchived:
			if !slices.Contains(Causes, mv.Cause) {
				f["cause"] = "care.err.cause"
			}
			if utf8.RuneCountInString(mv.RootCause) < 2 {
				f["root_cause"] = "care.err.root_cause"
			}
			if utf8.RuneCountInString(mv.CorrectiveAction) < 2 {
				f["corrective_action"] = "care.err.corrective_action"
			}
			changes["archived_at"] = now
			changes["cause"], changes["root_cause"], changes["corrective_action"] = mv.Cause, mv.RootCause, mv.CorrectiveAction
			public = false
		}
		if len(f) > 0 {
			return models.Invalid(f)
		}
		if mv.To == models.ComplaintInvestigating && note != "" && c.FirstAnswerAt == nil {
			changes["first_answer_at"] = now
		}
		if err := tx.Model(&models.Complaint{}).Where("id = ?", id).Updates(changes).Error; err != nil {
			return err
		}
		if mv.To == models.ComplaintResolved {
			if err := models.Emit(ctx, tx, models.DomainEvent{Type: models.EventComplaintResolved, At: now, CampusID: c.CampusID, ObjectID: id, Actor: staffActor(u)}); err != nil {
				return err
			}
		}
		up := models.ComplaintUpdate{ComplaintID: id, At: now, ActorType: "staff", ActorID: u.ID, Status: mv.To,
			Note: note, Public: public, Kind: "status"}
		if mv.To == models.ComplaintArchived {
			up.Note = strings.TrimSpace(note + "\n" + mv.RootCause + " → " + mv.CorrectiveAction)
		}
		if err := tx.Create(&up).Error; err != nil {
			return err
		}
		if mv.To != models.ComplaintArchived {
			if err := notifyFamily(ctx, tx, now, c, mv.To, up.ID); err != nil {
				return err
			}
		}
		if mv.To == models.ComplaintResolved && c.Kind == models.ComplaintKindComplaint {
			if err := csatFor(ctx, tx, now, c); err != nil {
				return err
			}
		}
		if err := models.Audit(ctx, tx, now, staffActor(u), "complaint."+mv.To, "complaint", id, mv.Cause); err != nil {
			return err
		}
		out = &Case{}
		return tx.Raw("SELECT * FROM complaints WHERE id = ?", id).Scan(out).Error
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("care: transition: %w", err)
	}
	return out, nil
}

// FamilyReply is the parent answering back in the portal thread; the owner
// is alerted.
func FamilyReply(ctx context.Context, db *models.DB, now time.Time, p *models.GuardianPrincipal, ip string, id int64, body string) error {
	now = now.UTC()
	body, ok := cleanNote(body, 2000)
	return db.Tx(ctx, func(tx *gorm.DB) error {
		var c Case
		if err := tx.WithContext(ctx).Raw("SELECT * FROM complaints WHERE id = ? AND family_id IN ?"+forUpdate(tx), id, p.FamilyIDs).
			Scan(&c).Error; err != nil {
			return err
		}
		if c.ID == 0 {
			return models.ErrNotFound // before judging the words: another family's id says nothing
		}
		if body == "" || !ok {
			return models.Invalid(map[string]string{"reply": "care.err.reply"})
		}
		if c.Status == models.ComplaintArchived {
			return ErrClosed
		}
		gid := p.GuardianID()
		for _, g := range p.Guardians {
			if g.FamilyID == c.FamilyID {
				gid = g.ID
			}
		}
		if err := tx.Create(&models.ComplaintUpdate{ComplaintID: id, At: now, ActorType: "guardian", ActorID: gid,
			Status: c.Status, Note: body, Public: true, Kind: "reply"}).Error; err != nil {
			return err
		}
		if err := tx.Model(&models.Complaint{}).Where("id = ?", id).Update("updated_at", now).Error; err != nil {
			return err
		}
		if c.OwnerID != 0 {
			if err := alert(ctx, tx, now, c.OwnerID, &c.Complaint, "family_reply"); err != nil {
				return err
			}
		}
		return models.Audit(ctx, tx, now, p.Actor(ip), "complaint.family_reply", "complaint", id, "")
	})
}

// Escalate alerts campus managers about complaints past their first-answer
// deadline, and admins (the principal's line, seed 004) about those still
// unanswered Escalate2Hours later. Each level is claimed with a conditional
// update, so two instances never alert twice.
func Escalate(ctx context.Context, db *models.DB, now time.Time) (int, error) {
	now = now.UTC()
	set, err := LoadSettings(ctx, db.R)
	if err != nil {
		return 0, err
	}
	open := []string{models.ComplaintConfirmed, models.ComplaintArchived}
	n := 0
	for level, col := range []string{"escalated_at", "escalated2_at"} {
		limit := now
		if level == 1 {
			limit = now.Add(-time.Duration(set.Escalate2Hours) * time.Hour)
		}
		var ids []int64
		if err := db.R.WithContext(ctx).Raw(`SELECT id FROM complaints WHERE first_answer_at IS NULL AND status NOT IN ?
			AND first_answer_due_at <= ? AND `+col+` IS NULL ORDER BY id LIMIT 500`, open, limit).Scan(&ids).Error; err != nil {
			return n, fmt.Errorf("care: escalate: %w", err)
		}
		for _, id := range ids {
			err := db.Tx(ctx, func(tx *gorm.DB) error {
				res := tx.Exec("UPDATE complaints SET "+col+" = ? WHERE id = ? AND "+col+" IS NULL AND first_answer_at IS NULL", now, id)
				if res.Error != nil || res.RowsAffected == 0 {
					return res.Error
				}
				var c models.Complaint
				if err := tx.Where("id = ?", id).Take(&c).Error; err != nil {
					return err
				}
				var staff []int64
				what := "overdue"
				if level == 0 {
					tx.Raw(`SELECT s.id FROM staff_users s JOIN staff_campuses sc ON sc.user_id = s.id
						WHERE s.role = 'campus_manager' AND s.disabled_at IS NULL AND sc.campus_id = ? ORDER BY s.id`, c.CampusID).Scan(&staff)
				} else {
					what = "principal"
					tx.Raw(`SELECT id FROM staff_users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id`).Scan(&staff)
				}
				for _, s := range staff {
					if err := alert(ctx, tx, now, s, &c, what); err != nil {
						return err
					}
				}
				n++
				return tx.Create(&models.ComplaintUpdate{ComplaintID: id, At: now, ActorType: "system", Status: c.Status,
					Note: what, Public: false, Kind: "escalation"}).Error
			})
			if err != nil {
				return n, fmt.Errorf("care: escalate: %w", err)
			}
		}
	}
	return n, nil
}

// AutoConfirm confirms complaints resolved ConfirmDays ago that the family
// neither confirmed nor reopened.
func AutoConfirm(ctx context.Context, db *models.DB, now time.Time) (int, error) {
	now = now.UTC()
	set, err := LoadSettings(ctx, db.R)
	if err != nil {
		return 0, err
	}
	var ids []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT id FROM complaints WHERE status = ? AND resolved_at <= ? ORDER BY id LIMIT 1000`,
		models.ComplaintResolved, now.AddDate(0, 0, -set.ConfirmDays)).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("care: auto-confirm: %w", err)
	}
	n := 0
	for _, id := range ids {
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			res := tx.Exec(`UPDATE complaints SET status = ?, confirmed_at = ?, auto_confirmed = ?, updated_at = ? WHERE id = ? AND status = ?`,
				models.ComplaintConfirmed, now, true, now, id, models.ComplaintResolved)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			n++
			return tx.Create(&models.ComplaintUpdate{ComplaintID: id, At: now, ActorType: "system", Status: models.ComplaintConfirmed,
				Note: "", Public: true, Kind: "auto_confirm"}).Error
		})
		if err != nil {
			return n, fmt.Errorf("care: auto-confirm: %w", err)
		}
	}
	return n, nil
}

// Compensation is something given to the family because of a complaint.
type Compensation struct {
	ID          int64
	ComplaintID int64
	Kind        string // points, coupon, refund
	Points      int64
	Amount      int64
	JournalID   int64
	CouponID    int64
	RefundID    int64
	Note        string
	ActorID     int64
	CreatedAt   time.Time
}

// TableName maps Compensation to its table.
func (Compensation) TableName() string { return "complaint_compensations" }

// CompensationKinds are what may be given.
var CompensationKinds = []string{"points", "coupon", "refund"}

// NewCompensation asks to give points, a coupon (from a template) or to link
// a refund made through the normal refund use case (and its approvals).
type NewCompensation struct {
	Kind       string
	Points     int64
	TemplateID int64
	RefundID   int64
	Note       string
}

// Compensate gives points or a coupon through the ledger, or links a refund
// of the child's purchase, and records it on the complaint.
func Compensate(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, id int64, in NewCompensation) (*Compensation, error) {
	if !canManage(u) {
		return nil, models.ErrForbidden
	}
	now = now.UTC()
	in.Note, _ = cleanNote(in.Note, 500)
	var out *Compensation
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		c, err := lock(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if c.Status == models.ComplaintArchived {
			return ErrClosed
		}
		if c.MemberID == nil {
			return ErrNoMember
		}
		comp := &Compensation{ComplaintID: id, Kind: in.Kind, Note: in.Note, ActorID: u.ID, CreatedAt: now}
		actor := staffActor(u)
		actor.CampusID = c.CampusID
		switch in.Kind {
		case "points":
			if in.Points <= 0 || in.Points > 100000 {
				return models.Invalid(map[string]string{"points": "care.err.points"})
			}
			jid, err := models.AwardPoints(ctx, tx, now, models.Award{MemberID: *c.MemberID, Points: in.Points,
				Reason: "complaint", RefType: "complaint", RefID: id, Actor: actor})
			if err != nil {
				return err
			}
			comp.Points, comp.JournalID = in.Points, jid
		case "coupon":
			var n int64
			tx.Model(&Compensation{}).Where("complaint_id = ? AND kind = 'coupon'", id).Count(&n)
			cp, err := models.IssueCoupon(ctx, tx, now, models.CouponIssue{TemplateID: in.TemplateID, MemberID: *c.MemberID,
				SourceKey: fmt.Sprintf("complaint:%d:%d", id, n+1), Actor: actor})
			if err != nil {
				if _, ok := models.AsError(err); ok {
					return err
				}
				return models.Invalid(map[string]string{"template_id": "care.err.template"})
			}
			comp.CouponID = cp.ID
			comp.Amount = cp.AmountOff
		case "refund":
			var r struct {
				ID, Amount, MemberID int64
			}
			if err := tx.Raw(`SELECT r.id, r.amount, p.member_id FROM purchase_refunds r JOIN purchases p ON p.id = r.purchase_id
				WHERE r.id = ?`, in.RefundID).Scan(&r).Error; err != nil {
				return err
			}
			if r.ID == 0 || r.MemberID != *c.MemberID {
				return models.Invalid(map[string]string{"refund_id": "care.err.refund"})
			}
			var dup int64
			tx.Model(&Compensation{}).Where("kind = 'refund' AND refund_id = ?", r.ID).Count(&dup)
			if dup > 0 {
				return models.Invalid(map[string]string{"refund_id": "care.err.refund_linked"})
			}
			comp.RefundID, comp.Amount = r.ID, r.Amount
		default:
			return models.Invalid(map[string]string{"kind": "care.err.compensation_kind"})
		}
		if err := tx.Create(comp).Error; err != nil {
			return err
		}
		if err := tx.Create(&models.ComplaintUpdate{ComplaintID: id, At: now, ActorType: "staff", ActorID: u.ID, Status: c.Status,
			Note: in.Kind, Public: false, Kind: "compensation"}).Error; err != nil {
			return err
		}
		out = comp
		return models.Audit(ctx, tx, now, actor, "complaint.compensate", "complaint", id,
			fmt.Sprintf("kind=%s points=%d coupon=%d refund=%d", comp.Kind, comp.Points, comp.CouponID, comp.RefundID))
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("care: compensate: %w", err)
	}
	return out, nil
}

// Compensations lists what a complaint's family was given.
func Compensations(ctx context.Context, db *gorm.DB, id int64) ([]Compensation, error) {
	var out []Compensation
	if err := db.WithContext(ctx).Where("complaint_id = ?", id).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("care: compensations: %w", err)
	}
	return out, nil
}

// Owners lists the active staff a complaint at campus may be assigned to
// (any campus: 0): admins and service heads, and the campus's managers and
// teachers.
func Owners(ctx context.Context, db *gorm.DB, campusID int64) ([]models.StaffUser, error) {
	q := `SELECT * FROM staff_users u WHERE u.disabled_at IS NULL AND (u.role IN ('admin', 'service_head')
		OR (u.role IN ('campus_manager', 'teacher') AND (? = 0 OR EXISTS (SELECT 1 FROM staff_campuses sc WHERE sc.user_id = u.id AND sc.campus_id = ?))))
		ORDER BY CASE u.role WHEN 'service_head' THEN 0 WHEN 'campus_manager' THEN 1 WHEN 'admin' THEN 2 ELSE 3 END, u.id`
	var out []models.StaffUser
	if err := db.WithContext(ctx).Raw(q, campusID, campusID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("care: owners: %w", err)
	}
	return out, nil
}

// SaveRoute stores an owner rule (replacing one for the same category and campus).
func SaveRoute(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, r Route) error {
	if u == nil || !u.Role.AllCampuses() {
		return models.ErrForbidden
	}
	if r.Category != "" && !slices.Contains(models.ComplaintCategories, r.Category) {
		return models.Invalid(map[string]string{"category": "err.portal_complaint_category"})
	}
	owner, err := models.GetStaff(ctx, db.R, r.OwnerID)
	if err != nil || !canReply(owner) {
		return models.Invalid(map[string]string{"owner_id": "care.err.owner"})
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("category = ? AND campus_id = ?", r.Category, r.CampusID).Delete(&Route{}).Error; err != nil {
			return err
		}
		r.ID, r.CreatedAt = 0, now.UTC()
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now.UTC(), staffActor(u), "care.route", "complaint_route", r.ID,
			fmt.Sprintf("category=%s campus=%d owner=%d", r.Category, r.CampusID, r.OwnerID))
	})
}

// RouteRow is a rule with names.
type RouteRow struct {
	Route
	OwnerName  string
	CampusName string
}

// Routes lists the owner rules.
func Routes(ctx context.Context, db *gorm.DB) ([]RouteRow, error) {
	var out []RouteRow
	err := db.WithContext(ctx).Raw(`SELECT r.*, COALESCE(s.name, '') AS owner_name, COALESCE(c.name, '') AS campus_name
		FROM complaint_routes r LEFT JOIN staff_users s ON s.id = r.owner_id LEFT JOIN campuses c ON c.id = r.campus_id
		ORDER BY r.category, r.campus_id`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("care: routes: %w", err)
	}
	return out, nil
}
