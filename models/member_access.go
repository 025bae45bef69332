package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// CampusFor picks the campus a staff user creates a member at: the one
// asked for, if they work there; else their only campus. An admin of
// several campuses must say which.
func CampusFor(u *StaffUser, asked int64) (int64, error) {
	if asked != 0 {
		if u != nil && !u.CanSeeCampus(asked) {
			return 0, Invalid(map[string]string{"campus_id": "err.member_campus_forbidden"})
		}
		return asked, nil
	}
	if u != nil && len(u.CampusIDs) == 1 {
		return u.CampusIDs[0], nil
	}
	return 0, Invalid(map[string]string{"campus_id": ErrNoCampus.Key})
}

// CheckMemberAccess returns ErrNotFound when the member does not exist or
// belongs to a campus the user does not work at.
func CheckMemberAccess(ctx context.Context, db *gorm.DB, u *StaffUser, memberID int64) error {
	var m struct{ CampusID int64 }
	err := db.WithContext(ctx).Raw("SELECT campus_id FROM members WHERE id = ?", memberID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("models: member access: %w", err)
	}
	if u != nil && !u.CanSeeCampus(m.CampusID) {
		return ErrNotFound
	}
	return nil
}
