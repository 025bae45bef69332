package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Jobs and two-phase operations on the ledger: expiry, holds.

// ExpirePoints posts an expiry journal for every member whose lots have
// reached their expiry at now, one short transaction per member, and returns
// how many points expired. Running it twice expires nothing more.
func ExpirePoints(ctx context.Context, db *DB, now time.Time) (int64, error) {
	now = now.UTC()
	var members []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT DISTINCT a.owner_id FROM points_lots l
		JOIN ledger_accounts a ON a.id = l.account_id
		WHERE l.expires_at <= ? AND l.remaining > 0 AND a.owner_type = 'member'`, now).Scan(&members).Error; err != nil {
		return 0, fmt.Errorf("models: expire points: %w", err)
	}
	var total int64
	for _, m := range members {
		var n int64
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			var err error
			n, err = expireMember(ctx, tx, now, m)
			return err
		})
		if err != nil && !errors.Is(err, ErrMemberNotFound) {
			return total, fmt.Errorf("models: expire points: member %d: %w", m, err)
		}
		total += n
	}
	return total, nil
}

func expireMember(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64) (int64, error) {
	w, err := lockWallet(ctx, tx, now, memberID)
	if err != nil {
		return 0, err
	}
	var lots []Lot
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM points_lots WHERE account_id = ? AND expires_at <= ? AND remaining > 0
		ORDER BY expires_at, id`, w.Points.ID, now).Scan(&lots).Error; err != nil {
		return 0, err
	}
	var sum int64
	mv := make([]lotMove, 0, len(lots))
	for _, l := range lots {
		sum += l.Remaining
		mv = append(mv, lotMove{LotID: l.ID, Amount: l.Remaining})
	}
	if sum == 0 {
		return 0, nil
	}
	d := &draft{Kind: KindExpire, CampusID: w.CampusID, Actor: SystemActor, RefType: "member", RefID: memberID,
		Reason: "expiry"}
	d.add(w.Points, -sum)
	d.sys(SysPointsExpired, AssetPoints, sum)
	jid, err := post(ctx, tx, now, d)
	if err != nil {
		return 0, err
	}
	if err := Emit(ctx, tx, DomainEvent{Type: EventPointsExpired, At: now, CampusID: w.CampusID, MemberID: memberID, ObjectID: jid, Actor: SystemActor, Object: map[string]any{"member_id": memberID, "points": sum, "balance": w.Points.Balance}}); err != nil {
		return 0, err
	}
	return sum, applyLotMoves(ctx, tx, jid, mv)
}

