package courses

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"starcard/models"
)

// The class hours' refund value per campus (issue 16): what refunding every
// active package now would pay back, kept as a running total in the core's
// ledger_totals under models.TotalHoursValue at the package's campus, moved
// in the same transaction as every change of a package's hours left. Every
// such change goes through drawPackage, and a package's value is zero once
// its hours are all drawn, so a refund or expiry (which draw everything
// before they change the status) needs nothing more.

// packageValue is what refunding the package now would pay back (fen): its
// paid hours left, pro rata, floored — courses.QuoteRefund's rule.
func packageValue(status string, paid, hours, bonusHours, remaining int64) int64 {
	if status != PackageActive || remaining <= 0 || hours <= 0 {
		return 0
	}
	return paid * max(remaining-bonusHours, 0) / hours
}

func valueDelta(campusID, packageID, amount int64) models.TotalDelta {
	return models.TotalDelta{CampusID: campusID, Name: models.TotalHoursValue, Slot: packageID % models.TotalsSlots,
		Asset: models.AssetCNY, Amount: amount}
}

// addPackageValue adds a new package's value to its campus's total.
func addPackageValue(ctx context.Context, tx *gorm.DB, p *Package) error {
	v := packageValue(p.Status, p.Paid, p.Hours, p.BonusHours, p.Remaining)
	return models.AddTotals(ctx, tx, []models.TotalDelta{valueDelta(p.CampusID, p.ID, v)})
}

// revaluePackage moves the package's value in its campus's total for a draw
// of hours (negative: hours put back) about to be applied.
func revaluePackage(ctx context.Context, tx *gorm.DB, packageID, hours int64) error {
	var p Package
	if err := tx.WithContext(ctx).Raw(`SELECT id, status, paid, hours, bonus_hours, remaining, campus_id FROM class_hour_packages
		WHERE id = ?`, packageID).Scan(&p).Error; err != nil {
		return fmt.Errorf("courses: revalue package: %w", err)
	}
	before := packageValue(p.Status, p.Paid, p.Hours, p.BonusHours, p.Remaining)
	after := packageValue(p.Status, p.Paid, p.Hours, p.BonusHours, p.Remaining-hours)
	return models.AddTotals(ctx, tx, []models.TotalDelta{valueDelta(p.CampusID, p.ID, after-before)})
}

// recountPackagesCampus moves a member's packages (and their value) to the
// member's campus after a move (models.EventMemberUpdated, in the move's
// transaction, the member row locked).
func recountPackagesCampus(ctx context.Context, tx *gorm.DB, e models.DomainEvent) error {
	if e.Type != models.EventMemberUpdated || e.MemberID == 0 {
		return nil
	}
	var ps []Package
	if err := tx.WithContext(ctx).Raw(`SELECT p.id, p.status, p.paid, p.hours, p.bonus_hours, p.remaining, p.campus_id
		FROM class_hour_packages p JOIN members m ON m.id = p.member_id
		WHERE p.member_id = ? AND p.campus_id <> m.campus_id`, e.MemberID).Scan(&ps).Error; err != nil {
		return fmt.Errorf("courses: recount packages: %w", err)
	}
	if len(ps) == 0 {
		return nil
	}
	var campus int64
	if err := tx.WithContext(ctx).Raw(`SELECT campus_id FROM members WHERE id = ?`, e.MemberID).Scan(&campus).Error; err != nil {
		return fmt.Errorf("courses: recount packages: %w", err)
	}
	ds := make([]models.TotalDelta, 0, 2*len(ps))
	for _, p := range ps {
		v := packageValue(p.Status, p.Paid, p.Hours, p.BonusHours, p.Remaining)
		ds = append(ds, valueDelta(p.CampusID, p.ID, -v), valueDelta(campus, p.ID, v))
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE class_hour_packages SET campus_id = ? WHERE member_id = ? AND campus_id <> ?`,
		campus, e.MemberID, campus).Error; err != nil {
		return fmt.Errorf("courses: recount packages: %w", err)
	}
	return models.AddTotals(ctx, tx, ds)
}

func init() {
	models.OnEvent(recountPackagesCampus)
	models.RegisterVerifyCheck("campus class-hour value differs from its packages' refund value",
		`SELECT x.campus_id AS a, SUM(x.total) AS b, SUM(x.value) AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g FROM (
			SELECT campus_id, balance AS total, 0 AS value FROM ledger_totals WHERE name = 'hours_value'
			UNION ALL
			SELECT campus_id, 0 AS total, CAST((v - v % hours) / hours AS SIGNED) AS value FROM (
				SELECT campus_id, hours, paid * (CASE WHEN remaining > bonus_hours THEN remaining - bonus_hours ELSE 0 END) AS v
				FROM class_hour_packages WHERE status = 'active' AND remaining > 0 AND hours > 0) p) x
		GROUP BY x.campus_id HAVING SUM(x.total) <> SUM(x.value)`,
		"campus %[1]d: class-hour value total %[2]d, its packages are worth %[3]d")
	models.RegisterVerifyCheck("package counts at another campus than its member",
		`SELECT p.id AS a, p.campus_id AS b, m.campus_id AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM class_hour_packages p JOIN members m ON m.id = p.member_id WHERE p.campus_id <> m.campus_id`,
		"package %[1]d counts at campus %[2]d, its member is at campus %[3]d")
}
