package reports

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/memberdays"
)

// The member-activity, buyer and cohort figures of a period ending today —
// the report's default, the dashboard and every "last N days" — are read
// from what the app keeps per member as it writes check-ins and purchases
// (members.last_seen_day, last_buy_day, prev_buy_day; migration 0204),
// counted per campus, day, grade and tier in member_days by triggers (0206),
// a few thousand rows instead of a window's purchases and check-ins; the
// retention triangle reads member_cohorts for any period (see cohortsKept). A period ending earlier, a class or
// course filter, or a server without the triggers (TiDB) reads the history
// itself; the two give the same figures (TestKeptFiguresEqualTheHistory).

// endsToday reports whether the period ends with today, school time: the
// kept days describe the members as of now.
func endsToday(p Period, now time.Time) bool {
	t := now.In(p.Loc)
	return p.To.Equal(time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, p.Loc))
}

// keptFits reports whether p's member figures can be read from the kept
// days: the period ends today, nothing narrows it to a class or course, and
// member_days and member_counts are kept on db.
func keptFits(ctx context.Context, db *gorm.DB, p Period, f Filter) bool {
	return f.ClassID == 0 && f.CourseID == 0 && endsToday(p, time.Now()) &&
		models.MemberDaysKept(ctx, db) && models.MemberCountsKept(ctx, db)
}

// listCampuses is campusIDs, or every campus when nil (all of the school):
// a kept table's primary key starts with the campus, so a query listing
// them reads it by ranges. Read once per section.
func listCampuses(ctx context.Context, db *gorm.DB, campusIDs []int64) ([]int64, error) {
	if campusIDs != nil {
		return campusIDs, nil
	}
	return everyCampus(ctx, db)
}

// keptWhere is the condition (starting " AND") on a kept table t (campus_id,
// grade, tier columns) for the campuses (listed: see listCampuses) and the
// grade and tier filters.
func keptWhere(t string, campuses []int64, f Filter) (string, []any) {
	cond, args := campusFilter(t+".campus_id", campuses)
	gc, gargs := f.gradeTier(t)
	return cond + gc, append(args, gargs...)
}

