package migrations

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"starcard/models/memberdays"
)

// FillMemberDays (0210) fills the members' kept days (0204) and months
// seen (0209) from the history (memberdays.Refill), in the school's time
// zone; the triggers of member_days and member_cohorts follow.
func FillMemberDays(ctx context.Context, tx *sql.Tx) error {
	loc, err := schoolZone(ctx, tx)
	if err != nil {
		return err
	}
	return memberdays.Refill(ctx, tx, loc, isMySQLTx(ctx, tx), false)
}

func emptyMemberDays(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE members SET last_seen_day = 0, last_buy_day = 0, prev_buy_day = 0, cohort = 0, seen_months = 0`)
	return err
}

func nothing(context.Context, *sql.Tx) error { return nil }

// schoolZone is the time zone of the newest stored rules (the app's
// default, Asia/Shanghai, when none are stored).
func schoolZone(ctx context.Context, tx *sql.Tx) (*time.Location, error) {
	name := "Asia/Shanghai"
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'ledger.rules' ORDER BY effective_at DESC, id DESC LIMIT 1`).Scan(&v)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return nil, fmt.Errorf("fill member days: rules: %w", err)
	default:
		var r struct {
			TimeZone string `json:"time_zone"`
		}
		if json.Unmarshal([]byte(v), &r) == nil && r.TimeZone != "" {
			name = r.TimeZone
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}

// isMySQLTx reports whether tx talks to MySQL, MariaDB or TiDB (SQLite has
// sqlite_version()).
func isMySQLTx(ctx context.Context, tx *sql.Tx) bool {
	var v string
	return tx.QueryRowContext(ctx, `SELECT VERSION()`).Scan(&v) == nil
}
