package courses

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// RefundVia marks the core refunds this package makes for its packages.
const RefundVia = "class_hours"

// RefundInput asks to refund what is left of a package.
type RefundInput struct {
	PackageID int64
	Reason    string
	Actor     models.Actor
	User      *models.StaffUser // nil: no campus check
	// Approver approves a refund above the school's threshold when the
	// caller may not (a cashier), exactly as for any other refund.
	Approver models.Approver
}

// RefundResult answers a package refund.
type RefundResult struct {
	ID                  int64            `json:"id"` // the package
	PurchaseID          int64            `json:"purchase_id"`
	RefundID            int64            `json:"refund_id,omitempty"` // the purchase refund, when money went back
	HoursRefunded       int64            `json:"hours_refunded"`      // paid hours bought back
	BonusForfeited      int64            `json:"bonus_forfeited"`     // bonus hours given up
	Amount              int64            `json:"amount"`              // fen returned
	StoredValueReturned int64            `json:"stored_value_returned"`
	PointsReversed      int64            `json:"points_reversed"`
	Owed                map[string]int64 `json:"owed"` // paid back outside StarCard, per method
	Balances            Balances         `json:"balances"`
}

// RefundQuote is what refunding a package now would return: the hours left,
// bonus hours forfeited first, and the paid hours left bought back pro rata
// to what the package cost (floor, so never more than was paid).
type RefundQuote struct {
	HoursLeft      int64 `json:"hours_left"`
	PaidHoursLeft  int64 `json:"paid_hours_left"`
	BonusForfeited int64 `json:"bonus_forfeited"`
	Amount         int64 `json:"amount"`
}

// QuoteRefund prices the refund of a package as it stands.
func QuoteRefund(p Package) RefundQuote {
	paidLeft := max(0, p.Remaining-p.BonusHours)
	q := RefundQuote{HoursLeft: p.Remaining, PaidHoursLeft: paidLeft, BonusForfeited: p.Remaining - paidLeft}
	if p.Hours > 0 {
		q.Amount = models.MulDiv(p.Paid, paidLeft, p.Hours)
	}
	return q
}