// sumDays sums member_days of a kind from day `from` (yyyymmdd) on.
func sumDays(ctx context.Context, db *gorm.DB, kind string, from int64, cond string, args []any) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(d.n), 0) FROM member_days d WHERE d.kind = ? AND d.day >= ?`+cond,
		append([]any{kind, from}, args...)...).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("reports: member days %s: %w", kind, err)
	}
	return n, nil
}

// activityKept is ActivityFor from the kept days. Churned is the members
// on file marked 流失 plus the churnable ones (neither prospect, graduate
// nor churned) less those seen within ChurnDays and those never seen who
// joined within them.
func activityKept(ctx context.Context, db *gorm.DB, p Period, f Filter) (Activity, error) {
	var a Activity
	to := p.To.UTC()
	campuses, err := listCampuses(ctx, db, p.CampusIDs)
	if err != nil {
		return a, err
	}
	if a.New, err = joinedBetween(ctx, db, p.From, p.To, campuses, f); err != nil {
		return a, err
	}
	dc, dargs := keptWhere("d", campuses, f)
	if a.Active, err = sumDays(ctx, db, "seen", memberdays.Day(to.AddDate(0, 0, -ActiveDays), p.Loc), dc, dargs); err != nil {
		return a, err
	}
	idle := to.AddDate(0, 0, -ChurnDays)
	recent, err := sumDays(ctx, db, "idle", memberdays.Day(idle, p.Loc), dc, dargs)
	if err != nil {
		return a, err
	}
	// Never seen: counted by the UTC day they joined; those of the day the
	// window opens on are read one by one (one day's new members).
	u := memberdays.Day(idle, time.UTC)
	joined, err := sumDays(ctx, db, "never", u+1, dc, dargs)
	if err != nil {
		return a, err
	}
	mc, margs := f.where(p.CampusIDs)
	nextUTC := time.Date(idle.Year(), idle.Month(), idle.Day()+1, 0, 0, 0, 0, time.UTC)
	var edge int64
	if err := db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM members m WHERE m.created_at >= ? AND m.created_at < ?
		AND m.archived_at IS NULL AND m.last_seen_day = 0 AND m.lifecycle NOT IN ?`+mc,
		append([]any{idle, nextUTC, unchurnable}, margs...)...).Scan(&edge).Error; err != nil {
		return a, fmt.Errorf("reports: churned members: %w", err)
	}
	cc, cargs := keptWhere("c", campuses, f)
	var counts struct{ Marked, Churnable int64 }
	if err := db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(CASE WHEN c.lifecycle = ? THEN c.n ELSE 0 END), 0) AS marked,
		COALESCE(SUM(CASE WHEN c.lifecycle NOT IN ? THEN c.n ELSE 0 END), 0) AS churnable FROM member_counts c WHERE 1 = 1`+cc,
		append([]any{models.LifecycleChurned, unchurnable}, cargs...)...).Scan(&counts).Error; err != nil {
		return a, fmt.Errorf("reports: churned members: %w", err)
	}
	a.Churned = counts.Marked + counts.Churnable - recent - joined - edge
	return a, nil
}

// joinedBetween counts the members put on file in [from, to) (archived ones
// included) of the campuses, narrowed by f: from member_joins where its
// triggers keep it and no class or course narrows the count — the whole UTC
// days between, plus the part-days at both ends from the members'
// created_at index — else by that index alone.
func joinedBetween(ctx context.Context, db *gorm.DB, from, to time.Time, campusIDs []int64, f Filter) (int64, error) {
	from, to = from.UTC(), to.UTC()
	mc, margs := f.where(campusIDs)
	count := func(a, b time.Time) (int64, error) {
		var n int64
		if !a.Before(b) {
			return 0, nil
		}
		err := db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM members m WHERE m.created_at >= ? AND m.created_at < ?`+mc,
			append([]any{a, b}, margs...)...).Scan(&n).Error
		if err != nil {
			return 0, fmt.Errorf("reports: new members: %w", err)
		}
		return n, nil
	}
	if f.ClassID != 0 || f.CourseID != 0 || !models.TriggerExists(ctx, db, "members_joins_insert") {
		return count(from, to)
	}
	dayStart := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	firstWhole, end := dayStart(from), dayStart(to)
	if firstWhole.Before(from) {
		firstWhole = firstWhole.AddDate(0, 0, 1)
	}
	if !firstWhole.Before(end) { // no whole UTC day inside
		return count(from, to)
	}
	head, err := count(from, firstWhole)
	if err != nil {
		return 0, err
	}
	tail, err := count(end, to)
	if err != nil {
		return 0, err
	}
	campuses, err := listCampuses(ctx, db, campusIDs)
	if err != nil {
		return 0, err
	}
	jc, jargs := keptWhere("j", campuses, f)
	var whole int64
	if err := db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(j.n), 0) FROM member_joins j WHERE j.day >= ? AND j.day < ?`+jc,
		append([]any{memberdays.Day(firstWhole, time.UTC), memberdays.Day(end, time.UTC)}, jargs...)...).Scan(&whole).Error; err != nil {
		return 0, fmt.Errorf("reports: new members: %w", err)
	}
	return head + whole + tail, nil
}

// unchurnable are the lifecycles that never count as churned by idleness.
var unchurnable = []string{models.LifecycleProspect, models.LifecycleGraduated, models.LifecycleChurned}

// buyersKept counts the members on file who bought since the period's
// start, and those who bought twice or more, from the kept purchase days.
func buyersKept(ctx context.Context, db *gorm.DB, p Period) (buyers, repeat int64, err error) {
	campuses, err := listCampuses(ctx, db, p.CampusIDs)
	if err != nil {
		return 0, 0, err
	}
	dc, dargs := keptWhere("d", campuses, p.Filter)
	from := memberdays.Day(p.From, p.Loc)
	if buyers, err = sumDays(ctx, db, "buy", from, dc, dargs); err != nil {
		return 0, 0, err
	}
	repeat, err = sumDays(ctx, db, "buy2", from, dc, dargs)
	return buyers, repeat, err
}

// cohortsKeptFit reports whether the retention triangle can be read from
// member_cohorts: no class or course narrows it and its triggers are there
// (the bits say "seen in that month", as the triangle's cells do).
func cohortsKeptFit(ctx context.Context, db *gorm.DB, f Filter) bool {
	return f.ClassID == 0 && f.CourseID == 0 && models.TriggerExists(ctx, db, "members_cohorts_insert")
}

// cohortsKept is CohortsFor from member_cohorts: each cohort's size from
// member_joins (joinedBetween), and the members of each cohort seen in
// its k-th month since (the members' seen_months bits, counted by the
// triggers under their campus, grade and tier now), narrowed like the
// sizes by the campuses and the grade and tier filters.
func cohortsKept(ctx context.Context, db *gorm.DB, p Period, f Filter, first time.Time, out []Cohort) error {
	campuses, err := listCampuses(ctx, db, p.CampusIDs)
	if err != nil {
		return err
	}
	for i := range out {
		to := first.AddDate(0, i+1, 0)
		if to.After(p.To) {
			to = p.To
		}
		if out[i].Size, err = joinedBetween(ctx, db, first.AddDate(0, i, 0), to, campuses, f); err != nil {
			return err
		}
	}
	sc, sargs := keptWhere("s", campuses, f)
	firstM := int64(first.Year())*100 + int64(first.Month())
	var rows []struct{ Cohort, K, N int64 }
	if err := db.WithContext(ctx).Raw(`SELECT s.cohort, s.k, SUM(s.n) AS n FROM member_cohorts s WHERE s.cohort >= ?`+sc+
		` GROUP BY s.cohort, s.k`, append([]any{firstM}, sargs...)...).Scan(&rows).Error; err != nil {
		return fmt.Errorf("reports: cohorts: %w", err)
	}
	for _, r := range rows {
		ci := int(memberdays.Months(r.Cohort) - memberdays.Months(firstM))
		if ci < 0 || ci >= len(out) || r.K >= int64(len(out[ci].Pct)) {
			continue // a cohort after the period, or a month after its end
		}
		out[ci].Pct[r.K] += r.N
	}
	return nil
}

func init() {
	var bits strings.Builder // the members' months seen, a row per bit set
	for k := range memberdays.CohortMonths {
		fmt.Fprintf(&bits, "\n\t\t\tUNION ALL SELECT campus_id, cohort, grade, tier, %d, 0, 1 FROM members WHERE (seen_months & %d) <> 0", k, 1<<k)
	}
	churnable := `lifecycle NOT IN ('prospect', 'graduated', 'churned')`
	models.RegisterVerifyCheckIf("member days differ from the members on file",
		`SELECT x.campus_id AS a, SUM(x.counted) AS b, SUM(x.held) AS c, x.day AS d, 0 AS e, 0 AS f, 0 AS g FROM (
			SELECT campus_id, kind, day, grade, tier, n AS counted, 0 AS held FROM member_days
			UNION ALL SELECT campus_id, 'seen', last_seen_day, grade, tier, 0, 1 FROM members WHERE archived_at IS NULL AND last_seen_day > 0
			UNION ALL SELECT campus_id, 'buy', last_buy_day, grade, tier, 0, 1 FROM members WHERE archived_at IS NULL AND last_buy_day > 0
			UNION ALL SELECT campus_id, 'buy2', prev_buy_day, grade, tier, 0, 1 FROM members WHERE archived_at IS NULL AND prev_buy_day > 0
			UNION ALL SELECT campus_id, 'idle', last_seen_day, grade, tier, 0, 1 FROM members
				WHERE archived_at IS NULL AND last_seen_day > 0 AND `+churnable+`
			UNION ALL SELECT campus_id, 'never', CAST(REPLACE(SUBSTR(created_at, 1, 10), '-', '') AS SIGNED), grade, tier, 0, 1 FROM members
				WHERE archived_at IS NULL AND last_seen_day = 0 AND `+churnable+`) x
		GROUP BY x.campus_id, x.kind, x.day, x.grade, x.tier HAVING SUM(x.counted) <> SUM(x.held)`,
		"campus %[1]d, day %[4]d: member_days counts %[2]d members, %[3]d members have that day", models.MemberDaysKept)
	models.RegisterVerifyCheckIf("member cohorts differ from the members' months seen",
		`SELECT x.campus_id AS a, SUM(x.counted) AS b, SUM(x.held) AS c, x.cohort AS d, x.k AS e, 0 AS f, 0 AS g FROM (
			SELECT campus_id, cohort, grade, tier, k, n AS counted, 0 AS held FROM member_cohorts
`+bits.String()+`) x
		GROUP BY x.campus_id, x.cohort, x.grade, x.tier, x.k HAVING SUM(x.counted) <> SUM(x.held)`,
		"campus %[1]d, cohort %[4]d, month %[5]d since: member_cohorts counts %[2]d members, %[3]d were seen then",
		func(ctx context.Context, db *gorm.DB) bool {
			return models.TriggerExists(ctx, db, "members_cohorts_insert")
		})
	models.RegisterVerifyCheckIf("member joins differ from the members on file",
		`SELECT x.campus_id AS a, SUM(x.counted) AS b, SUM(x.held) AS c, x.day AS d, 0 AS e, 0 AS f, 0 AS g FROM (
			SELECT campus_id, day, grade, tier, n AS counted, 0 AS held FROM member_joins
			UNION ALL SELECT campus_id, CAST(REPLACE(SUBSTR(created_at, 1, 10), '-', '') AS SIGNED), grade, tier, 0, 1 FROM members) x
		GROUP BY x.campus_id, x.day, x.grade, x.tier HAVING SUM(x.counted) <> SUM(x.held)`,
		"campus %[1]d, UTC day %[4]d: member_joins counts %[2]d members, %[3]d joined that day",
		func(ctx context.Context, db *gorm.DB) bool {
			return models.TriggerExists(ctx, db, "members_joins_insert")
		})
}
