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
	Event      string         // "arrival", "purchase", "topup", "otp", …
	MemberID   int64          // the child it is about, 0 if none
	GuardianID int64          // the recipient; 0 = every guardian of the member's family
	Data       map[string]any // template variables
	DedupeKey  string         // unique per notice, e.g. "arrival:123"
}

// OutboxRow is one notice for one guardian, waiting for or past delivery.
type OutboxRow struct {
	ID            int64
	DedupeKey     string
	Event         string
	MemberID      int64
	GuardianID    int64
	Data          string
	Status        string // pending, sent, failed, dead, skipped
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

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
	if n.GuardianID == 0 {
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
