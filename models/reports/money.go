package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"starcard/models"
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
// and the bonus they gave, and what was refunded (purchases and top-ups).
type MoneyLine struct {
	Bucket  string
	Sales   int64
	Count   int64
	Topups  int64
	Bonus   int64
	Refunds int64
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

// MoneyFor sums purchases, top-ups and refunds of the period per bucket.
func MoneyFor(ctx context.Context, db *gorm.DB, p Period) (*Money, error) {
	g := db.WithContext(ctx)
	from, to := p.From.UTC(), p.To.UTC()
	lines := map[string]*MoneyLine{}
	for _, b := range p.Buckets() {
		lines[b] = &MoneyLine{Bucket: b}
	}
	line := func(t time.Time) *MoneyLine {
		b := p.bucket(t)
		if lines[b] == nil {
			lines[b] = &MoneyLine{Bucket: b}
		}
		return lines[b]
	}
	methods, cats := map[string]int64{}, map[string]int64{}
	cond, cargs := campusFilter("campus_id", p.CampusIDs)
	var ps []struct {
		At              time.Time
		Paid            int64
		Items, Payments string
	}
	if err := g.Raw(`SELECT at, paid, items, payments FROM purchases WHERE at >= ? AND at < ?`+cond,
		append([]any{from, to}, cargs...)...).Scan(&ps).Error; err != nil {
		return nil, fmt.Errorf("reports: money purchases: %w", err)
	}
	for _, r := range ps {
		l := line(r.At)
		l.Sales += r.Paid
		l.Count++
		var items []models.PurchaseItem
		pays := map[string]int64{} // method → fen, as the purchase stores it
		if err := json.Unmarshal([]byte(r.Items), &items); err != nil {
			return nil, fmt.Errorf("reports: purchase items: %w", err)
		}
		if err := json.Unmarshal([]byte(r.Payments), &pays); err != nil {
			return nil, fmt.Errorf("reports: purchase payments: %w", err)
		}
		for _, it := range items {
			cats[it.Category] += it.Amount
		}
		for m, v := range pays {
			methods[m] += v
		}
	}
	var ts []struct {
		At            time.Time
		Amount, Bonus int64
	}
	if err := g.Raw(`SELECT at, amount, bonus FROM topups WHERE at >= ? AND at < ?`+cond,
		append([]any{from, to}, cargs...)...).Scan(&ts).Error; err != nil {
		return nil, fmt.Errorf("reports: money top-ups: %w", err)
	}
	for _, r := range ts {
		l := line(r.At)
		l.Topups += r.Amount
		l.Bonus += r.Bonus
	}
	rcond, rargs := campusFilter("x.campus_id", p.CampusIDs)
	var rs []struct {
		At     time.Time
		Amount int64
	}
	if err := g.Raw(`SELECT r.at, r.amount FROM purchase_refunds r JOIN purchases x ON x.id = r.purchase_id
		WHERE r.at >= ? AND r.at < ?`+rcond+`
		UNION ALL SELECT r.at, r.amount FROM topup_refunds r JOIN topups x ON x.id = r.topup_id
		WHERE r.at >= ? AND r.at < ?`+rcond, append(append(append([]any{from, to}, rargs...), from, to), rargs...)...).Scan(&rs).Error; err != nil {
		return nil, fmt.Errorf("reports: money refunds: %w", err)
	}
	for _, r := range rs {
		line(r.At).Refunds += r.Amount
	}
	m := &Money{ByMethod: sorted(methods), ByCategory: sorted(cats), Total: MoneyLine{Bucket: ""}}
	for _, l := range lines {
		m.Lines = append(m.Lines, *l)
		m.Total.Sales += l.Sales
		m.Total.Count += l.Count
		m.Total.Topups += l.Topups
		m.Total.Bonus += l.Bonus
		m.Total.Refunds += l.Refunds
	}
	sort.Slice(m.Lines, func(i, j int) bool { return m.Lines[i].Bucket < m.Lines[j].Bucket })
	return m, nil
}
