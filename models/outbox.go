package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Notice is something a guardian should hear about: an arrival, a purchase,
// a top-up, a one-time code… It is written to the outbox in the same
// transaction as the event that causes it, so no notice is lost and none is
// sent for an event that rolled back; a worker delivers it later.
type Notice struct {
	Event      string // "arrival", "purchase", "topup", "otp", …
	MemberID   int64  // the child it is about, 0 if none
	GuardianID int64  // the recipient; 0 = every guardian of the member's family
	// GuardianIDs, when set, are the recipients instead (one statement for all).
	GuardianIDs []int64
	Data        map[string]any // template variables
	DedupeKey   string         // unique per notice, e.g. "arrival:123"
}

// OutboxRow is one notice for one guardian, waiting for or past delivery.
type OutboxRow struct {
	ID            int64
	DedupeKey     string
	Event         string
	MemberID      int64
	GuardianID    int64
	StaffID       int64 // set instead of GuardianID for notices to staff
	Data          string
	Status        string // pending, sending, sent, failed, dead, skipped
	Attempts      int
	NextAttemptAt time.Time // when due; while sending, when the lease ends
	LastError     string
	Channel       string // the channel it went out on: sms, email or inbox
	Recipient     string // masked phone or e-mail address
	LeaseHolder   string // the worker sending it
	Preview       string // the text sent (kept for the log provider and non-secret events)
	CreatedAt     time.Time
	SentAt        *time.Time
}

// Outbox statuses. A row is due when pending or failed and its
// next_attempt_at has passed, or when sending and its lease has run out (the
// worker died mid-send).
const (
	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
	OutboxDead    = "dead"
	OutboxSkipped = "skipped"
)

// OutboxStatuses lists the statuses in display order.
var OutboxStatuses = []string{OutboxPending, OutboxSending, OutboxSent, OutboxFailed, OutboxDead, OutboxSkipped}

// TableName maps OutboxRow to its table.
func (OutboxRow) TableName() string { return "outbox" }

// EnqueueNotice writes one outbox row per recipient inside tx. Enqueuing the
// same DedupeKey twice is a no-op, so a retried use case never queues twice.
func EnqueueNotice(ctx context.Context, tx *gorm.DB, now time.Time, n Notice) error {
	if n.DedupeKey == "" || n.Event == "" {
		return fmt.Errorf("models: enqueue notice: event and dedupe key are required")
	}
	data, err := json.Marshal(n.Data)
	if err != nil {
		return fmt.Errorf("models: enqueue notice: %w", err)
	}
	recipients := []int64{n.GuardianID}
	if len(n.GuardianIDs) > 0 {
		recipients = n.GuardianIDs
	} else if n.GuardianID == 0 {
		recipients = nil
		err := tx.WithContext(ctx).Raw(`SELECT g.id FROM guardians g JOIN members m ON m.family_id = g.family_id
			WHERE m.id = ? ORDER BY g.id`, n.MemberID).Scan(&recipients).Error
		if err != nil {
			return fmt.Errorf("models: enqueue notice: %w", err)
		}
	}
	if len(recipients) == 0 {
		return nil
	}
	rows := make([]OutboxRow, 0, len(recipients))
	for _, g := range recipients {
		rows = append(rows, OutboxRow{DedupeKey: fmt.Sprintf("%s:g%d", n.DedupeKey, g), Event: n.Event,
			MemberID: n.MemberID, GuardianID: g, Data: string(data), Status: "pending",
			NextAttemptAt: now, CreatedAt: now})
	}
	if err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return fmt.Errorf("models: enqueue notice: %w", err)
	}
	return nil
}

// EnqueueStaffNotice writes one outbox row for a member of staff (the daily
// summary to a campus manager) inside tx; the same DedupeKey twice is a no-op.
func EnqueueStaffNotice(ctx context.Context, tx *gorm.DB, now time.Time, staffID int64, event, dedupeKey string, data map[string]any) error {
	if dedupeKey == "" || event == "" || staffID == 0 {
		return fmt.Errorf("models: enqueue staff notice: staff, event and dedupe key are required")
	}
	js, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("models: enqueue staff notice: %w", err)
	}
	row := OutboxRow{DedupeKey: fmt.Sprintf("%s:s%d", dedupeKey, staffID), Event: event, StaffID: staffID,
		Data: string(js), Status: OutboxPending, NextAttemptAt: now, CreatedAt: now}
	if err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("models: enqueue staff notice: %w", err)
	}
	return nil
}

// OutboxItem is an outbox row with the names an admin needs to read it.
type OutboxItem struct {
	OutboxRow
	GuardianName string
	StaffName    string
	MemberName   string
}

// OutboxFilter selects rows for the admin outbox page.
type OutboxFilter struct {
	Status string
	Event  string
	Before int64 // id cursor: rows with a smaller id
	Limit  int
}

// ListOutbox returns the newest outbox rows matching f.
func ListOutbox(ctx context.Context, db *gorm.DB, f OutboxFilter) ([]OutboxItem, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := db.WithContext(ctx).Table("outbox o").
		Select(`o.*, COALESCE(g.name, '') AS guardian_name, COALESCE(s.name, '') AS staff_name, COALESCE(m.name, '') AS member_name`).
		Joins("LEFT JOIN guardians g ON g.id = o.guardian_id").
		Joins("LEFT JOIN staff_users s ON s.id = o.staff_id").
		Joins("LEFT JOIN members m ON m.id = o.member_id").
		Order("o.id DESC").Limit(f.Limit)
	if f.Status != "" {
		q = q.Where("o.status = ?", f.Status)
	}
	if f.Event != "" {
		q = q.Where("o.event = ?", f.Event)
	}
	if f.Before > 0 {
		q = q.Where("o.id < ?", f.Before)
	}
	var out []OutboxItem
	if err := q.Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: list outbox: %w", err)
	}
	return out, nil
}

// OutboxCounts counts rows per status (for the outbox page's filter tabs).
func OutboxCounts(ctx context.Context, db *gorm.DB) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := db.WithContext(ctx).Raw("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: outbox counts: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// ErrOutboxNotResendable is returned when resending a notice that is not a
// dead letter or a failed send.
var ErrOutboxNotResendable = NewError(KindConflict, "notice-not-resendable", "err.notify_not_resendable")

// ResendNotice puts a dead (or failed) notice back in the queue with a fresh
// attempt budget and audits who did it. Its stable message id is unchanged.
func ResendNotice(ctx context.Context, db *DB, now time.Time, a Actor, id int64) error {
	return db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&OutboxRow{}).Where("id = ? AND status IN ?", id, []string{OutboxDead, OutboxFailed}).
			Updates(map[string]any{"status": OutboxPending, "attempts": 0, "next_attempt_at": now,
				"last_error": "", "lease_holder": ""})
		if res.Error != nil {
			return fmt.Errorf("models: resend notice: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&OutboxRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
				return fmt.Errorf("models: resend notice: %w", err)
			}
			if n == 0 {
				return ErrNotFound
			}
			return ErrOutboxNotResendable
		}
		return Audit(ctx, tx, now, a, "outbox.resend", "outbox", id, "")
	})
}
