package courses

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"starcard/models"
)

// System accounts of the hours asset, seeded by migration 0120.
const (
	SysHoursIssued   int64 = 120
	SysHoursConsumed int64 = 121
	SysHoursExpired  int64 = 122
	SysHoursRefunded int64 = 123
)

// Journal kinds of the hours asset.
const (
	KindHoursSale    = "hours_sale"
	KindHoursConsume = "hours_consume"
	KindHoursRestore = "hours_restore"
	KindHoursExpire  = "hours_expire"
	KindHoursRefund  = "hours_refund"
)

// Package statuses.
const (
	PackageActive   = "active"
	PackageRefunded = "refunded"
	PackageExpired  = "expired"
)

// Refusals about packages.
var (
	ErrHoursCap         = models.NewError(models.KindInvalid, "prepaid-hours-cap", "courses.err.hours_cap")
	ErrPackageNotFound  = models.NewError(models.KindNotFound, "unknown-package", "courses.err.unknown_package")
	ErrCourseArchived   = models.NewError(models.KindConflict, "course-archived", "courses.err.course_archived")
	ErrRefundViaPackage = models.NewError(models.KindConflict, "refund-via-package", "courses.err.refund_via_package")
)

// Package is a class-hour package (课时包) a member holds for a course.
type Package struct {
	ID         int64     `json:"id"`
	MemberID   int64     `json:"member_id"`
	CourseID   int64     `json:"course_id"`
	AccountID  int64     `json:"-"`
	PurchaseID int64     `json:"purchase_id"`
	JournalID  int64     `json:"-"`
	Hours      int64     `json:"hours"`
	BonusHours int64     `json:"bonus_hours"`
	Remaining  int64     `json:"remaining"`
	Paid       int64     `json:"paid"`
	Refunded   int64     `json:"refunded"`
	Status     string    `json:"status"`
	ValidUntil time.Time `json:"valid_until"`
	CreatedAt  time.Time `json:"created_at"`
	CampusID   int64     `json:"-"` // the campus its refund value counts at (value.go)
}

// TableName maps Package to its table.
func (Package) TableName() string { return "class_hour_packages" }

type draw struct {
	ID        int64
	PackageID int64
	JournalID int64
	Hours     int64
}

func (draw) TableName() string { return "class_hour_draws" }

// SaleInput is a class-hour package sold at the desk or through the API: the
// hours bought (and bonus hours given), the price, and how it is paid — any
// payment method, points-for-cash and coupons, with the tier discount when
// the course's category is tuition, exactly as a purchase.
type SaleInput struct {
	MemberID       int64
	CourseID       int64
	Hours          int64
	BonusHours     int64
	Amount         int64 // fen, before discounts
	Payments       []models.Payment
	PointsToRedeem int64
	CouponCodes    []string
	ValidUntil     *time.Time // nil: the course's validity from today
	Actor          models.Actor
	User           *models.StaffUser // nil: no campus check (jobs, tests)
}

// Balances are a member's balances with the class hours left per course.
type Balances struct {
	models.Balances
	ClassHours map[string]int64 `json:"class_hours"`
}

// SaleResult answers a package sale (DOMAIN §4b plus what the desk shows).
type SaleResult struct {
	ID             int64     `json:"id"`
	MemberID       int64     `json:"member_id"`
	CourseID       int64     `json:"course_id"`
	CourseName     string    `json:"course_name"`
	Hours          int64     `json:"hours"`
	BonusHours     int64     `json:"bonus_hours"`
	HoursLeft      int64     `json:"hours_left"`
	PurchaseID     int64     `json:"purchase_id"`
	Total          int64     `json:"total"`
	Paid           int64     `json:"paid"`
	Discount       int64     `json:"discount"`
	PointsEarned   int64     `json:"points_earned"`
	PointsRedeemed int64     `json:"points_redeemed"`
	CouponsUsed    []string  `json:"coupons_used,omitempty"`
	ValidUntil     time.Time `json:"valid_until"`
	At             time.Time `json:"at"`
	Balances       Balances  `json:"balances"`
}

// ValidUntilFor is when a package bought at now for the course ends: the end
// of the school day ValidityMonths later.
func ValidUntilFor(c *Course, now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	return time.Date(l.Year(), l.Month()+time.Month(c.ValidityMonths), l.Day()+1, 0, 0, 0, 0, loc).UTC()
}

// CheckCap refuses a sale that would put more of the course's hours in the
// member's hands than the prepaid cap allows; it says how many may still be sold.
func CheckCap(c *Course, held, hours int64) error {
	if held+hours > c.MaxPrepaidHours {
		return ErrHoursCap.With(c.Name, c.MaxPrepaidHours, held, max(0, c.MaxPrepaidHours-held)).
			Field("hours", "courses.err.hours_cap_short")
	}
	return nil
}

