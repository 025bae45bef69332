package models

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// MemberEvent says that something a member's grade may depend on changed
// (a purchase, a refund, a guardian's work, a check-in, a referral…).
type MemberEvent struct {
	MemberID int64
	Cause    string // member.create, purchase, refund, guardian, checkin, referral
	Ref      string // what caused it, e.g. "purchase:12"
	Actor    Actor
	// PaidDelta is what the event added to the member's net paid today (a
	// purchase's amount due), 0 when it moved nothing or moved an earlier
	// day (a refund), so that a hook whose rules read only the paid fact can
	// tell whether any threshold was crossed without reading the history.
	PaidDelta int64
	// SpendSince and SpendAfter, when SpendSince is set, are the member's net
	// paid on the school days after SpendSince (yyyymmdd), this event
	// included: the tier window the purchase's lock already summed.
	SpendSince, SpendAfter int64
}

// MemberHook reacts to a MemberEvent inside the event's own transaction; an
// error rolls the event back.
type MemberHook func(ctx context.Context, tx *gorm.DB, now time.Time, e MemberEvent) error

// JobSource contributes scheduled jobs bound to db in the school's time zone.
type JobSource func(db *DB, loc *time.Location) []Job

// The registries are filled once at start-up (an area's init) and only read
// afterwards; the core calls them without importing the areas.
var (
	hooksMu     sync.RWMutex
	memberHooks []MemberHook
	jobSources  []JobSource
)

// OnMemberChange registers a hook the core calls in the transaction of every
// event that changes a member's facts (models/crm recomputes the grade).
func OnMemberChange(h MemberHook) {
	hooksMu.Lock()
	defer hooksMu.Unlock()
	memberHooks = append(memberHooks, h)
}

// RegisterJobs adds an area's scheduled jobs to StandardJobs.
func RegisterJobs(src JobSource) {
	hooksMu.Lock()
	defer hooksMu.Unlock()
	jobSources = append(jobSources, src)
}

func areaJobs(db *DB, loc *time.Location) []Job {
	hooksMu.RLock()
	defer hooksMu.RUnlock()
	var out []Job
	for _, src := range jobSources {
		out = append(out, src(db, loc)...)
	}
	return out
}

// memberChanged runs the registered hooks for e inside tx.
func memberChanged(ctx context.Context, tx *gorm.DB, now time.Time, e MemberEvent) error {
	hooksMu.RLock()
	hs := memberHooks
	hooksMu.RUnlock()
	for _, h := range hs {
		if err := h(ctx, tx, now, e); err != nil {
			return fmt.Errorf("models: member hook %s: %w", e.Cause, err)
		}
	}
	return nil
}

// MemberChanged runs the member hooks inside tx for an event an area
// records itself (e.g. models/crm editing a guardian's work facts).
func MemberChanged(ctx context.Context, tx *gorm.DB, now time.Time, e MemberEvent) error {
	return memberChanged(ctx, tx, now, e)
}

// FamilyChanged runs the member hooks for every child of a family (a
// guardian's facts belong to all of them).
func FamilyChanged(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, familyID int64, cause, ref string) error {
	hooksMu.RLock()
	n := len(memberHooks)
	hooksMu.RUnlock()
	if n == 0 {
		return nil
	}
	var ids []int64
	if err := tx.WithContext(ctx).Raw("SELECT id FROM members WHERE family_id = ? ORDER BY id", familyID).Scan(&ids).Error; err != nil {
		return fmt.Errorf("models: family changed: %w", err)
	}
	for _, id := range ids {
		if err := memberChanged(ctx, tx, now, MemberEvent{MemberID: id, Cause: cause, Ref: ref, Actor: actor}); err != nil {
			return err
		}
	}
	return nil
}

// SplitReasons reads members.grade_reasons ("a,b") as a list (never nil).
func SplitReasons(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// chinaTime dates records made before enrolment dates were kept.
var chinaTime = time.FixedZone("CST", 8*3600)