// ExpiringPoints returns how many of a member's points expire before until.
func ExpiringPoints(ctx context.Context, db *gorm.DB, memberID int64, now, until time.Time) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(l.remaining), 0) FROM points_lots l
		JOIN ledger_accounts a ON a.id = l.account_id
		WHERE a.owner_type = 'member' AND a.owner_id = ? AND a.name = 'points'
		AND l.remaining > 0 AND l.expires_at > ? AND l.expires_at <= ?`, memberID, now.UTC(), until.UTC()).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("models: expiring points: %w", err)
	}
	return n, nil
}

// Hold states.
const (
	HoldOpen     = "open"
	HoldCaptured = "captured"
	HoldReleased = "released"
)

// Hold errors.
var (
	ErrHoldNotFound = NewError(KindNotFound, "unknown-hold", "err.ledger_unknown_hold")
	ErrHoldClosed   = NewError(KindConflict, "hold-closed", "err.ledger_hold_closed")
)

// HoldInput reserves points or stored value for a later capture.
type HoldInput struct {
	MemberID  int64
	Asset     string // "points" or "stored_value"
	Amount    int64
	ExpiresAt time.Time
	RefType   string
	RefID     int64
	Actor     Actor
}

// HoldRow is one account's part of a hold; a stored-value hold may span the
// bonus and principal accounts (one row each, sharing the journal).
type HoldRow struct {
	ID        int64
	AccountID int64
	MemberID  int64
	Asset     string
	Amount    int64
	Captured  int64
	Status    string
	JournalID int64
	RefType   string
	RefID     int64
	ExpiresAt time.Time
	CreatedAt time.Time
	ClosedAt  *time.Time
}

// TableName maps HoldRow to its table.
func (HoldRow) TableName() string { return "ledger_holds" }

// ReserveHold takes the amount out of the member's spendable balance into a
// held account and returns the hold id (the reserving journal's id). Points
// come from the soonest-expiring lots; stored value in the payment order.
func ReserveHold(ctx context.Context, tx *gorm.DB, now time.Time, r Rules, in HoldInput) (int64, error) {
	now = now.UTC()
	if in.Amount <= 0 {
		return 0, ErrBadAmount.Field("amount", "err.ledger_bad_amount")
	}
	w, err := lockWallet(ctx, tx, now, in.MemberID)
	if err != nil {
		return 0, err
	}
	d := &draft{Kind: KindHold, CampusID: campusOf(in.Actor, w), Actor: in.Actor, RefType: in.RefType, RefID: in.RefID}
	type part struct {
		acct   *Account
		amount int64
	}
	var parts []part
	var moves []lotMove
	switch in.Asset {
	case AssetPoints:
		lots, err := spendableLots(ctx, tx, w.Points.ID, now)
		if err != nil {
			return 0, err
		}
		var short int64
		moves, short = planDraw(lots, in.Amount)
		if short > 0 {
			return 0, ErrInsufficientPoints.With(in.Amount, in.Amount-short)
		}
		d.add(w.Points, -in.Amount)
		d.sys(SysPointsHeld, AssetPoints, in.Amount)
		parts = append(parts, part{w.Points, in.Amount})
	case "stored_value":
		if in.Amount > w.Bonus.Balance+w.Principal.Balance {
			return 0, ErrInsufficientBalance.With(Yuan(in.Amount), Yuan(w.Bonus.Balance+w.Principal.Balance))
		}
		bonus, principal := splitStoredValue(r, w, in.Amount)
		for _, k := range r.PaymentOrder {
			if k == "bonus" && bonus > 0 {
				parts = append(parts, part{w.Bonus, bonus})
			}
			if k == "principal" && principal > 0 {
				parts = append(parts, part{w.Principal, principal})
			}
		}
		for _, p := range parts {
			d.add(p.acct, -p.amount)
		}
		d.sys(SysValueHeld, AssetCNY, in.Amount)
	default:
		return 0, Invalid(map[string]string{"asset": "err.ledger_bad_asset"})
	}
	jid, err := post(ctx, tx, now, d)
	if err != nil {
		return 0, fmt.Errorf("models: reserve hold: %w", err)
	}
	if err := applyLotMoves(ctx, tx, jid, moves); err != nil {
		return 0, fmt.Errorf("models: reserve hold: %w", err)
	}
	for _, p := range parts {
		h := HoldRow{AccountID: p.acct.ID, MemberID: w.MemberID, Asset: p.acct.Asset, Amount: p.amount, Status: HoldOpen,
			JournalID: jid, RefType: in.RefType, RefID: in.RefID, ExpiresAt: in.ExpiresAt.UTC(), CreatedAt: now}
		if err := tx.WithContext(ctx).Create(&h).Error; err != nil {
			return 0, fmt.Errorf("models: reserve hold: %w", err)
		}
	}
	return jid, nil
}

// CaptureHold spends amount of the hold for good and releases the rest.
func CaptureHold(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, holdID, amount int64) error {
	return closeHold(ctx, tx, now, actor, holdID, amount, HoldCaptured)
}

// ReleaseHold gives the whole hold back.
func ReleaseHold(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, holdID int64) error {
	return closeHold(ctx, tx, now, actor, holdID, 0, HoldReleased)
}

func closeHold(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, holdID, capture int64, status string) error {
	now = now.UTC()
	var rows []HoldRow
	if err := tx.WithContext(ctx).Where("journal_id = ?", holdID).Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("models: close hold: %w", err)
	}
	if len(rows) == 0 {
		return ErrHoldNotFound
	}
	w, err := lockWallet(ctx, tx, now, rows[0].MemberID)
	if err != nil {
		return err
	}
	// Re-read under the member lock.
	if err := tx.WithContext(ctx).Where("journal_id = ?", holdID).Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("models: close hold: %w", err)
	}
	var total int64
	for _, h := range rows {
		if h.Status != HoldOpen {
			return ErrHoldClosed
		}
		total += h.Amount
	}
	if capture < 0 || capture > total {
		return ErrBadAmount.Field("amount", "err.ledger_bad_amount")
	}
	accts := map[int64]*Account{w.Points.ID: w.Points, w.Bonus.ID: w.Bonus, w.Principal.ID: w.Principal}
	kind := KindCapture
	if capture == 0 {
		kind = KindRelease
	}
	d := &draft{Kind: kind, CampusID: campusOf(actor, w), Actor: actor, RefType: rows[0].RefType, RefID: rows[0].RefID,
		ReversesID: &holdID}
	left := capture
	var releasedPoints int64
	for i := range rows {
		h := &rows[i]
		a := accts[h.AccountID]
		if a == nil {
			return fmt.Errorf("models: close hold: account %d is no longer the member's", h.AccountID)
		}
		take := min(left, h.Amount)
		left -= take
		h.Captured = take
		back := h.Amount - take
		heldAcct, spentAcct := SysValueHeld, SysRevenue
		if h.Asset == AssetPoints {
			heldAcct, spentAcct = SysPointsHeld, SysPointsSpent
			releasedPoints += back
		}
		d.sys(heldAcct, h.Asset, -h.Amount)
		d.sys(spentAcct, h.Asset, take)
		d.add(a, back)
	}
	jid, err := post(ctx, tx, now, d)
	if err != nil {
		return fmt.Errorf("models: close hold: %w", err)
	}
	if releasedPoints > 0 {
		restore, err := holdDraws(ctx, tx, holdID)
		if err != nil {
			return err
		}
		var mv []lotMove
		for _, l := range restore {
			if releasedPoints == 0 {
				break
			}
			put := min(releasedPoints, l.Amount)
			mv = append(mv, lotMove{LotID: l.LotID, Amount: -put})
			releasedPoints -= put
		}
		if err := applyLotMoves(ctx, tx, jid, mv); err != nil {
			return fmt.Errorf("models: close hold: %w", err)
		}
	}
	for _, h := range rows {
		if err := tx.WithContext(ctx).Exec(`UPDATE ledger_holds SET status = ?, captured = ?, closed_at = ? WHERE id = ?`,
			status, h.Captured, now, h.ID).Error; err != nil {
			return fmt.Errorf("models: close hold: %w", err)
		}
	}
	return nil
}

// holdDraws lists the lots a hold drew from, latest-expiring first.
func holdDraws(ctx context.Context, tx *gorm.DB, holdJournal int64) ([]lotMove, error) {
	var rows []lotMove
	err := tx.WithContext(ctx).Raw(`SELECT d.lot_id, SUM(d.amount) AS amount FROM points_lot_draws d
		JOIN points_lots l ON l.id = d.lot_id WHERE d.journal_id = ?
		GROUP BY d.lot_id, l.expires_at ORDER BY l.expires_at DESC, d.lot_id DESC`, holdJournal).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: hold draws: %w", err)
	}
	return rows, nil
}

// ReleaseExpiredHolds releases every open hold whose time is up and returns
// how many it released.
func ReleaseExpiredHolds(ctx context.Context, db *DB, now time.Time) (int, error) {
	var ids []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT DISTINCT journal_id FROM ledger_holds WHERE status = ? AND expires_at <= ?`,
		HoldOpen, now.UTC()).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("models: release expired holds: %w", err)
	}
	n := 0
	for _, id := range ids {
		err := db.Tx(ctx, func(tx *gorm.DB) error { return ReleaseHold(ctx, tx, now, SystemActor, id) })
		if errors.Is(err, ErrHoldClosed) {
			continue // captured or released meanwhile
		}
		if err != nil {
			return n, fmt.Errorf("models: release expired holds: %w", err)
		}
		n++
	}
	return n, nil
}
