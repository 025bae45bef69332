package reports

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/memberdays"
)

// Filter narrows the member sections of a report to a class, a course's
// class list, a grade or a tier (zero values: no narrowing). The money,
// liabilities and renewal sections are campus-wide summaries and ignore it.
type Filter struct {
	ClassID  int64
	CourseID int64
	Grade    string
	Tier     string
}

// Empty reports whether the filter narrows nothing.
func (f Filter) Empty() bool { return f == (Filter{}) }

// where is the SQL condition (starting " AND") restricting members m to the
// campuses and the filter.
func (f Filter) where(campusIDs []int64) (string, []any) {
	cond, args := campusFilter("m.campus_id", campusIDs)
	if f.ClassID > 0 {
		cond += " AND m.class_id = ?"
		args = append(args, f.ClassID)
	}
	if f.CourseID > 0 {
		cond += " AND EXISTS (SELECT 1 FROM course_members cm WHERE cm.member_id = m.id AND cm.course_id = ?)"
		args = append(args, f.CourseID)
	}
	gc, gargs := f.gradeTier("m")
	return cond + gc, append(args, gargs...)
}

// gradeTier is the condition (starting " AND") of the grade and tier
// filters on the grade and tier columns of table t.
func (f Filter) gradeTier(t string) (string, []any) {
	var cond string
	var args []any
	if f.Grade == UngradedKey {
		cond += " AND " + t + ".grade = ''"
	} else if f.Grade != "" {
		cond += " AND " + t + ".grade = ?"
		args = append(args, f.Grade)
	}
	if f.Tier != "" {
		cond += " AND " + t + ".tier = ?"
		args = append(args, f.Tier)
	}
	return cond, args
}

// Windows of the activity figures.
const (
	ActiveDays = 30 // active: checked in or bought within this many days of the period's end
	ChurnDays  = 90 // churned: left, or neither within this many days
)

// Activity is the period's movement of members: children newly on file in
// the period, active ones (checked in or bought in the ActiveDays up to the
// period's end) and churned ones (lifecycle 流失, or on file for ChurnDays
// and neither checked in nor bought in the ChurnDays up to the end;
// prospects and graduates never count as churned).
type Activity struct {
	New     int64 `json:"new"`
	Active  int64 `json:"active"`
	Churned int64 `json:"churned"`
}

// seenIn is the SQL set "members who checked in or bought in [from, to)",
// read by the time indexes of purchases (campus_id, at) and check-ins
// (campus_id, local_day) over every campus, rather than probed per member:
// a window's purchases instead of a million members. The local-day range is
// widened by a day either side and the exact instants filtered after it.
func seenIn(ctx context.Context, db *gorm.DB, from, to time.Time) (string, []any, error) {
	campuses, err := everyCampus(ctx, db)
	if err != nil {
		return "", nil, err
	}
	d0, d1 := from.AddDate(0, 0, -1).Format(time.DateOnly), to.AddDate(0, 0, 1).Format(time.DateOnly)
	return `(SELECT p.member_id FROM purchases p WHERE p.campus_id IN ? AND p.at >= ? AND p.at < ?
		UNION SELECT c.member_id FROM checkins c WHERE c.campus_id IN ? AND c.local_day >= ? AND c.local_day <= ? AND c.at >= ? AND c.at < ?)`,
		[]any{campuses, from, to, campuses, d0, d1, from, to}, nil
}

// everyCampus lists every campus id and 0 (an operation of a member of no
// campus): "campus_id IN everyCampus" lets a query over all campuses read a
// time range of a (campus_id, at) index, which "no campus condition" cannot.
func everyCampus(ctx context.Context, db *gorm.DB) ([]int64, error) {
	var campuses []int64
	if err := db.WithContext(ctx).Raw(`SELECT id FROM campuses`).Scan(&campuses).Error; err != nil {
		return nil, fmt.Errorf("reports: campuses: %w", err)
	}
	return append(campuses, 0), nil
}

