package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/courses"
)

// Metrics of report_daily. A purchase adds to sales (amount paid, n 1), to
// method (per payment method) and to category (per line, list price); a
// top-up to topup (per method) and bonus; a refund to refund (dim purchase
// or topup); an arrival to checkin; a lesson attended to hours. A
// purchase also adds its amount paid to paid_by, and a purchase refund its
// amount to refund_by, under the dim "grade/tier" the purchase was paid
// under (PaidBy): the loyalty report narrowed to a grade or tier sums them.
const (
	MetricSales    = "sales"
	MetricMethod   = "method"
	MetricCategory = "category"
	MetricTopup    = "topup"
	MetricBonus    = "bonus"
	MetricRefund   = "refund"
	MetricCheckin  = "checkin"
	MetricHours    = "hours"
	MetricPaidBy   = "paid_by"
	MetricRefundBy = "refund_by"
)

// PaidBy is the dim of paid_by and refund_by for a grade and a tier.
func PaidBy(grade, tier string) string { return grade + "/" + tier }

// slots is how many rows one campus-day-metric is spread over (see the migration).
const slots = 8

// JobBackfill sums the rows that existed before the summaries did.
const JobBackfill = "reports.backfill"

// cell is one addition to a summary row.
type cell struct {
	campus      int64
	day         string
	metric, dim string
	slot        int64
	amount, n   int64
}

func init() {
	models.OnEvent(onEvent)
	// Each day's paid by grade and tier adds up to its sales, and its
	// refunds by grade and tier to its purchase refunds.
	models.RegisterVerifyCheckIf("paid by grade and tier differs from the day's sales",
		`SELECT campus_id AS a, CAST(REPLACE(day, '-', '') AS SIGNED) AS b,
			SUM(CASE WHEN metric = 'sales' THEN amount ELSE 0 END) AS c, SUM(CASE WHEN metric = 'paid_by' THEN amount ELSE 0 END) AS d,
			SUM(CASE WHEN metric = 'refund' THEN amount ELSE 0 END) AS e, SUM(CASE WHEN metric = 'refund_by' THEN amount ELSE 0 END) AS f, 0 AS g
		FROM report_daily WHERE metric IN ('sales', 'paid_by', 'refund_by') OR (metric = 'refund' AND dim = 'purchase')
		GROUP BY campus_id, day HAVING SUM(CASE WHEN metric = 'sales' THEN amount ELSE 0 END) <> SUM(CASE WHEN metric = 'paid_by' THEN amount ELSE 0 END)
			OR SUM(CASE WHEN metric = 'refund' THEN amount ELSE 0 END) <> SUM(CASE WHEN metric = 'refund_by' THEN amount ELSE 0 END)`,
		"campus %[1]d, day %[2]d: sales %[3]d, paid by grade and tier %[4]d; purchase refunds %[5]d, by grade and tier %[6]d",
		func(ctx context.Context, db *gorm.DB) bool {
			return backfilled(ctx, db, "purchases", "purchase_refunds", "purchase_grades", "purchase_refund_grades")
		})
	models.RegisterJobs(func(db *models.DB, loc *time.Location) []models.Job {
		return []models.Job{{Name: JobBackfill, Every: 10 * time.Minute, Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := Backfill(ctx, db, now, 0)
			if err != nil {
				return "", err
			}
			folded, err := Compact(ctx, db, now)
			if err != nil {
				return "", err
			}
			months, err := Fold(ctx, db, now)
			if err != nil {
				return "", err
			}
			closed, err := Close(ctx, db, now, loc)
			return fmt.Sprintf("%d %d %d %d", n, folded, months, closed), err
		}}}
	})
}

