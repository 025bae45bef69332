package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The ledger's door for the area packages (models/courses and the like):
// they keep their own assets — class hours — in the same accounts, journals
// and postings, under the same member lock, without the core importing them.

// AssetHours is the class-hour asset (课时), counted in whole hours.
const AssetHours = "hours"

// HoursAccountPrefix starts the name of a member's class-hour account for a
// course: "hours:<course id>".
const HoursAccountPrefix = "hours:"

// HoursAccountName names a member's class-hour account for a course.
func HoursAccountName(courseID int64) string {
	return HoursAccountPrefix + strconv.FormatInt(courseID, 10)
}

// MemberLock is a member whose row and accounts are locked in the current
// transaction, as every ledger operation locks them first.
type MemberLock struct {
	MemberID int64
	CampusID int64
	FamilyID int64
	Tier     string
	w        *wallet
}

// Balances are the locked member's points and stored value as they stand.
func (l *MemberLock) Balances() Balances { return l.w.balances() }

// LockMember locks a member inside tx the way every ledger operation does
// (member row, then its accounts), so an area's postings serialise with
// purchases, top-ups and refunds of the same member.
func LockMember(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64) (*MemberLock, error) {
	w, err := lockWallet(ctx, tx, now, memberID)
	if err != nil {
		return nil, err
	}
	return &MemberLock{MemberID: w.MemberID, CampusID: w.CampusID, FamilyID: w.FamilyID, Tier: w.Tier, w: w}, nil
}

// MemberAccount returns the member's account of that name, locked, creating
// it on first use. Call it after LockMember in the same transaction.
func MemberAccount(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64, name, asset string) (*Account, error) {
	var got []Account
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM ledger_accounts WHERE owner_type = 'member' AND owner_id = ? AND name = ?`+
		forUpdate(tx), memberID, name).Scan(&got).Error; err != nil {
		return nil, fmt.Errorf("models: member account: %w", err)
	}
	if len(got) == 1 {
		return &got[0], nil
	}
	return createAccount(ctx, tx, now, "member", memberID, name, asset)
}

// Entry is one posting an area asks for: on a member account it locked
// (Account) or on a system account (System, with Asset).
type Entry struct {
	Account *Account
	System  int64
	Asset   string
	Amount  int64
}

// JournalSpec describes the business operation a journal records.
type JournalSpec struct {
	Kind       string
	CampusID   int64
	Actor      Actor
	RefType    string
	RefID      int64
	Reason     string
	ReversesID *int64
}

// PostJournal writes one journal with its postings inside tx and updates the
// member accounts' balances and sequences (Account values are updated in
// place). Postings must balance per asset and no member account may go below
// zero (ErrInsufficientBalance).
func PostJournal(ctx context.Context, tx *gorm.DB, now time.Time, spec JournalSpec, entries ...Entry) (int64, error) {
	d := &draft{Kind: spec.Kind, CampusID: spec.CampusID, Actor: spec.Actor, RefType: spec.RefType, RefID: spec.RefID,
		Reason: spec.Reason, ReversesID: spec.ReversesID}
	for _, e := range entries {
		if e.Account != nil {
			d.add(e.Account, e.Amount)
		} else {
			d.sys(e.System, e.Asset, e.Amount)
		}
	}
	return post(ctx, tx, now, d)
}

// MemberClassHours returns each member's class hours left per course id
// ("<course id>" → hours), an empty map for members with none.
func MemberClassHours(ctx context.Context, db *gorm.DB, memberIDs ...int64) (map[int64]map[string]int64, error) {
	out := make(map[int64]map[string]int64, len(memberIDs))
	for _, id := range memberIDs {
		out[id] = map[string]int64{}
	}
	if len(memberIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		OwnerID int64
		Name    string
		Balance int64
	}
	if err := db.WithContext(ctx).Raw(`SELECT owner_id, name, balance FROM ledger_accounts
		WHERE owner_type = 'member' AND asset = ? AND owner_id IN ?`, AssetHours, memberIDs).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: member class hours: %w", err)
	}
	for _, r := range rows {
		if m, ok := out[r.OwnerID]; ok {
			m[strings.TrimPrefix(r.Name, HoursAccountPrefix)] = r.Balance
		}
	}
	return out, nil
}

// RefundGuard may refuse the refund of a purchase: an area that sold
// something on the purchase (a class-hour package) decides how it is refunded.
type RefundGuard func(ctx context.Context, tx *gorm.DB, p *Purchase, in RefundInput) error

var refundGuards []RefundGuard

// RegisterRefundGuard adds a guard PostRefund consults, inside its
// transaction, before it refunds anything. Register at init.
func RegisterRefundGuard(g RefundGuard) { refundGuards = append(refundGuards, g) }

// RegisterVerifyCheck adds an invariant to Verify: sql returns offending rows
// as columns a…g (integers), say prints one. Register at init.
func RegisterVerifyCheck(name, sql, say string) {
	verifyChecks = append(verifyChecks, verifyCheck{name: name, sql: sql, say: say})
}

// RegisterVerifyCheckIf is RegisterVerifyCheck for an invariant that holds
// only where when says so (e.g. a table kept by triggers). Register at init.
func RegisterVerifyCheckIf(name, sql, say string, when func(ctx context.Context, db *gorm.DB) bool) {
	verifyChecks = append(verifyChecks, verifyCheck{name: name, sql: sql, say: say})
	verifyWhen[name] = when
}
