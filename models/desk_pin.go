package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// A campus manager approves a refund on the cashier's screen with a short
// PIN (4–6 digits) instead of typing their full password where the cashier
// and the parent watch. A PIN is weak on its own, so every attempt takes a
// rate slot first, both for the cashier asking and for the manager named:
// a wrong PIN keeps its slot, and a manager whose PIN was guessed at too
// often has PIN approval locked for a while (the password still works).

// PIN refusals.
var (
	ErrPINLocked = NewError(KindRateLimited, "approval-pin-locked", "desk.pin_locked")
)

// PIN limits.
const (
	pinFailures       = 5                // wrong PINs per cashier and per manager in pinWindow
	pinWindow         = 15 * time.Minute // the window those are counted in
	pinLockFor        = time.Hour        // a manager's PIN locked after pinFailures wrong ones
	pinMinLen, pinMax = 4, 6
)

// ValidPIN reports whether pin is 4–6 digits and not one digit repeated
// or a plain run (1234, 9876), which a bystander guesses first.
func ValidPIN(pin string) bool {
	if len(pin) < pinMinLen || len(pin) > pinMax || strings.Trim(pin, "0123456789") != "" {
		return false
	}
	up, down, same := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		up, down, same = up && d == 1, down && d == -1, same && d == 0
	}
	return !up && !down && !same
}

// SetApprovalPIN sets (or, with an empty pin, clears) the approval PIN of
// user: only someone who may approve refunds has one.
func SetApprovalPIN(ctx context.Context, db *DB, now time.Time, actor Actor, user *StaffUser, pin string) error {
	if user == nil || (user.Role != RoleAdmin && user.Role != RoleCampusManager) {
		return ErrForbidden
	}
	hash := ""
	if pin != "" {
		if !ValidPIN(pin) {
			return Invalid(map[string]string{"pin": "desk.pin_format"})
		}
		b, err := bcrypt.GenerateFromPassword([]byte(pin), bcrypt.DefaultCost)
		if err != nil {
			return fmt.Errorf("models: set pin: %w", err)
		}
		hash = string(b)
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.WithContext(ctx).Exec(`UPDATE staff_users SET approval_pin_hash = ?, updated_at = ? WHERE id = ?`,
			hash, now.UTC(), user.ID).Error; err != nil {
			return fmt.Errorf("models: set pin: %w", err)
		}
		what := "set"
		if hash == "" {
			what = "cleared"
		}
		return Audit(ctx, tx, now, actor, "staff.approval_pin", "staff", user.ID, what)
	})
}

// HasApprovalPIN reports whether the user has set an approval PIN.
func HasApprovalPIN(ctx context.Context, db *gorm.DB, userID int64) (bool, error) {
	var h string
	if err := db.WithContext(ctx).Raw(`SELECT approval_pin_hash FROM staff_users WHERE id = ?`, userID).Scan(&h).Error; err != nil {
		return false, fmt.Errorf("models: pin: %w", err)
	}
	return h != "", nil
}

// ApproverChoice is a manager the cashier may ask to approve at the desk.
type ApproverChoice struct {
	Username string
	Name     string
}

// DeskApprovers lists who may approve refunds at campusID with a PIN: the
// campus's managers and the admins, each with a PIN set.
func DeskApprovers(ctx context.Context, db *gorm.DB, campusID int64) ([]ApproverChoice, error) {
	var out []ApproverChoice
	err := db.WithContext(ctx).Raw(`SELECT u.username, u.name FROM staff_users u
		WHERE u.disabled_at IS NULL AND u.approval_pin_hash <> '' AND (u.role = ? OR (u.role = ? AND EXISTS
		(SELECT 1 FROM staff_campuses c WHERE c.user_id = u.id AND c.campus_id = ?)))
		ORDER BY u.role DESC, u.name`, RoleAdmin, RoleCampusManager, campusID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: desk approvers: %w", err)
	}
	return out, nil
}

// checkApprovalPIN checks the PIN of the manager named in in.Approver for a
// refund at campusID, with the attempt counted before it is evaluated.
func checkApprovalPIN(ctx context.Context, db *DB, now time.Time, in DeskRefundInput, campusID int64) (*StaffUser, error) {
	name := strings.ToLower(strings.TrimSpace(in.Approver.Username))
	userKey := "approval-pin:user:" + name
	if until, err := SlotLockedUntil(ctx, db.R, now, userKey); err != nil {
		return nil, err
	} else if until != nil {
		return nil, ErrPINLocked.Field("approver_pin", "desk.pin_locked_short")
	}
	keys := []string{"approval-pin:cashier:" + strconv.FormatInt(in.Actor.ID, 10), userKey}
	var taken []string
	for _, k := range keys {
		ok, err := TakeSlot(ctx, db.W, now, k, pinFailures, pinWindow)
		if err == nil && !ok {
			if k == userKey {
				_ = LockSlot(ctx, db.W, now, userKey, now.Add(pinLockFor))
			}
			err = ErrPINLocked.Field("approver_pin", "desk.pin_locked_short")
		}
		if err != nil {
			giveSlots(ctx, db, taken)
			return nil, err
		}
		taken = append(taken, k)
	}
	var row struct {
		ID              int64
		ApprovalPinHash string
	}
	if err := db.R.WithContext(ctx).Raw(`SELECT id, approval_pin_hash FROM staff_users WHERE username = ?`, name).
		Scan(&row).Error; err != nil {
		return nil, fmt.Errorf("models: approval pin: %w", err)
	}
	hash := []byte(row.ApprovalPinHash)
	if len(hash) == 0 {
		hash = dummyHash // the same time whether or not the manager has a PIN
	}
	okPIN := bcrypt.CompareHashAndPassword(hash, []byte(in.Approver.PIN)) == nil && row.ApprovalPinHash != ""
	var u *StaffUser
	if okPIN {
		got, err := GetStaff(ctx, db.R, row.ID)
		if err != nil {
			return nil, err
		}
		u = got
	}
	if u == nil || !CanApproveRefund(u, campusID) {
		if err := Audit(ctx, db.W, now, in.Actor, "refund.approve_failed", receiptObject(in.Kind), in.ID,
			"approver="+name+" via=pin"); err != nil {
			return nil, err
		}
		return nil, ErrApprovalDenied.Field("approver_pin", "desk.pin_wrong")
	}
	giveSlots(ctx, db, taken) // the right PIN does not use up the limit
	return u, nil
}
