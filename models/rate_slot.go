package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// A rate slot is a counter row per key (a phone, an address, an account)
// that a limited action takes before it is evaluated. The check and the
// count are one conditional UPDATE, so 64 requests racing for a limit of 5
// get exactly 5 slots: no read-then-write gap for them to slip through.

// TakeSlot takes one of max slots of key in the fixed window that started
// with its first hit; it reports false (and changes nothing) when the window
// is full or the key is locked.
func TakeSlot(ctx context.Context, db *gorm.DB, now time.Time, key string, max int, window time.Duration) (bool, error) {
	now = now.UTC()
	if err := ensureSlot(ctx, db, now, key); err != nil {
		return false, err
	}
	start := now.Add(-window)
	res := db.WithContext(ctx).Exec(`UPDATE rate_slots SET
		hits = CASE WHEN window_start <= ? THEN 1 ELSE hits + 1 END,
		window_start = CASE WHEN window_start <= ? THEN ? ELSE window_start END
		WHERE limit_key = ? AND (locked_until IS NULL OR locked_until <= ?) AND (window_start <= ? OR hits < ?)`,
		start, start, now, key, now, start, max)
	if res.Error != nil {
		return false, fmt.Errorf("models: take slot: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// GiveSlot returns a slot taken by an attempt that turned out not to count
// (the right code: only failures use up the limit).
func GiveSlot(ctx context.Context, db *gorm.DB, key string) error {
	if err := db.WithContext(ctx).Exec(`UPDATE rate_slots SET hits = hits - 1 WHERE limit_key = ? AND hits > 0`, key).Error; err != nil {
		return fmt.Errorf("models: give slot: %w", err)
	}
	return nil
}

// SlotHits returns how many slots of key are taken in the current window.
func SlotHits(ctx context.Context, db *gorm.DB, now time.Time, key string, window time.Duration) (int, error) {
	var row struct {
		Hits        int
		WindowStart time.Time
	}
	res := db.WithContext(ctx).Raw(`SELECT hits, window_start FROM rate_slots WHERE limit_key = ?`, key).Scan(&row)
	if res.Error != nil {
		return 0, fmt.Errorf("models: slot hits: %w", res.Error)
	}
	if res.RowsAffected == 0 || !row.WindowStart.After(now.UTC().Add(-window)) {
		return 0, nil
	}
	return row.Hits, nil
}

// LockSlot locks key until the given time (an account after too many
// failed logins) and starts a new window.
func LockSlot(ctx context.Context, db *gorm.DB, now time.Time, key string, until time.Time) error {
	now = now.UTC()
	if err := ensureSlot(ctx, db, now, key); err != nil {
		return err
	}
	if err := db.WithContext(ctx).Exec(`UPDATE rate_slots SET locked_until = ?, hits = 0, window_start = ? WHERE limit_key = ?`,
		until.UTC(), now, key).Error; err != nil {
		return fmt.Errorf("models: lock slot: %w", err)
	}
	return nil
}

// SlotLockedUntil returns when key's lock ends, or nil when it is not locked.
func SlotLockedUntil(ctx context.Context, db *gorm.DB, now time.Time, key string) (*time.Time, error) {
	var row struct{ LockedUntil *time.Time }
	if err := db.WithContext(ctx).Raw(`SELECT locked_until FROM rate_slots WHERE limit_key = ?`, key).Scan(&row).Error; err != nil {
		return nil, fmt.Errorf("models: slot lock: %w", err)
	}
	until := row.LockedUntil
	if until == nil || !until.After(now.UTC()) {
		return nil, nil
	}
	return until, nil
}

// ClearSlot forgets key's count and lock (a successful login).
func ClearSlot(ctx context.Context, db *gorm.DB, key string) error {
	if err := db.WithContext(ctx).Exec(`UPDATE rate_slots SET hits = 0, locked_until = NULL WHERE limit_key = ?`, key).Error; err != nil {
		return fmt.Errorf("models: clear slot: %w", err)
	}
	return nil
}

func ensureSlot(ctx context.Context, db *gorm.DB, now time.Time, key string) error {
	q := `INSERT INTO rate_slots (limit_key, window_start, hits) VALUES (?, ?, 0) ON CONFLICT (limit_key) DO NOTHING`
	if isMySQL(db) {
		q = `INSERT IGNORE INTO rate_slots (limit_key, window_start, hits) VALUES (?, ?, 0)`
	}
	if err := db.WithContext(ctx).Exec(q, key, now).Error; err != nil {
		return fmt.Errorf("models: rate slot: %w", err)
	}
	return nil
}

// SlotKey fits a key into the rate_slots column (191 characters): a longer
// one keeps its first 100 characters and a digest of the whole, so two long
// keys never share a bucket by their common prefix.
func SlotKey(key string) string {
	r := []rune(key)
	if len(r) <= 191 {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return string(r[:100]) + "#" + hex.EncodeToString(sum[:])
}

// JobPruneRateSlots names the nightly job that forgets stale rate slots.
const JobPruneRateSlots = "security.prune_rate_slots"

// PruneRateSlots deletes slots whose window started over a week ago and
// that hold no lock: a bucket per address and typed name would otherwise
// grow with every address that ever tried. The login and portal windows are
// minutes; the coupon window an admin sets is far below a week.
func PruneRateSlots(ctx context.Context, db *gorm.DB, now time.Time) (int64, error) {
	now = now.UTC()
	res := db.WithContext(ctx).Exec(`DELETE FROM rate_slots WHERE window_start < ? AND (locked_until IS NULL OR locked_until < ?)`,
		now.Add(-7*24*time.Hour), now)
	if res.Error != nil {
		return 0, fmt.Errorf("models: prune rate slots: %w", res.Error)
	}
	return res.RowsAffected, nil
}

func init() {
	RegisterJobs(func(db *DB, loc *time.Location) []Job {
		return []Job{{Name: JobPruneRateSlots, Daily: "03:40", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := PruneRateSlots(ctx, db.W, now)
			return fmt.Sprintf("%d stale rate slots removed", n), err
		}}}
	})
}
