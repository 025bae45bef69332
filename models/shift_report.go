package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// ReportScope selects what a desk report counts: one campus, a time window
// [From, To), and optionally one cashier (ActorID 0 = everyone).
type ReportScope struct {
	CampusID int64
	ActorID  int64
	From, To time.Time
}

// MethodLine is one payment method's money in a report (fen): taken in
// purchases, taken in top-ups, paid back in refunds, and the net.
type MethodLine struct {
	Method    string
	Purchases int64
	Topups    int64
	Refunds   int64
}

// Net is what the method brought in over the window.
func (m MethodLine) Net() int64 { return m.Purchases + m.Topups - m.Refunds }

// CashierLine is one cashier's part of a report.
type CashierLine struct {
	ActorID   int64
	Name      string
	Purchases int64 // count
	Paid      int64 // fen paid for purchases
	Topups    int64 // fen topped up
	Refunds   int64 // fen refunded (purchases and top-ups)
}

// DeskReport sums what happened at a desk: counts and sums per payment
// method, top-ups, refunds and points. It is the shift report and, for a
// whole campus and day, the daily report.
type DeskReport struct {
	Scope ReportScope

	PurchaseCount  int64
	PurchaseTotal  int64 // list prices
	TierDiscount   int64
	PointsDiscount int64
	PurchasePaid   int64 // what payments covered
	PointsRedeemed int64
	PointsEarned   int64

	// RewardCash is the cash part of points + cash rewards handed over (换购).
	RewardCash int64

	TopupCount       int64
	TopupAmount      int64
	TopupBonus       int64
	TopupBonusPoints int64

	RefundCount          int64
	RefundAmount         int64
	RefundStoredValue    int64
	RefundPointsReversed int64
	RefundPointsReturned int64
	RefundPointsShort    int64

	TopupRefundCount  int64
	TopupRefundAmount int64
	BonusForfeited    int64

	Methods  []MethodLine // stored_value, cash, wechat, alipay, bank_card
	Cashiers []CashierLine
}

// Method returns the line of one method.
func (r *DeskReport) Method(m string) MethodLine {
	for _, l := range r.Methods {
		if l.Method == m {
			return l
		}
	}
	return MethodLine{Method: m}
}

// NetCash is the cash the drawer gained over the window.
func (r *DeskReport) NetCash() int64 { return r.Method("cash").Net() }

// PointsGiven is the points issued by purchases and top-up bonuses, less
// those taken back by refunds.
func (r *DeskReport) PointsGiven() int64 {
	return r.PointsEarned + r.TopupBonusPoints - r.RefundPointsReversed
}

// MoneyIn is every fen taken by recorded methods and stored value, less refunds.
func (r *DeskReport) MoneyIn() int64 {
	var n int64
	for _, l := range r.Methods {
		if l.Method != "stored_value" {
			n += l.Net()
		}
	}
	return n
}

