package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// What the cashier desk needs beyond the ledger's use cases: the member's
// recent purchases and top-ups, receipt numbers, and refunds that a campus
// manager approves on the same screen when they are above the threshold.

// Desk refusals.
var (
	ErrApprovalRequired = NewError(KindInvalid, "refund-approval-required", "err.shift_approval_required")
	ErrApprovalDenied   = NewError(KindForbidden, "refund-approval-denied", "err.shift_approval_denied")
	ErrApprovalLocked   = NewError(KindRateLimited, "refund-approval-locked", "err.shift_approval_locked")
	ErrBadReceiptNo     = NewError(KindNotFound, "unknown-receipt", "err.shift_unknown_receipt")
)

// Receipt kinds: the first letter of a receipt number.
const (
	ReceiptPurchase = "P"
	ReceiptTopup    = "T"
	ReceiptRefund   = "R" // a refund receipt (printed, not scanned back)
)

// DeskReceiptNo is the number printed on a receipt and encoded in its QR:
// a kind letter and eight digits ("P00000123").
func DeskReceiptNo(kind string, id int64) string { return fmt.Sprintf("%s%08d", kind, id) }

// ParseDeskReceiptNo reads a receipt number as printed or scanned; a bare
// number is taken as a purchase.
func ParseDeskReceiptNo(s string) (kind string, id int64, ok bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	kind = ReceiptPurchase
	if strings.HasPrefix(s, ReceiptPurchase) || strings.HasPrefix(s, ReceiptTopup) {
		kind, s = s[:1], s[1:]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, false
	}
	return kind, id, true
}

// DeskPurchases lists a member's latest purchases, newest first.
func DeskPurchases(ctx context.Context, db *gorm.DB, memberID int64, limit int) ([]Purchase, error) {
	var ps []Purchase
	if err := db.WithContext(ctx).Where("member_id = ?", memberID).Order("at DESC, id DESC").Limit(limit).
		Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("models: desk purchases: %w", err)
	}
	return ps, nil
}

// DeskTopups lists a member's latest top-ups, newest first.
func DeskTopups(ctx context.Context, db *gorm.DB, memberID int64, limit int) ([]Topup, error) {
	var ts []Topup
	if err := db.WithContext(ctx).Where("member_id = ?", memberID).Order("at DESC, id DESC").Limit(limit).
		Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("models: desk topups: %w", err)
	}
	return ts, nil
}

// DeskTopup loads one top-up.
func DeskTopup(ctx context.Context, db *gorm.DB, id int64) (*Topup, error) {
	var t Topup
	res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&t)
	if res.Error != nil {
		return nil, fmt.Errorf("models: desk topup: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrTopupNotFound
	}
	return &t, nil
}

// DeskPurchaseRefunds lists the refunds of a purchase, oldest first.
func DeskPurchaseRefunds(ctx context.Context, db *gorm.DB, purchaseID int64) ([]PurchaseRefund, error) {
	var rs []PurchaseRefund
	if err := db.WithContext(ctx).Where("purchase_id = ?", purchaseID).Order("id").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("models: desk refunds: %w", err)
	}
	return rs, nil
}

// Approver is the second person a refund above the threshold needs: a
// campus manager's username with their password, or with the short approval
// PIN they set (typed on the cashier's screen, see CheckApprovalPIN).
type Approver struct {
	Username string
	Password string
	PIN      string
}

// DeskRefundInput is a refund asked for at the desk: of a purchase
// (Kind ReceiptPurchase) or of a top-up's principal (ReceiptTopup).
type DeskRefundInput struct {
	Kind     string
	ID       int64
	Amount   *int64 // nil: all that is left
	Reason   string
	User     *StaffUser // the cashier
	Actor    Actor
	Approver Approver
	// Via names the area refunding (a class-hour package): its refund guard
	// lets it through where a plain refund would be refused.
	Via string
	// Lines picks the purchase lines to give back (only the 教材) instead of
	// an amount: the amount is what those lines cost after every discount.
	Lines []int
}

// DeskRefundOutcome is the stored answer and what the desk shows with it.
type DeskRefundOutcome struct {
	Outcome
	Purchase   *RefundResult
	Topup      *TopupRefundResult
	ApprovedBy string // the approver's name, "" when no approval was needed
}

// approvalFailures is how many wrong approvals a cashier may make in
// approvalWindow before approvals are refused for a while: the form must not
// become a way to guess a manager's password.
const (
	approvalFailures = 5
	approvalWindow   = 15 * time.Minute
)

