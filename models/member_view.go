package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// MemberView is a member as the API (DOMAIN.md §4 `member`) and the pages
// show them. Fields tagged "-" are for pages only.
type MemberView struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	CardNo string `json:"card_no"`
	Status string `json:"status"` // card status: active, frozen, no_card; or archived
	Tier   string `json:"tier"`
	Grade  string `json:"grade"`
	// GradeReasons are the ids of the grading conditions that held.
	GradeReasons []string       `json:"grade_reasons"`
	EnrolledOn   string         `json:"enrolled_on,omitempty"`
	CampusID     int64          `json:"campus_id"`
	ClassID      *int64         `json:"class_id"`
	ClassName    string         `json:"class_name"`
	FamilyID     int64          `json:"family_id"`
	Gender       string         `json:"gender"`
	BirthDate    string         `json:"birth_date,omitempty"`
	Lifecycle    string         `json:"lifecycle"`
	Tags         []string       `json:"tags"`
	Consent      bool           `json:"consent"` // a guardian agreed to the current consent text
	Guardians    []GuardianView `json:"guardians"`
	Balances     ViewBalances   `json:"balances"`

	CampusName     string     `json:"-"`
	Notes          string     `json:"-"`
	ReferralSource string     `json:"-"`
	CardVersion    int        `json:"-"`
	CardFrozenAt   *time.Time `json:"-"`
	ArchivedAt     *time.Time `json:"-"`
	CreatedAt      time.Time  `json:"-"`
}

// ViewBalances are a member's balances as the API shows them: points,
// stored value, and class hours left per course id (DOMAIN §4b).
type ViewBalances struct {
	Balances
	ClassHours map[string]int64 `json:"class_hours"`
}

// Masked returns the view with guardian phones masked unless role may see
// them in full (PIPL: cashiers and teachers see 139****1234).
func (v MemberView) Masked(role Role) MemberView {
	if role.SeesFullPhone() {
		return v
	}
	gs := make([]GuardianView, len(v.Guardians))
	for i, g := range v.Guardians {
		g.Phone = MaskPhone(g.Phone)
		gs[i] = g
	}
	v.Guardians = gs
	return v
}

type memberViewRow struct {
	Member
	CampusName  string
	ClassName   *string
	CardNo      *string
	CardStatus  *string
	CardVersion *int
	FrozenAt    *time.Time
}

// MemberViews loads the views of members in the order of ids (missing ids
// are skipped): profile, class, campus, card, guardians with consent, tags
// and balances, in a fixed number of queries whatever the count.
func MemberViews(ctx context.Context, db *gorm.DB, ids []int64) ([]MemberView, error) {
	if len(ids) == 0 {
		return []MemberView{}, nil
	}
	var rows []memberViewRow
	err := db.WithContext(ctx).Table("members m").
		Select("m.*, p.name AS campus_name, cl.name AS class_name, c.card_no, c.status AS card_status, c.version AS card_version, c.frozen_at").
		Joins("JOIN campuses p ON p.id = m.campus_id").
		Joins("LEFT JOIN classes cl ON cl.id = m.class_id").
		Joins("LEFT JOIN cards c ON c.id = m.card_id").
		Where("m.id IN ?", ids).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: member views: %w", err)
	}
	byID := make(map[int64]memberViewRow, len(rows))
	var fams []int64
	for _, r := range rows {
		byID[r.ID] = r
		fams = append(fams, r.FamilyID)
	}
	guardians, err := familyGuardians(ctx, db, fams)
	if err != nil {
		return nil, err
	}
	var tagRows []struct {
		MemberID int64
		Tag      string
	}
	if err := db.WithContext(ctx).Raw("SELECT member_id, tag FROM member_tags WHERE member_id IN ? ORDER BY tag", ids).Scan(&tagRows).Error; err != nil {
		return nil, fmt.Errorf("models: member views: %w", err)
	}
	tags := map[int64][]string{}
	for _, t := range tagRows {
		tags[t.MemberID] = append(tags[t.MemberID], t.Tag)
	}
	bals, err := MemberBalances(ctx, db, ids...)
	if err != nil {
		return nil, err
	}
	hours, err := MemberClassHours(ctx, db, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]MemberView, 0, len(rows))
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			continue
		}
		v := MemberView{ID: r.ID, Name: r.Name, Tier: r.Tier, Grade: r.Grade, CampusID: r.CampusID, ClassID: r.ClassID,
			FamilyID: r.FamilyID, Gender: r.Gender, Lifecycle: r.Lifecycle, Tags: tags[r.ID], Balances: ViewBalances{Balances: bals[r.ID], ClassHours: hours[r.ID]},
			CampusName: r.CampusName, Notes: r.Notes, ReferralSource: r.ReferralSource, ArchivedAt: r.ArchivedAt,
			CreatedAt: r.CreatedAt, Guardians: guardians[r.FamilyID], Status: "no_card"}
		if v.Tags == nil {
			v.Tags = []string{}
		}
		v.GradeReasons = SplitReasons(r.GradeReasons)
		v.EnrolledOn = r.EnrolledOn
		if v.EnrolledOn == "" {
			v.EnrolledOn = r.CreatedAt.In(chinaTime).Format("2006-01-02")
		}
		if v.Guardians == nil {
			v.Guardians = []GuardianView{}
		}
		if r.ClassName != nil {
			v.ClassName = *r.ClassName
		}
		if r.BirthDate != nil {
			v.BirthDate = r.BirthDate.Format("2006-01-02")
		}
		if r.CardNo != nil {
			v.CardNo, v.Status, v.CardVersion, v.CardFrozenAt = *r.CardNo, *r.CardStatus, *r.CardVersion, r.FrozenAt
		}
		if r.ArchivedAt != nil {
			v.Status = "archived"
		}
		for _, g := range v.Guardians {
			v.Consent = v.Consent || g.Consent
		}
		out = append(out, v)
	}
	return out, nil
}

