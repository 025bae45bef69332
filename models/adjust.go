package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Manual adjustments (DOMAIN §3.13): staff correct a member's points or
// stored value with a reason. Up to a threshold the change is posted at once;
// above it, it waits until a different person approves it (maker-checker).
// Each applied adjustment is one "adjust" journal against the system
// adjustment account of its asset, so verify stays clean.

// Assets an adjustment may move. Stored value is adjusted as principal
// (refundable money) or bonus (given value), as the staff member chooses.
const (
	AdjustPoints    = "points"
	AdjustPrincipal = "principal"
	AdjustBonus     = "bonus"
)

// AdjustAssets lists the adjustable assets in display order.
var AdjustAssets = []string{AdjustPoints, AdjustPrincipal, AdjustBonus}

// Adjustment statuses.
const (
	AdjustPending  = "pending"
	AdjustApplied  = "applied"
	AdjustRejected = "rejected"
)

// AdjustMaxAmount bounds one adjustment (points, or fen: ¥100,000).
const AdjustMaxAmount = 10_000_000

// AdjustSettingsName is the settings row of the approval thresholds.
const AdjustSettingsName = "member_adjust"

// AdjustSettings are the largest changes one person may post alone; a larger
// one (in absolute value) needs a second person's approval.
type AdjustSettings struct {
	PointsLimit int64 `json:"points_limit"`
	FenLimit    int64 `json:"fen_limit"`
}

// DefaultAdjustSettings: 500 points or ¥200 alone.
func DefaultAdjustSettings() AdjustSettings { return AdjustSettings{PointsLimit: 500, FenLimit: 20000} }

// Limit is the threshold for an asset.
func (s AdjustSettings) Limit(asset string) int64 {
	if asset == AdjustPoints {
		return s.PointsLimit
	}
	return s.FenLimit
}

// NeedsApproval tells whether an adjustment of amount needs a second person.
func (s AdjustSettings) NeedsApproval(asset string, amount int64) bool {
	if amount < 0 {
		amount = -amount
	}
	return amount > s.Limit(asset)
}

// LoadAdjustSettings reads the thresholds in force at now.
func LoadAdjustSettings(ctx context.Context, db *gorm.DB, now time.Time) (AdjustSettings, error) {
	s := DefaultAdjustSettings()
	var vals []string
	err := db.WithContext(ctx).Raw("SELECT value FROM settings WHERE name = ? AND effective_at <= ? ORDER BY effective_at DESC, id DESC LIMIT 1",
		AdjustSettingsName, now.UTC()).Scan(&vals).Error
	if err != nil {
		return s, fmt.Errorf("models: adjust settings: %w", err)
	}
	if len(vals) == 1 {
		if err := json.Unmarshal([]byte(vals[0]), &s); err != nil {
			return DefaultAdjustSettings(), fmt.Errorf("models: adjust settings: %w", err)
		}
	}
	return s, nil
}

// SaveAdjustSettings stores new thresholds effective now.
func SaveAdjustSettings(ctx context.Context, db *DB, now time.Time, a Actor, s AdjustSettings) error {
	f := map[string]string{}
	if s.PointsLimit < 0 || s.PointsLimit > AdjustMaxAmount {
		f["points_limit"] = "mem2.err_limit"
	}
	if s.FenLimit < 0 || s.FenLimit > AdjustMaxAmount {
		f["fen_limit"] = "mem2.err_limit"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	b, _ := json.Marshal(s)
	return db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO settings (name, value, effective_at, changed_by, created_at) VALUES (?, ?, ?, ?, ?)",
			AdjustSettingsName, string(b), now.UTC(), a.ID, now.UTC()).Error; err != nil {
			return fmt.Errorf("models: save adjust settings: %w", err)
		}
		return Audit(ctx, tx, now, a, "settings.member_adjust", "settings", 0, string(b))
	})
}

// Adjustment is one requested manual change.
type Adjustment struct {
	ID         int64
	RequestKey string
	MemberID   int64
	CampusID   int64
	Asset      string
	Amount     int64
	Reason     string
	Status     string
	MakerID    int64
	CheckerID  int64
	JournalID  int64
	CreatedAt  time.Time
	DecidedAt  *time.Time
}

// TableName maps Adjustment to its table.
func (Adjustment) TableName() string { return "member_adjustments" }

// AdjustInput is what the staff member typed. Key makes a re-submitted form
// (a double click, a retried request) one adjustment.
type AdjustInput struct {
	Key      string
	MemberID int64
	Asset    string
	Amount   int64 // signed: + credits, - debits
	Reason   string
	Actor    Actor
}