// PostSale sells a package inside tx: the purchase (money, points, coupons,
// tier), the hours credited to the member's account for the course in the
// same transaction, the package row and the child on the course's class list.
func PostSale(ctx context.Context, tx *gorm.DB, now time.Time, r models.Rules, in SaleInput) (*SaleResult, error) {
	now = now.UTC()
	f := map[string]string{}
	if in.Hours < 1 || in.Hours > MaxHours {
		f["hours"] = "courses.err.hours"
	}
	if in.BonusHours < 0 || in.BonusHours > MaxHours {
		f["bonus_hours"] = "courses.err.bonus_hours"
	}
	if in.Amount <= 0 || in.Amount > models.MaxAmount {
		f["amount"] = "err.ledger_bad_amount"
	}
	if len(f) > 0 {
		return nil, models.Invalid(f)
	}
	c, err := CourseFor(ctx, tx, in.User, in.CourseID)
	if e, ok := models.AsError(err); ok {
		return nil, e.Field("course_id", "courses.err.unknown_course")
	}
	if err != nil {
		return nil, err
	}
	if c.ArchivedAt != nil {
		return nil, ErrCourseArchived.With(c.Name)
	}
	if in.User != nil {
		if err := models.CheckMemberAccess(ctx, tx, in.User, in.MemberID); err != nil {
			return nil, models.ErrMemberNotFound
		}
	}
	loc := r.Location()
	validUntil := ValidUntilFor(c, now, loc)
	if in.ValidUntil != nil {
		if !in.ValidUntil.After(now) {
			return nil, models.Invalid(map[string]string{"valid_until": "courses.err.valid_until"})
		}
		validUntil = in.ValidUntil.UTC()
	}
	// The purchase locks the member and its accounts first, as every ledger
	// operation does; the hours account is then locked (or created) after them.
	pr, err := models.PostPurchase(ctx, tx, now, r, models.PurchaseInput{MemberID: in.MemberID,
		Items:    []models.PurchaseItem{{Category: c.Category, Amount: in.Amount, Description: fmt.Sprintf("%s %d课时", c.Name, in.Hours)}},
		Payments: in.Payments, PointsToRedeem: in.PointsToRedeem, CouponCodes: in.CouponCodes, Actor: in.Actor})
	if err != nil {
		return nil, err
	}
	acct, err := models.MemberAccount(ctx, tx, now, in.MemberID, models.HoursAccountName(c.ID), models.AssetHours)
	if err != nil {
		return nil, err
	}
	if err := CheckCap(c, acct.Balance, in.Hours); err != nil {
		return nil, err
	}
	credit := in.Hours + in.BonusHours
	campus := in.Actor.CampusID
	if campus == 0 {
		campus = c.CampusID
	}
	jid, err := models.PostJournal(ctx, tx, now, models.JournalSpec{Kind: KindHoursSale, CampusID: campus, Actor: in.Actor,
		RefType: "purchase", RefID: pr.ID, Reason: c.Name},
		models.Entry{Account: acct, Amount: credit}, models.Entry{System: SysHoursIssued, Asset: models.AssetHours, Amount: -credit})
	if err != nil {
		return nil, fmt.Errorf("courses: sell package: %w", err)
	}
	p := Package{MemberID: in.MemberID, CourseID: c.ID, AccountID: acct.ID, PurchaseID: pr.ID, JournalID: jid, Hours: in.Hours,
		BonusHours: in.BonusHours, Remaining: credit, Paid: pr.Paid, Status: PackageActive, ValidUntil: validUntil, CreatedAt: now,
		CampusID: acct.CampusID}
	if err := tx.WithContext(ctx).Create(&p).Error; err != nil {
		return nil, fmt.Errorf("courses: sell package: %w", err)
	}
	if err := addPackageValue(ctx, tx, &p); err != nil {
		return nil, err
	}
	if err := joinCourse(ctx, tx, now, c.ID, in.MemberID); err != nil {
		return nil, err
	}
	// Conversion: a prospect's first package enrols them.
	if _, err := models.AdvanceLifecycle(ctx, tx, now, in.Actor, in.MemberID, []string{models.LifecycleProspect},
		models.LifecycleEnrolled, fmt.Sprintf("class-hour package #%d", p.ID)); err != nil {
		return nil, err
	}
	if err := models.Audit(ctx, tx, now, in.Actor, "course.package_sell", "class_hour_package", p.ID,
		fmt.Sprintf("course=%d hours=%d bonus=%d paid=%d purchase=%d", c.ID, in.Hours, in.BonusHours, pr.Paid, pr.ID)); err != nil {
		return nil, err
	}
	bal, err := memberBalances(ctx, tx, in.MemberID, pr.Balances)
	if err != nil {
		return nil, err
	}
	return &SaleResult{ID: p.ID, MemberID: in.MemberID, CourseID: c.ID, CourseName: c.Name, Hours: in.Hours,
		BonusHours: in.BonusHours, HoursLeft: acct.Balance, PurchaseID: pr.ID, Total: pr.Total, Paid: pr.Paid,
		Discount: pr.Discount, PointsEarned: pr.PointsEarned, PointsRedeemed: pr.PointsRedeemed, CouponsUsed: pr.CouponsUsed,
		ValidUntil: validUntil, At: now, Balances: bal}, nil
}

// memberBalances are the money balances given with the class hours read now.
func memberBalances(ctx context.Context, tx *gorm.DB, memberID int64, money models.Balances) (Balances, error) {
	h, err := models.MemberClassHours(ctx, tx, memberID)
	if err != nil {
		return Balances{}, err
	}
	return Balances{Balances: money, ClassHours: h[memberID]}, nil
}

func joinCourse(ctx context.Context, tx *gorm.DB, now time.Time, courseID, memberID int64) error {
	row := struct {
		CourseID int64
		MemberID int64
		JoinedAt time.Time
	}{courseID, memberID, now.UTC()}
	if err := tx.WithContext(ctx).Table("course_members").Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("courses: join course: %w", err)
	}
	return nil
}

// SellPackage runs PostSale once per idempotency key: a retry returns the
// first answer (201 and the same body) and changes nothing.
func SellPackage(ctx context.Context, db *models.DB, now time.Time, id models.Idem, in SaleInput) (models.Outcome, error) {
	r, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return models.Outcome{}, err
	}
	return models.RunIdempotent(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := PostSale(ctx, tx, now, r, in)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}