// RefundNeedsApproval reports whether a refund of amount fen needs a campus
// manager: above the rules' threshold.
func RefundNeedsApproval(r Rules, amount int64) bool { return amount > r.RefundApprovalAmount }

// CanApproveRefund reports whether u may approve a refund at campusID: an
// admin, or a campus manager of that campus.
func CanApproveRefund(u *StaffUser, campusID int64) bool {
	if u == nil || u.DisabledAt != nil {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleCampusManager:
		for _, c := range u.CampusIDs {
			if c == campusID {
				return true
			}
		}
	}
	return false
}

// DeskRefund refunds a purchase or a top-up once per idempotency key. Above
// the threshold it needs an approver: the cashier's own role when they are
// the campus manager (or an admin), else the username and password of one,
// checked here and written to the audit log in the refund's transaction.
// Failed approvals are audited too and, after a few, refused for a while.
func DeskRefund(ctx context.Context, db *DB, now time.Time, scope, key string, in DeskRefundInput) (*DeskRefundOutcome, error) {
	if in.User == nil {
		return nil, ErrForbidden
	}
	if strings.TrimSpace(in.Reason) == "" {
		return nil, Invalid(map[string]string{"reason": "err.required"})
	}
	in.Reason = strings.TrimSpace(in.Reason)
	var campusID, left int64
	switch in.Kind {
	case ReceiptPurchase:
		p, err := GetPurchase(ctx, db.R, in.ID)
		if err != nil {
			return nil, err
		}
		campusID, left = p.CampusID, p.Paid-p.Refunded
		if len(in.Lines) > 0 && in.User.CanSeeCampus(campusID) {
			r, _, err := LoadPurchaseReceipt(ctx, db.R, in.ID)
			if err != nil {
				return nil, err
			}
			fen, err := LinesAmount(r, in.Lines)
			if err != nil {
				return nil, err
			}
			in.Amount = &fen
		}
	case ReceiptTopup:
		t, err := DeskTopup(ctx, db.R, in.ID)
		if err != nil {
			return nil, err
		}
		campusID, left = t.CampusID, t.Amount-t.Refunded
		in.Lines = nil
	default:
		return nil, ErrBadReceiptNo
	}
	if !in.User.CanSeeCampus(campusID) {
		if in.Kind == ReceiptTopup {
			return nil, ErrTopupNotFound
		}
		return nil, ErrPurchaseNotFound
	}
	amount := left
	if in.Amount != nil {
		amount = *in.Amount
	}
	if left <= 0 {
		return nil, ErrNothingToRefund
	}
	if amount <= 0 || amount > MaxAmount {
		return nil, ErrBadAmount.Field("amount", "err.ledger_bad_amount")
	}
	if amount > left {
		return nil, ErrRefundTooLarge.With(Yuan(left)).Field("amount", "err.refund_too_large_short")
	}
	rules, err := LoadRules(ctx, db.R, now)
	if err != nil {
		return nil, err
	}
	var approver *StaffUser
	if RefundNeedsApproval(rules, amount) {
		if approver, err = checkApprover(ctx, db, now, in, campusID, rules.RefundApprovalAmount); err != nil {
			return nil, err
		}
	}
	hash := RequestHash([]byte("desk-refund"), []byte(in.Kind), []byte(strconv.FormatInt(in.ID, 10)),
		[]byte(strconv.FormatInt(amount, 10)), []byte(in.Reason), []byte(FormatLineNos(in.Lines)))
	out, err := RunIdempotent(ctx, db, now, Idem{Scope: scope, Key: key, Hash: hash}, func(tx *gorm.DB) (int, []byte, error) {
		var res any
		objType := receiptObject(in.Kind)
		if in.Kind == ReceiptPurchase {
			r, err := PostRefund(ctx, tx, now, RefundInput{PurchaseID: in.ID, Amount: &amount, Reason: in.Reason, Actor: in.Actor,
				Lines: in.Lines})
			if err != nil {
				return 0, nil, err
			}
			res = r
		} else {
			r, err := PostTopupRefund(ctx, tx, now, TopupRefundInput{TopupID: in.ID, Amount: &amount, Reason: in.Reason,
				Actor: in.Actor})
			if err != nil {
				return 0, nil, err
			}
			if err := Audit(ctx, tx, now, in.Actor, "topup.refund", "topup", in.ID,
				fmt.Sprintf("amount=%d bonus_forfeited=%d reason=%s", r.Amount, r.BonusForfeited, in.Reason)); err != nil {
				return 0, nil, err
			}
			res = r
		}
		if approver != nil {
			if err := Audit(ctx, tx, now, in.Actor, "refund.approve", objType, in.ID,
				fmt.Sprintf("approver=%d (%s) amount=%d threshold=%d", approver.ID, approver.Username, amount,
					rules.RefundApprovalAmount)); err != nil {
				return 0, nil, err
			}
		}
		b, err := json.Marshal(deskRefundBody{Result: res, ApprovedBy: approverName(approver)})
		return 201, b, err
	})
	if err != nil {
		return nil, err
	}
	return DecodeDeskRefund(in.Kind, out)
}

