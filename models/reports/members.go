package reports

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Members counts the children on file (not archived) in total and by tier,
// grade and lifecycle. A child not graded yet counts under grade "none".
type Members struct {
	Total       int64            `json:"total"`
	ByTier      map[string]int64 `json:"by_tier"`
	ByGrade     map[string]int64 `json:"by_grade"`
	ByLifecycle map[string]int64 `json:"by_lifecycle"`
}

// UngradedKey names the children without a grade in Members.ByGrade.
const UngradedKey = "none"

// MembersFor counts the members of the campuses (nil: every campus).
func MembersFor(ctx context.Context, db *gorm.DB, campusIDs []int64) (Members, error) {
	return MembersFiltered(ctx, db, campusIDs, Filter{})
}

// MembersFiltered counts the members of the campuses narrowed by the filter.
func MembersFiltered(ctx context.Context, db *gorm.DB, campusIDs []int64, f Filter) (Members, error) {
	out := Members{ByTier: map[string]int64{}, ByGrade: map[string]int64{}, ByLifecycle: map[string]int64{}}
	cond, args := f.where(campusIDs)
	var rows []struct {
		Tier, Grade, Lifecycle string
		N                      int64
	}
	if err := db.WithContext(ctx).Raw(`SELECT m.tier, m.grade, m.lifecycle, COUNT(*) AS n FROM members m
		WHERE m.archived_at IS NULL`+cond+` GROUP BY m.tier, m.grade, m.lifecycle`, args...).Scan(&rows).Error; err != nil {
		return out, fmt.Errorf("reports: members: %w", err)
	}
	for _, r := range rows {
		out.Total += r.N
		out.ByTier[r.Tier] += r.N
		g := r.Grade
		if g == "" {
			g = UngradedKey
		}
		out.ByGrade[g] += r.N
		out.ByLifecycle[r.Lifecycle] += r.N
	}
	return out, nil
}

// GradeCodes lists the grade codes held by the campuses' members (UngradedKey
// for the ungraded), for the report's grade filter. It reads the
// (grade, campus_id) index only.
func GradeCodes(ctx context.Context, db *gorm.DB, campusIDs []int64) ([]string, error) {
	cond, args := campusFilter("campus_id", campusIDs)
	var codes []string
	if err := db.WithContext(ctx).Raw(`SELECT DISTINCT grade FROM members WHERE archived_at IS NULL`+cond+` ORDER BY grade`, args...).
		Scan(&codes).Error; err != nil {
		return nil, fmt.Errorf("reports: grade codes: %w", err)
	}
	for i, c := range codes {
		if c == "" {
			codes[i] = UngradedKey
		}
	}
	return codes, nil
}
