package models

import (
	"context"
	"errors"
	"fmt"
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