// onEvent adds the event to its day's summary rows with one statement (a
// purchase first reads its own row by id for its lines and payments).
func onEvent(ctx context.Context, tx *gorm.DB, e models.DomainEvent) error {
	var cells []cell
	switch e.Type {
	case models.EventPurchaseCreated, models.EventTopupCreated, models.EventRefundCreated, models.EventTopupRefunded,
		models.EventCheckinCreated, models.EventHoursConsumed:
	default:
		return nil
	}
	r, err := models.LoadRules(ctx, tx, e.At)
	if err != nil {
		return fmt.Errorf("reports: summary: %w", err)
	}
	day := e.At.In(r.Location()).Format(time.DateOnly)
	at := func(metric, dim string, amount, n int64) {
		cells = append(cells, cell{e.CampusID, day, metric, dim, e.ObjectID % slots, amount, n})
	}
	switch e.Type {
	case models.EventPurchaseCreated:
		if x, ok := e.Object.(*models.PurchaseResult); ok && x.Lines != nil {
			// The purchase carries its lines and payments: no need to read it back.
			cells = purchaseCells(e.ObjectID, e.CampusID, day, x.Paid, x.Lines, x.PaidBy)
			at(MetricPaidBy, PaidBy(x.PaidGrade, x.PaidTier), x.Paid, 1)
			break
		}
		var p purchaseSrc
		if err := tx.WithContext(ctx).Raw(`SELECT id, campus_id, paid, items, payments, at, grade, tier FROM purchases WHERE id = ?`,
			e.ObjectID).Scan(&p).Error; err != nil {
			return fmt.Errorf("reports: summary purchase: %w", err)
		}
		if cells, err = p.cells(day); err != nil {
			return err
		}
		at(MetricPaidBy, PaidBy(p.Grade, p.Tier), p.Paid, 1)
	case models.EventTopupCreated:
		if t, ok := e.Object.(*models.TopupResult); ok {
			at(MetricTopup, t.Method, t.Amount, 1)
			if t.Bonus != 0 {
				at(MetricBonus, "", t.Bonus, 1)
			}
		}
	case models.EventRefundCreated:
		if x, ok := e.Object.(*models.RefundResult); ok {
			at(MetricRefund, "purchase", x.Amount, 1)
			at(MetricRefundBy, PaidBy(x.PaidGrade, x.PaidTier), x.Amount, 1)
		}
	case models.EventTopupRefunded:
		if x, ok := e.Object.(*models.TopupRefundResult); ok {
			at(MetricRefund, "topup", x.Amount, 1)
		}
	case models.EventCheckinCreated:
		if x, ok := e.Object.(*models.CheckinResult); ok && x.Status == models.CheckinCheckedIn {
			at(MetricCheckin, "", 0, 1)
		}
	case models.EventHoursConsumed:
		if x, ok := e.Object.(*courses.AttendanceResult); ok && x.HoursConsumed > 0 {
			at(MetricHours, "", x.HoursConsumed, 1)
		}
	}
	if err := upsert(ctx, tx, cells); err != nil {
		return err
	}
	return mirrorFolded(ctx, tx, r.Location(), day, cells)
}

type purchaseSrc struct {
	ID, CampusID    int64
	Paid            int64
	Items, Payments string
	At              time.Time
	Grade, Tier     string
}

func (p purchaseSrc) cells(day string) ([]cell, error) {
	var items []models.PurchaseItem
	pays := map[string]int64{}
	if err := json.Unmarshal([]byte(p.Items), &items); err != nil {
		return nil, fmt.Errorf("reports: purchase %d items: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(p.Payments), &pays); err != nil {
		return nil, fmt.Errorf("reports: purchase %d payments: %w", p.ID, err)
	}
	return purchaseCells(p.ID, p.CampusID, day, p.Paid, items, pays), nil
}

// purchaseCells are a purchase's additions to the day: the sale, each
// category's lines and each payment method.
func purchaseCells(id, campusID int64, day string, paid int64, items []models.PurchaseItem, pays map[string]int64) []cell {
	slot := id % slots
	out := []cell{{campusID, day, MetricSales, "", slot, paid, 1}}
	cats := map[string]int64{}
	for _, it := range items {
		cats[it.Category] += it.Amount
	}
	for _, k := range sortedKeys(cats) {
		out = append(out, cell{campusID, day, MetricCategory, k, slot, cats[k], 1})
	}
	for _, k := range sortedKeys(pays) {
		out = append(out, cell{campusID, day, MetricMethod, k, slot, pays[k], 1})
	}
	return out
}

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for _, a := range sorted(m) {
		out = append(out, a.Key)
	}
	return out
}