// PostRefund refunds what is left of a package inside tx: the money through
// the core refund use case (stored value back to the wallet, other methods
// owed, points reversed in proportion), and the hours out of the member's
// account in the same transaction.
func PostRefund(ctx context.Context, tx *gorm.DB, now time.Time, in RefundInput) (*RefundResult, error) {
	now = now.UTC()
	if in.Reason == "" {
		return nil, models.Invalid(map[string]string{"reason": "err.required"})
	}
	var p Package
	if res := tx.WithContext(ctx).Where("id = ?", in.PackageID).Limit(1).Find(&p); res.Error != nil {
		return nil, fmt.Errorf("courses: refund: %w", res.Error)
	} else if res.RowsAffected == 0 {
		return nil, ErrPackageNotFound
	}
	c, err := CourseFor(ctx, tx, in.User, p.CourseID)
	if err != nil {
		return nil, ErrPackageNotFound
	}
	lock, err := models.LockMember(ctx, tx, now, p.MemberID)
	if err != nil {
		return nil, err
	}
	acct, err := models.MemberAccount(ctx, tx, now, p.MemberID, models.HoursAccountName(c.ID), models.AssetHours)
	if err != nil {
		return nil, err
	}
	if err := tx.WithContext(ctx).Where("id = ?", p.ID).Take(&p).Error; err != nil { // under the lock
		return nil, fmt.Errorf("courses: refund: %w", err)
	}
	if p.Status != PackageActive || p.Remaining == 0 {
		return nil, models.ErrNothingToRefund
	}
	q := QuoteRefund(p)
	out := &RefundResult{ID: p.ID, PurchaseID: p.PurchaseID, HoursRefunded: q.PaidHoursLeft, BonusForfeited: q.BonusForfeited,
		Amount: q.Amount, Owed: map[string]int64{}}
	money := lock.Balances()
	if q.Amount > 0 {
		amt := q.Amount
		rr, err := models.PostRefund(ctx, tx, now, models.RefundInput{PurchaseID: p.PurchaseID, Amount: &amt,
			Reason: in.Reason, Actor: in.Actor, Via: RefundVia})
		if err != nil {
			return nil, err
		}
		out.RefundID, out.StoredValueReturned, out.PointsReversed, out.Owed = rr.ID, rr.StoredValueReturned, rr.PointsReversed, rr.Owed
		money = rr.Balances
	}
	campus := in.Actor.CampusID
	if campus == 0 {
		campus = lock.CampusID
	}
	rev := p.JournalID
	jid, err := models.PostJournal(ctx, tx, now, models.JournalSpec{Kind: KindHoursRefund, CampusID: campus, Actor: in.Actor,
		RefType: "class_hour_package", RefID: p.ID, Reason: in.Reason, ReversesID: &rev},
		models.Entry{Account: acct, Amount: -p.Remaining},
		models.Entry{System: SysHoursRefunded, Asset: models.AssetHours, Amount: p.Remaining})
	if err != nil {
		return nil, fmt.Errorf("courses: refund: %w", err)
	}
	if err := drawPackage(ctx, tx, p.ID, jid, p.Remaining); err != nil {
		return nil, err
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE class_hour_packages SET status = ?, refunded = ? WHERE id = ?`,
		PackageRefunded, q.Amount, p.ID).Error; err != nil {
		return nil, fmt.Errorf("courses: refund: %w", err)
	}
	if err := models.Audit(ctx, tx, now, in.Actor, "course.package_refund", "class_hour_package", p.ID,
		fmt.Sprintf("hours=%d bonus_forfeited=%d amount=%d reason=%s", q.PaidHoursLeft, q.BonusForfeited, q.Amount, in.Reason)); err != nil {
		return nil, err
	}
	if out.Balances, err = memberBalances(ctx, tx, p.MemberID, money); err != nil {
		return nil, err
	}
	return out, nil
}

// RefundPackage runs PostRefund once per idempotency key. Above the refund
// approval threshold it needs the same approval as any refund at the desk or
// through the API (models.RefundApproval), recorded in the audit log.
func RefundPackage(ctx context.Context, db *models.DB, now time.Time, id models.Idem, in RefundInput) (models.Outcome, error) {
	p, err := GetPackage(ctx, db.R, in.User, in.PackageID)
	if err != nil {
		return models.Outcome{}, err
	}
	// A member of staff asking needs the approval; the school's own jobs and
	// the model tests (no user) do not.
	var approver *models.StaffUser
	if in.User != nil {
		amount := QuoteRefund(p.Package).Amount
		if approver, _, err = models.RefundApproval(ctx, db, now, models.DeskRefundInput{Kind: models.ReceiptPurchase,
			ID: p.PurchaseID, Amount: &amount, Reason: in.Reason, User: in.User, Actor: in.Actor, Approver: in.Approver,
			Via: RefundVia}); err != nil {
			return models.Outcome{}, err
		}
	}
	return models.RunIdempotent(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := PostRefund(ctx, tx, now, in)
		if err != nil {
			return 0, nil, err
		}
		if approver != nil {
			if err := models.Audit(ctx, tx, now, in.Actor, "refund.approve", "purchase", res.PurchaseID,
				fmt.Sprintf("approver=%d (%s) amount=%d via=package", approver.ID, approver.Username, res.Amount)); err != nil {
				return 0, nil, err
			}
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}

// guardRefund keeps a package's purchase from being refunded as a plain
// purchase: the money would go back and the hours stay.
func guardRefund(ctx context.Context, tx *gorm.DB, p *models.Purchase, in models.RefundInput) error {
	if in.Via == RefundVia {
		return nil
	}
	var id int64
	if err := tx.WithContext(ctx).Raw(`SELECT id FROM class_hour_packages WHERE purchase_id = ?`, p.ID).Scan(&id).Error; err != nil {
		return fmt.Errorf("courses: refund guard: %w", err)
	}
	if id != 0 {
		return ErrRefundViaPackage.With(id)
	}
	return nil
}

// ExpirePackages takes the hours left out of every package whose end date has
// passed, one short transaction per member, and returns how many hours expired.
// Running it twice expires nothing more.
func ExpirePackages(ctx context.Context, db *models.DB, now time.Time) (int64, error) {
	now = now.UTC()
	var members []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT DISTINCT member_id FROM class_hour_packages
		WHERE status = ? AND remaining > 0 AND valid_until <= ?`, PackageActive, now).Scan(&members).Error; err != nil {
		return 0, fmt.Errorf("courses: expire packages: %w", err)
	}
	var total int64
	for _, m := range members {
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			n, err := expireMember(ctx, tx, now, m)
			total += n
			return err
		})
		if err != nil {
			return total, fmt.Errorf("courses: expire packages: member %d: %w", m, err)
		}
	}
	return total, nil
}

func expireMember(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64) (int64, error) {
	lock, err := models.LockMember(ctx, tx, now, memberID)
	if err != nil {
		return 0, err
	}
	var pkgs []Package
	if err := tx.WithContext(ctx).Where("member_id = ? AND status = ? AND remaining > 0 AND valid_until <= ?",
		memberID, PackageActive, now).Order("course_id, id").Find(&pkgs).Error; err != nil {
		return 0, err
	}
	var total int64
	for _, p := range pkgs {
		acct, err := models.MemberAccount(ctx, tx, now, memberID, models.HoursAccountName(p.CourseID), models.AssetHours)
		if err != nil {
			return 0, err
		}
		jid, err := models.PostJournal(ctx, tx, now, models.JournalSpec{Kind: KindHoursExpire, CampusID: lock.CampusID,
			Actor: models.SystemActor, RefType: "class_hour_package", RefID: p.ID, Reason: "expiry"},
			models.Entry{Account: acct, Amount: -p.Remaining},
			models.Entry{System: SysHoursExpired, Asset: models.AssetHours, Amount: p.Remaining})
		if err != nil {
			return 0, err
		}
		if err := drawPackage(ctx, tx, p.ID, jid, p.Remaining); err != nil {
			return 0, err
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE class_hour_packages SET status = ? WHERE id = ?`, PackageExpired, p.ID).Error; err != nil {
			return 0, err
		}
		total += p.Remaining
	}
	return total, nil
}
