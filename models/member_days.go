package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models/memberdays"
)

// seenDays are the activity days kept on a member (migrations 0204, 0209),
// read with the member's locked row: the latest day seen (check-in or
// purchase), the latest and previous purchase days, the month of joining
// and the months since then the member was seen in (memberdays.MonthBit),
// and when the member joined.
type seenDays struct {
	Seen, LastBuy, PrevBuy int64
	Cohort, Months         int64
	CreatedAt              time.Time
}

// markSeen moves the member's kept days to a check-in (buy false) or a
// purchase on school day `day`, in the caller's transaction and only when
// they change (a member's first visit of a day, first and second purchase).
// The triggers of member_days (0206) and member_cohorts (0209) follow.
func markSeen(ctx context.Context, tx *gorm.DB, loc *time.Location, memberID int64, d seenDays, day int64, buy bool) error {
	seen, last, prev := max(d.Seen, day), d.LastBuy, d.PrevBuy
	if buy {
		last, prev = memberdays.Buy(last, prev, day)
	}
	cohort := memberdays.Day(d.CreatedAt, loc) / 100
	months := d.Months | memberdays.MonthBit(cohort, day)
	if seen == d.Seen && last == d.LastBuy && prev == d.PrevBuy && months == d.Months {
		return nil
	}
	if _, err := ExecSQL(ctx, tx, `UPDATE members SET last_seen_day = ?, last_buy_day = ?, prev_buy_day = ?, cohort = ?, seen_months = ?
		WHERE id = ?`, seen, last, prev, cohort, months, memberID); err != nil {
		return fmt.Errorf("models: member days: %w", err)
	}
	return nil
}

// RecountMemberDays sets every member's kept days and months seen from the
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
