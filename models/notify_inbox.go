package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// InboxMessage is a notice as the parent portal (or a staff member's inbox)
// shows it. One per outbox row at most.
type InboxMessage struct {
	ID         int64
	OutboxID   int64
	GuardianID int64
	StaffID    int64
	MemberID   int64
	Event      string
	Title      string
	Body       string
	CreatedAt  time.Time
	ReadAt     *time.Time
}

// TableName maps InboxMessage to its table.
func (InboxMessage) TableName() string { return "notify_inbox" }

// ListInbox returns a guardian's newest inbox messages.
func ListInbox(ctx context.Context, db *gorm.DB, guardianID int64, limit int) ([]InboxMessage, error) {
	return listInbox(ctx, db, "guardian_id", guardianID, limit)
}

// ListStaffInbox returns a staff member's newest inbox messages.
func ListStaffInbox(ctx context.Context, db *gorm.DB, staffID int64, limit int) ([]InboxMessage, error) {
	return listInbox(ctx, db, "staff_id", staffID, limit)
}

func listInbox(ctx context.Context, db *gorm.DB, col string, id int64, limit int) ([]InboxMessage, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []InboxMessage
	err := db.WithContext(ctx).Where(col+" = ?", id).Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: list inbox: %w", err)
	}
	return out, nil
}

// UnreadInbox counts a guardian's unread messages.
func UnreadInbox(ctx context.Context, db *gorm.DB, guardianID int64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&InboxMessage{}).Where("guardian_id = ? AND read_at IS NULL", guardianID).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("models: unread inbox: %w", err)
	}
	return n, nil
}

// MarkInboxRead marks a guardian's message read; another guardian's message
// is not found.
func MarkInboxRead(ctx context.Context, db *gorm.DB, now time.Time, guardianID, id int64) error {
	res := db.WithContext(ctx).Model(&InboxMessage{}).Where("id = ? AND guardian_id = ? AND read_at IS NULL", id, guardianID).
		Update("read_at", now)
	if res.Error != nil {
		return fmt.Errorf("models: mark inbox read: %w", res.Error)
	}
	return nil
}