// MemberViewFor loads one member for a staff user: a member of a campus the
// user does not work at is ErrNotFound, and phones are masked for roles
// that may not see them.
func MemberViewFor(ctx context.Context, db *gorm.DB, u *StaffUser, id int64) (*MemberView, error) {
	vs, err := MemberViews(ctx, db, []int64{id})
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 || (u != nil && !u.CanSeeCampus(vs[0].CampusID)) {
		return nil, ErrNotFound
	}
	v := vs[0]
	if u != nil {
		v = v.Masked(u.Role)
	}
	return &v, nil
}

// ViewMemberProfile loads a child's profile for a staff user and writes the
// read to the audit log (PIPL: every view of a child's profile is recorded:
// who, when, which child).
func ViewMemberProfile(ctx context.Context, db *DB, now time.Time, actor Actor, u *StaffUser, id int64) (*MemberView, error) {
	v, err := MemberViewFor(ctx, db.R, u, id)
	if err != nil {
		return nil, err
	}
	if err := Audit(ctx, db.W, now, actor, "member.view", "member", id, ""); err != nil {
		return nil, err
	}
	return v, nil
}

// StaffCampusScope returns the campuses a user's searches cover: nil for
// roles that see every campus.
func StaffCampusScope(u *StaffUser) []int64 {
	if u == nil || u.Role.AllCampuses() {
		return nil
	}
	if u.CampusIDs == nil {
		return []int64{}
	}
	return u.CampusIDs
}

// SearchMembers runs a one-box search for a staff user (their campuses only,
// phones masked for their role) and returns the views and the next cursor.
func SearchMembers(ctx context.Context, db *gorm.DB, u *StaffUser, q, cursor string, limit int) ([]MemberView, string, error) {
	ids, next, err := SearchMemberIDs(ctx, db, SearchQuery{Q: q, CampusIDs: StaffCampusScope(u), Cursor: cursor, Limit: limit})
	if err != nil {
		return nil, "", err
	}
	vs, err := MemberViews(ctx, db, ids)
	if err != nil {
		return nil, "", err
	}
	if u != nil {
		for i := range vs {
			vs[i] = vs[i].Masked(u.Role)
		}
	}
	return vs, next, nil
}

// ListMembers pages through members by id for the back office (no query):
// newest first, optionally one class.
func ListMembers(ctx context.Context, db *gorm.DB, u *StaffUser, classID int64, beforeID int64, limit int) ([]MemberView, int64, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := db.WithContext(ctx).Table("members").Where("archived_at IS NULL")
	if scope := StaffCampusScope(u); scope != nil {
		q = q.Where("campus_id IN ?", scope)
	}
	if classID != 0 {
		q = q.Where("class_id = ?", classID)
	}
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var ids []int64
	if err := q.Order("id DESC").Limit(limit+1).Pluck("id", &ids).Error; err != nil {
		return nil, 0, fmt.Errorf("models: list members: %w", err)
	}
	var next int64
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[len(ids)-1]
	}
	vs, err := MemberViews(ctx, db, ids)
	if err != nil {
		return nil, 0, err
	}
	if u != nil {
		for i := range vs {
			vs[i] = vs[i].Masked(u.Role)
		}
	}
	return vs, next, nil
}
