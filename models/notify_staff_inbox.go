package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// UnreadStaffInbox counts a staff member's unread notices (the number on
// the inbox link in every staff page's top bar).
func UnreadStaffInbox(ctx context.Context, db *gorm.DB, staffID int64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&InboxMessage{}).Where("staff_id = ? AND read_at IS NULL", staffID).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("models: unread staff inbox: %w", err)
	}
	return n, nil
}

// MarkStaffInboxRead marks one of a staff member's notices read (id > 0) or
// all of them (id == 0); another person's notice is left alone.
func MarkStaffInboxRead(ctx context.Context, db *gorm.DB, now time.Time, staffID, id int64) error {
	q := db.WithContext(ctx).Model(&InboxMessage{}).Where("staff_id = ? AND read_at IS NULL", staffID)
	if id > 0 {
		q = q.Where("id = ?", id)
	}
	if err := q.Update("read_at", now).Error; err != nil {
		return fmt.Errorf("models: mark staff inbox read: %w", err)
	}
	return nil
}