// ActivityFor counts new, active and churned members for the period: from
// the kept days when they fit (a period ending today), from the closing of
// its end (one that ended at a month's start), else from the history.
func ActivityFor(ctx context.Context, db *gorm.DB, p Period, f Filter) (Activity, error) {
	switch {
	case keptFits(ctx, db, p, f):
		return activityKept(ctx, db, p, f)
	case closedFits(ctx, db, p, f):
		return activityClosed(ctx, db, p, f)
	}
	return activityFromHistory(ctx, db, p, f)
}

// newMembers counts the members put on file in the period.
func newMembers(ctx context.Context, db *gorm.DB, p Period, f Filter) (int64, error) {
	return joinedBetween(ctx, db, p.From, p.To, p.CampusIDs, f)
}

// activityFromHistory is ActivityFor read from the period's purchases and
// check-ins.
func activityFromHistory(ctx context.Context, db *gorm.DB, p Period, f Filter) (Activity, error) {
	var a Activity
	cond, args := f.where(p.CampusIDs)
	to := p.To.UTC()
	q := db.WithContext(ctx)
	var err error
	if a.New, err = newMembers(ctx, db, p, f); err != nil {
		return a, err
	}
	act := to.AddDate(0, 0, -ActiveDays)
	seen, sargs, err := seenIn(ctx, db, act, to)
	if err != nil {
		return a, err
	}
	if err := q.Raw(`SELECT COUNT(*) FROM members m WHERE m.archived_at IS NULL AND m.created_at < ?`+cond+` AND m.id IN `+seen,
		append(append([]any{to}, args...), sargs...)...).Scan(&a.Active).Error; err != nil {
		return a, fmt.Errorf("reports: active members: %w", err)
	}
	idle := to.AddDate(0, 0, -ChurnDays)
	if seen, sargs, err = seenIn(ctx, db, idle, to); err != nil {
		return a, err
	}
	if err := q.Raw(`SELECT COUNT(*) FROM members m WHERE m.archived_at IS NULL AND m.created_at < ?`+cond+` AND (m.lifecycle = ?
		OR (m.lifecycle NOT IN ? AND m.created_at < ? AND m.id NOT IN `+seen+`))`,
		append(append(append([]any{to}, args...), models.LifecycleChurned, unchurnable,
			idle), sargs...)...).Scan(&a.Churned).Error; err != nil {
		return a, fmt.Errorf("reports: churned members: %w", err)
	}
	return a, nil
}

// CohortMonths is how many enrolment months the retention triangle shows:
// as many as the members keep months seen for.
const CohortMonths = memberdays.CohortMonths

// Cohort is one enrolment month's row of the retention triangle: the
// children who joined that month and, for each month since (0 = the month
// itself), the share who checked in or bought in it (percent).
type Cohort struct {
	Month string  `json:"month"`
	Size  int64   `json:"size"`
	Pct   []int64 `json:"pct"`
}

// CohortsFor builds the retention triangle of the CohortMonths calendar
// months up to the month the period ends in: each month's cohort is the
// children put on file in that whole month and its cells the share seen in
// each whole month since (the month in progress up to now), so a period
// ending mid-month shows the months it touches. It reads the months seen
// kept on the members (cohortsKept) when they fit, else the cohorts'
// members by the created_at index and their check-ins and purchases.
func CohortsFor(ctx context.Context, db *gorm.DB, p Period, f Filter) ([]Cohort, error) {
	end := p.To.Add(-time.Nanosecond).In(p.Loc)
	last := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, p.Loc)
	first := last.AddDate(0, 1-CohortMonths, 0)
	out, idx := emptyCohorts(first)
	months := p
	months.From, months.To = first, last.AddDate(0, 1, 0)
	if cohortsKeptFit(ctx, db, f) {
		if err := cohortsKept(ctx, db, months, f, first, out); err != nil {
			return nil, err
		}
		return cohortPcts(out), nil
	}
	return cohortsFromHistory(ctx, db, months, f, first, idx, out)
}

