package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// SkipPendingNotices marks every notice still waiting in the outbox as
// skipped, with reason as its note, so that the worker never sends it. The
// demo school uses it once its back-dated history is written: that history's
// arrivals, purchases and top-ups are not news to anyone.
func SkipPendingNotices(ctx context.Context, db *gorm.DB, now time.Time, reason string) error {
	err := db.WithContext(ctx).Model(&OutboxRow{}).Where("status IN ?", []string{OutboxPending, OutboxFailed}).
		Updates(map[string]any{"status": OutboxSkipped, "last_error": reason, "next_attempt_at": now}).Error
	if err != nil {
		return fmt.Errorf("models: skip pending notices: %w", err)
	}
	return nil
}