// DeskReportFor builds the report of a scope from the purchases, top-ups and
// refunds recorded in it. Reads only: it runs on the read pool or inside a
// transaction (closing a shift).
func DeskReportFor(ctx context.Context, db *gorm.DB, sc ReportScope) (*DeskReport, error) {
	rep := &DeskReport{Scope: sc}
	lines := map[string]*MethodLine{}
	for _, m := range PaymentMethods {
		lines[m] = &MethodLine{Method: m}
	}
	cashiers := map[int64]*CashierLine{}
	cashier := func(id int64) *CashierLine {
		c, ok := cashiers[id]
		if !ok {
			c = &CashierLine{ActorID: id}
			cashiers[id] = c
		}
		return c
	}
	from, to := sc.From.UTC(), sc.To.UTC()
	actorCond, actorArgs := "", []any{}
	if sc.ActorID != 0 {
		actorCond, actorArgs = " AND %s.actor_id = ?", []any{sc.ActorID}
	}
	cond := func(alias string) string {
		if actorCond == "" {
			return ""
		}
		return fmt.Sprintf(actorCond, alias)
	}

	var ps []struct {
		Total, TierDiscount, PointsDiscount, Paid, PointsRedeemed, PointsEarned, ActorID int64
		Payments                                                                         string
	}
	if err := db.WithContext(ctx).Raw(`SELECT p.total, p.tier_discount, p.points_discount, p.paid, p.points_redeemed,
		p.points_earned, p.actor_id, p.payments FROM purchases p
		WHERE p.campus_id = ? AND p.at >= ? AND p.at < ?`+cond("p"),
		append([]any{sc.CampusID, from, to}, actorArgs...)...).Scan(&ps).Error; err != nil {
		return nil, fmt.Errorf("models: desk report: purchases: %w", err)
	}
	for _, p := range ps {
		rep.PurchaseCount++
		rep.PurchaseTotal += p.Total
		rep.TierDiscount += p.TierDiscount
		rep.PointsDiscount += p.PointsDiscount
		rep.PurchasePaid += p.Paid
		rep.PointsRedeemed += p.PointsRedeemed
		rep.PointsEarned += p.PointsEarned
		pays := map[string]int64{}
		_ = json.Unmarshal([]byte(p.Payments), &pays)
		for m, v := range pays {
			if l, ok := lines[m]; ok {
				l.Purchases += v
			}
		}
		c := cashier(p.ActorID)
		c.Purchases++
		c.Paid += p.Paid
	}

	var ts []struct {
		Amount, Bonus, BonusPoints, ActorID int64
		Method                              string
	}
	if err := db.WithContext(ctx).Raw(`SELECT t.amount, t.bonus, t.bonus_points, t.actor_id, t.method FROM topups t
		WHERE t.campus_id = ? AND t.at >= ? AND t.at < ?`+cond("t"),
		append([]any{sc.CampusID, from, to}, actorArgs...)...).Scan(&ts).Error; err != nil {
		return nil, fmt.Errorf("models: desk report: topups: %w", err)
	}
	for _, t := range ts {
		rep.TopupCount++
		rep.TopupAmount += t.Amount
		rep.TopupBonus += t.Bonus
		rep.TopupBonusPoints += t.BonusPoints
		if l, ok := lines[t.Method]; ok {
			l.Topups += t.Amount
		}
		cashier(t.ActorID).Topups += t.Amount
	}

	// The cash part of points + cash rewards (换购) taken at the hand-over
	// is money in by its method, like a sale.
	var rc []struct {
		Cash, ClosedBy int64
		CashMethod     string
	}
	rcCond, rcArgs := "", []any{sc.CampusID, RedemptionHandedOver, from, to}
	if sc.ActorID != 0 {
		rcCond, rcArgs = " AND r.closed_by = ?", append(rcArgs, sc.ActorID)
	}
	if err := db.WithContext(ctx).Raw(`SELECT r.cash, r.closed_by, r.cash_method FROM reward_redemptions r
		WHERE r.campus_id = ? AND r.status = ? AND r.cash > 0 AND r.cash_journal_id IS NOT NULL
		AND r.closed_at >= ? AND r.closed_at < ?`+rcCond, rcArgs...).Scan(&rc).Error; err != nil {
		return nil, fmt.Errorf("models: desk report: reward cash: %w", err)
	}
	for _, r := range rc {
		rep.RewardCash += r.Cash
		if l, ok := lines[r.CashMethod]; ok {
			l.Purchases += r.Cash
		}
		cashier(r.ClosedBy).Paid += r.Cash
	}

	var rs []struct {
		Amount, SvPrincipal, SvBonus, PointsReversed, PointsReturned, PointsShortfall, ActorID int64
		Owed                                                                                   string
	}
	if err := db.WithContext(ctx).Raw(`SELECT r.amount, r.sv_principal, r.sv_bonus, r.points_reversed, r.points_returned,
		r.points_shortfall, r.actor_id, r.owed FROM purchase_refunds r JOIN ledger_journals j ON j.id = r.journal_id
		WHERE j.campus_id = ? AND r.at >= ? AND r.at < ?`+cond("r"),
		append([]any{sc.CampusID, from, to}, actorArgs...)...).Scan(&rs).Error; err != nil {
		return nil, fmt.Errorf("models: desk report: refunds: %w", err)
	}
	for _, r := range rs {
		rep.RefundCount++
		rep.RefundAmount += r.Amount
		rep.RefundStoredValue += r.SvPrincipal + r.SvBonus
		rep.RefundPointsReversed += r.PointsReversed
		rep.RefundPointsReturned += r.PointsReturned
		rep.RefundPointsShort += r.PointsShortfall
		lines["stored_value"].Refunds += r.SvPrincipal + r.SvBonus
		owed := map[string]int64{}
		_ = json.Unmarshal([]byte(r.Owed), &owed)
		for m, v := range owed {
			if l, ok := lines[m]; ok {
				l.Refunds += v
			}
		}
		cashier(r.ActorID).Refunds += r.Amount
	}

	var trs []struct {
		Amount, BonusForfeited, ActorID int64
		Method                          string
	}
	if err := db.WithContext(ctx).Raw(`SELECT r.amount, r.bonus_forfeited, r.actor_id, t.method FROM topup_refunds r
		JOIN ledger_journals j ON j.id = r.journal_id JOIN topups t ON t.id = r.topup_id
		WHERE j.campus_id = ? AND r.at >= ? AND r.at < ?`+cond("r"),
		append([]any{sc.CampusID, from, to}, actorArgs...)...).Scan(&trs).Error; err != nil {
		return nil, fmt.Errorf("models: desk report: topup refunds: %w", err)
	}
	for _, r := range trs {
		rep.TopupRefundCount++
		rep.TopupRefundAmount += r.Amount
		rep.BonusForfeited += r.BonusForfeited
		if l, ok := lines[r.Method]; ok {
			l.Refunds += r.Amount
		}
		cashier(r.ActorID).Refunds += r.Amount
	}

	for _, m := range PaymentMethods {
		rep.Methods = append(rep.Methods, *lines[m])
	}
	if len(cashiers) > 0 {
		ids := make([]int64, 0, len(cashiers))
		for id := range cashiers {
			ids = append(ids, id)
		}
		var us []struct {
			ID   int64
			Name string
		}
		if err := db.WithContext(ctx).Raw(`SELECT id, name FROM staff_users WHERE id IN ?`, ids).Scan(&us).Error; err != nil {
			return nil, fmt.Errorf("models: desk report: names: %w", err)
		}
		for _, u := range us {
			cashiers[u.ID].Name = u.Name
		}
		for _, c := range cashiers {
			rep.Cashiers = append(rep.Cashiers, *c)
		}
		sort.Slice(rep.Cashiers, func(i, j int) bool { return rep.Cashiers[i].ActorID < rep.Cashiers[j].ActorID })
	}
	return rep, nil
}

