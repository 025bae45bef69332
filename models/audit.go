package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Actor is who does something: a staff user, a guardian, an API client, a
// device or the system itself, with where they did it from.
type Actor struct {
	Type     string // "staff", "guardian", "api", "system"
	ID       int64
	CampusID int64
	Device   string
	IP       string
}

// SystemActor is the actor for scheduled jobs and the demo loader.
var SystemActor = Actor{Type: "system"}

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorType  string
	ActorID    int64
	Action     string
	ObjectType string
	ObjectID   int64
	CampusID   int64
	IP         string
	Detail     string
}

// TableName maps AuditEntry to its table.
func (AuditEntry) TableName() string { return "audit_log" }

// Audit appends an entry to the audit log; call it inside the transaction of
// the action it records so that both land or neither does.
func Audit(ctx context.Context, db *gorm.DB, now time.Time, a Actor, action, objectType string, objectID int64, detail string) error {
	e := AuditEntry{At: now, ActorType: a.Type, ActorID: a.ID, Action: action, ObjectType: objectType,
		ObjectID: objectID, CampusID: a.CampusID, IP: a.IP, Detail: detail}
	if err := db.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("models: audit %s: %w", action, err)
	}
	return nil
}

// ListAudit returns the newest audit entries, optionally for one object.
func ListAudit(ctx context.Context, db *gorm.DB, objectType string, objectID int64, limit int) ([]AuditEntry, error) {
	q := db.WithContext(ctx).Order("id DESC").Limit(limit)
	if objectType != "" {
		q = q.Where("object_type = ? AND object_id = ?", objectType, objectID)
	}
	var es []AuditEntry
	if err := q.Find(&es).Error; err != nil {
		return nil, fmt.Errorf("models: list audit: %w", err)
	}
	return es, nil
}
