package models

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The running totals of what the school owes per campus (issue 16): every
// posting on a member or family account adds its net change to
// ledger_totals at the account's campus, in the posting's own transaction,
// so the liabilities report reads a few hundred rows instead of a million
// members' accounts. Verify proves the totals equal to the balances.

// TotalsSlots spreads one campus's total over several rows (account or
// package id mod TotalsSlots), so concurrent desks do not queue on one row lock.
const TotalsSlots = 8

// TotalHoursValue is the ledger_totals name of the class-hour packages'
// refund value (fen), kept by models/courses.
const TotalHoursValue = "hours_value"

// TotalDelta is one addition to a campus's running total.
type TotalDelta struct {
	CampusID int64
	Name     string
	Slot     int64
	Asset    string
	Amount   int64
}

// AddTotals adds the deltas to ledger_totals inside tx in one multi-row
// upsert (deltas on one row are merged first; zero deltas are skipped). The
// rows are written in key order, so two transactions never take the same
// rows' locks in opposite orders.
func AddTotals(ctx context.Context, tx *gorm.DB, ds []TotalDelta) error {
	type key struct {
		campus int64
		name   string
		slot   int64
	}
	merged := map[key]*TotalDelta{}
	keys := make([]key, 0, len(ds))
	for _, d := range ds {
		k := key{d.CampusID, d.Name, d.Slot}
		if m, ok := merged[k]; ok {
			m.Amount += d.Amount
			continue
		}
		d := d
		merged[k] = &d
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.campus != b.campus {
			return a.campus < b.campus
		}
		if a.name != b.name {
			return a.name < b.name
		}
		return a.slot < b.slot
	})
	var sb strings.Builder
	args := make([]any, 0, 5*len(keys))
	for _, k := range keys {
		d := merged[k]
		if d.Amount == 0 {
			continue
		}
		if len(args) > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("(?,?,?,?,?)")
		args = append(args, d.CampusID, d.Name, d.Slot, d.Asset, d.Amount)
	}
	if len(args) == 0 {
		return nil
	}
	q := "INSERT INTO ledger_totals (campus_id, name, slot, asset, balance) VALUES " + sb.String()
	if isMySQL(tx) {
		q += " ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance)"
	} else {
		q += " ON CONFLICT (campus_id, name, slot) DO UPDATE SET balance = balance + excluded.balance"
	}
	if _, err := ExecSQL(ctx, tx, q, args...); err != nil {
		return fmt.Errorf("models: ledger totals: %w", err)
	}
	return nil
}

// addPostingTotals adds a journal's postings on member and family accounts
// to their campuses' totals (post calls it once per journal).
func addPostingTotals(ctx context.Context, tx *gorm.DB, lines []line) error {
	ds := make([]TotalDelta, 0, len(lines))
	for _, l := range lines {
		if a := l.acct; a != nil && a.OwnerType != "system" {
			ds = append(ds, TotalDelta{CampusID: a.CampusID, Name: a.Name, Slot: a.ID % TotalsSlots, Asset: a.Asset, Amount: l.amount})
		}
	}
	return AddTotals(ctx, tx, ds)
}

