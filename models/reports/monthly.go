package reports

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// report_monthly (migration 0208) is report_daily folded by month for the
// months that have ended. Fold adds each ended month once every source row
// is summed; an event dated in a folded month (a back-dated entry) adds to
// both tables in its own transaction (mirrorFolded), so a folded month stays
// equal to its days, which verify proves.

// monthKey is the yyyymm of a "2006-01-02" day.
func monthKey(day string) int64 {
	if len(day) < 7 {
		return 0
	}
	n, _ := strconv.ParseInt(day[:4]+day[5:7], 10, 64)
	return n
}

// monthText is the "2006-01" of a yyyymm.
func monthText(m int64) string { return fmt.Sprintf("%04d-%02d", m/100, m%100) }

// nextMonth is the yyyymm after m.
func nextMonth(m int64) int64 {
	if m%100 == 12 {
		return (m/100+1)*100 + 1
	}
	return m + 1
}

// foldedThrough is the last month folded into report_monthly (0: none).
func foldedThrough(ctx context.Context, db *gorm.DB) (int64, error) {
	var m int64
	if err := db.WithContext(ctx).Raw(`SELECT upto FROM report_backfill WHERE source = 'monthly'`).Scan(&m).Error; err != nil {
		return 0, fmt.Errorf("reports: folded months: %w", err)
	}
	return m, nil
}

// mirrorFolded adds an event's cells to report_monthly when the event is
// dated in a month already folded: only a back-dated entry can be, since
// Fold never folds the wall clock's month (so the watermark is read only for
// an event dated before this month).
func mirrorFolded(ctx context.Context, tx *gorm.DB, loc *time.Location, day string, cells []cell) error {
	if monthKey(day) >= monthKey(time.Now().In(loc).Format(time.DateOnly)) || len(cells) == 0 {
		return nil
	}
	wm, err := foldedThrough(ctx, tx)
	if err != nil || monthKey(day) > wm {
		return err
	}
	upd := ` ON CONFLICT (month, campus_id, metric, dim) DO UPDATE SET amount = report_monthly.amount + excluded.amount,
		n = report_monthly.n + excluded.n`
	if tx.Dialector.Name() == "mysql" {
		upd = ` ON DUPLICATE KEY UPDATE amount = report_monthly.amount + VALUES(amount), n = report_monthly.n + VALUES(n)`
	}
	for _, c := range cells {
		if err := tx.WithContext(ctx).Exec(`INSERT INTO report_monthly (month, campus_id, metric, dim, amount, n) VALUES (?, ?, ?, ?, ?, ?)`+upd,
			c.day[:7], c.campus, c.metric, c.dim, c.amount, c.n).Error; err != nil {
			return fmt.Errorf("reports: monthly summary: %w", err)
		}
	}
	return nil
}

// Fold folds every ended month (school time) not folded yet into
// report_monthly, a month per transaction that also moves the watermark,
// once the backfill has summed every source row. It returns how many
// months it folded.
func Fold(ctx context.Context, db *models.DB, now time.Time) (int, error) {
	var pending int64
	if err := db.R.WithContext(ctx).Raw(`SELECT COUNT(*) FROM report_backfill WHERE source <> 'monthly' AND done < upto`).
		Scan(&pending).Error; err != nil {
		return 0, fmt.Errorf("reports: fold: %w", err)
	}
	if pending > 0 {
		return 0, nil
	}
	r, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return 0, fmt.Errorf("reports: fold: %w", err)
	}
	// Never this month, by the wall clock either (see mirrorFolded).
	current := min(monthKey(now.In(r.Location()).Format(time.DateOnly)), monthKey(time.Now().In(r.Location()).Format(time.DateOnly)))
	wm, err := foldedThrough(ctx, db.R)
	if err != nil {
		return 0, err
	}
	next := nextMonth(wm)
	if wm == 0 {
		var first string
		if err := db.R.WithContext(ctx).Raw(`SELECT COALESCE(MIN(day), '') FROM report_daily`).Scan(&first).Error; err != nil {
			return 0, fmt.Errorf("reports: fold: %w", err)
		}
		if first == "" {
			return 0, nil
		}
		next = monthKey(first)
	}
	folded := 0
	for m := next; m < current; m = nextMonth(m) {
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			q := tx.WithContext(ctx)
			if err := q.Exec(`DELETE FROM report_monthly WHERE month = ?`, monthText(m)).Error; err != nil {
				return err
			}
			if err := q.Exec(`INSERT INTO report_monthly (month, campus_id, metric, dim, amount, n)
				SELECT ?, campus_id, metric, dim, SUM(amount), SUM(n) FROM report_daily WHERE day >= ? AND day < ?
				GROUP BY campus_id, metric, dim`, monthText(m), monthText(m)+"-01", monthText(nextMonth(m))+"-01").Error; err != nil {
				return err
			}
			return q.Exec(`UPDATE report_backfill SET upto = ? WHERE source = 'monthly'`, m).Error
		})
		if err != nil {
			return folded, fmt.Errorf("reports: fold %s: %w", monthText(m), err)
		}
		folded++
	}
	return folded, nil
}

