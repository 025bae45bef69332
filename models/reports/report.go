package reports

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/courses"
)

// CampusLiabilities is one campus's line of the liabilities table.
type CampusLiabilities struct {
	Liabilities
	Name string
}

// Report is everything /admin/reports shows for a period, built once so
// the page and its Excel export carry the same figures.
type Report struct {
	Period      Period
	Members     Members
	Activity    Activity
	Cohorts     []Cohort
	Liabilities []CampusLiabilities
	LiabTotal   Liabilities
	Money       *Money
	Renewals    []RenewalLine
	Renewal     Renewals
	Service     *Service
	Loyalty     *Loyalty
	CampusName  map[int64]string
}

// RenewalLine is a course's 续班率: of the students who attended in the
// period, the share who bought the course's hours again after their first
// lesson of it (models/courses.Renewals).
type RenewalLine struct {
	courses.RenewalRow
	Campus   string
	Pct      int64
	Finished int64 // attended, did not renew, hold no hours of the course
	FeePct   int64 // 续费率 = renewed / (renewed + finished)
}

// Build reads every section of the report.
func Build(ctx context.Context, db *gorm.DB, p Period) (*Report, error) {
	return build(ctx, db, p, true)
}

// BuildDashboard reads the sections the admin home shows — members,
// liabilities, money, renewal and service — and leaves out the member
// activity, cohorts and loyalty, which read the period's purchases and
// check-ins member by member (seconds at a million members) and which the
// dashboard does not show (Activity and Loyalty stay zero, Cohorts nil).
func BuildDashboard(ctx context.Context, db *gorm.DB, p Period) (*Report, error) {
	return build(ctx, db, p, false)
}

// build reads the sections side by side, each on its own connection of
// db's pool (db must be a pool, not a transaction): the page waits for the
// slowest section rather than for their sum.
func build(ctx context.Context, db *gorm.DB, p Period, full bool) (*Report, error) {
	r := &Report{Period: p, CampusName: map[int64]string{}, Loyalty: &Loyalty{}}
	cs, err := models.ListAllCampuses(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		r.CampusName[c.ID] = c.Name
	}
	var ls []Liabilities
	var rows []renewalStudent
	parts := []func() error{
		func() (err error) { r.Members, err = MembersFiltered(ctx, db, p.CampusIDs, p.Filter); return },
		func() (err error) { ls, err = LiabilitiesByCampus(ctx, db, p.CampusIDs); return },
		func() (err error) { r.Money, err = MoneyFor(ctx, db, p); return },
		func() (err error) { rows, err = renewalStudents(ctx, db, p); return },
		func() (err error) { r.Service, err = ServiceFor(ctx, db, p); return },
	}
	if full {
		parts = append(parts,
			func() (err error) { r.Activity, err = ActivityFor(ctx, db, p, p.Filter); return },
			func() (err error) { r.Cohorts, err = CohortsFor(ctx, db, p, p.Filter); return },
			func() (err error) { r.Loyalty, err = LoyaltyFor(ctx, db, p); return })
	}
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = part()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, l := range ls {
		r.Liabilities = append(r.Liabilities, CampusLiabilities{Liabilities: l, Name: r.CampusName[l.CampusID]})
		r.LiabTotal = r.LiabTotal.Add(l)
	}
	r.Renewals, r.Renewal = renewalsFor(rows, r.CampusName)
	for i := range r.Service.ComplaintsByCampus {
		id, _ := strconv.ParseInt(r.Service.ComplaintsByCampus[i].Key, 10, 64)
		r.Service.ComplaintsByCampus[i].Key = r.CampusName[id]
	}
	return r, nil
}

// GradeLabel is the message id naming a grade code: the default scheme's
// 重点/关注/一般, seed 000's A级…D级, "not graded", or "" for a school's own
// scheme whose codes are their own names.
func GradeLabel(code string) string {
	switch code {
	case "key", "watch", "general", "A", "B", "C", "D":
		return "crm.grade." + code
	case UngradedKey:
		return "reports.members.ungraded"
	}
	return ""
}

