package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Lifecycle statuses of a member (潜在/报名/在读/结业/流失).
const (
	LifecycleProspect  = "prospect"
	LifecycleEnrolled  = "enrolled"
	LifecycleActive    = "active"
	LifecycleGraduated = "graduated"
	LifecycleChurned   = "churned"
)

// Lifecycles lists the lifecycle statuses in order.
var Lifecycles = []string{LifecycleProspect, LifecycleEnrolled, LifecycleActive, LifecycleGraduated, LifecycleChurned}

// Genders a profile may record ("" = not given).
var Genders = []string{"female", "male"}

// Relations of a guardian to the child.
var Relations = []string{"mother", "father", "grandparent", "other"}

// Member is a student (学员), the holder of points and a card.
type Member struct {
	ID             int64
	FamilyID       int64
	CampusID       int64
	ClassID        *int64
	Name           string
	Gender         string
	BirthDate      *time.Time
	Lifecycle      string
	Tier           string
	Grade          string
	GradeReasons   string // comma-separated condition ids that held (models/crm)
	EnrolledOn     string // YYYY-MM-DD; "" = the day the record was created
	Notes          string
	ReferralSource string
	CardID         *int64
	ArchivedAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName maps Member to its table.
func (Member) TableName() string { return "members" }

// Validation and state errors of members.
var (
	ErrMemberArchived = NewError(KindConflict, "member-archived", "err.member_archived")
	ErrNoCampus       = NewError(KindInvalid, "campus-required", "err.member_campus_required")
)

var mobileRe = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// ValidMobile reports whether p is a mainland mobile number (11 digits, 13x–19x).
func ValidMobile(p string) bool { return mobileRe.MatchString(p) }

// NormalizePhone strips spaces, dashes and a +86 prefix.
func NormalizePhone(p string) string {
	p = strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(strings.TrimSpace(p))
	p = strings.TrimPrefix(p, "+86")
	if len(p) == 13 && strings.HasPrefix(p, "86") {
		p = p[2:]
	}
	return p
}

// MaskPhone hides the middle of a phone number: 13912341234 → 139****1234.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// ParseRelation accepts a relation code or its everyday Chinese words.
func ParseRelation(s string) (string, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "mother", "妈妈", "母亲", "媽媽", "母親", "mum", "mom":
		return "mother", true
	case "father", "爸爸", "父亲", "父親", "dad":
		return "father", true
	case "grandparent", "祖辈", "祖輩", "爷爷", "奶奶", "外公", "外婆", "姥姥", "姥爷", "祖父", "祖母", "爺爺", "姥爺":
		return "grandparent", true
	case "other", "其他", "其它", "", "亲属", "保姆":
		return "other", true
	}
	return "", false
}

// ParseGender accepts a gender code or its Chinese word.
func ParseGender(s string) (string, bool) {
	switch strings.TrimSpace(strings.ToLower(s)) {
	case "female", "f", "女":
		return "female", true
	case "male", "m", "男":
		return "male", true
	case "":
		return "", true
	}
	return "", false
}

// ParseLifecycle validates a lifecycle status.
func ParseLifecycle(s string) (string, bool) {
	for _, l := range Lifecycles {
		if l == s {
			return l, true
		}
	}
	return "", false
}

// NewGuardian describes a guardian to add with a member.
type NewGuardian struct {
	Name       string
	Phone      string
	Relation   string
	Occupation string
	Position   string
	// EmployerType and PositionLevel are the coded work facts grading reads
	// (DOMAIN §4b): see EmployerTypes and PositionLevels; "" = not given.
	EmployerType  string
	PositionLevel string
	Payer         bool
	Consent       bool // the guardian agreed to the current consent text
}

// EmployerTypes are the coded employer types of a guardian (DOMAIN §4b).
var EmployerTypes = []string{"government", "public_institution", "soe", "private", "self_employed", "other"}

// PositionLevels are the coded position levels of a guardian (DOMAIN §4b).
var PositionLevels = []string{"senior", "middle", "staff", "none"}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

// NewMember describes a member to create: a new family with its guardians,
// or (FamilyID set) a sibling in an existing family.
type NewMember struct {
	Name           string
	Gender         string
	BirthDate      string // 2006-01-02
	CampusID       int64
	ClassID        int64
	FamilyID       int64
	Guardians      []NewGuardian
	Tags           []string
	Notes          string
	ReferralSource string
	Lifecycle      string
	EnrolledOn     string // YYYY-MM-DD, optional (default: today)
	Channel        string // where consent was given: web, api, import
}

