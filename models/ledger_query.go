package models

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ErrLedgerCursor refuses a statement cursor the server did not hand out.
var ErrLedgerCursor = NewError(KindInvalid, "bad-cursor", "err.ledger_bad_cursor")

// ErrBadAsset refuses an asset filter other than points or stored_value.
var ErrBadAsset = NewError(KindInvalid, "bad-asset", "err.ledger_bad_asset")

// LedgerEntry is one line of a member's statement (DOMAIN §4).
type LedgerEntry struct {
	ID           int64     `json:"id"`
	At           time.Time `json:"at"`
	Asset        string    `json:"asset"` // points, stored_value_principal, stored_value_bonus
	Amount       int64     `json:"amount"`
	BalanceAfter int64     `json:"balance_after"`
	Kind         string    `json:"kind"`
	Reference    string    `json:"reference"`
	Reason       string    `json:"reason,omitempty"`
}

// LedgerPage is one page of a statement, newest first.
type LedgerPage struct {
	Entries    []LedgerEntry `json:"entries"`
	NextCursor *string       `json:"next_cursor"`
}

// EncodeCursor makes an opaque cursor from the last id of a page.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("l1:" + strconv.FormatInt(id, 10)))
}

// DecodeCursor reads a cursor; "" means the first page (0).
func DecodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	// Strict and canonical: one id has exactly one cursor.
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "l1:") {
		return 0, ErrLedgerCursor.Field("cursor", "err.ledger_bad_cursor")
	}
	id, err := strconv.ParseInt(string(b[3:]), 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != string(b[3:]) {
		return 0, ErrLedgerCursor.Field("cursor", "err.ledger_bad_cursor")
	}
	return id, nil
}

// memberWalletAccounts returns the ids of the accounts a statement shows.
func memberWalletAccounts(ctx context.Context, db *gorm.DB, memberID int64, asset string) ([]int64, error) {
	var m memberRow
	res := db.WithContext(ctx).Raw(`SELECT m.id, m.campus_id, m.family_id, m.tier, f.shared_wallet
		FROM members m JOIN families f ON f.id = m.family_id WHERE m.id = ? AND m.archived_at IS NULL`, memberID).Scan(&m)
	if res.Error != nil {
		return nil, fmt.Errorf("models: member ledger: %w", res.Error)
	}
	if m.ID == 0 {
		return nil, ErrMemberNotFound
	}
	var ids []int64
	q := db.WithContext(ctx).Model(&Account{}).Select("id")
	if asset == AssetPoints {
		q = q.Where("owner_type = 'member' AND owner_id = ? AND name = ?", m.ID, AcctPoints)
	} else if m.SharedWallet {
		q = q.Where("owner_type = 'family' AND owner_id = ? AND name IN ?", m.FamilyID, []string{AcctPrincipal, AcctBonus})
	} else {
		q = q.Where("owner_type = 'member' AND owner_id = ? AND name IN ?", m.ID, []string{AcctPrincipal, AcctBonus})
	}
	if err := q.Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("models: member ledger: %w", err)
	}
	return ids, nil
}

// MemberLedger returns a page of a member's statement for one asset
// ("points" or "stored_value"), newest first, with keyset pagination.
func MemberLedger(ctx context.Context, db *gorm.DB, memberID int64, asset, cursor string, limit int) (*LedgerPage, error) {
	if asset == "" {
		asset = AssetPoints
	}
	if asset != AssetPoints && asset != "stored_value" {
		return nil, ErrBadAsset.Field("asset", "err.ledger_bad_asset")
	}
	before, err := DecodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	ids, err := memberWalletAccounts(ctx, db, memberID, asset)
	if err != nil {
		return nil, err
	}
	page := &LedgerPage{Entries: []LedgerEntry{}}
	if len(ids) == 0 {
		return page, nil
	}
	type row struct {
		ID           int64
		At           time.Time
		Name         string
		Amount       int64
		BalanceAfter int64
		Kind         string
		RefType      string
		RefID        int64
		Reason       string
	}
	q := `SELECT p.id, p.at, a.name, p.amount, p.balance_after, j.kind, j.ref_type, j.ref_id, j.reason
		FROM ledger_postings p JOIN ledger_journals j ON j.id = p.journal_id
		JOIN ledger_accounts a ON a.id = p.account_id
		WHERE p.account_id IN ?`
	args := []any{ids}
	if before > 0 {
		q += ` AND p.id < ?`
		args = append(args, before)
	}
	q += ` ORDER BY p.id DESC LIMIT ?`
	args = append(args, limit+1)
	var rows []row
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: member ledger: %w", err)
	}
	for i, r := range rows {
		if i == limit {
			c := EncodeCursor(rows[i-1].ID)
			page.NextCursor = &c
			break
		}
		as := AssetPoints
		switch r.Name {
		case AcctPrincipal:
			as = "stored_value_principal"
		case AcctBonus:
			as = "stored_value_bonus"
		}
		page.Entries = append(page.Entries, LedgerEntry{ID: r.ID, At: r.At.UTC(), Asset: as, Amount: r.Amount,
			BalanceAfter: r.BalanceAfter, Kind: r.Kind, Reference: Ref(r.RefType, r.RefID), Reason: r.Reason})
	}
	return page, nil
}