// upsert adds the cells to their rows in one statement; cells of the same
// row are merged first (one statement may not touch a row twice on SQLite).
func upsert(ctx context.Context, tx *gorm.DB, cells []cell) error {
	if len(cells) == 0 {
		return nil
	}
	type key struct {
		campus      int64
		day         string
		metric, dim string
		slot        int64
	}
	merged := map[key]int{}
	var rows []cell
	for _, c := range cells {
		k := key{c.campus, c.day, c.metric, c.dim, c.slot}
		if i, ok := merged[k]; ok {
			rows[i].amount += c.amount
			rows[i].n += c.n
			continue
		}
		merged[k] = len(rows)
		rows = append(rows, c)
	}
	// In key order, so two events' statements lock rows in the same order.
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.day != b.day {
			return a.day < b.day
		}
		if a.campus != b.campus {
			return a.campus < b.campus
		}
		if a.metric != b.metric {
			return a.metric < b.metric
		}
		if a.dim != b.dim {
			return a.dim < b.dim
		}
		return a.slot < b.slot
	})
	// An event's cells are one statement; a backfill batch is cut below
	// SQLite's 32,766 bound variables.
	for len(rows) > upsertRows {
		if err := upsertRowsOnce(ctx, tx, rows[:upsertRows]); err != nil {
			return err
		}
		rows = rows[upsertRows:]
	}
	return upsertRowsOnce(ctx, tx, rows)
}

const upsertRows = 1000