// summaryRows reads the period's summary figures for the metrics, one row
// per day (or month), metric and dimension. When the caller buckets by
// month or not at all (byDay false), the period's whole folded months come
// from report_monthly (dated their first day) and only the days around them
// from report_daily.
func summaryRows(ctx context.Context, db *gorm.DB, p Period, byDay bool, metrics ...string) ([]dailyRow, error) {
	if byDay && p.Grain != GrainMonth {
		return dailyRows(ctx, db, p, metrics...)
	}
	wm, err := foldedThrough(ctx, db)
	if err != nil {
		return nil, err
	}
	from, to := p.From.In(p.Loc), p.To.In(p.Loc)
	first := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, p.Loc)
	if first.Before(from) {
		first = first.AddDate(0, 1, 0)
	}
	end := first // the day after the last whole folded month
	for m := end; !m.AddDate(0, 1, 0).After(to) && monthKey(m.Format(time.DateOnly)) <= wm; m = m.AddDate(0, 1, 0) {
		end = m.AddDate(0, 1, 0)
	}
	if !first.Before(end) {
		return dailyRows(ctx, db, p, metrics...)
	}
	cond, args := campusFilter("campus_id", p.CampusIDs)
	var rows []dailyRow
	if err := db.WithContext(ctx).Raw(`SELECT month AS day, metric, dim, SUM(amount) AS amount, SUM(n) AS n FROM report_monthly
		WHERE month >= ? AND month < ? AND metric IN ?`+cond+` GROUP BY month, metric, dim`,
		append([]any{first.Format("2006-01"), end.Format("2006-01"), metrics}, args...)...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].Day += "-01"
	}
	for _, part := range [][2]time.Time{{from, first}, {end, to}} {
		if !part[0].Before(part[1]) {
			continue
		}
		q := p
		q.From, q.To = part[0], part[1]
		more, err := dailyRows(ctx, db, q, metrics...)
		if err != nil {
			return nil, err
		}
		rows = append(rows, more...)
	}
	return rows, nil
}

func init() {
	models.RegisterVerifyCheck("monthly summaries differ from their days",
		`SELECT x.campus_id AS a, SUM(x.fa) AS b, SUM(x.da) AS c, SUM(x.fn) AS d, SUM(x.dn) AS e, 0 AS f, 0 AS g FROM (
			SELECT campus_id, month, metric, dim, amount AS fa, 0 AS da, n AS fn, 0 AS dn FROM report_monthly
			UNION ALL
			SELECT campus_id, SUBSTR(day, 1, 7), metric, dim, 0, amount, 0, n FROM report_daily
				WHERE SUBSTR(day, 1, 7) IN (SELECT month FROM report_monthly)) x
		GROUP BY x.campus_id, x.month, x.metric, x.dim HAVING SUM(x.fa) <> SUM(x.da) OR SUM(x.fn) <> SUM(x.dn)`,
		"campus %[1]d: a folded month holds %[2]d (%[4]d times), its days %[3]d (%[5]d times)")
}
