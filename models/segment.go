package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Segment picks members by filters that all must hold (seed 004: no visit
// for 2 months AND points > 500). Zero values mean "any". AsOf fixes the
// time "last visit older than N days" is measured from, so a bulk issue
// that resumes later still means the same members.
type Segment struct {
	NoVisitDays int       `json:"no_visit_days,omitempty"`
	MinPoints   int64     `json:"min_points,omitempty"`
	Tier        string    `json:"tier,omitempty"`
	CampusID    int64     `json:"campus_id,omitempty"`
	ClassID     int64     `json:"class_id,omitempty"`
	Tag         string    `json:"tag,omitempty"`
	Lifecycle   string    `json:"lifecycle,omitempty"`
	BirthMonth  int       `json:"birth_month,omitempty"`
	AsOf        time.Time `json:"as_of"`
}

// Validate checks the filters and returns field → message key.
func (s Segment) Validate() map[string]string {
	f := map[string]string{}
	if s.NoVisitDays < 0 || s.NoVisitDays > 3650 {
		f["no_visit_days"] = "err.segment_days"
	}
	if s.MinPoints < 0 {
		f["min_points"] = "err.coupon_negative"
	}
	if s.Tier != "" && !slices.Contains(TierOrder, s.Tier) {
		f["tier"] = "err.segment_tier"
	}
	if s.Lifecycle != "" && !slices.Contains(Lifecycles, s.Lifecycle) {
		f["lifecycle"] = "err.segment_lifecycle"
	}
	if s.BirthMonth < 0 || s.BirthMonth > 12 {
		f["birth_month"] = "err.segment_month"
	}
	return f
}

// where builds the SQL condition on members m.
func (s Segment) where(tx *gorm.DB) (string, []any) {
	conds := []string{"m.archived_at IS NULL"}
	var args []any
	if s.NoVisitDays > 0 {
		conds = append(conds, `NOT EXISTS (SELECT 1 FROM checkins c WHERE c.member_id = m.id AND c.at >= ?)`)
		args = append(args, s.AsOf.UTC().AddDate(0, 0, -s.NoVisitDays))
	}
	if s.MinPoints > 0 {
		conds = append(conds, `EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.owner_type = 'member'
			AND a.owner_id = m.id AND a.name = 'points' AND a.balance >= ?)`)
		args = append(args, s.MinPoints)
	}
	if s.Tier != "" {
		conds = append(conds, "m.tier = ?")
		args = append(args, s.Tier)
	}
	if s.CampusID != 0 {
		conds = append(conds, "m.campus_id = ?")
		args = append(args, s.CampusID)
	}
	if s.ClassID != 0 {
		conds = append(conds, "m.class_id = ?")
		args = append(args, s.ClassID)
	}
	if t := strings.TrimSpace(s.Tag); t != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM member_tags t WHERE t.member_id = m.id AND t.tag = ?)")
		args = append(args, t)
	}
	if s.Lifecycle != "" {
		conds = append(conds, "m.lifecycle = ?")
		args = append(args, s.Lifecycle)
	}
	if s.BirthMonth > 0 {
		if isMySQL(tx) {
			conds = append(conds, "MONTH(m.birth_date) = ?")
		} else {
			conds = append(conds, "CAST(substr(m.birth_date, 6, 2) AS INTEGER) = ?")
		}
		args = append(args, s.BirthMonth)
	}
	return strings.Join(conds, " AND "), args
}

// SegmentCount counts the members a segment picks at now (the live count
// shown before a bulk issue); a segment with AsOf set counts at AsOf.
func SegmentCount(ctx context.Context, db *gorm.DB, now time.Time, s Segment) (int64, error) {
	if s.AsOf.IsZero() {
		s.AsOf = now
	}
	if f := s.Validate(); len(f) > 0 {
		return 0, Invalid(f)
	}
	w, args := s.where(db)
	var n int64
	if err := db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM members m WHERE `+w, args...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("models: segment count: %w", err)
	}
	return n, nil
}

// segmentIDs returns up to limit member ids of the segment above afterID, in id order.
func segmentIDs(ctx context.Context, tx *gorm.DB, s Segment, afterID int64, limit int) ([]int64, error) {
	w, args := s.where(tx)
	args = append(args, afterID, limit)
	var ids []int64
	if err := tx.WithContext(ctx).Raw(`SELECT m.id FROM members m WHERE `+w+` AND m.id > ? ORDER BY m.id LIMIT ?`, args...).
		Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("models: segment members: %w", err)
	}
	return ids, nil
}
