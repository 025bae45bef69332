package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// Write epochs let hot-path caches (the bearer check's staff rows, settings)
// skip a database round trip per request yet see a change at once: every
// statement this process runs that writes a watched table bumps its epoch,
// and so does the commit of a DB.Tx transaction that wrote it (a cache
// refilled while that transaction was open is dropped again). An entry is
// used only under the epoch it was read in, and never longer than its short
// TTL — the bound for a change made by another instance.
var (
	staffEpoch    = watchTables("staff_users", "staff_campuses")
	settingsEpoch = watchTables("settings")
	stampEpoch    = watchTables("stamp_programs")
)

// writeEpoch counts the writes to a set of tables.
type writeEpoch struct {
	tables []string
	n      atomic.Int64
}

// Load is the epoch's current value.
func (e *writeEpoch) Load() int64 { return e.n.Load() }

// watched lists every epoch; filled at package init, only read afterwards.
var watched []*writeEpoch

func watchTables(tables ...string) *writeEpoch {
	e := &writeEpoch{tables: tables}
	watched = append(watched, e)
	return e
}

// StaffEpoch is the current epoch of the staff tables.
func StaffEpoch() int64 { return staffEpoch.Load() }

const epochCallback = "starcard:write_epoch"

// writes reports whether a statement writes one of e's tables.
func (e *writeEpoch) writes(st *gorm.Statement) bool {
	for _, t := range e.tables {
		if st.Table == t {
			return true
		}
	}
	s := st.SQL.String()
	for _, t := range e.tables {
		if strings.Contains(s, t) {
			return true
		}
	}
	return false
}

// dirtyTx remembers the open transactions (by their *sql.Tx) that wrote a
// watched table, to bump again once they commit.
var dirtyTx sync.Map

func watchWrites(db *gorm.DB) {
	cb := db.Callback()
	if cb.Create().Get(epochCallback) != nil {
		return
	}
	bump := func(tx *gorm.DB) {
		any := false
		for _, e := range watched {
			if e.writes(tx.Statement) {
				e.n.Add(1)
				any = true
			}
		}
		if !any {
			return
		}
		if t, ok := tx.Statement.ConnPool.(*sql.Tx); ok {
			dirtyTx.Store(t, true)
		}
	}
	_ = cb.Create().After("gorm:create").Register(epochCallback, bump)
	_ = cb.Update().After("gorm:update").Register(epochCallback, bump)
	_ = cb.Delete().After("gorm:delete").Register(epochCallback, bump)
	_ = cb.Raw().After("gorm:raw").Register(epochCallback, bump)
}

// afterTx bumps every epoch once a transaction that wrote a watched table
// has ended (committed or not: a refill under the old epoch must go).
func afterTx(pool gorm.ConnPool) {
	t, ok := pool.(*sql.Tx)
	if !ok {
		return
	}
	if _, dirty := dirtyTx.LoadAndDelete(t); dirty {
		for _, e := range watched {
			e.n.Add(1)
		}
	}
}

// settingsTTL bounds how long a version list is kept (see rulesTTL).
const settingsTTL = time.Second

type settingsKey struct {
	pool any
	name string
}

type settingsEntry struct {
	rows    []settingRow
	epoch   int64
	fetched time.Time
}

var settingsCache sync.Map // settingsKey → settingsEntry

// SettingAt returns the value of the newest version of the setting name
// effective at now (found false when there is none), read from a cache of
// the setting's versions that any write to the settings table drops.
func SettingAt(ctx context.Context, db *gorm.DB, name string, now time.Time) (string, bool, error) {
	k := settingsKey{cacheKey(db), name}
	epoch := settingsEpoch.Load()
	var rows []settingRow
	if e, ok := settingsCache.Load(k); ok && e.(settingsEntry).epoch == epoch && time.Since(e.(settingsEntry).fetched) < settingsTTL {
		rows = e.(settingsEntry).rows
	} else {
		fetched := time.Now()
		err := db.WithContext(ctx).Where("name = ?", name).Order("effective_at DESC, id DESC").Find(&rows).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return "", false, fmt.Errorf("models: setting %s: %w", name, err)
		}
		settingsCache.Store(k, settingsEntry{rows: rows, epoch: epoch, fetched: fetched})
	}
	now = now.UTC()
	for _, r := range rows {
		if !r.EffectiveAt.After(now) {
			return r.Value, true, nil
		}
	}
	return "", false, nil
}

// cacheKey names the database behind db for process caches: its pool, the
// same inside a transaction (a transaction's *gorm.Config is a copy, so
// keying by it would miss every time).
func cacheKey(db *gorm.DB) any { return db.Config.ConnPool }