// ParseBirthDate reads YYYY-MM-DD (also YYYY/MM/DD and YYYY.MM.DD), within
// a plausible range for a pupil.
func ParseBirthDate(s string, now time.Time) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	s = strings.NewReplacer("/", "-", ".", "-").Replace(s)
	t, err := time.Parse("2006-1-2", s)
	if err != nil || t.After(now) || t.Year() < now.Year()-40 {
		return nil, false
	}
	return &t, true
}

// validate checks a new member and returns field → message key.
func (in *NewMember) validate(now time.Time) (map[string]string, *time.Time) {
	f := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		f["name"] = "err.required"
	} else if utf8.RuneCountInString(in.Name) > 40 {
		f["name"] = "err.member_name_long"
	}
	bd, ok := ParseBirthDate(in.BirthDate, now)
	if !ok {
		f["birth_date"] = "err.member_birth_date"
	}
	if g, ok := ParseGender(in.Gender); ok {
		in.Gender = g
	} else {
		f["gender"] = "err.member_gender"
	}
	if in.Lifecycle == "" {
		in.Lifecycle = LifecycleEnrolled
	} else if _, ok := ParseLifecycle(in.Lifecycle); !ok {
		f["lifecycle"] = "err.member_lifecycle"
	}
	if in.FamilyID == 0 && len(in.Guardians) == 0 {
		f["guardians"] = "err.member_guardian_required"
	}
	for i := range in.Guardians {
		g := &in.Guardians[i]
		key := fmt.Sprintf("guardians[%d].", i)
		g.Name = strings.TrimSpace(g.Name)
		g.Phone = NormalizePhone(g.Phone)
		if g.Name == "" {
			f[key+"name"] = "err.required"
		} else if utf8.RuneCountInString(g.Name) > 40 {
			f[key+"name"] = "err.member_name_long"
		}
		if !ValidMobile(g.Phone) {
			f[key+"phone"] = "err.member_phone"
		}
		if r, ok := ParseRelation(g.Relation); ok {
			g.Relation = r
		} else {
			f[key+"relation"] = "err.member_relation"
		}
		g.EmployerType, g.PositionLevel = strings.TrimSpace(g.EmployerType), strings.TrimSpace(g.PositionLevel)
		if g.EmployerType != "" && !oneOf(g.EmployerType, EmployerTypes) {
			f[key+"employer_type"] = "crm.err.employer_type"
		}
		if g.PositionLevel != "" && !oneOf(g.PositionLevel, PositionLevels) {
			f[key+"position_level"] = "crm.err.position_level"
		}
	}
	if in.EnrolledOn = strings.TrimSpace(in.EnrolledOn); in.EnrolledOn != "" {
		t, err := time.Parse("2006-01-02", in.EnrolledOn)
		if err != nil || t.After(now.AddDate(0, 0, 1)) {
			f["enrolled_on"] = "crm.err.enrolled_on"
		}
	}
	return f, bd
}

// normalizeTags trims, de-duplicates and bounds tags.
func normalizeTags(tags []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range tags {
		for _, part := range strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' }) {
			part = strings.TrimSpace(part)
			if part == "" || seen[part] || utf8.RuneCountInString(part) > 16 {
				continue
			}
			seen[part] = true
			out = append(out, part)
		}
	}
	sort.Strings(out)
	return out
}