// emptyCohorts is the triangle of the CohortMonths months from first, with
// each month's index.
func emptyCohorts(first time.Time) ([]Cohort, map[string]int) {
	idx := map[string]int{}
	out := make([]Cohort, CohortMonths)
	for i := range out {
		m := first.AddDate(0, i, 0).Format("2006-01")
		idx[m] = i
		out[i] = Cohort{Month: m, Pct: make([]int64, CohortMonths-i)}
	}
	return out, idx
}

// cohortsFromHistory fills the triangle from the cohorts' members and their
// check-ins and purchases of those months.
func cohortsFromHistory(ctx context.Context, db *gorm.DB, p Period, f Filter, first time.Time, idx map[string]int, out []Cohort) ([]Cohort, error) {
	cond, args := f.where(p.CampusIDs)
	var ms []struct {
		ID        int64
		CreatedAt time.Time
	}
	q := db.WithContext(ctx)
	if err := q.Raw(`SELECT m.id, m.created_at FROM members m WHERE m.created_at >= ? AND m.created_at < ?`+cond,
		append([]any{first.UTC(), p.To.UTC()}, args...)...).Scan(&ms).Error; err != nil {
		return nil, fmt.Errorf("reports: cohorts: %w", err)
	}
	joined := map[int64]int{}
	for _, m := range ms {
		i := idx[m.CreatedAt.In(p.Loc).Format("2006-01")]
		joined[m.ID] = i
		out[i].Size++
	}
	if len(ms) == 0 {
		return out, nil
	}
	// Months each cohort member was seen in: check-ins by their local day,
	// purchases by their time in the school's zone.
	var seenRows []struct {
		MemberID int64
		Month    string
	}
	if err := q.Raw(`SELECT c.member_id, SUBSTR(c.local_day, 1, 7) AS month FROM checkins c JOIN members m ON m.id = c.member_id
		WHERE m.created_at >= ? AND m.created_at < ? AND c.at >= ? AND c.at < ?`+cond+` GROUP BY c.member_id, SUBSTR(c.local_day, 1, 7)`,
		append([]any{first.UTC(), p.To.UTC(), first.UTC(), p.To.UTC()}, args...)...).Scan(&seenRows).Error; err != nil {
		return nil, fmt.Errorf("reports: cohort check-ins: %w", err)
	}
	var buys []struct {
		MemberID int64
		At       time.Time
	}
	if err := q.Raw(`SELECT p.member_id, p.at FROM purchases p JOIN members m ON m.id = p.member_id
		WHERE m.created_at >= ? AND m.created_at < ? AND p.at >= ? AND p.at < ?`+cond,
		append([]any{first.UTC(), p.To.UTC(), first.UTC(), p.To.UTC()}, args...)...).Scan(&buys).Error; err != nil {
		return nil, fmt.Errorf("reports: cohort purchases: %w", err)
	}
	for _, b := range buys {
		seenRows = append(seenRows, struct {
			MemberID int64
			Month    string
		}{b.MemberID, b.At.In(p.Loc).Format("2006-01")})
	}
	type key struct {
		member int64
		month  int
	}
	hit := map[key]bool{}
	for _, s := range seenRows {
		ci, ok := joined[s.MemberID]
		mi, ok2 := idx[s.Month]
		if !ok || !ok2 || mi < ci || hit[key{s.MemberID, mi}] {
			continue
		}
		hit[key{s.MemberID, mi}] = true
		out[ci].Pct[mi-ci]++ // a count until cohortPcts
	}
	return cohortPcts(out), nil
}

// cohortPcts turns each cohort's counts of members seen into percents of its size.
func cohortPcts(out []Cohort) []Cohort {
	for i := range out {
		for k := range out[i].Pct {
			out[i].Pct[k] = Pct(out[i].Pct[k], out[i].Size)
		}
	}
	return out
}