func receiptObject(kind string) string {
	if kind == ReceiptTopup {
		return "topup"
	}
	return "purchase"
}

type deskRefundBody struct {
	Result     any    `json:"result"`
	ApprovedBy string `json:"approved_by,omitempty"`
}

func approverName(u *StaffUser) string {
	if u == nil {
		return ""
	}
	return u.Name
}

// DecodeDeskRefund reads a stored desk refund answer.
func DecodeDeskRefund(kind string, out Outcome) (*DeskRefundOutcome, error) {
	var body struct {
		Result     json.RawMessage `json:"result"`
		ApprovedBy string          `json:"approved_by"`
	}
	if err := json.Unmarshal(out.Body, &body); err != nil {
		return nil, fmt.Errorf("models: desk refund: %w", err)
	}
	o := &DeskRefundOutcome{Outcome: out, ApprovedBy: body.ApprovedBy}
	var err error
	if kind == ReceiptPurchase {
		o.Purchase = &RefundResult{}
		err = json.Unmarshal(body.Result, o.Purchase)
	} else {
		o.Topup = &TopupRefundResult{}
		err = json.Unmarshal(body.Result, o.Topup)
	}
	if err != nil {
		return nil, fmt.Errorf("models: desk refund: %w", err)
	}
	return o, nil
}

// checkApprover decides who approves a refund above the threshold.
func checkApprover(ctx context.Context, db *DB, now time.Time, in DeskRefundInput, campusID, threshold int64) (*StaffUser, error) {
	if CanApproveRefund(in.User, campusID) {
		return in.User, nil // the campus manager at the desk approves their own refund
	}
	name := strings.TrimSpace(in.Approver.Username)
	if name != "" && in.Approver.PIN != "" {
		return checkApprovalPIN(ctx, db, now, in, campusID)
	}
	if name == "" || in.Approver.Password == "" {
		e := ErrApprovalRequired.With(Yuan(threshold))
		if name == "" {
			e = e.Field("approver_username", "err.required")
		}
		if in.Approver.Password == "" {
			e = e.Field("approver_password", "err.required").Field("approver_pin", "err.required")
		}
		return nil, e
	}
	var fails int64
	if err := db.R.WithContext(ctx).Model(&AuditEntry{}).Where("actor_id = ? AND action = ? AND at > ?",
		in.Actor.ID, "refund.approve_failed", now.Add(-approvalWindow).UTC()).Count(&fails).Error; err != nil {
		return nil, fmt.Errorf("models: refund approval: %w", err)
	}
	if fails >= approvalFailures {
		return nil, ErrApprovalLocked
	}
	u, err := Authenticate(ctx, db.R, name, in.Approver.Password)
	if err == nil && !CanApproveRefund(u, campusID) {
		err = ErrApprovalDenied
	}
	if err != nil {
		if e, ok := AsError(err); ok && e.Kind != KindInvalid {
			if aerr := Audit(ctx, db.W, now, in.Actor, "refund.approve_failed", receiptObject(in.Kind), in.ID,
				"approver="+name); aerr != nil {
				return nil, aerr
			}
			return nil, ErrApprovalDenied.Field("approver_password", "err.shift_approval_denied_short")
		}
		return nil, err
	}
	return u, nil
}

// DeskBalancesAfter returns the member's balances right after the journal of
// kind that references refType:refID (a purchase or a top-up), as a receipt
// prints them: the balance after the last posting up to that journal on each
// of the member's accounts.
func DeskBalancesAfter(ctx context.Context, db *gorm.DB, memberID int64, refType, kind string, refID int64) (Balances, error) {
	var b Balances
	var jid int64
	if err := db.WithContext(ctx).Raw(`SELECT id FROM ledger_journals WHERE ref_type = ? AND ref_id = ? AND kind = ?`,
		refType, refID, kind).Scan(&jid).Error; err != nil {
		return b, fmt.Errorf("models: balances after: %w", err)
	}
	if jid == 0 {
		return b, ErrNotFound
	}
	return BalancesAfterJournal(ctx, db, memberID, jid)
}
