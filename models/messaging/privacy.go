package messaging

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Privacy requests (PIPL art. 45/47): parents download their family's data
// themselves in the portal; an erasure request is filed there and handled
// here by staff — carried out (the family's personal data is erased, the
// ledger and receipts the law makes the school keep stay, with no name) or
// declined with a reason the parent can read.

// Erasure outcomes.
const (
	ErasureDone     = "done"
	ErasureDeclined = "declined"
)

// Expected outcomes of erasure handling.
var (
	ErrErasureClosed  = models.NewError(models.KindConflict, "erasure-closed", "mem2.err_erasure_closed")
	ErrErasureBalance = models.NewError(models.KindConflict, "erasure-balance", "mem2.err_erasure_balance")
)

// ErasureItem is a request with what staff need to decide it.
type ErasureItem struct {
	models.ErasureRequest
	GuardianName string
	Children     string // the family's children, comma-separated
	StoredValue  int64  // stored value still held for the family: refund it first
}

// ListErasureRequests lists open requests first, then the latest closed ones.
func ListErasureRequests(ctx context.Context, db *gorm.DB, limit int) ([]ErasureItem, error) {
	if limit <= 0 || limit > 200 {
		limit = 100
	}
	var out []ErasureItem
	err := db.WithContext(ctx).Raw(`SELECT r.*, COALESCE(g.name, '') AS guardian_name,
			COALESCE((SELECT SUM(a.balance) FROM ledger_accounts a WHERE a.asset = 'cny' AND (
				(a.owner_type = 'family' AND a.owner_id = r.family_id) OR
				(a.owner_type = 'member' AND a.owner_id IN (SELECT m.id FROM members m WHERE m.family_id = r.family_id)))), 0) AS stored_value
		FROM erasure_requests r LEFT JOIN guardians g ON g.id = r.guardian_id
		ORDER BY CASE WHEN r.status = 'requested' THEN 0 ELSE 1 END, r.id DESC LIMIT ?`, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("messaging: erasure requests: %w", err)
	}
	for i := range out {
		var names []string
		if err := db.WithContext(ctx).Raw("SELECT name FROM members WHERE family_id = ? ORDER BY id", out[i].FamilyID).
			Scan(&names).Error; err != nil {
			return nil, fmt.Errorf("messaging: erasure requests: %w", err)
		}
		for j, n := range names {
			if j > 0 {
				out[i].Children += "、"
			}
			out[i].Children += n
		}
	}
	return out, nil
}

// ErasedName replaces erased names.
const ErasedName = "已删除"

// CloseErasure carries out (done) or declines an open request. Carrying it
// out needs the family's stored value refunded first; it erases names,
// phones, birth dates, notes, tags, contact preferences and search terms,
// archives the children, withdraws consent and ends portal sessions, in one
// transaction, and the audit log records who did it.
func CloseErasure(ctx context.Context, db *models.DB, now time.Time, a models.Actor, id int64, outcome string) error {
	if outcome != ErasureDone && outcome != ErasureDeclined {
		return models.Invalid(map[string]string{"outcome": "mem2.err_outcome"})
	}
	now = now.UTC()
	return db.Tx(ctx, func(tx *gorm.DB) error {
		var r models.ErasureRequest
		if err := tx.Where("id = ?", id).Take(&r).Error; err != nil {
			return models.ErrNotFound
		}
		if r.Status != "requested" {
			return ErrErasureClosed
		}
		if outcome == ErasureDone {
			var held int64
			if err := tx.Raw(`SELECT COALESCE(SUM(a.balance), 0) FROM ledger_accounts a WHERE a.asset = 'cny' AND (
				(a.owner_type = 'family' AND a.owner_id = ?) OR
				(a.owner_type = 'member' AND a.owner_id IN (SELECT m.id FROM members m WHERE m.family_id = ?)))`,
				r.FamilyID, r.FamilyID).Scan(&held).Error; err != nil {
				return err
			}
			if held > 0 {
				return ErrErasureBalance.With(models.Yuan(held))
			}
			if err := erase(ctx, tx, now, r.FamilyID); err != nil {
				return err
			}
		}
		if err := tx.Exec("UPDATE erasure_requests SET status = ?, open_family_id = NULL, closed_at = ? WHERE id = ?",
			outcome, now, id).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, a, "family.erasure_"+outcome, "family", r.FamilyID, fmt.Sprintf("request=%d", id))
	})
}

func erase(ctx context.Context, tx *gorm.DB, now time.Time, family int64) error {
	var phones []string
	if err := tx.Raw("SELECT phone FROM guardians WHERE family_id = ?", family).Scan(&phones).Error; err != nil {
		return err
	}
	var gids []int64
	if err := tx.Raw("SELECT id FROM guardians WHERE family_id = ?", family).Scan(&gids).Error; err != nil {
		return err
	}
	type stmt struct {
		sql  string
		args []any
	}
	stmts := []stmt{
		{"DELETE FROM member_search WHERE member_id IN (SELECT id FROM members WHERE family_id = ?)", []any{family}},
		{"DELETE FROM member_tags WHERE member_id IN (SELECT id FROM members WHERE family_id = ?)", []any{family}},
		{`UPDATE members SET name = ?, birth_date = NULL, notes = '', referral_source = '', gender = '',
			archived_at = COALESCE(archived_at, ?), updated_at = ? WHERE family_id = ?`, []any{ErasedName, now, now, family}},
		{`UPDATE guardians SET name = ?, phone = '', occupation = '', position = '', updated_at = ? WHERE family_id = ?`,
			[]any{ErasedName, now, family}},
		{"UPDATE families SET name = ?, updated_at = ? WHERE id = ?", []any{ErasedName, now, family}},
	}
	if len(gids) > 0 {
		stmts = append(stmts,
			stmt{"UPDATE consent_grants SET withdrawn_at = ? WHERE guardian_id IN ? AND withdrawn_at IS NULL", []any{now, gids}},
			stmt{"DELETE FROM notify_prefs WHERE guardian_id IN ?", []any{gids}})
	}
	if len(phones) > 0 {
		stmts = append(stmts,
			stmt{"DELETE FROM guardian_sessions WHERE phone IN ? AND phone NOT IN (SELECT phone FROM guardians)", []any{phones}},
			stmt{"DELETE FROM guardian_logins WHERE phone IN ? AND phone NOT IN (SELECT phone FROM guardians)", []any{phones}})
	}
	for _, s := range stmts {
		if err := tx.WithContext(ctx).Exec(s.sql, s.args...).Error; err != nil {
			return fmt.Errorf("messaging: erase family %d: %w", family, err)
		}
	}
	return nil
}
