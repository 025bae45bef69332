package reports

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/memberdays"
)

// A period that ended before today — last month, last quarter, last week —
// reads its member activity and buyers from the school's closing of its
// end (member_closed, migration 0212) instead of the period's purchases and
// check-ins: per campus, grade and tier the members active and churned as
// of that midnight, and how many bought last (and last but one) on each day
// of a window before it. The reports job closes each midnight as it
// passes, from the history of the days before it (so a visit after
// midnight cannot leak into it), keeping the buyers of the 31 days before a
// day (ranges of up to a month) and of the 366 before a month's start
// (ranges of up to a year); daily closings go after ClosedDays, a month's
// after ClosedMonths. It fills the days and months it missed one of each a
// run. Members count under their campus, grade, tier and lifecycle when the
// day was closed; the history gives the same figures as long as those have
// not changed since (TestKeptFiguresEqualTheHistory).

// How far back the job keeps closings, and how far back each keeps the
// buyers' days: a period starting earlier than that before its end reads
// the history.
const (
	ClosedMonths       = 24
	ClosedMonthBuyDays = 366
	ClosedDays         = 92
	ClosedDayBuyDays   = 31
)

// closedFits reports whether p's member activity and buyers can be read
// from a closing: nothing narrows it to a class or course, p ended by now,
// its end was closed, and the closing keeps the buyers from p's start on.
func closedFits(ctx context.Context, db *gorm.DB, p Period, f Filter) bool {
	if f.ClassID != 0 || f.CourseID != 0 || p.To.After(time.Now()) {
		return false
	}
	var window []int64 // the closing's buyer days, on its marker row
	err := db.WithContext(ctx).Raw(`SELECT n FROM member_closed WHERE closed = ? AND campus_id = 0 AND kind = 'closed'`,
		memberdays.Day(p.To, p.Loc)).Scan(&window).Error
	return err == nil && len(window) == 1 && !p.From.Before(p.To.AddDate(0, 0, -int(window[0])))
}

// monthStart reports whether t is midnight of a month's first day in loc.
func monthStart(t time.Time, loc *time.Location) bool {
	l := t.In(loc)
	return l.Day() == 1 && l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0
}

