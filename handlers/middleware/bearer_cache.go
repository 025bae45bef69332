package middleware

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// staffCache keeps the staff rows the bearer check reads, so an API call
// costs no database round trip for its token. An entry is used only while
// the staff epoch (bumped by every write to the staff tables in this
// process: disabling, role, campus or password changes) is the one it was
// read under, and for at most staffCacheTTL — the bound for a change made
// by another instance.
type staffCache struct {
	mu sync.Mutex
	m  map[staffKey]staffEntry
}

type staffKey struct {
	db gorm.ConnPool // one cache per database (tests open many)
	id int64
}

type staffEntry struct {
	u       models.StaffUser
	epoch   int64
	fetched time.Time
}

const staffCacheTTL = time.Second

var bearerStaff = &staffCache{m: map[staffKey]staffEntry{}}

// get returns a copy of the staff row (callers may keep or change it).
func (sc *staffCache) get(ctx context.Context, db *gorm.DB, id int64) (*models.StaffUser, error) {
	k := staffKey{db.Config.ConnPool, id}
	epoch := models.StaffEpoch()
	now := time.Now()
	sc.mu.Lock()
	e, ok := sc.m[k]
	sc.mu.Unlock()
	if ok && e.epoch == epoch && now.Sub(e.fetched) < staffCacheTTL {
		u := e.u
		return &u, nil
	}
	u, err := models.GetStaff(ctx, db, id)
	if err != nil {
		return nil, err
	}
	sc.mu.Lock()
	if len(sc.m) > 10000 {
		clear(sc.m)
	}
	sc.m[k] = staffEntry{u: *u, epoch: epoch, fetched: now}
	sc.mu.Unlock()
	return u, nil
}
