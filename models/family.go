package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Family is a household: its guardians and its children (members).
type Family struct {
	ID           int64
	Name         string
	SharedWallet bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName maps Family to its table.
func (Family) TableName() string { return "families" }

// FamilyView is a family with its guardians and children, for the family page.
type FamilyView struct {
	Family
	Guardians []GuardianView
	Children  []MemberView
}

// GetFamily loads a family with its guardians and children.
func GetFamily(ctx context.Context, db *gorm.DB, id int64) (*FamilyView, error) {
	var f Family
	err := db.WithContext(ctx).Take(&f, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: get family: %w", err)
	}
	var ids []int64
	if err := db.WithContext(ctx).Raw("SELECT id FROM members WHERE family_id = ? ORDER BY id", id).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("models: get family: %w", err)
	}
	kids, err := MemberViews(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	gs, err := familyGuardians(ctx, db, []int64{id})
	if err != nil {
		return nil, err
	}
	return &FamilyView{Family: f, Guardians: gs[id], Children: kids}, nil
}

// NewFamily is a family registered at the desk in one go: its guardians and
// one or more children at one campus.
type NewFamily struct {
	CampusID  int64
	Guardians []NewGuardian
	Children  []NewMember // Name, Gender, BirthDate, ClassID, Tags, Notes …
	Channel   string
}

// CreateFamily creates a family with its guardians and children in one
// transaction. Field errors name the row: "guardians[1].phone",
// "children[0].name".
func CreateFamily(ctx context.Context, db *DB, now time.Time, actor Actor, in NewFamily) (int64, []int64, error) {
	if len(in.Children) == 0 {
		return 0, nil, Invalid(map[string]string{"children[0].name": "err.required"})
	}
	// Check every row first so that the form shows all its mistakes at once.
	fields := map[string]string{}
	if in.CampusID == 0 {
		fields["campus_id"] = ErrNoCampus.Key
	}
	probe := NewMember{Name: "x", Guardians: in.Guardians}
	gf, _ := probe.validate(now)
	for k, v := range gf {
		fields[k] = v
	}
	for i, c := range in.Children {
		c.FamilyID = 1
		cf, _ := c.validate(now)
		for k, v := range cf {
			fields[fmt.Sprintf("children[%d].%s", i, k)] = v
		}
	}
	if len(fields) > 0 {
		return 0, nil, Invalid(fields)
	}
	var familyID int64
	var ids []int64
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		familyID, ids = 0, nil
		for i, c := range in.Children {
			c.CampusID, c.Channel = in.CampusID, in.Channel
			if i == 0 {
				c.Guardians = in.Guardians
			} else {
				c.FamilyID = familyID
			}
			m, err := CreateMember(ctx, tx, now, actor, c)
			if e, ok := AsError(err); ok && len(e.Fields) > 0 {
				out := map[string]string{}
				for k, v := range e.Fields {
					if strings.HasPrefix(k, "guardians") || k == "campus_id" {
						out[k] = v
					} else {
						out[fmt.Sprintf("children[%d].%s", i, k)] = v
					}
				}
				return Invalid(out)
			}
			if err != nil {
				return err
			}
			familyID = m.FamilyID
			ids = append(ids, m.ID)
		}
		return nil
	})
	if err != nil {
		if _, ok := AsError(err); ok {
			return 0, nil, err
		}
		return 0, nil, fmt.Errorf("models: create family: %w", err)
	}
	return familyID, ids, nil
}