func upsertRowsOnce(ctx context.Context, tx *gorm.DB, rows []cell) error {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO report_daily (campus_id, day, metric, dim, slot, amount, n) VALUES `)
	args := make([]any, 0, len(rows)*7)
	for i, c := range rows {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("(?,?,?,?,?,?,?)")
		args = append(args, c.campus, c.day, c.metric, c.dim, c.slot, c.amount, c.n)
	}
	if tx.Dialector.Name() == "mysql" {
		sb.WriteString(` ON DUPLICATE KEY UPDATE amount = amount + VALUES(amount), n = n + VALUES(n)`)
	} else {
		sb.WriteString(` ON CONFLICT (day, campus_id, metric, dim, slot) DO UPDATE SET amount = report_daily.amount + excluded.amount, n = report_daily.n + excluded.n`)
	}
	if _, err := models.ExecSQL(ctx, tx, sb.String(), args...); err != nil {
		return fmt.Errorf("reports: summary upsert: %w", err)
	}
	return nil
}

// backfillBatch is how many source rows one backfill transaction sums.
const backfillBatch = 2000

// backfillSource reads the rows of one source table with ids in (after,
// upto] and turns them into cells.
type backfillSource struct {
	name string
	read func(ctx context.Context, tx *gorm.DB, loc *time.Location, after, upto int64) ([]cell, int64, error)
	of   string // the table whose ids the watermark follows, when not name
}

func (s backfillSource) table() string {
	if s.of != "" {
		return s.of
	}
	return s.name
}

var backfillSources = []backfillSource{
	{name: "purchases", read: func(ctx context.Context, tx *gorm.DB, loc *time.Location, after, upto int64) ([]cell, int64, error) {
		var ps []purchaseSrc
		if err := tx.WithContext(ctx).Raw(`SELECT id, campus_id, paid, items, payments, at FROM purchases
			WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`, after, upto, backfillBatch).Scan(&ps).Error; err != nil {
			return nil, 0, err
		}
		var out []cell
		for _, p := range ps {
			cs, err := p.cells(p.At.In(loc).Format(time.DateOnly))
			if err != nil {
				return nil, 0, err
			}
			out, after = append(out, cs...), p.ID
		}
		return out, after, nil
	}},
	// Paid and refunded by grade and tier (0211), for the rows before it.
	{name: "purchase_grades", of: "purchases", read: simpleSource(`SELECT r.id, r.campus_id, r.at, r.paid AS amount, r.grade, r.tier FROM purchases r`,
		func(r srcRow) []cell {
			return []cell{{metric: MetricPaidBy, dim: PaidBy(r.Grade, r.Tier), amount: r.Amount, n: 1}}
		})},
	{name: "purchase_refund_grades", of: "purchase_refunds", read: simpleSource(`SELECT r.id, x.campus_id, r.at, r.amount, x.grade, x.tier FROM purchase_refunds r
		JOIN purchases x ON x.id = r.purchase_id`, func(r srcRow) []cell {
		return []cell{{metric: MetricRefundBy, dim: PaidBy(r.Grade, r.Tier), amount: r.Amount, n: 1}}
	})},
	{name: "topups", read: simpleSource(`SELECT r.id, r.campus_id, r.at, r.amount, r.bonus, r.method AS dim FROM topups r`, func(r srcRow) []cell {
		out := []cell{{metric: MetricTopup, dim: r.Dim, amount: r.Amount, n: 1}}
		if r.Bonus != 0 {
			out = append(out, cell{metric: MetricBonus, amount: r.Bonus, n: 1})
		}
		return out
	})},
	{name: "purchase_refunds", read: simpleSource(`SELECT r.id, x.campus_id, r.at, r.amount FROM purchase_refunds r
		JOIN purchases x ON x.id = r.purchase_id`, func(r srcRow) []cell {
		return []cell{{metric: MetricRefund, dim: "purchase", amount: r.Amount, n: 1}}
	})},
	{name: "topup_refunds", read: simpleSource(`SELECT r.id, x.campus_id, r.at, r.amount FROM topup_refunds r
		JOIN topups x ON x.id = r.topup_id`, func(r srcRow) []cell {
		return []cell{{metric: MetricRefund, dim: "topup", amount: r.Amount, n: 1}}
	})},
	{name: "checkins", read: simpleSource(`SELECT r.id, r.campus_id, r.at FROM checkins r WHERE r.kind = 'arrival'`, func(r srcRow) []cell {
		return []cell{{metric: MetricCheckin, n: 1}}
	})},
	{name: "course_attendance", read: simpleSource(`SELECT r.id, m.campus_id, r.at, r.hours AS amount FROM course_attendance r
		JOIN members m ON m.id = r.member_id WHERE r.hours > 0`, func(r srcRow) []cell {
		return []cell{{metric: MetricHours, amount: r.Amount, n: 1}}
	})},
}

type srcRow struct {
	ID, CampusID  int64
	At            time.Time
	Amount, Bonus int64
	Dim           string
	Grade, Tier   string
}

// simpleSource pages through a query (its source table aliased r) whose
// rows map to cells on their own.
func simpleSource(query string, conv func(srcRow) []cell) func(context.Context, *gorm.DB, *time.Location, int64, int64) ([]cell, int64, error) {
	where := " WHERE "
	if strings.Contains(query, " WHERE ") {
		where = " AND "
	}
	q := query + where + `r.id > ? AND r.id <= ? ORDER BY r.id LIMIT ?`
	return func(ctx context.Context, tx *gorm.DB, loc *time.Location, after, upto int64) ([]cell, int64, error) {
		var rows []srcRow
		if err := tx.WithContext(ctx).Raw(q, after, upto, backfillBatch).Scan(&rows).Error; err != nil {
			return nil, 0, err
		}
		var out []cell
		for _, r := range rows {
			day := r.At.In(loc).Format(time.DateOnly)
			for _, c := range conv(r) {
				c.campus, c.day, c.slot = r.CampusID, day, r.ID%slots
				out = append(out, c)
			}
			after = r.ID
		}
		return out, after, nil
	}
}

// Backfill sums into report_daily the source rows that existed before the
// summaries did (ids up to each source's watermark), a batch per
// transaction that also moves the watermark, so it can stop and resume and
// never counts a row twice. maxBatches bounds the work (0: until done). It
// returns how many source rows it summed.
func Backfill(ctx context.Context, db *models.DB, now time.Time, maxBatches int) (int64, error) {
	r, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return 0, fmt.Errorf("reports: backfill: %w", err)
	}
	loc := r.Location()
	var total int64
	batches := 0
	for _, s := range backfillSources {
		for maxBatches == 0 || batches < maxBatches {
			var moved int64
			err := db.Tx(ctx, func(tx *gorm.DB) error {
				moved = 0
				var w struct{ Upto, Done int64 }
				if err := tx.WithContext(ctx).Raw(`SELECT upto, done FROM report_backfill WHERE source = ?`+forUpdate(tx),
					s.name).Scan(&w).Error; err != nil {
					return err
				}
				if w.Done >= w.Upto {
					return nil
				}
				cells, last, err := s.read(ctx, tx, loc, w.Done, w.Upto)
				if err != nil {
					return err
				}
				if last <= w.Done { // no rows left below the mark (deleted ids)
					last = w.Upto
				}
				if err := upsert(ctx, tx, cells); err != nil {
					return err
				}
				moved = last - w.Done
				total += int64(len(cells))
				return tx.WithContext(ctx).Exec(`UPDATE report_backfill SET done = ? WHERE source = ?`, last, s.name).Error
			})
			if err != nil {
				return total, fmt.Errorf("reports: backfill %s: %w", s.name, err)
			}
			if moved == 0 {
				break
			}
			batches++
		}
	}
	return total, nil
}

func forUpdate(tx *gorm.DB) string {
	if tx.Dialector.Name() == "mysql" {
		return " FOR UPDATE"
	}
	return ""
}

// Rebuild throws the summaries away and sums every source row again, for a
// school whose summaries are in doubt (run it with the server stopped: an
// event committing during the reset could be counted twice).
func Rebuild(ctx context.Context, db *models.DB, now time.Time) (int64, error) {
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.WithContext(ctx).Exec(`DELETE FROM report_daily`).Error; err != nil {
			return err
		}
		if err := tx.WithContext(ctx).Exec(`DELETE FROM report_monthly`).Error; err != nil {
			return err
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE report_backfill SET upto = 0, done = 0 WHERE source = 'monthly'`).Error; err != nil {
			return err
		}
		for _, s := range backfillSources {
			if err := tx.WithContext(ctx).Exec(`UPDATE report_backfill SET done = 0, upto = (SELECT COALESCE(MAX(id), 0) FROM `+
				s.table()+`) WHERE source = ?`, s.name).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reports: rebuild: %w", err)
	}
	n, err := Backfill(ctx, db, now, 0)
	if err != nil {
		return n, err
	}
	_, err = Fold(ctx, db, now)
	return n, err
}

