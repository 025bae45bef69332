package reports

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Grains a money report buckets by.
const (
	GrainDay   = "day"
	GrainWeek  = "week"
	GrainMonth = "month"
)

// Grains lists them in order.
var Grains = []string{GrainDay, GrainWeek, GrainMonth}

// Period is the report window [From, To) in the school's time zone, the
// campuses it covers (nil: every campus) and the grain of its buckets.
type Period struct {
	From, To  time.Time
	CampusIDs []int64
	Grain     string
	Loc       *time.Location
	Filter    Filter // narrows the member sections
}

// bucket names the bucket of t: 2026-12-01, the Monday of its week, or 2026-12.
func (p Period) bucket(t time.Time) string {
	t = t.In(p.Loc)
	switch p.Grain {
	case GrainMonth:
		return t.Format("2006-01")
	case GrainWeek:
		wd := (int(t.Weekday()) + 6) % 7
		return time.Date(t.Year(), t.Month(), t.Day()-wd, 0, 0, 0, 0, p.Loc).Format(time.DateOnly)
	}
	return t.Format(time.DateOnly)
}

// Buckets lists every bucket of the window, so quiet days show as zero.
func (p Period) Buckets() []string {
	var out []string
	seen := map[string]bool{}
	for d := p.From.In(p.Loc); d.Before(p.To); d = d.AddDate(0, 0, 1) {
		if b := p.bucket(d); !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out
}

// MoneyLine is one bucket's money (fen): what purchases were paid, top-ups
// and the bonus they gave, and what was refunded (purchases and top-ups);
// beside it the bucket's activity: arrivals at the door and class hours
// attended.
type MoneyLine struct {
	Bucket   string
	Sales    int64
	Count    int64
	Topups   int64
	Bonus    int64
	Refunds  int64
	Arrivals int64
	Hours    int64
}

// Money is the money report of a period.
type Money struct {
	Lines      []MoneyLine
	Total      MoneyLine
	ByMethod   []Amount // what purchases were paid with (stored value included); sums to Total.Sales
	ByCategory []Amount // purchases' lines at list price, before discounts
}

// Amount is a labelled sum (fen).
type Amount struct {
	Key    string
	Amount int64
}

func sorted(m map[string]int64) []Amount {
	out := make([]Amount, 0, len(m))
	for k, v := range m {
		out = append(out, Amount{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Amount != out[j].Amount {
			return out[i].Amount > out[j].Amount
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// MoneyFor sums purchases, top-ups and refunds of the period per bucket
// from the daily summaries (report_daily): the rows of the window's days,
// never the purchases themselves.
func MoneyFor(ctx context.Context, db *gorm.DB, p Period) (*Money, error) {
	lines := map[string]*MoneyLine{}
	for _, b := range p.Buckets() {
		lines[b] = &MoneyLine{Bucket: b}
	}
	methods, cats := map[string]int64{}, map[string]int64{}
	rows, err := summaryRows(ctx, db, p, true, MetricSales, MetricMethod, MetricCategory, MetricTopup, MetricBonus, MetricRefund,
		MetricCheckin, MetricHours)
	if err != nil {
		return nil, fmt.Errorf("reports: money: %w", err)
	}
	for _, r := range rows {
		d, err := time.ParseInLocation(time.DateOnly, r.Day, p.Loc)
		if err != nil {
			return nil, fmt.Errorf("reports: money: day %q: %w", r.Day, err)
		}
		b := p.bucket(d)
		l := lines[b]
		if l == nil {
			l = &MoneyLine{Bucket: b}
			lines[b] = l
		}
		switch r.Metric {
		case MetricSales:
			l.Sales += r.Amount
			l.Count += r.N
		case MetricMethod:
			methods[r.Dim] += r.Amount
		case MetricCategory:
			cats[r.Dim] += r.Amount
		case MetricTopup:
			l.Topups += r.Amount
		case MetricBonus:
			l.Bonus += r.Amount
		case MetricRefund:
			l.Refunds += r.Amount
		case MetricCheckin:
			l.Arrivals += r.N
		case MetricHours:
			l.Hours += r.Amount
		}
	}
	m := &Money{ByMethod: sorted(methods), ByCategory: sorted(cats), Total: MoneyLine{Bucket: ""}}
	for _, l := range lines {
		m.Lines = append(m.Lines, *l)
		m.Total.Sales += l.Sales
		m.Total.Count += l.Count
		m.Total.Topups += l.Topups
		m.Total.Bonus += l.Bonus
		m.Total.Refunds += l.Refunds
		m.Total.Arrivals += l.Arrivals
		m.Total.Hours += l.Hours
	}
	sort.Slice(m.Lines, func(i, j int) bool { return m.Lines[i].Bucket < m.Lines[j].Bucket })
	return m, nil
}

// dailyRow is a summary figure of one day, summed over campuses and slots.
type dailyRow struct {
	Day, Metric, Dim string
	Amount, N        int64
}

// dailyRows reads the summaries of the period's days and campuses for the
// metrics, one row per day, metric and dimension.
func dailyRows(ctx context.Context, db *gorm.DB, p Period, metrics ...string) ([]dailyRow, error) {
	from := p.From.In(p.Loc).Format(time.DateOnly)
	to := p.To.In(p.Loc).Format(time.DateOnly)
	cond, args := campusFilter("campus_id", p.CampusIDs)
	var rows []dailyRow
	err := db.WithContext(ctx).Raw(`SELECT day, metric, dim, SUM(amount) AS amount, SUM(n) AS n FROM report_daily
		WHERE day >= ? AND day < ? AND metric IN ?`+cond+` GROUP BY day, metric, dim`,
		append([]any{from, to, metrics}, args...)...).Scan(&rows).Error
	return rows, err
}