// accountCampus is the campus a new account counts at: its member's, or for
// a family's account the campus of the family's first child.
func accountCampus(ctx context.Context, tx *gorm.DB, ownerType string, ownerID int64) (int64, error) {
	var ids []int64
	var err error
	switch ownerType {
	case "member":
		err = tx.WithContext(ctx).Raw(`SELECT campus_id FROM members WHERE id = ?`, ownerID).Scan(&ids).Error
	case "family":
		err = tx.WithContext(ctx).Raw(`SELECT campus_id FROM members WHERE family_id = ? ORDER BY id LIMIT 1`, ownerID).Scan(&ids).Error
	}
	if err != nil {
		return 0, fmt.Errorf("models: account campus: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// recountMemberCampus re-attributes a member's accounts (and, when the member
// is the family's first child, the family's accounts) to the member's
// campus after a move, locking them first, and moves their balances
// between the campuses' totals. It runs in the move's transaction after the
// member row is updated.
func recountMemberCampus(ctx context.Context, tx *gorm.DB, memberID int64) error {
	var accts []Account
	err := tx.WithContext(ctx).Raw(`SELECT a.* FROM ledger_accounts a JOIN members m ON m.id = ?
		WHERE (a.owner_type = 'member' AND a.owner_id = m.id)
			OR (a.owner_type = 'family' AND a.owner_id = m.family_id
				AND m.id = (SELECT MIN(f.id) FROM members f WHERE f.family_id = m.family_id))
		ORDER BY a.id`+forUpdate(tx), memberID).Scan(&accts).Error
	if err != nil {
		return fmt.Errorf("models: recount member campus: %w", err)
	}
	var campus int64
	if err := tx.WithContext(ctx).Raw(`SELECT campus_id FROM members WHERE id = ?`, memberID).Scan(&campus).Error; err != nil {
		return fmt.Errorf("models: recount member campus: %w", err)
	}
	var ds []TotalDelta
	var moved []int64
	for _, a := range accts {
		if a.CampusID == campus {
			continue
		}
		moved = append(moved, a.ID)
		slot := a.ID % TotalsSlots
		ds = append(ds, TotalDelta{CampusID: a.CampusID, Name: a.Name, Slot: slot, Asset: a.Asset, Amount: -a.Balance},
			TotalDelta{CampusID: campus, Name: a.Name, Slot: slot, Asset: a.Asset, Amount: a.Balance})
	}
	if len(moved) == 0 {
		return nil
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE ledger_accounts SET campus_id = ? WHERE id IN ?`, campus, moved).Error; err != nil {
		return fmt.Errorf("models: recount member campus: %w", err)
	}
	return AddTotals(ctx, tx, ds)
}

// LiabilityTotal is one campus's running total of one account name.
type LiabilityTotal struct {
	CampusID int64
	Name     string
	Asset    string
	Balance  int64
}

// LiabilityTotals reads the running totals per campus and name (slots
// summed) for the campuses (nil: every campus; empty: none).
func LiabilityTotals(ctx context.Context, db *gorm.DB, campusIDs []int64) ([]LiabilityTotal, error) {
	if campusIDs != nil && len(campusIDs) == 0 {
		return nil, nil
	}
	q := `SELECT campus_id, name, MIN(asset) AS asset, SUM(balance) AS balance FROM ledger_totals`
	var args []any
	if campusIDs != nil {
		q += ` WHERE campus_id IN ?`
		args = append(args, campusIDs)
	}
	var out []LiabilityTotal
	if err := db.WithContext(ctx).Raw(q+` GROUP BY campus_id, name ORDER BY campus_id, name`, args...).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: liability totals: %w", err)
	}
	return out, nil
}

func init() {
	verifyChecks = append(verifyChecks,
		verifyCheck{"campus running total differs from the sum of its accounts' balances",
			`SELECT x.campus_id AS a, SUM(x.total) AS b, SUM(x.held) AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g FROM (
				SELECT campus_id, name, balance AS total, 0 AS held FROM ledger_totals WHERE name <> 'hours_value'
				UNION ALL
				SELECT campus_id, name, 0 AS total, balance AS held FROM ledger_accounts WHERE owner_type <> 'system') x
			GROUP BY x.campus_id, x.name HAVING SUM(x.total) <> SUM(x.held)`,
			"campus %[1]d: an account name's running total is %[2]d, its accounts hold %[3]d"},
		verifyCheck{"account counts at another campus than its member's (a family's: its first child's)",
			`SELECT a.id AS a, a.campus_id AS b, m.campus_id AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
			FROM ledger_accounts a JOIN members m ON m.id = a.owner_id
			WHERE a.owner_type = 'member' AND a.campus_id <> m.campus_id
			UNION ALL
			SELECT a.id AS a, a.campus_id AS b, m.campus_id AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
			FROM ledger_accounts a JOIN members m ON m.id = (SELECT MIN(f.id) FROM members f WHERE f.family_id = a.owner_id)
			WHERE a.owner_type = 'family' AND a.campus_id <> m.campus_id`,
			"account %[1]d counts at campus %[2]d, its owner is at campus %[3]d"},
	)
}

// createWalletAccount creates a missing account of a locked wallet: a
// member's counts at the member's campus (known, no query), a family's at
// its first child's.
func createWalletAccount(ctx context.Context, tx *gorm.DB, now time.Time, w *wallet, ownerType string, ownerID int64, name, asset string) (*Account, error) {
	if ownerType == "member" && ownerID == w.MemberID {
		return createAccountAt(ctx, tx, now, ownerType, ownerID, w.CampusID, name, asset)
	}
	return createAccount(ctx, tx, now, ownerType, ownerID, name, asset)
}
