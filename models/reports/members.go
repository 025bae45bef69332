package reports

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"starcard/models"
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
	var rows []countRow
	cond, args := f.where(campusIDs)
	var q string
	if f.ClassID == 0 && f.CourseID == 0 && models.MemberCountsKept(ctx, db) {
		// The running counts (member_counts, kept by triggers on members):
		// a few hundred rows whatever the number of members.
		q = `SELECT m.tier, m.grade, m.lifecycle, SUM(m.n) AS n FROM member_counts m WHERE 1 = 1` + cond +
			` GROUP BY m.tier, m.grade, m.lifecycle HAVING SUM(m.n) <> 0`
	} else {
		// A class or a course's list is a small index range of members.
		q = `SELECT m.tier, m.grade, m.lifecycle, COUNT(*) AS n FROM members m
		WHERE m.archived_at IS NULL` + cond + ` GROUP BY m.tier, m.grade, m.lifecycle`
	}
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return out, fmt.Errorf("reports: members: %w", err)
	}
	return tally(rows), nil
}

type countRow struct {
	Tier, Grade, Lifecycle string
	N                      int64
}

// tally adds up counted rows by tier, grade and lifecycle.
func tally(rows []countRow) Members {
	out := Members{ByTier: map[string]int64{}, ByGrade: map[string]int64{}, ByLifecycle: map[string]int64{}}
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
	return out
}

// membersFromRows is MembersFiltered read the slow way, straight from the
// members (a full scan at a million): the tests hold the counts to it.
func membersFromRows(ctx context.Context, db *gorm.DB, campusIDs []int64, f Filter) (Members, error) {
	out := Members{ByTier: map[string]int64{}, ByGrade: map[string]int64{}, ByLifecycle: map[string]int64{}}
	cond, args := f.where(campusIDs)
	var rows []countRow
	if err := db.WithContext(ctx).Raw(`SELECT m.tier, m.grade, m.lifecycle, COUNT(*) AS n FROM members m
		WHERE m.archived_at IS NULL`+cond+` GROUP BY m.tier, m.grade, m.lifecycle`, args...).Scan(&rows).Error; err != nil {
		return out, fmt.Errorf("reports: members: %w", err)
	}
	return tally(rows), nil
}

// GradeCodes lists the grade codes held by the campuses' members (UngradedKey
// for the ungraded), for the report's grade filter, from member_counts.
func GradeCodes(ctx context.Context, db *gorm.DB, campusIDs []int64) ([]string, error) {
	cond, args := campusFilter("campus_id", campusIDs)
	q := `SELECT grade FROM member_counts WHERE 1 = 1` + cond + ` GROUP BY grade HAVING SUM(n) <> 0 ORDER BY grade`
	if !models.MemberCountsKept(ctx, db) {
		q = `SELECT grade FROM members WHERE archived_at IS NULL` + cond + ` GROUP BY grade ORDER BY grade`
	}
	var codes []string
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&codes).Error; err != nil {
		return nil, fmt.Errorf("reports: grade codes: %w", err)
	}
	for i, c := range codes {
		if c == "" {
			codes[i] = UngradedKey
		}
	}
	return codes, nil
}

func init() {
	models.RegisterVerifyCheckIf("member counts differ from the members on file",
		`SELECT x.campus_id AS a, SUM(x.counted) AS b, SUM(x.held) AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g FROM (
			SELECT campus_id, tier, grade, lifecycle, n AS counted, 0 AS held FROM member_counts
			UNION ALL
			SELECT campus_id, tier, grade, lifecycle, 0 AS counted, 1 AS held FROM members WHERE archived_at IS NULL) x
		GROUP BY x.campus_id, x.tier, x.grade, x.lifecycle HAVING SUM(x.counted) <> SUM(x.held)`,
		"campus %[1]d: a tier, grade and lifecycle counts %[2]d members, %[3]d are on file", models.MemberCountsKept)
}