// Expected outcomes of adjustments.
var (
	ErrAdjustSelfApproval = NewError(KindForbidden, "adjust-self-approval", "mem2.err_self_approval")
	ErrAdjustDecided      = NewError(KindConflict, "adjust-decided", "mem2.err_decided")
	ErrAdjustKeyReused    = NewError(KindConflict, "adjust-key-reused", "mem2.err_key_reused")
)

// Validate checks an adjustment's fields (field → message key).
func (in AdjustInput) Validate() error {
	f := map[string]string{}
	switch in.Asset {
	case AdjustPoints, AdjustPrincipal, AdjustBonus:
	default:
		f["asset"] = "mem2.err_asset"
	}
	if in.Amount == 0 || in.Amount > AdjustMaxAmount || in.Amount < -AdjustMaxAmount {
		f["amount"] = "mem2.err_amount"
	}
	r := strings.TrimSpace(in.Reason)
	if r == "" {
		f["reason"] = "mem2.err_reason"
	} else if utf8.RuneCountInString(r) > 200 {
		f["reason"] = "mem2.err_reason_long"
	}
	if len(in.Key) == 0 || len(in.Key) > 64 {
		f["key"] = "mem2.err_key"
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	return nil
}

// RequestAdjustment records an adjustment and, when it is within the
// threshold, applies it in the same transaction. The same key again returns
// the first request unchanged.
func RequestAdjustment(ctx context.Context, db *DB, now time.Time, in AdjustInput) (*Adjustment, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	settings, err := LoadAdjustSettings(ctx, db.R, now)
	if err != nil {
		return nil, err
	}
	var out *Adjustment
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var prev []Adjustment
		if err := tx.Where("request_key = ?", in.Key).Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		if len(prev) == 1 {
			p := prev[0]
			if p.MemberID != in.MemberID || p.Asset != in.Asset || p.Amount != in.Amount || p.Reason != in.Reason {
				return ErrAdjustKeyReused
			}
			out = &p
			return nil
		}
		var m []struct {
			ID       int64
			CampusID int64
		}
		if err := tx.Raw("SELECT id, campus_id FROM members WHERE id = ? AND archived_at IS NULL", in.MemberID).Scan(&m).Error; err != nil {
			return err
		}
		if len(m) == 0 {
			return ErrMemberNotFound
		}
		a := Adjustment{RequestKey: in.Key, MemberID: in.MemberID, CampusID: m[0].CampusID, Asset: in.Asset,
			Amount: in.Amount, Reason: in.Reason, Status: AdjustPending, MakerID: in.Actor.ID, CreatedAt: now.UTC()}
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		if err := Audit(ctx, tx, now, in.Actor, "member.adjust_request", "member", in.MemberID,
			fmt.Sprintf("adjustment=%d asset=%s amount=%d reason=%s", a.ID, a.Asset, a.Amount, a.Reason)); err != nil {
			return err
		}
		if !settings.NeedsApproval(a.Asset, a.Amount) {
			if err := applyAdjustment(ctx, tx, now, in.Actor, &a); err != nil {
				return err
			}
		}
		out = &a
		return nil
	})
	if err != nil {
		if _, ok := AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("models: request adjustment: %w", err)
	}
	return out, nil
}

// ApproveAdjustment posts a pending adjustment; the approver must not be the
// person who asked for it.
func ApproveAdjustment(ctx context.Context, db *DB, now time.Time, a Actor, id int64) (*Adjustment, error) {
	return decideAdjustment(ctx, db, now, a, id, true)
}

// RejectAdjustment closes a pending adjustment without posting it.
func RejectAdjustment(ctx context.Context, db *DB, now time.Time, a Actor, id int64) (*Adjustment, error) {
	return decideAdjustment(ctx, db, now, a, id, false)
}

func decideAdjustment(ctx context.Context, db *DB, now time.Time, actor Actor, id int64, approve bool) (*Adjustment, error) {
	var out Adjustment
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var rows []Adjustment
		if err := tx.Raw("SELECT * FROM member_adjustments WHERE id = ?"+forUpdate(tx), id).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return ErrNotFound
		}
		out = rows[0]
		if out.Status != AdjustPending {
			return ErrAdjustDecided
		}
		if actor.Type != "staff" || actor.ID == out.MakerID {
			return ErrAdjustSelfApproval
		}
		if !approve {
			t := now.UTC()
			out.Status, out.CheckerID, out.DecidedAt = AdjustRejected, actor.ID, &t
			if err := tx.Exec("UPDATE member_adjustments SET status = ?, checker_id = ?, decided_at = ? WHERE id = ?",
				out.Status, out.CheckerID, t, out.ID).Error; err != nil {
				return err
			}
			return Audit(ctx, tx, now, actor, "member.adjust_reject", "member", out.MemberID, fmt.Sprintf("adjustment=%d", out.ID))
		}
		return applyAdjustment(ctx, tx, now, actor, &out)
	})
	if err != nil {
		if _, ok := AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("models: decide adjustment: %w", err)
	}
	return &out, nil
}

