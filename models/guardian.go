package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Guardian is a parent or other carer (家长) in a family.
type Guardian struct {
	ID         int64
	FamilyID   int64
	Name       string
	Phone      string
	Relation   string
	Occupation string
	Position   string
	// EmployerType and PositionLevel are the coded work facts (DOMAIN §4b).
	EmployerType  string
	PositionLevel string
	Payer         bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName maps Guardian to its table.
func (Guardian) TableName() string { return "guardians" }

// GuardianView is a guardian as the API and pages show them; Consent says
// whether they agreed to the current consent text, and when.
type GuardianView struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Relation   string `json:"relation"`
	Occupation string `json:"occupation,omitempty"`
	Position   string `json:"position,omitempty"`
	// EmployerType and PositionLevel are §4b codes ("" = not given).
	EmployerType  string     `json:"employer_type,omitempty"`
	PositionLevel string     `json:"position_level,omitempty"`
	Payer         bool       `json:"payer"`
	Consent       bool       `json:"consent"`
	ConsentAt     *time.Time `json:"consent_at,omitempty"`
	ConsentVer    string     `json:"consent_version,omitempty"`
	FamilyID      int64      `json:"-"`
}

// ErrDuplicatePhone is returned when a family already has a guardian with that phone.
var ErrDuplicatePhone = NewError(KindConflict, "duplicate-guardian-phone", "err.guardian_phone_taken")

// addGuardian adds one guardian to a family inside tx and records their
// consent when they gave it. A phone already in the family is refused.
func addGuardian(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, familyID int64, g NewGuardian, channel string) (*Guardian, error) {
	var n int64
	if err := tx.WithContext(ctx).Raw("SELECT COUNT(*) FROM guardians WHERE family_id = ? AND phone = ?", familyID, g.Phone).Scan(&n).Error; err != nil {
		return nil, fmt.Errorf("models: add guardian: %w", err)
	}
	if n > 0 {
		return nil, ErrDuplicatePhone.With(MaskPhone(g.Phone))
	}
	row := &Guardian{FamilyID: familyID, Name: g.Name, Phone: g.Phone, Relation: g.Relation,
		Occupation: strings.TrimSpace(g.Occupation), Position: strings.TrimSpace(g.Position),
		EmployerType: g.EmployerType, PositionLevel: g.PositionLevel, Payer: g.Payer, CreatedAt: now, UpdatedAt: now}
	if err := tx.WithContext(ctx).Create(row).Error; err != nil {
		return nil, fmt.Errorf("models: add guardian: %w", err)
	}
	if g.Consent {
		if err := grantConsent(ctx, tx, now, actor, row.ID, channel); err != nil {
			return nil, err
		}
	}
	return row, nil
}

// AddGuardian adds a guardian to a family and re-indexes the family's
// children so the new phone finds them.
func AddGuardian(ctx context.Context, db *DB, now time.Time, actor Actor, familyID int64, g NewGuardian) (*Guardian, error) {
	probe := NewMember{Name: "x", FamilyID: familyID, Guardians: []NewGuardian{g}}
	if f, _ := probe.validate(now); len(f) > 0 {
		out := map[string]string{}
		for k, v := range f {
			out[strings.TrimPrefix(k, "guardians[0].")] = v
		}
		return nil, Invalid(out)
	}
	g = probe.Guardians[0]
	var row *Guardian
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var f Family
		if err := tx.Take(&f, familyID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		var err error
		if row, err = addGuardian(ctx, tx, now, actor, familyID, g, "web"); err != nil {
			return err
		}
		if err := reindexFamily(ctx, tx, familyID); err != nil {
			return err
		}
		if err := Audit(ctx, tx, now, actor, "guardian.add", "family", familyID, fmt.Sprintf("guardian=%d", row.ID)); err != nil {
			return err
		}
		return FamilyChanged(ctx, tx, now, actor, familyID, "guardian", Ref("guardian", row.ID))
	})
	if err != nil {
		return nil, fmt.Errorf("models: add guardian: %w", err)
	}
	return row, nil
}

func reindexFamily(ctx context.Context, tx *gorm.DB, familyID int64) error {
	var ids []int64
	if err := tx.WithContext(ctx).Raw("SELECT id FROM members WHERE family_id = ?", familyID).Scan(&ids).Error; err != nil {
		return fmt.Errorf("models: reindex family: %w", err)
	}
	return reindexMembers(ctx, tx, ids...)
}

// familyGuardians loads the guardians of families, with their consent to
// the current consent version, keyed by family id.
func familyGuardians(ctx context.Context, db *gorm.DB, familyIDs []int64) (map[int64][]GuardianView, error) {
	out := map[int64][]GuardianView{}
	if len(familyIDs) == 0 {
		return out, nil
	}
	var gs []Guardian
	if err := db.WithContext(ctx).Where("family_id IN ?", familyIDs).Order("id").Find(&gs).Error; err != nil {
		return nil, fmt.Errorf("models: guardians: %w", err)
	}
	ids := make([]int64, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	consents, err := currentConsents(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		v := GuardianView{ID: g.ID, Name: g.Name, Phone: g.Phone, Relation: g.Relation, Occupation: g.Occupation,
			Position: g.Position, EmployerType: g.EmployerType, PositionLevel: g.PositionLevel, Payer: g.Payer, FamilyID: g.FamilyID}
		if c, ok := consents[g.ID]; ok {
			at := c.GrantedAt
			v.Consent, v.ConsentAt, v.ConsentVer = true, &at, c.Version
		}
		out[g.FamilyID] = append(out[g.FamilyID], v)
	}
	return out, nil
}
