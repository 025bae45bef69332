// Package reports reads the figures a principal looks at every week:
// members by tier, grade and lifecycle, what the school owes (points, stored
// value, class hours), money taken per period, renewal and service. It only
// reads; it imports the core and the area packages and nothing imports it
// but handlers and cmd.
package reports

import (
	"context"
	"fmt"
	"sort"

	"gorm.io/gorm"

	"starcard/models"
)

// Liabilities is what a campus (or a set of them) owes its families: points
// outstanding, stored value principal and bonus, class hours left and what
// those hours would cost to refund (fen).
type Liabilities struct {
	CampusID              int64 `json:"-"`
	PointsOutstanding     int64 `json:"points_outstanding"`
	StoredValuePrincipal  int64 `json:"stored_value_principal"`
	StoredValueBonus      int64 `json:"stored_value_bonus"`
	ClassHoursOutstanding int64 `json:"class_hours_outstanding"`
	ClassHoursValue       int64 `json:"class_hours_value"`
}

// Add sums two lines.
func (l Liabilities) Add(o Liabilities) Liabilities {
	l.PointsOutstanding += o.PointsOutstanding
	l.StoredValuePrincipal += o.StoredValuePrincipal
	l.StoredValueBonus += o.StoredValueBonus
	l.ClassHoursOutstanding += o.ClassHoursOutstanding
	l.ClassHoursValue += o.ClassHoursValue
	return l
}

// StoredValue is principal plus bonus.
func (l Liabilities) StoredValue() int64 { return l.StoredValuePrincipal + l.StoredValueBonus }

// campusFilter is the SQL condition and args restricting column col to the
// campuses (nil: every campus; empty: none).
func campusFilter(col string, campusIDs []int64) (string, []any) {
	if campusIDs == nil {
		return "", nil
	}
	if len(campusIDs) == 0 {
		return " AND 1 = 0", nil
	}
	return " AND " + col + " IN ?", []any{campusIDs}
}

// LiabilitiesByCampus reads the outstanding balances per campus from the
// ledger's running totals (models.LiabilityTotals: a few hundred rows kept
// in each posting's transaction, proved equal to the accounts by `starcard
// verify`). A member's accounts count at the member's campus; a family's
// shared wallet at the campus of the family's first child (a family has one
// wallet, so it counts once). The class hours' value is what refunding every
// active package now would pay back (paid hours left, pro rata, floored — the
// same rule as courses.QuoteRefund), kept by models/courses. campusIDs nil
// means every campus.
func LiabilitiesByCampus(ctx context.Context, db *gorm.DB, campusIDs []int64) ([]Liabilities, error) {
	ts, err := models.LiabilityTotals(ctx, db, campusIDs)
	if err != nil {
		return nil, fmt.Errorf("reports: liabilities: %w", err)
	}
	var rows []Liabilities
	at := map[int64]int{}
	for _, t := range ts {
		i, ok := at[t.CampusID]
		if !ok {
			i = len(rows)
			at[t.CampusID] = i
			rows = append(rows, Liabilities{CampusID: t.CampusID})
		}
		l := &rows[i]
		switch {
		case t.Name == models.TotalHoursValue:
			l.ClassHoursValue += t.Balance
		case t.Asset == models.AssetHours:
			l.ClassHoursOutstanding += t.Balance
		case t.Name == models.AcctPoints:
			l.PointsOutstanding += t.Balance
		case t.Name == models.AcctPrincipal:
			l.StoredValuePrincipal += t.Balance
		case t.Name == models.AcctBonus:
			l.StoredValueBonus += t.Balance
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].CampusID < rows[j].CampusID })
	return rows, nil
}

// liabilitiesFromAccounts is LiabilitiesByCampus read the slow way, straight
// from every member and family account and package (seconds at a million
// members): the tests hold the running totals to it. A member's
// accounts count at the member's campus; a family's shared wallet counts at
// the campus of the family's first child (a family has one wallet, so it
// must count once). The class hours' value is what refunding every active
// package now would pay back (paid hours left, pro rata, floored — the same
// rule as courses.QuoteRefund). campusIDs nil means every campus.
func liabilitiesFromAccounts(ctx context.Context, db *gorm.DB, campusIDs []int64) ([]Liabilities, error) {
	cond, cargs := campusFilter("m.campus_id", campusIDs)
	div := "/"
	if db.Dialector.Name() == "mysql" {
		div = "DIV"
	}
	q := `SELECT x.campus_id,
		COALESCE(SUM(CASE WHEN x.name = 'points' THEN x.balance ELSE 0 END), 0) AS points_outstanding,
		COALESCE(SUM(CASE WHEN x.name = 'principal' THEN x.balance ELSE 0 END), 0) AS stored_value_principal,
		COALESCE(SUM(CASE WHEN x.name = 'bonus' THEN x.balance ELSE 0 END), 0) AS stored_value_bonus,
		COALESCE(SUM(CASE WHEN x.name = 'hours' THEN x.balance ELSE 0 END), 0) AS class_hours_outstanding,
		COALESCE(SUM(CASE WHEN x.name = 'hours_value' THEN x.balance ELSE 0 END), 0) AS class_hours_value
		FROM (
			SELECT m.campus_id, CASE WHEN a.asset = 'hours' THEN 'hours' ELSE a.name END AS name, a.balance
			FROM ledger_accounts a JOIN members m ON m.id = a.owner_id
			WHERE a.owner_type = 'member'` + cond + `
			UNION ALL
			SELECT m.campus_id, a.name, a.balance
			FROM ledger_accounts a
			JOIN members m ON m.id = (SELECT MIN(f.id) FROM members f WHERE f.family_id = a.owner_id)
			WHERE a.owner_type = 'family'` + cond + `
			UNION ALL
			SELECT m.campus_id, 'hours_value' AS name,
				(p.paid * (CASE WHEN p.remaining > p.bonus_hours THEN p.remaining - p.bonus_hours ELSE 0 END)) ` + div + ` p.hours AS balance
			FROM class_hour_packages p JOIN members m ON m.id = p.member_id
			WHERE p.status = 'active' AND p.remaining > 0 AND p.hours > 0` + cond + `
		) x GROUP BY x.campus_id ORDER BY x.campus_id`
	args := append(append(append([]any{}, cargs...), cargs...), cargs...)
	var rows []Liabilities
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("reports: liabilities: %w", err)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].CampusID < rows[j].CampusID })
	return rows, nil
}

// LiabilitiesFor sums LiabilitiesByCampus over the campuses.
func LiabilitiesFor(ctx context.Context, db *gorm.DB, campusIDs []int64) (Liabilities, error) {
	rows, err := LiabilitiesByCampus(ctx, db, campusIDs)
	var t Liabilities
	for _, r := range rows {
		t = t.Add(r)
	}
	return t, err
}
