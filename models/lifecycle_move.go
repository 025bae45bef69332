package models

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// AdvanceLifecycle moves a member to status to inside the caller's
// transaction, but only from one of the statuses in from (a package bought
// makes a prospect enrolled, the first lesson makes an enrolled child
// active); the move is dated in the lifecycle history and audited. It
// reports whether the member moved.
func AdvanceLifecycle(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, memberID int64, from []string, to, note string) (bool, error) {
	var cur string
	if err := tx.WithContext(ctx).Raw("SELECT lifecycle FROM members WHERE id = ?", memberID).Scan(&cur).Error; err != nil {
		return false, fmt.Errorf("models: advance lifecycle: %w", err)
	}
	if cur == to || !slices.Contains(from, cur) {
		return false, nil
	}
	if err := tx.WithContext(ctx).Model(&Member{}).Where("id = ?", memberID).
		Updates(map[string]any{"lifecycle": to, "updated_at": now}).Error; err != nil {
		return false, fmt.Errorf("models: advance lifecycle: %w", err)
	}
	if err := recordLifecycle(ctx, tx, now, actor, memberID, cur, to, note); err != nil {
		return false, err
	}
	return true, Audit(ctx, tx, now, actor, "member.lifecycle", "member", memberID, cur+"→"+to)
}