// ShiftReport is a shift with what was recorded in it.
type ShiftReport struct {
	Shift  *Shift
	Report *DeskReport
	// ExpectedCash is the float plus the net cash: what the drawer should
	// hold now (open shift) or held at the close.
	ExpectedCash int64
}

// ReportForShift builds a shift's report (up to now while it is open).
func ReportForShift(ctx context.Context, db *gorm.DB, now time.Time, s *Shift) (*ShiftReport, error) {
	rep, err := DeskReportFor(ctx, db, ReportScope{CampusID: s.CampusID, ActorID: s.CashierID, From: s.OpenedAt,
		To: s.End(now.UTC()).Add(time.Millisecond)})
	if err != nil {
		return nil, err
	}
	sr := &ShiftReport{Shift: s, Report: rep, ExpectedCash: s.OpeningCash + rep.NetCash()}
	if s.ExpectedCash != nil {
		sr.ExpectedCash = *s.ExpectedCash
	}
	return sr, nil
}

// DailyReport is one campus's day at the desk (school time).
type DailyReport struct {
	CampusID   int64
	CampusName string
	Day        time.Time // midnight, school time
	Report     *DeskReport
	Shifts     []Shift
}

// ReportForDay builds the daily report of a campus for the day that contains
// day in loc: midnight to midnight, school time.
func ReportForDay(ctx context.Context, db *gorm.DB, campusID int64, day time.Time, loc *time.Location) (*DailyReport, error) {
	d := day.In(loc)
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1)
	rep, err := DeskReportFor(ctx, db, ReportScope{CampusID: campusID, From: start, To: end})
	if err != nil {
		return nil, err
	}
	shifts, err := ListShifts(ctx, db, campusID, start, end)
	if err != nil {
		return nil, err
	}
	var name string
	if err := db.WithContext(ctx).Raw(`SELECT name FROM campuses WHERE id = ?`, campusID).Scan(&name).Error; err != nil {
		return nil, fmt.Errorf("models: daily report: %w", err)
	}
	if name == "" {
		return nil, ErrNotFound
	}
	return &DailyReport{CampusID: campusID, CampusName: name, Day: start, Report: rep, Shifts: shifts}, nil
}

// RefundsCount is how many refunds of purchases and top-ups there were.
func (r *DeskReport) RefundsCount() int64 { return r.RefundCount + r.TopupRefundCount }
