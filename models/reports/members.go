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
	out := Members{ByTier: map[string]int64{}, ByGrade: map[string]int64{}, ByLifecycle: map[string]int64{}}
	cond, args := campusFilter("campus_id", campusIDs)
	var rows []struct {
		Tier, Grade, Lifecycle string
		N                      int64
	}
	if err := db.WithContext(ctx).Raw(`SELECT tier, grade, lifecycle, COUNT(*) AS n FROM members
		WHERE archived_at IS NULL`+cond+` GROUP BY tier, grade, lifecycle`, args...).Scan(&rows).Error; err != nil {
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
