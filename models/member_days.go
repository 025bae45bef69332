package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models/memberdays"
)

// seenDays are the activity days kept on a member (migration 0204), read
// with the member's locked row: the latest day seen (check-in or purchase),
// the latest and previous purchase days, and when the member joined.
type seenDays struct {
	Seen, LastBuy, PrevBuy int64
	CreatedAt              time.Time
}

// markSeen moves the member's kept days to a check-in (buy false) or a
// purchase on school day `day`, in the caller's transaction and only when
// they change (once or twice a member a day), and counts the member's first
// visit of a month in cohort_seen under the member's campus and month of
// joining. The triggers of member_days (0206) follow the new days.
func markSeen(ctx context.Context, tx *gorm.DB, loc *time.Location, memberID, campusID int64, d seenDays, day int64, buy bool) error {
	seen, last, prev := max(d.Seen, day), d.LastBuy, d.PrevBuy
	if buy {
		last, prev = memberdays.Buy(last, prev, day)
	}
	if seen == d.Seen && last == d.LastBuy && prev == d.PrevBuy {
		return nil
	}
	if _, err := ExecSQL(ctx, tx, `UPDATE members SET last_seen_day = ?, last_buy_day = ?, prev_buy_day = ? WHERE id = ?`,
		seen, last, prev, memberID); err != nil {
		return fmt.Errorf("models: member days: %w", err)
	}
	cohort := memberdays.Day(d.CreatedAt, loc) / 100
	if !memberdays.FirstOfMonth(d.Seen, day) || day/100 < cohort {
		return nil
	}
	q := `INSERT INTO cohort_seen (campus_id, cohort, month, slot, n) VALUES (?, ?, ?, ?, 1)
		ON CONFLICT (campus_id, cohort, month, slot) DO UPDATE SET n = n + 1`
	if isMySQL(tx) {
		q = `INSERT INTO cohort_seen (campus_id, cohort, month, slot, n) VALUES (?, ?, ?, ?, 1) ON DUPLICATE KEY UPDATE n = n + 1`
	}
	if _, err := ExecSQL(ctx, tx, q, campusID, cohort, day/100, memberID%8); err != nil {
		return fmt.Errorf("models: cohort seen: %w", err)
	}
	return nil
}

// RecountMemberDays sets every member's kept days and cohort_seen from the
// history of check-ins and purchases (memberdays.Refill): for data written
// around the use cases, as the demo school's back-dated arrivals are.
func RecountMemberDays(ctx context.Context, db *DB, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("models: recount member days: %w", err)
	}
	defer tx.Rollback()
	if err := memberdays.Refill(ctx, tx, loc, db.Dialect == MySQL, true); err != nil {
		return fmt.Errorf("models: recount member days: %w", err)
	}
	return tx.Commit()
}
