package models

import (
	"strings"
	"sync/atomic"

	"gorm.io/gorm"
)

// staffEpoch counts writes to staff accounts (staff_users, staff_campuses)
// made by this process: a cache of staff rows (the bearer check's) compares
// it to drop every entry at once when anyone is disabled, changes role or
// campus, or changes password.
var staffEpoch atomic.Int64

// StaffEpoch is the current staff epoch (see staffEpoch).
func StaffEpoch() int64 { return staffEpoch.Load() }

const staffEpochCallback = "starcard:staff_epoch"

// watchStaffWrites bumps the staff epoch after every statement that writes
// the staff tables, whichever use case runs it. A cache entry read while
// that write's transaction was still open, or changed by another instance,
// lives at most its short TTL.
func watchStaffWrites(db *gorm.DB) {
	cb := db.Callback()
	if cb.Create().Get(staffEpochCallback) != nil {
		return
	}
	bump := func(tx *gorm.DB) {
		if t := tx.Statement.Table; t == "staff_users" || t == "staff_campuses" {
			staffEpoch.Add(1)
			return
		}
		if s := tx.Statement.SQL.String(); strings.Contains(s, "staff_users") || strings.Contains(s, "staff_campuses") {
			staffEpoch.Add(1)
		}
	}
	_ = cb.Create().After("gorm:create").Register(staffEpochCallback, bump)
	_ = cb.Update().After("gorm:update").Register(staffEpochCallback, bump)
	_ = cb.Delete().After("gorm:delete").Register(staffEpochCallback, bump)
	_ = cb.Raw().After("gorm:raw").Register(staffEpochCallback, bump)
}