// CreateMember creates a member inside tx: the family (unless FamilyID is
// given), its guardians and their consent, the member, its first lifecycle
// entry, tags, a card, search terms and an audit entry. Run it in a
// transaction (db.Tx or RunIdempotent) so that all of it lands or none.
func CreateMember(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, in NewMember) (*Member, error) {
	fields, bd := in.validate(now)
	if in.CampusID == 0 {
		fields["campus_id"] = ErrNoCampus.Key
	}
	if len(fields) > 0 {
		return nil, Invalid(fields)
	}
	tx = tx.WithContext(ctx)
	var n int64
	if err := tx.Raw("SELECT COUNT(*) FROM campuses WHERE id = ?", in.CampusID).Scan(&n).Error; err != nil {
		return nil, fmt.Errorf("models: create member: %w", err)
	}
	if n == 0 {
		return nil, Invalid(map[string]string{"campus_id": "err.member_campus_unknown"})
	}
	var classID *int64
	if in.ClassID != 0 {
		var cl Class
		if err := tx.Where("id = ? AND campus_id = ?", in.ClassID, in.CampusID).Take(&cl).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, Invalid(map[string]string{"class_id": "err.member_class_campus"})
			}
			return nil, fmt.Errorf("models: create member: %w", err)
		}
		classID = &cl.ID
	}
	if in.EnrolledOn == "" {
		r, err := LoadRules(ctx, tx, now)
		if err != nil {
			return nil, err
		}
		in.EnrolledOn = now.In(r.Location()).Format("2006-01-02")
	}
	familyID := in.FamilyID
	if familyID == 0 {
		fam := Family{Name: in.Name + "家", CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&fam).Error; err != nil {
			return nil, fmt.Errorf("models: create family: %w", err)
		}
		familyID = fam.ID
	} else {
		var f Family
		if err := tx.Take(&f, familyID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, Invalid(map[string]string{"family_id": "err.member_family_unknown"})
			}
			return nil, fmt.Errorf("models: create member: %w", err)
		}
	}
	for _, g := range in.Guardians {
		if _, err := addGuardian(ctx, tx, now, actor, familyID, g, in.Channel); err != nil {
			return nil, err
		}
	}
	m := &Member{FamilyID: familyID, CampusID: in.CampusID, ClassID: classID, Name: in.Name, Gender: in.Gender,
		BirthDate: bd, Lifecycle: in.Lifecycle, Tier: "silver", Grade: "normal", Notes: strings.TrimSpace(in.Notes),
		ReferralSource: strings.TrimSpace(in.ReferralSource), EnrolledOn: in.EnrolledOn, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(m).Error; err != nil {
		return nil, fmt.Errorf("models: create member: %w", err)
	}
	if err := recordLifecycle(ctx, tx, now, actor, m.ID, "", m.Lifecycle, ""); err != nil {
		return nil, err
	}
	if err := setTags(ctx, tx, m.ID, in.Tags); err != nil {
		return nil, err
	}
	c, err := issueCard(ctx, tx, now, m.ID, m.CampusID)
	if err != nil {
		return nil, err
	}
	m.CardID = &c.ID
	if err := reindexMembers(ctx, tx, m.ID); err != nil {
		return nil, err
	}
	if err := Audit(ctx, tx, now, actor, "member.create", "member", m.ID, fmt.Sprintf("family=%d campus=%d", familyID, m.CampusID)); err != nil {
		return nil, err
	}
	if err := memberChanged(ctx, tx, now, MemberEvent{MemberID: m.ID, Cause: "member.create", Ref: Ref("member", m.ID), Actor: actor}); err != nil {
		return nil, err
	}
	if err := Emit(ctx, tx, DomainEvent{Type: EventMemberCreated, At: now, CampusID: m.CampusID, MemberID: m.ID, Actor: actor}); err != nil {
		return nil, err
	}
	// The hooks may have graded the member: hand back the stored row.
	if err := tx.Take(m, m.ID).Error; err != nil {
		return nil, fmt.Errorf("models: create member: %w", err)
	}
	return m, nil
}

// GetMember loads a member by id.
func GetMember(ctx context.Context, db *gorm.DB, id int64) (*Member, error) {
	var m Member
	err := db.WithContext(ctx).Take(&m, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: get member: %w", err)
	}
	return &m, nil
}

// MemberEdit is a profile change from the back office.
type MemberEdit struct {
	Name           string
	Gender         string
	BirthDate      string
	CampusID       int64
	ClassID        int64
	Tags           []string
	Notes          string
	ReferralSource string
}

// UpdateMember changes a member's profile and re-indexes it for search.
func UpdateMember(ctx context.Context, db *DB, now time.Time, actor Actor, id int64, e MemberEdit) error {
	probe := NewMember{Name: e.Name, Gender: e.Gender, BirthDate: e.BirthDate, FamilyID: 1}
	fields, bd := probe.validate(now)
	if e.CampusID == 0 {
		fields["campus_id"] = ErrNoCampus.Key
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := lockMember(ctx, tx, id); err != nil {
			return err
		}
		var classID *int64
		if e.ClassID != 0 {
			var cl Class
			if err := tx.Where("id = ? AND campus_id = ?", e.ClassID, e.CampusID).Take(&cl).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return Invalid(map[string]string{"class_id": "err.member_class_campus"})
				}
				return err
			}
			classID = &cl.ID
		}
		if err := tx.Model(&Member{}).Where("id = ?", id).Updates(map[string]any{
			"name": probe.Name, "gender": probe.Gender, "birth_date": bd, "campus_id": e.CampusID, "class_id": classID,
			"notes": strings.TrimSpace(e.Notes), "referral_source": strings.TrimSpace(e.ReferralSource), "updated_at": now,
		}).Error; err != nil {
			return err
		}
		if err := recountMemberCampus(ctx, tx, id); err != nil {
			return err
		}
		if err := setTags(ctx, tx, id, e.Tags); err != nil {
			return err
		}
		if err := reindexMembers(ctx, tx, id); err != nil {
			return err
		}
		if err := Emit(ctx, tx, DomainEvent{Type: EventMemberUpdated, At: now, CampusID: e.CampusID, MemberID: id, Actor: actor}); err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "member.update", "member", id, "")
	})
	if err != nil {
		return fmt.Errorf("models: update member: %w", err)
	}
	return nil
}