// Compact folds the slots of the days before yesterday (school time) into
// slot 0, in one transaction, so old days cost one row per figure to read.
// It returns how many rows it folded away.
func Compact(ctx context.Context, db *models.DB, now time.Time) (int64, error) {
	r, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return 0, fmt.Errorf("reports: compact: %w", err)
	}
	before := now.In(r.Location()).AddDate(0, 0, -1).Format(time.DateOnly)
	var n int64
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		upd := ` ON CONFLICT (day, campus_id, metric, dim, slot) DO UPDATE SET amount = report_daily.amount + excluded.amount,
			n = report_daily.n + excluded.n`
		if tx.Dialector.Name() == "mysql" {
			upd = ` ON DUPLICATE KEY UPDATE amount = report_daily.amount + VALUES(amount), n = report_daily.n + VALUES(n)`
		}
		if err := tx.WithContext(ctx).Exec(`INSERT INTO report_daily (campus_id, day, metric, dim, slot, amount, n)
			SELECT campus_id, day, metric, dim, 0, SUM(amount), SUM(n) FROM report_daily WHERE day < ? AND slot > 0
			GROUP BY day, campus_id, metric, dim`+upd, before).Error; err != nil {
			return err
		}
		res := tx.WithContext(ctx).Exec(`DELETE FROM report_daily WHERE day < ? AND slot > 0`, before)
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("reports: compact: %w", err)
	}
	return n, nil
}
