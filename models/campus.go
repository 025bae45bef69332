package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Campus is one site of the school (校区).
type Campus struct {
	ID        int64
	Code      string
	Name      string
	Address   string
	CreatedAt time.Time
}

// TableName maps Campus to its table.
func (Campus) TableName() string { return "campuses" }

// CreateCampus adds a campus.
func CreateCampus(ctx context.Context, db *gorm.DB, now time.Time, code, name, address string) (*Campus, error) {
	c := &Campus{Code: code, Name: name, Address: address, CreatedAt: now}
	if err := db.WithContext(ctx).Create(c).Error; err != nil {
		return nil, fmt.Errorf("models: create campus: %w", err)
	}
	return c, nil
}

// ListCampuses lists every campus by id.
func ListCampuses(ctx context.Context, db *gorm.DB) ([]Campus, error) {
	var cs []Campus
	if err := db.WithContext(ctx).Order("id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: list campuses: %w", err)
	}
	return cs, nil
}

// Counts are headline numbers for the back-office home page.
type Counts struct {
	Campuses      int64
	Staff         int64
	Members       int64 // children on file, not archived
	CheckinsToday int64
	// Outstanding liabilities, derived from the member and family accounts.
	StoredValue int64 // fen owed as prepaid value (principal + bonus)
	Points      int64
}

// SchoolCounts counts what the school has; dayStart is the start of today
// in the school's time zone (UTC).
func SchoolCounts(ctx context.Context, db *gorm.DB, dayStart time.Time) (Counts, error) {
	var c Counts
	err := db.WithContext(ctx).Raw(`SELECT (SELECT COUNT(*) FROM campuses) AS campuses,
		(SELECT COUNT(*) FROM staff_users WHERE disabled_at IS NULL) AS staff,
		(SELECT COUNT(*) FROM members WHERE archived_at IS NULL) AS members,
		(SELECT COUNT(*) FROM checkins WHERE at >= ? AND kind = 'arrival') AS checkins_today,
		(SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts WHERE owner_type IN ('member', 'family') AND asset = 'cny') AS stored_value,
		(SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts WHERE owner_type = 'member' AND asset = 'points') AS points`,
		dayStart).Scan(&c).Error
	if err != nil {
		return c, fmt.Errorf("models: school counts: %w", err)
	}
	return c, nil
}
