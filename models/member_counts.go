package models

import (
	"context"
	"sync"

	"gorm.io/gorm"
)

// member_counts (migration 0201) is kept by triggers on members. A server
// without triggers (TiDB: the migrations apply there without them) leaves
// the table as the migration filled it, so readers count the members
// themselves there instead, and verify does not hold the table to them.

var triggersFound sync.Map // pool and trigger name → bool

// MemberCountsKept reports whether member_counts follows the members on db
// (its triggers exist).
func MemberCountsKept(ctx context.Context, db *gorm.DB) bool {
	return TriggerExists(ctx, db, "members_count_insert")
}

// MemberDaysKept reports whether member_days (migration 0206) follows the
// members' kept days on db (its triggers exist; not on TiDB).
func MemberDaysKept(ctx context.Context, db *gorm.DB) bool {
	return TriggerExists(ctx, db, "members_days_update")
}

// TriggerExists reports whether the named trigger exists on db. Asked once
// per pool and name: triggers change only with a migration, which runs
// before the app serves. An error answers false (the caller then reads the
// rows themselves: slow but right).
func TriggerExists(ctx context.Context, db *gorm.DB, name string) bool {
	type key struct {
		pool any
		name string
	}
	k := key{cacheKey(db), name}
	if v, ok := triggersFound.Load(k); ok {
		return v.(bool)
	}
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?`
	if isMySQL(db) {
		q = `SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = ?`
	}
	var n int64
	if err := db.WithContext(ctx).Raw(q, name).Scan(&n).Error; err != nil {
		return false
	}
	triggersFound.Store(k, n > 0)
	return n > 0
}

// membersCountSQL is the subquery counting the members on file (of the
// campuses when scoped): from member_counts where its triggers keep it.
func membersCountSQL(ctx context.Context, db *gorm.DB, scoped bool) string {
	if MemberCountsKept(ctx, db) {
		if scoped {
			return `(SELECT COALESCE(SUM(n), 0) FROM member_counts WHERE campus_id IN ?)`
		}
		return `(SELECT COALESCE(SUM(n), 0) FROM member_counts)`
	}
	if scoped {
		return `(SELECT COUNT(*) FROM members WHERE archived_at IS NULL AND campus_id IN ?)`
	}
	return `(SELECT COUNT(*) FROM members WHERE archived_at IS NULL)`
}