// XLSX writes the report as a workbook, one sheet per section, with the
// page's figures (money in yuan, two decimals). label translates a message id.
func (r *Report) XLSX(label func(id string) string) ([]byte, error) {
	yuan := func(fen int64) float64 { return float64(fen) / 100 }
	w := models.NewWorkbook(label("reports.members.title"))
	put, newSheet := w.Row, func(id string) error { return w.Sheet(label(id)) }
	p := r.Period
	put(label("reports.period"), p.From.In(p.Loc).Format(time.DateOnly), p.To.In(p.Loc).AddDate(0, 0, -1).Format(time.DateOnly))
	put(label("reports.members.total"), r.Members.Total)
	for _, g := range []struct {
		title, prefix string
		m             map[string]int64
	}{{"reports.members.by_tier", "tier.", r.Members.ByTier}, {"reports.members.by_grade", "grade", r.Members.ByGrade},
		{"reports.members.by_lifecycle", "lifecycle.", r.Members.ByLifecycle}} {
		w.Gap()
		put(label(g.title))
		for _, a := range sorted(g.m) {
			name := a.Key
			switch {
			case g.prefix == "grade":
				if id := GradeLabel(a.Key); id != "" {
					name = label(id)
				}
			case g.prefix != "":
				name = label(g.prefix + a.Key)
			}
			put(name, a.Amount)
		}
	}
	w.Gap()
	put(label("reports.activity.title"))
	put(label("reports.activity.new"), r.Activity.New)
	put(label("reports.activity.active"), r.Activity.Active)
	put(label("reports.activity.churned"), r.Activity.Churned)
	if err := newSheet("reports.cohort.title"); err != nil {
		return nil, err
	}
	put(label("reports.cohort.definition"))
	head := []any{label("reports.cohort.month"), label("reports.cohort.size")}
	for k := 0; k < CohortMonths; k++ {
		head = append(head, fmt.Sprintf(label("reports.cohort.since"), k))
	}
	put(head...)
	for _, c := range r.Cohorts {
		row := []any{c.Month, c.Size}
		for _, x := range c.Pct {
			row = append(row, x)
		}
		put(row...)
	}
	if err := newSheet("reports.money.title"); err != nil {
		return nil, err
	}
	put(label("reports.money.bucket"), label("reports.money.sales"), label("reports.money.count"), label("reports.money.topups"),
		label("reports.money.bonus"), label("reports.money.refunds"), label("reports.money.arrivals"), label("reports.money.lessons"))
	for _, l := range append(r.Money.Lines, r.Money.Total) {
		b := l.Bucket
		if b == "" {
			b = label("reports.total")
		}
		put(b, yuan(l.Sales), l.Count, yuan(l.Topups), yuan(l.Bonus), yuan(l.Refunds), l.Arrivals, l.Hours)
	}
	w.Gap()
	put(label("reports.money.by_method"))
	for _, a := range r.Money.ByMethod {
		put(label("cashier.method."+a.Key), yuan(a.Amount))
	}
	w.Gap()
	put(label("reports.money.by_category"))
	for _, a := range r.Money.ByCategory {
		put(label("cashier.cat."+a.Key), yuan(a.Amount))
	}
	if err := newSheet("reports.liab.title"); err != nil {
		return nil, err
	}
	put(label("reports.campus"), label("reports.liab.points"), label("reports.liab.principal"), label("reports.liab.bonus"),
		label("reports.liab.hours"), label("reports.liab.hours_value"))
	for _, l := range append(r.Liabilities, CampusLiabilities{Liabilities: r.LiabTotal, Name: label("reports.total")}) {
		put(l.Name, l.PointsOutstanding, yuan(l.StoredValuePrincipal), yuan(l.StoredValueBonus), l.ClassHoursOutstanding, yuan(l.ClassHoursValue))
	}
	if err := newSheet("reports.renewal.title"); err != nil {
		return nil, err
	}
	put(label("reports.renewal.definition"))
	put(label("reports.renewal.fee_definition"))
	put(label("reports.campus"), label("reports.renewal.course"), label("reports.renewal.students"), label("reports.renewal.renewed"),
		label("reports.renewal.rate"), label("reports.renewal.finished"), label("reports.renewal.fee_rate"))
	for _, x := range r.Renewals {
		put(x.Campus, x.Name, x.Students, x.Renewed, x.Pct, x.Finished, x.FeePct)
	}
	t := r.Renewal.Total
	put(label("reports.total"), "", t.Students, t.Renewed, t.Pct(), t.Finished, t.FeePct())
	for _, g := range []struct {
		title, none string
		rows        []RenewalGroup
	}{{"reports.renewal.by_class", "reports.renewal.no_class", r.Renewal.ByClass},
		{"reports.renewal.by_teacher", "reports.renewal.no_teacher", r.Renewal.ByTeacher},
		{"reports.renewal.by_campus", "", r.Renewal.ByCampus}} {
		w.Gap()
		put(label(g.title), "", label("reports.renewal.students"), label("reports.renewal.renewed"),
			label("reports.renewal.rate"), label("reports.renewal.finished"), label("reports.renewal.fee_rate"))
		for _, x := range g.rows {
			name := x.Name
			if name == "" && g.none != "" {
				name = label(g.none)
			}
			put(name, "", x.Students, x.Renewed, x.Pct(), x.Finished, x.FeePct())
		}
	}
	if err := newSheet("reports.loyalty.title"); err != nil {
		return nil, err
	}
	lo := r.Loyalty
	put(label("reports.loyalty.buyers"), lo.Buyers)
	put(label("reports.loyalty.repeat"), lo.RepeatBuyers, lo.RepeatPct())
	put(label("reports.loyalty.per_buyer"), yuan(lo.PerBuyer()))
	put(label("reports.loyalty.coupons_issued"), lo.CouponsIssued)
	put(label("reports.loyalty.coupons_used"), lo.CouponsUsed)
	put(label("reports.loyalty.coupon_cost"), yuan(lo.CouponCost))
	put(label("reports.loyalty.coupon_sales"), yuan(lo.CouponSales))
	put(label("reports.loyalty.rewards"), lo.RewardsHanded, lo.RewardPoints)
	put(label("reports.loyalty.stamps"), lo.StampsComplete)
	w.Gap()
	put(label("reports.loyalty.referrals"), label("reports.loyalty.invited"), label("reports.loyalty.ref_paid"), label("reports.loyalty.ref_rate"))
	for _, g := range lo.Referrals {
		name := g.Grade
		if name == "" {
			name = label("reports.loyalty.no_grade")
		}
		put(name, g.Invited, g.Paid, g.Pct())
	}
	if err := newSheet("reports.service.title"); err != nil {
		return nil, err
	}
	s := r.Service
	put(label("reports.service.complaints"), s.Complaints)
	put(label("reports.service.answered"), s.Answered)
	put(label("reports.service.first_avg"), s.FirstAnswerAvgMin)
	put(label("reports.service.first_on_time"), s.FirstOnTimePct())
	if s.NPSKnown {
		put(label("reports.service.nps"), s.NPS, s.NPSAnswers)
	} else {
		put(label("reports.service.nps"), "—", s.NPSAnswers)
	}
	put(label("reports.service.tasks_due"), s.TasksDue)
	put(label("reports.service.tasks_done"), s.TasksDone, s.DonePct())
	put(label("reports.service.tasks_on_time"), s.TasksDoneOnTime, s.OnTimePct())
	return w.Bytes()
}