// sumClosed sums a closing's kind from day `from` (yyyymmdd) on.
func sumClosed(ctx context.Context, db *gorm.DB, closed int64, kind string, from int64, cond string, args []any) (int64, error) {
	var n int64
	if err := db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(d.n), 0) FROM member_closed d WHERE d.closed = ? AND d.kind = ? AND d.day >= ?`+cond,
		append([]any{closed, kind, from}, args...)...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("reports: closing %s: %w", kind, err)
	}
	return n, nil
}

// activityClosed is ActivityFor from the closing of p's end.
func activityClosed(ctx context.Context, db *gorm.DB, p Period, f Filter) (Activity, error) {
	var a Activity
	campuses, err := listCampuses(ctx, db, p.CampusIDs)
	if err != nil {
		return a, err
	}
	if a.New, err = joinedBetween(ctx, db, p.From, p.To, campuses, f); err != nil {
		return a, err
	}
	dc, dargs := keptWhere("d", campuses, f)
	closed := memberdays.Day(p.To, p.Loc)
	if a.Active, err = sumClosed(ctx, db, closed, "active", 0, dc, dargs); err != nil {
		return a, err
	}
	a.Churned, err = sumClosed(ctx, db, closed, "churned", 0, dc, dargs)
	return a, err
}

// buyersClosed is buyersKept from the closing of p's end.
func buyersClosed(ctx context.Context, db *gorm.DB, p Period) (buyers, repeat int64, err error) {
	campuses, err := listCampuses(ctx, db, p.CampusIDs)
	if err != nil {
		return 0, 0, err
	}
	dc, dargs := keptWhere("d", campuses, p.Filter)
	closed, from := memberdays.Day(p.To, p.Loc), memberdays.Day(p.From, p.Loc)
	if buyers, err = sumClosed(ctx, db, closed, "buy", from, dc, dargs); err != nil {
		return 0, 0, err
	}
	repeat, err = sumClosed(ctx, db, closed, "buy2", from, dc, dargs)
	return buyers, repeat, err
}

// closedKey is one row of a closing.
type closedKey struct {
	campus      int64
	kind        string
	day         int64
	grade, tier string
}

// CloseDay writes the closing of `at` (a midnight in loc): the buyers of
// the ClosedMonthBuyDays before a month's first day, of the
// ClosedDayBuyDays before any other, from the purchases and check-ins
// before it and the members on file now, replacing any earlier closing of
// that day, in one transaction. The purchases and check-ins are read as (member, day) pairs
// and sorted, then merged with the members read in id order (16 bytes a
// purchase, as memberdays.Refill reads them).
func CloseDay(ctx context.Context, db *models.DB, at time.Time, loc *time.Location) error {
	at = at.In(loc)
	closed := memberdays.Day(at, loc)
	window := ClosedDayBuyDays
	if at.Day() == 1 {
		window = ClosedMonthBuyDays
	}
	since := at.AddDate(0, 0, -max(window, ChurnDays+1))
	firstBuy := memberdays.Day(at.AddDate(0, 0, -window), loc)
	all, err := everyCampus(ctx, db.R)
	if err != nil {
		return err
	}
	// The campuses listed so both reads take their (campus_id, time) index.
	in := strings.TrimSuffix(strings.Repeat("?,", len(all)), ",")
	args := func(more ...any) []any {
		out := make([]any, 0, len(all)+len(more))
		for _, c := range all {
			out = append(out, c)
		}
		return append(out, more...)
	}
	buys, err := memberdays.ReadDays(ctx, db.SQL(), `SELECT p.member_id, p.at FROM purchases p WHERE p.campus_id IN (`+in+`)
		AND p.at >= ? AND p.at < ?`, args(since.UTC(), at.UTC()), memberdays.PurchaseDay(loc))
	if err != nil {
		return fmt.Errorf("reports: close %d: purchases: %w", closed, err)
	}
	// Check-ins by their local day, as far back as "seen within ChurnDays" needs.
	visits, err := memberdays.ReadDays(ctx, db.SQL(), `SELECT c.member_id, MAX(c.local_day) FROM checkins c WHERE c.campus_id IN (`+in+`)
		AND c.local_day >= ? AND c.local_day < ? GROUP BY c.member_id`,
		args(at.AddDate(0, 0, -ChurnDays-1).Format(time.DateOnly), at.Format(time.DateOnly)), memberdays.VisitDay)
	if err != nil {
		return fmt.Errorf("reports: close %d: check-ins: %w", closed, err)
	}
	memberdays.SortDays(buys)
	memberdays.SortDays(visits)
	q := db.R.WithContext(ctx)
	// The members on file who had joined by then, as activityFromHistory
	// and buyersFromHistory count them.
	active, idle := memberdays.Day(at.AddDate(0, 0, -ActiveDays), loc), memberdays.Day(at.AddDate(0, 0, -ChurnDays), loc)
	idleAt := at.AddDate(0, 0, -ChurnDays)
	rows := map[closedKey]int64{}
	ms, err := q.Raw(`SELECT m.id, m.campus_id, m.grade, m.tier, m.lifecycle, m.created_at FROM members m
		WHERE m.archived_at IS NULL AND m.created_at < ? ORDER BY m.id`, at.UTC()).Rows()
	if err != nil {
		return fmt.Errorf("reports: close %d: members: %w", closed, err)
	}
	defer ms.Close()
	bi, vi := 0, 0
	for ms.Next() {
		var id, campus int64
		var grade, tier, life string
		var created time.Time
		if err := ms.Scan(&id, &campus, &grade, &tier, &life, &created); err != nil {
			return fmt.Errorf("reports: close %d: members: %w", closed, err)
		}
		var seen, last, prev int64
		for ; bi < len(buys) && buys[bi].Member <= id; bi++ {
			if buys[bi].Member == id {
				d := buys[bi].Day
				seen = max(seen, d)
				last, prev = memberdays.Buy(last, prev, d)
			}
		}
		for ; vi < len(visits) && visits[vi].Member <= id; vi++ {
			if visits[vi].Member == id {
				seen = max(seen, visits[vi].Day)
			}
		}
		key := func(kind string, day int64) closedKey { return closedKey{campus, kind, day, grade, tier} }
		if seen >= active {
			rows[key("active", 0)]++
		}
		if life == models.LifecycleChurned || (!slices.Contains(unchurnable, life) && created.Before(idleAt) && seen < idle) {
			rows[key("churned", 0)]++
		}
		if last >= firstBuy {
			rows[key("buy", last)]++
		}
		if prev >= firstBuy {
			rows[key("buy2", prev)]++
		}
	}
	if err := ms.Err(); err != nil {
		return fmt.Errorf("reports: close %d: members: %w", closed, err)
	}
	ms.Close()
	rows[closedKey{kind: "closed"}] = int64(window)
	keys := make([]closedKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b closedKey) int {
		return cmp.Or(cmp.Compare(a.campus, b.campus), cmp.Compare(a.kind, b.kind), cmp.Compare(a.day, b.day),
			cmp.Compare(a.grade, b.grade), cmp.Compare(a.tier, b.tier))
	})
	return db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.WithContext(ctx).Exec(`DELETE FROM member_closed WHERE closed = ?`, closed).Error; err != nil {
			return err
		}
		const batch = 1000
		for i := 0; i < len(keys); i += batch {
			part := keys[i:min(i+batch, len(keys))]
			var sb strings.Builder
			sb.WriteString(`INSERT INTO member_closed (closed, campus_id, kind, day, grade, tier, n) VALUES `)
			args := make([]any, 0, 7*len(part))
			for j, k := range part {
				if j > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString("(?,?,?,?,?,?,?)")
				args = append(args, closed, k.campus, k.kind, k.day, k.grade, k.tier, rows[k])
			}
			if err := tx.WithContext(ctx).Exec(sb.String(), args...).Error; err != nil {
				return fmt.Errorf("reports: close %d: %w", closed, err)
			}
		}
		return nil
	})
}

// Close closes today's first midnight if it is not closed yet, and the
// latest earlier day of the last ClosedDays and month start of the last
// ClosedMonths that are not (one of each a run), none before the school's
// first member; it deletes the daily closings older than ClosedDays. It
// returns how many it closed.
func Close(ctx context.Context, db *models.DB, now time.Time, loc *time.Location) (int, error) {
	var firsts []time.Time // the first member's arrival on file, by the created_at index
	if err := db.R.WithContext(ctx).Raw(`SELECT created_at FROM members ORDER BY created_at LIMIT 1`).Scan(&firsts).Error; err != nil {
		return 0, fmt.Errorf("reports: close: %w", err)
	}
	if len(firsts) == 0 {
		return 0, nil
	}
	// A closing is written whole in one transaction, so any of its rows
	// marks it done; DISTINCT on the key's first column reads the index by
	// skips (the marker rows alone would be a scan of every row).
	var done []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT DISTINCT closed FROM member_closed`).Scan(&done).Error; err != nil {
		return 0, fmt.Errorf("reports: close: %w", err)
	}
	isDone := map[int64]bool{}
	for _, d := range done {
		isDone[d] = true
	}
	l := now.In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	closed := 0
	close := func(at time.Time) error {
		if err := CloseDay(ctx, db, at, loc); err != nil {
			return err
		}
		isDone[memberdays.Day(at, loc)] = true
		closed++
		return nil
	}
	// latest is the latest of count days, each step back from `from`, not
	// closed yet and after the first member (zero time: none).
	latest := func(from time.Time, step func(time.Time) time.Time, count int) time.Time {
		for i, at := 0, from; i < count && at.After(firsts[0]); i, at = i+1, step(at) {
			if !isDone[memberdays.Day(at, loc)] {
				return at
			}
		}
		return time.Time{}
	}
	if today.After(firsts[0]) && !isDone[memberdays.Day(today, loc)] {
		if err := close(today); err != nil {
			return closed, err
		}
	}
	month := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	if at := latest(month, func(t time.Time) time.Time { return t.AddDate(0, -1, 0) }, ClosedMonths); !at.IsZero() {
		if err := close(at); err != nil {
			return closed, err
		}
	}
	if at := latest(today, func(t time.Time) time.Time { return t.AddDate(0, 0, -1) }, ClosedDays); !at.IsZero() {
		if err := close(at); err != nil {
			return closed, err
		}
	}
	// Daily closings past ClosedDays go; a month's first stays ClosedMonths.
	if err := db.W.WithContext(ctx).Exec(`DELETE FROM member_closed WHERE (closed < ? AND closed % 100 <> 1) OR closed < ?`,
		memberdays.Day(today.AddDate(0, 0, -ClosedDays), loc), memberdays.Day(month.AddDate(0, -ClosedMonths, 0), loc)).Error; err != nil {
		return closed, fmt.Errorf("reports: close: %w", err)
	}
	return closed, nil
}