// SetArchived archives a member (they leave search and the kiosk refuses
// their card) or brings them back.
func SetArchived(ctx context.Context, db *DB, now time.Time, actor Actor, id int64, archived bool) error {
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := lockMember(ctx, tx, id); err != nil {
			return err
		}
		var at *time.Time
		action := "member.restore"
		if archived {
			at, action = &now, "member.archive"
		}
		if err := tx.Model(&Member{}).Where("id = ?", id).Updates(map[string]any{"archived_at": at, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := reindexMembers(ctx, tx, id); err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, action, "member", id, "")
	})
	if err != nil {
		return fmt.Errorf("models: archive member: %w", err)
	}
	return nil
}

// LifecycleEntry is one change of a member's lifecycle status.
type LifecycleEntry struct {
	ID         int64
	MemberID   int64
	FromStatus string
	ToStatus   string
	At         time.Time
	ActorType  string
	ActorID    int64
	Note       string
}

// TableName maps LifecycleEntry to its table.
func (LifecycleEntry) TableName() string { return "member_lifecycle_history" }

func recordLifecycle(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, memberID int64, from, to, note string) error {
	e := LifecycleEntry{MemberID: memberID, FromStatus: from, ToStatus: to, At: now, ActorType: actor.Type, ActorID: actor.ID, Note: note}
	if err := tx.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("models: lifecycle history: %w", err)
	}
	return nil
}

// SetLifecycle moves a member to another lifecycle status and keeps the
// history. Setting the status it already has changes nothing.
func SetLifecycle(ctx context.Context, db *DB, now time.Time, actor Actor, id int64, to, note string) error {
	if _, ok := ParseLifecycle(to); !ok {
		return Invalid(map[string]string{"lifecycle": "err.member_lifecycle"})
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := lockMember(ctx, tx, id); err != nil {
			return err
		}
		var from string
		if err := tx.Raw("SELECT lifecycle FROM members WHERE id = ?", id).Scan(&from).Error; err != nil {
			return err
		}
		if from == to {
			return nil
		}
		if err := tx.Model(&Member{}).Where("id = ?", id).Updates(map[string]any{"lifecycle": to, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := recordLifecycle(ctx, tx, now, actor, id, from, to, strings.TrimSpace(note)); err != nil {
			return err
		}
		if err := Emit(ctx, tx, DomainEvent{Type: EventMemberUpdated, At: now, MemberID: id, Actor: actor}); err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "member.lifecycle", "member", id, from+"→"+to)
	})
	if err != nil {
		return fmt.Errorf("models: set lifecycle: %w", err)
	}
	return nil
}

// LifecycleHistory lists a member's lifecycle changes, newest first.
func LifecycleHistory(ctx context.Context, db *gorm.DB, id int64) ([]LifecycleEntry, error) {
	var es []LifecycleEntry
	if err := db.WithContext(ctx).Where("member_id = ?", id).Order("at DESC, id DESC").Find(&es).Error; err != nil {
		return nil, fmt.Errorf("models: lifecycle history: %w", err)
	}
	return es, nil
}

func setTags(ctx context.Context, tx *gorm.DB, memberID int64, tags []string) error {
	tx = tx.WithContext(ctx)
	if err := tx.Exec("DELETE FROM member_tags WHERE member_id = ?", memberID).Error; err != nil {
		return fmt.Errorf("models: tags: %w", err)
	}
	for _, t := range normalizeTags(tags) {
		if err := tx.Exec("INSERT INTO member_tags (member_id, tag) VALUES (?, ?)", memberID, t).Error; err != nil {
			return fmt.Errorf("models: tags: %w", err)
		}
	}
	return nil
}
