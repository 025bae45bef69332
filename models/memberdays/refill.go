package memberdays

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Refill sets every member's kept days from the history: each member's
// latest seen day (check-in or purchase), latest and previous purchase days,
// month of joining (cohort) and the months since it the member was seen in
// (seen_months, see MonthBit). It reads the members, their purchases and their
// check-ins once each, in member order, and writes the members' days through
// a scratch table in one UPDATE (tx keeps the scratch table on one
// connection). Days are school days in loc, as the app writes them. Members
// never seen keep zero days unless reset (days already written are cleared).
func Refill(ctx context.Context, tx *sql.Tx, loc *time.Location, mysql, reset bool) error {
	type member struct {
		id                     int64
		cohort                 int64
		seen, lastBuy, prevBuy int64
		months                 int64
	}
	// Purchases and check-ins, each as (member, day) in member order, merged
	// with the members below: one database/sql transaction holds one result
	// set at a time, so each is read whole first (16 bytes a row).
	allBuys, err := ReadDays(ctx, tx, `SELECT member_id, at FROM purchases ORDER BY member_id, at`, nil, PurchaseDay(loc))
	if err != nil {
		return fmt.Errorf("member days: purchases: %w", err)
	}
	allVisits, err := ReadDays(ctx, tx, `SELECT member_id, local_day FROM checkins ORDER BY member_id`, nil, VisitDay)
	if err != nil {
		return fmt.Errorf("member days: check-ins: %w", err)
	}
	ms, err := tx.QueryContext(ctx, `SELECT id, created_at FROM members ORDER BY id`)
	if err != nil {
		return fmt.Errorf("member days: members: %w", err)
	}
	defer ms.Close()
	var out []member
	bi, vi := 0, 0
	for ms.Next() {
		var m member
		var created time.Time
		if err := ms.Scan(&m.id, &created); err != nil {
			return fmt.Errorf("member days: members: %w", err)
		}
		m.cohort = Day(created, loc) / 100
		seen := func(day int64) {
			m.seen = max(m.seen, day)
			m.months |= MonthBit(m.cohort, day)
		}
		for bi < len(allBuys) && allBuys[bi].Member < m.id {
			bi++
		}
		for ; bi < len(allBuys) && allBuys[bi].Member == m.id; bi++ {
			d := allBuys[bi].Day
			m.lastBuy, m.prevBuy = Buy(m.lastBuy, m.prevBuy, d)
			seen(d)
		}
		for vi < len(allVisits) && allVisits[vi].Member < m.id {
			vi++
		}
		for ; vi < len(allVisits) && allVisits[vi].Member == m.id; vi++ {
			seen(allVisits[vi].Day)
		}
		if m.seen == 0 && !reset {
			continue
		}
		if m.seen == 0 {
			m.cohort = 0 // set with the first visit, as the app sets it
		}
		out = append(out, m)
	}
	if err := ms.Err(); err != nil {
		return err
	}
	ms.Close()
	if _, err := tx.ExecContext(ctx, `CREATE TEMPORARY TABLE member_days_fill (id BIGINT NOT NULL PRIMARY KEY,
		seen INT NOT NULL, last_buy INT NOT NULL, prev_buy INT NOT NULL, cohort INT NOT NULL, months INT NOT NULL)`); err != nil {
		return fmt.Errorf("member days: %w", err)
	}
	const batch = 2000
	for i := 0; i < len(out); i += batch {
		part := out[i:min(i+batch, len(out))]
		var b strings.Builder
		b.WriteString(`INSERT INTO member_days_fill (id, seen, last_buy, prev_buy, cohort, months) VALUES `)
		for k, m := range part {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,%d,%d,%d,%d,%d)", m.id, m.seen, m.lastBuy, m.prevBuy, m.cohort, m.months)
		}
		if _, err := tx.ExecContext(ctx, b.String()); err != nil {
			return fmt.Errorf("member days: %w", err)
		}
	}
	upd := `UPDATE members SET last_seen_day = f.seen, last_buy_day = f.last_buy, prev_buy_day = f.prev_buy,
		cohort = f.cohort, seen_months = f.months FROM member_days_fill f WHERE f.id = members.id`
	if mysql {
		upd = `UPDATE members m JOIN member_days_fill f ON f.id = m.id
			SET m.last_seen_day = f.seen, m.last_buy_day = f.last_buy, m.prev_buy_day = f.prev_buy,
			m.cohort = f.cohort, m.seen_months = f.months`
	}
	if _, err := tx.ExecContext(ctx, upd); err != nil {
		return fmt.Errorf("member days: %w", err)
	}
	drop := `DROP TABLE member_days_fill`
	if mysql {
		drop = `DROP TEMPORARY TABLE member_days_fill`
	}
	if _, err := tx.ExecContext(ctx, drop); err != nil {
		return fmt.Errorf("member days: %w", err)
	}
	return nil
}

// MemberDay is one purchase or check-in: the member and the school day.
type MemberDay struct{ Member, Day int64 }

// Querier runs a query: a *sql.DB, *sql.Tx or *sql.Conn.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ReadDays reads a query's rows as member days through scan.
func ReadDays(ctx context.Context, q Querier, query string, args []any, scan func(*sql.Rows) (MemberDay, error)) ([]MemberDay, error) {
	rs, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []MemberDay
	for rs.Next() {
		d, err := scan(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rs.Err()
}

// PurchaseDay scans a row (member_id, at) as the member's school day in loc.
func PurchaseDay(loc *time.Location) func(*sql.Rows) (MemberDay, error) {
	return func(rs *sql.Rows) (MemberDay, error) {
		var m int64
		var at time.Time
		err := rs.Scan(&m, &at)
		return MemberDay{m, Day(at, loc)}, err
	}
}

// VisitDay scans a row (member_id, local_day) of the check-ins.
func VisitDay(rs *sql.Rows) (MemberDay, error) {
	var m int64
	var d string
	err := rs.Scan(&m, &d)
	n, _ := strconv.ParseInt(strings.ReplaceAll(d, "-", ""), 10, 64)
	return MemberDay{m, n}, err
}

// SortDays orders member days by member, then day.
func SortDays(ds []MemberDay) {
	slices.SortFunc(ds, func(a, b MemberDay) int {
		if c := cmp.Compare(a.Member, b.Member); c != 0 {
			return c
		}
		return cmp.Compare(a.Day, b.Day)
	})
}
