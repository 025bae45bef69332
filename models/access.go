package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"gorm.io/gorm"
)

// The kinds of object whose campus the route table checks (handlers/access):
// a route naming one by :id answers 404 to staff of another campus, exactly
// as if it did not exist.
const (
	ObjectMember    = "member"
	ObjectFamily    = "family"
	ObjectGuardian  = "guardian"
	ObjectPurchase  = "purchase"
	ObjectTopup     = "topup"
	ObjectClass     = "class"
	ObjectShift     = "shift"
	ObjectCoupon    = "coupon"
	ObjectComplaint = "complaint"
)

// objectCampusSQL answers, for each kind, the campuses an object belongs to;
// the first column of the first statement proves the object exists.
// A family (and its guardians) belongs to the campuses of its children.
var objectCampusSQL = map[string]string{
	ObjectMember:   "SELECT campus_id FROM members WHERE id = ?",
	ObjectFamily:   "SELECT f.id AS object_id, m.campus_id FROM families f LEFT JOIN members m ON m.family_id = f.id WHERE f.id = ?",
	ObjectGuardian: "SELECT g.id AS object_id, m.campus_id FROM guardians g LEFT JOIN members m ON m.family_id = g.family_id WHERE g.id = ?",
	// A purchase or top-up is the member's: recorded under the member's
	// campus; old rows recorded under the desk's campus count there too.
	ObjectPurchase: `SELECT p.campus_id FROM purchases p WHERE p.id = ?
		UNION ALL SELECT m.campus_id FROM purchases p JOIN members m ON m.id = p.member_id WHERE p.id = ?`,
	ObjectTopup: `SELECT t.campus_id FROM topups t WHERE t.id = ?
		UNION ALL SELECT m.campus_id FROM topups t JOIN members m ON m.id = t.member_id WHERE t.id = ?`,
	ObjectClass:     "SELECT campus_id FROM classes WHERE id = ?",
	ObjectShift:     "SELECT campus_id FROM shifts WHERE id = ?",
	ObjectCoupon:    "SELECT m.campus_id FROM coupons c JOIN members m ON m.id = c.member_id WHERE c.id = ?",
	ObjectComplaint: "SELECT campus_id FROM complaints WHERE id = ?",
}

// RegisterObject lets an area package (models/crm, models/care, …) name a
// kind of object of its own for the route table: q answers the campuses of
// the object with the id bound to every "?" in q. Call it at init.
func RegisterObject(kind, q string) {
	if _, dup := objectCampusSQL[kind]; dup {
		panic("models: object kind registered twice: " + kind)
	}
	objectCampusSQL[kind] = q
}

// KnownObject reports whether kind is an object kind the table may name.
func KnownObject(kind string) bool {
	_, ok := objectCampusSQL[kind]
	return ok
}

// ObjectCampuses returns the campuses the object of kind with id belongs to,
// or ErrNotFound when there is no such object. A family without children
// belongs to no campus yet (only school-wide roles reach it).
func ObjectCampuses(ctx context.Context, db *gorm.DB, kind string, id int64) ([]int64, error) {
	q, ok := objectCampusSQL[kind]
	if !ok {
		return nil, fmt.Errorf("models: object campuses: unknown kind %q", kind)
	}
	var rows []struct {
		ObjectID *int64
		CampusID *int64
	}
	args := make([]any, strings.Count(q, "?"))
	for i := range args {
		args[i] = id
	}
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: object campuses: %w", err)
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	var out []int64
	for _, r := range rows {
		if r.CampusID != nil && *r.CampusID != 0 {
			out = append(out, *r.CampusID)
		}
	}
	return out, nil
}

// CanSeeObject reports whether u works at one of campuses (school-wide roles
// see everything, including objects of no campus yet).
func (u *StaffUser) CanSeeObject(campuses []int64) bool {
	if u.Role.AllCampuses() {
		return true
	}
	for _, c := range campuses {
		if u.CanSeeCampus(c) {
			return true
		}
	}
	return false
}

// CheckFamilyAccess returns ErrNotFound unless u may reach family id: a
// family is reached through a child at one of the user's campuses.
func CheckFamilyAccess(ctx context.Context, db *gorm.DB, u *StaffUser, id int64) error {
	cs, err := ObjectCampuses(ctx, db, ObjectFamily, id)
	if err != nil {
		return err
	}
	if u != nil && !u.CanSeeObject(cs) {
		return ErrNotFound
	}
	return nil
}

// RefundApproval decides whether a refund asked through the API may go
// ahead, exactly as at the desk (DeskRefund): at or below the threshold it
// needs nobody; above it, the caller when they are the campus manager of the
// refund's campus (or an admin), else the approver's username and password,
// checked and audited, with failures limited. It returns the approver (nil
// when none was needed) and the amount that will be refunded.
func RefundApproval(ctx context.Context, db *DB, now time.Time, in DeskRefundInput) (*StaffUser, int64, error) {
	var campusID, left int64
	switch in.Kind {
	case ReceiptPurchase:
		p, err := GetPurchase(ctx, db.R, in.ID)
		if err != nil {
			return nil, 0, err
		}
		campusID, left = p.CampusID, p.Paid-p.Refunded
		// A refund the areas refuse (a package's purchase refunded as a
		// plain purchase) is refused before anyone is asked to approve it.
		for _, g := range refundGuards {
			if err := g(ctx, db.R, p, RefundInput{PurchaseID: in.ID, Amount: in.Amount, Reason: in.Reason, Via: in.Via}); err != nil {
				return nil, 0, err
			}
		}
	case ReceiptTopup:
		t, err := DeskTopup(ctx, db.R, in.ID)
		if err != nil {
			return nil, 0, err
		}
		campusID, left = t.CampusID, t.Amount-t.Refunded
	default:
		return nil, 0, ErrBadReceiptNo
	}
	amount := left
	if in.Amount != nil {
		amount = *in.Amount
	}
	if amount <= 0 {
		return nil, amount, nil // the refund use case says what is wrong
	}
	rules, err := LoadRules(ctx, db.R, now)
	if err != nil {
		return nil, 0, err
	}
	if !RefundNeedsApproval(rules, amount) {
		return nil, amount, nil
	}
	u, err := checkApprover(ctx, db, now, in, campusID, rules.RefundApprovalAmount)
	return u, amount, err
}

// IsUnavailable reports whether err means the database cannot be reached
// (refused, dropped or closed connections, a file that cannot be opened):
// a 503 with Retry-After, not an internal error.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"sql: database is closed", "connection refused", "unable to open database file",
		"invalid connection", "broken pipe", "i/o timeout", "no such host"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// MaxReasonRunes is the longest reason a refund, a correction or an
// override may give: it must fit its VARCHAR(255) column whole, so a longer
// one is refused rather than cut short in silence.
const MaxReasonRunes = 80

// ReasonTooLong reports whether a reason is over the limit.
func ReasonTooLong(s string) bool {
	return len([]rune(s)) > MaxReasonRunes || len(s) > 255
}