// applyAdjustment posts the journal of a, marks it applied and audits who
// applied it (the maker below the threshold, the checker above it).
func applyAdjustment(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, a *Adjustment) error {
	w, err := lockWallet(ctx, tx, now, a.MemberID)
	if err != nil {
		return err
	}
	d := &draft{Kind: KindAdjust, CampusID: a.CampusID, Actor: actor, RefType: "adjustment", RefID: a.ID, Reason: a.Reason}
	var moves []lotMove
	switch a.Asset {
	case AdjustPoints:
		if a.Amount < 0 {
			lots, err := spendableLots(ctx, tx, w.Points.ID, now)
			if err != nil {
				return err
			}
			var short int64
			moves, short = planDraw(lots, -a.Amount)
			if short > 0 {
				return ErrInsufficientPoints
			}
		}
		d.add(w.Points, a.Amount)
		d.sys(SysPointsAdjust, AssetPoints, -a.Amount)
	case AdjustPrincipal:
		d.add(w.Principal, a.Amount)
		d.sys(SysCNYAdjust, AssetCNY, -a.Amount)
	case AdjustBonus:
		d.add(w.Bonus, a.Amount)
		d.sys(SysCNYAdjust, AssetCNY, -a.Amount)
	}
	jid, err := post(ctx, tx, now, d)
	if err != nil {
		return err
	}
	if a.Asset == AdjustPoints {
		if a.Amount > 0 {
			rules, err := LoadRules(ctx, tx, now)
			if err != nil {
				return err
			}
			if err := addLot(ctx, tx, w.Points.ID, jid, a.Amount, now, now, LotExpiry(now, rules)); err != nil {
				return err
			}
		} else if err := applyLotMoves(ctx, tx, jid, moves); err != nil {
			return err
		}
	}
	t := now.UTC()
	a.Status, a.JournalID, a.DecidedAt = AdjustApplied, jid, &t
	if actor.ID != a.MakerID {
		a.CheckerID = actor.ID
	}
	if err := tx.Exec("UPDATE member_adjustments SET status = ?, checker_id = ?, journal_id = ?, decided_at = ? WHERE id = ?",
		a.Status, a.CheckerID, a.JournalID, t, a.ID).Error; err != nil {
		return err
	}
	return Audit(ctx, tx, now, actor, "member.adjust_apply", "member", a.MemberID,
		fmt.Sprintf("adjustment=%d journal=%d asset=%s amount=%d", a.ID, jid, a.Asset, a.Amount))
}

// AdjustmentItem is an adjustment with the names a reader needs.
type AdjustmentItem struct {
	Adjustment
	MemberName  string
	MakerName   string
	CheckerName string
}

// ListAdjustments lists a member's adjustments (memberID > 0) or, with
// memberID 0, the ones waiting for approval on the given campuses (nil: all).
func ListAdjustments(ctx context.Context, db *gorm.DB, memberID int64, campuses []int64, limit int) ([]AdjustmentItem, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := db.WithContext(ctx).Table("member_adjustments a").
		Select(`a.*, m.name AS member_name, COALESCE(s.name, '') AS maker_name, COALESCE(c.name, '') AS checker_name`).
		Joins("JOIN members m ON m.id = a.member_id").
		Joins("LEFT JOIN staff_users s ON s.id = a.maker_id").
		Joins("LEFT JOIN staff_users c ON c.id = a.checker_id").
		Order("a.id DESC").Limit(limit)
	if memberID > 0 {
		q = q.Where("a.member_id = ?", memberID)
	} else {
		q = q.Where("a.status = ?", AdjustPending)
	}
	if campuses != nil {
		q = q.Where("a.campus_id IN ?", campuses)
	}
	var out []AdjustmentItem
	if err := q.Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: list adjustments: %w", err)
	}
	return out, nil
}

// GetAdjustment loads one adjustment.
func GetAdjustment(ctx context.Context, db *gorm.DB, id int64) (*Adjustment, error) {
	var a Adjustment
	if err := db.WithContext(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("models: get adjustment: %w", err)
	}
	return &a, nil
}

func init() {
	RegisterVerifyCheck("applied adjustment without its journal, or a journal posted for an open one",
		`SELECT a.id AS a, a.journal_id AS b, COUNT(j.id) AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM member_adjustments a LEFT JOIN ledger_journals j ON j.ref_type = 'adjustment' AND j.ref_id = a.id
		GROUP BY a.id, a.journal_id, a.status
		HAVING (a.status = 'applied' AND (COUNT(j.id) <> 1 OR a.journal_id = 0)) OR (a.status <> 'applied' AND COUNT(j.id) > 0)`,
		"adjustment %[1]d: journal %[2]d, %[3]d journals posted")
}
