package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"starcard/models"
	"starcard/models/reports"
)

func init() {
	for _, c := range []struct {
		name string
		run  func(context.Context, []string, io.Writer) error
	}{{"reports-fixture", cmdReportsFixture}, {"reports-bench", cmdReportsBench}, {"reports-rebuild", cmdReportsRebuild}} {
		extraCommands = append(extraCommands, c)
	}
}

// cmdReportsRebuild throws the report summaries away and sums the history
// again (stop the server first; see reports.Rebuild). On an upgraded school
// the scheduler's reports.backfill job does the same for the rows older than
// the summaries without stopping anything.
func cmdReportsRebuild(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("reports-rebuild")
	dbSpec := f.str("db", defaultDB, "database")
	foldOnly := f.Bool("fold", false, "only fold the ended months into the monthly summaries, as the reports job does")
	backfill := f.Bool("backfill", false, "only sum the rows still to be summed, compact and fold (as the reports job does, to the end)")
	closeN := f.Int("close", 0, "only close days as n runs of the reports job would (today's first midnight, then a missed day and month start a run)")
	if err := f.Parse(args); err != nil {
		return err
	}
	db, _, err := openAndMigrate(ctx, *dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if *closeN > 0 {
		r, err := models.LoadRules(ctx, db.R, start)
		if err != nil {
			return err
		}
		for i := 0; i < *closeN; i++ {
			t := time.Now()
			n, err := reports.Close(ctx, db, t, r.Location())
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "reports-rebuild: run %d closed %d days in %s\n", i+1, n, time.Since(t).Round(time.Millisecond))
			if n == 0 {
				break
			}
		}
		return nil
	}
	if *backfill {
		n, err := reports.Backfill(ctx, db, start.UTC(), 0)
		if err != nil {
			return err
		}
		compacted, err := reports.Compact(ctx, db, start.UTC())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "reports-rebuild: %d summary additions, %d rows compacted in %s\n", n, compacted, time.Since(start).Round(time.Millisecond))
		*foldOnly = true
	}
	if *foldOnly {
		months, err := reports.Fold(ctx, db, time.Now().UTC())
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "reports-rebuild: %d months folded in %s\n", months, time.Since(start).Round(time.Millisecond))
		return nil
	}
	n, err := reports.Rebuild(ctx, db, time.Now().UTC())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "reports-rebuild: %d summary additions in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// cmdReportsFixture fills an EMPTY MariaDB/MySQL school with a large
// history for the reports benchmark (issue 16): campuses, one family per
// member, three ledger accounts per member (points, principal, bonus) and
// two-posting journals — top-ups (principal in, cash clearing out) with
// their topups rows and purchases earning points with their purchases rows —
// each posting carrying its account's seq and balance_after, the balances
// equal to the postings, and the report summaries built from the same rows
// the way the events build them. Multi-row INSERTs on one connection with
// the foreign-key and unique checks off for the session.
func cmdReportsFixture(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("reports-fixture")
	dbSpec := f.str("db", "", "database: a scratch MySQL/MariaDB one (mysql:…)")
	nMembers := f.Int("members", 1_000_000, "members")
	nEntries := f.Int("entries", 20_000_000, "ledger postings (two per journal)")
	nCampuses := f.Int("campuses", 20, "campuses")
	days := f.Int("days", 730, "days of history, ending today")
	if err := f.Parse(args); err != nil {
		return err
	}
	db, _, err := openAndMigrate(ctx, *dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Dialect != models.MySQL {
		return errors.New("reports-fixture: MySQL/MariaDB only (the benchmark's database)")
	}
	var existing int64
	if err := db.R.Raw(`SELECT COUNT(*) FROM members`).Scan(&existing).Error; err != nil {
		return err
	}
	if existing > 0 {
		return errors.New("reports-fixture: the database already has members; use an empty one")
	}
	start := time.Now()
	now := time.Now().UTC()
	campuses := make([]int64, *nCampuses)
	for i := range campuses {
		c, err := models.CreateCampus(ctx, db.W, now, fmt.Sprintf("R%02d", i+1), fmt.Sprintf("压测%02d校区", i+1), "")
		if err != nil {
			return err
		}
		campuses[i] = c.ID
	}
	if _, err := models.CreateStaff(ctx, db.W, now, models.NewStaff{Username: "rbench", Name: "报表压测", Password: "bench-password",
		Role: string(models.RoleAdmin)}); err != nil {
		return fmt.Errorf("reports-fixture: staff: %w", err)
	}
	b := &bulk{ctx: ctx, db: db.SQL(), out: out}
	defer b.close()
	rng := rand.New(rand.NewPCG(16, 2026))
	ts := func(t time.Time) string { return "'" + t.Format("2006-01-02 15:04:05.000") + "'" }
	nowS := ts(now)
	tiers := []string{"silver", "silver", "silver", "gold", "gold", "platinum"}
	grades := []string{"key", "watch", "general", "general", "general", "normal"}
	lifes := []string{"enrolled", "active", "active", "active", "graduated", "churned", "prospect"}
	first := now.AddDate(0, 0, -*days)
	memberCampus := make([]int64, *nMembers+1)
	memberTier, memberGrade := make([]uint8, *nMembers+1), make([]uint8, *nMembers+1)
	for i := 1; i <= *nMembers; i++ {
		memberCampus[i] = campuses[rng.IntN(len(campuses))]
		memberTier[i], memberGrade[i] = uint8(rng.IntN(len(tiers))), uint8(rng.IntN(len(grades)))
		enrolled := first.Add(time.Duration(rng.Int64N(int64(now.Sub(first)))))
		b.add("families", "id, name, shared_wallet, created_at, updated_at", fmt.Sprintf("(%d,'家庭%d',0,%s,%s)", i, i, nowS, nowS))
		b.add("members", "id, family_id, campus_id, name, lifecycle, tier, grade, notes, created_at, updated_at, enrolled_on",
			fmt.Sprintf("(%d,%d,%d,'学员%d','%s','%s','%s','',%s,%s,'%s')", i, i, memberCampus[i], i, lifes[rng.IntN(len(lifes))],
				tiers[memberTier[i]], grades[memberGrade[i]], ts(enrolled), nowS, enrolled.Format(time.DateOnly)))
	}
	if err := b.flushAll(); err != nil {
		return err
	}
	fmt.Fprintf(out, "reports-fixture: %d members in %s\n", *nMembers, time.Since(start).Round(time.Second))
	// Accounts: member i owns 1000+3(i-1) points, +1 principal, +2 bonus.
	acct := func(member, k int) int64 { return int64(1000 + 3*(member-1) + k) }
	seq := make([]int32, 3*(*nMembers))
	bal := make([]int64, 3*(*nMembers))
	type cellKey struct {
		campus      int64
		day         string
		metric, dim string
		slot        int64
	}
	type cellVal struct{ amount, n int64 }
	cells := map[cellKey]*cellVal{}
	addCell := func(k cellKey, amount int64) {
		v := cells[k]
		if v == nil {
			v = &cellVal{}
			cells[k] = v
		}
		v.amount += amount
		v.n++
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	// Days before yesterday are compacted (one slot), as the backfill job leaves them.
	compactBefore := now.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
	slot := func(day string, id int64) int64 {
		if day < compactBefore {
			return 0
		}
		return id % 8
	}
	journals := *nEntries / 2
	span := now.Sub(first)
	var pid, tid int64
	methods := []string{"cash", "wechat", "alipay", "bank_card"}
	cats := []string{models.CategoryTuition, models.CategoryMeals, models.CategoryInterestClass, models.CategoryMaterials}
	for j := 1; j <= journals; j++ {
		at := first.Add(time.Duration(int64(span) / int64(journals) * int64(j)))
		day := at.In(loc).Format(time.DateOnly)
		m := 1 + rng.IntN(*nMembers)
		campus := memberCampus[m]
		var memberAcct int64
		var sysAcct, amount int64
		var asset, kind string
		if rng.IntN(3) == 0 { // a top-up
			tid++
			amount = int64(100+rng.IntN(50)) * 1000
			method := methods[rng.IntN(2)]
			memberAcct, sysAcct, asset, kind = acct(m, 1), 10, "cny", "topup"
			b.add("topups", "id, member_id, campus_id, amount, bonus, method, at",
				fmt.Sprintf("(%d,%d,%d,%d,0,'%s',%s)", tid, m, campus, amount, method, ts(at)))
			b.add("ledger_journals", "id, kind, campus_id, actor_type, ref_type, ref_id, at",
				fmt.Sprintf("(%d,'%s',%d,'system','topup',%d,%s)", j, kind, campus, tid, ts(at)))
			addCell(cellKey{campus, day, reports.MetricTopup, method, slot(day, tid)}, amount)
		} else { // a purchase paid outside stored value, earning points
			pid++
			paid := int64(10+rng.IntN(490)) * 100
			method, cat := methods[rng.IntN(len(methods))], cats[rng.IntN(len(cats))]
			amount = paid / 100
			memberAcct, sysAcct, asset, kind = acct(m, 0), 1, "points", "purchase"
			tier, grade := tiers[memberTier[m]], grades[memberGrade[m]]
			b.add("purchases", "id, member_id, campus_id, total, paid, points_earned, tier, grade, items, payments, at",
				fmt.Sprintf(`(%d,%d,%d,%d,%d,%d,'%s','%s','[{"category":"%s","amount":%d}]','{"%s":%d}',%s)`, pid, m, campus, paid, paid, amount,
					tier, grade, cat, paid, method, paid, ts(at)))
			b.add("ledger_journals", "id, kind, campus_id, actor_type, ref_type, ref_id, at",
				fmt.Sprintf("(%d,'%s',%d,'system','purchase',%d,%s)", j, kind, campus, pid, ts(at)))
			addCell(cellKey{campus, day, reports.MetricSales, "", slot(day, pid)}, paid)
			addCell(cellKey{campus, day, reports.MetricMethod, method, slot(day, pid)}, paid)
			addCell(cellKey{campus, day, reports.MetricCategory, cat, slot(day, pid)}, paid)
			addCell(cellKey{campus, day, reports.MetricPaidBy, reports.PaidBy(grade, tier), slot(day, pid)}, paid)
		}
		ai := memberAcct - 1000
		seq[ai]++
		bal[ai] += amount
		b.add("ledger_postings", "journal_id, account_id, asset, amount, seq, balance_after, at",
			fmt.Sprintf("(%d,%d,'%s',%d,%d,%d,%s)", j, memberAcct, asset, amount, seq[ai], bal[ai], ts(at)),
			fmt.Sprintf("(%d,%d,'%s',%d,NULL,NULL,%s)", j, sysAcct, asset, -amount, ts(at)))
		if j%1_000_000 == 0 {
			fmt.Fprintf(out, "reports-fixture: %d journals in %s\n", j, time.Since(start).Round(time.Second))
		}
	}
	// Accounts count at their member's campus; the running totals (one
	// compacted slot per campus and name) are their sums, as post() keeps them.
	type totalKey struct {
		campus int64
		name   string
	}
	totals := map[totalKey]int64{}
	for i := 1; i <= *nMembers; i++ {
		for k, name := range []string{models.AcctPoints, models.AcctPrincipal, models.AcctBonus} {
			asset := "cny"
			if k == 0 {
				asset = "points"
			}
			a := acct(i, k)
			b.add("ledger_accounts", "id, owner_type, owner_id, name, asset, balance, seq, campus_id, created_at",
				fmt.Sprintf("(%d,'member',%d,'%s','%s',%d,%d,%d,%s)", a, i, name, asset, bal[a-1000], seq[a-1000], memberCampus[i], nowS))
			totals[totalKey{memberCampus[i], name}] += bal[a-1000]
		}
	}
	for _, c := range campuses {
		for k, name := range []string{models.AcctPoints, models.AcctPrincipal, models.AcctBonus} {
			asset := "cny"
			if k == 0 {
				asset = "points"
			}
			b.add("ledger_totals", "campus_id, name, slot, asset, balance",
				fmt.Sprintf("(%d,'%s',0,'%s',%d)", c, name, asset, totals[totalKey{c, name}]))
		}
	}
	keys := make([]cellKey, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].day < keys[j].day })
	for _, k := range keys {
		v := cells[k]
		b.add("report_daily", "campus_id, day, metric, dim, slot, amount, n",
			fmt.Sprintf("(%d,'%s','%s','%s',%d,%d,%d)", k.campus, k.day, k.metric, k.dim, k.slot, v.amount, v.n))
	}
	if err := b.flushAll(); err != nil {
		return err
	}
	if err := b.close(); err != nil {
		return err
	}
	// The members' kept days (last seen, last and previous purchase) and the
	// cohort visits come from the history, as migration 0205 fills them.
	if err := models.RecountMemberDays(ctx, db, loc); err != nil {
		return err
	}
	fmt.Fprintf(out, "reports-fixture: kept days refilled in %s\n", time.Since(start).Round(time.Second))
	// The summaries hold the history already: nothing for the backfill job;
	// the ended months are folded as the job would.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE report_backfill SET upto = 0, done = 0`); err != nil {
		return err
	}
	if _, err := reports.Fold(ctx, db, time.Now().UTC()); err != nil {
		return err
	}
	fmt.Fprintf(out, "reports-fixture: %d members, %d journals, %d postings, %d purchases, %d top-ups, %d summary rows in %s\n",
		*nMembers, journals, 2*journals, pid, tid, len(cells), time.Since(start).Round(time.Second))
	return nil
}

// bulk buffers rows per table and writes them as multi-row INSERTs, each
// table on its own connection and goroutine (the builder formats the next
// rows while the server inserts), with the foreign-key and unique checks off
// for those sessions and a commit every 50 statements.
type bulk struct {
	ctx     context.Context
	db      *sql.DB
	out     io.Writer
	tables  []string
	cols    map[string]string
	rows    map[string][]string
	writers map[string]*bulkWriter
}

const bulkRows = 4000

// bulkWriter is one table's connection, fed whole INSERT statements.
type bulkWriter struct {
	stmts chan string
	done  chan error
}

func (b *bulk) writer(table string) (*bulkWriter, error) {
	if w, ok := b.writers[table]; ok {
		return w, nil
	}
	conn, err := b.db.Conn(b.ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range []string{`SET foreign_key_checks = 0`, `SET unique_checks = 0`, `START TRANSACTION`} {
		if _, err := conn.ExecContext(b.ctx, s); err != nil {
			conn.Close()
			return nil, err
		}
	}
	w := &bulkWriter{stmts: make(chan string, 4), done: make(chan error, 1)}
	go func() {
		defer conn.Close()
		var n int
		var failed error
		for q := range w.stmts {
			if failed != nil {
				continue // drain
			}
			if _, err := conn.ExecContext(b.ctx, q); err != nil {
				failed = fmt.Errorf("reports-fixture: %s: %w", table, err)
				continue
			}
			// Commit every 50 statements: one log flush per ~200,000 rows.
			if n++; n%50 == 0 {
				if _, err := conn.ExecContext(b.ctx, `COMMIT`); err != nil {
					failed = err
				} else if _, err := conn.ExecContext(b.ctx, `START TRANSACTION`); err != nil {
					failed = err
				}
			}
		}
		if failed == nil {
			_, failed = conn.ExecContext(b.ctx, `COMMIT`)
		}
		w.done <- failed
	}()
	if b.writers == nil {
		b.writers = map[string]*bulkWriter{}
	}
	b.writers[table] = w
	return w, nil
}

func (b *bulk) add(table, cols string, rows ...string) {
	if b.rows == nil {
		b.rows, b.cols = map[string][]string{}, map[string]string{}
	}
	if _, ok := b.cols[table]; !ok {
		b.tables = append(b.tables, table)
		b.cols[table] = cols
	}
	b.rows[table] = append(b.rows[table], rows...)
	if len(b.rows[table]) >= bulkRows {
		if err := b.flush(table); err != nil {
			panic(err) // a fixture builder: stop at the first failure
		}
	}
}

func (b *bulk) flush(table string) error {
	rs := b.rows[table]
	if len(rs) == 0 {
		return nil
	}
	w, err := b.writer(table)
	if err != nil {
		return err
	}
	w.stmts <- "INSERT INTO " + table + " (" + b.cols[table] + ") VALUES " + strings.Join(rs, ",")
	b.rows[table] = rs[:0]
	return nil
}

func (b *bulk) flushAll() error {
	for _, t := range b.tables {
		if err := b.flush(t); err != nil {
			return err
		}
	}
	return nil
}

// close waits for every table's writer and returns the first failure.
func (b *bulk) close() error {
	var first error
	for t, w := range b.writers {
		close(w.stmts)
		if err := <-w.done; err != nil && first == nil {
			first = err
		}
		delete(b.writers, t)
	}
	return first
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// cmdReportsBench serves the app in-process on the fixture's database, logs
// in as the fixture's admin (web and API) and asks every report page, its
// export and the report API n times each, one request at a time, printing
// p50/p99/max per URL.
func cmdReportsBench(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("reports-bench")
	dbSpec := f.str("db", "", "database built by reports-fixture")
	n := f.Int("n", 50, "requests per URL")
	only := f.str("only", "", "ask only the URLs matching this regular expression")
	sections := f.Bool("sections", true, "first time each section of the report in-process (30 days, all campuses)")
	var sp sectionPeriod
	f.StringVar(&sp.from, "from", "", "sections: the period's first day (default: 29 days ago)")
	f.StringVar(&sp.to, "to", "", "sections: the period's last day (default: today)")
	f.StringVar(&sp.grain, "grain", reports.GrainDay, "sections: day, week or month")
	f.Int64Var(&sp.campus, "campus", 0, "sections: one campus (default: all)")
	f.StringVar(&sp.filter.Grade, "grade", "", "sections: a grade filter")
	f.StringVar(&sp.filter.Tier, "tier", "", "sections: a tier filter")
	if err := f.Parse(args); err != nil {
		return err
	}
	db, _, err := openAndMigrate(ctx, *dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	base, err := benchServe(ctx, db)
	if err != nil {
		return err
	}
	if *sections {
		if err := benchSections(ctx, db, out, sp); err != nil {
			return err
		}
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/login")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	mt := csrfField.FindSubmatch(body)
	if mt == nil {
		return errors.New("reports-bench: no CSRF field on the login page")
	}
	resp, err = client.PostForm(base+"/login", url.Values{"_csrf": {string(mt[1])}, "username": {"rbench"}, "password": {"bench-password"}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("reports-bench: login: status %d", resp.StatusCode)
	}
	token, err := benchToken(&http.Client{Timeout: 30 * time.Second}, base, "rbench")
	if err != nil {
		return err
	}
	var campus int64
	if err := db.R.Raw(`SELECT MIN(id) FROM campuses WHERE code LIKE 'R%'`).Scan(&campus).Error; err != nil {
		return err
	}
	today := time.Now().In(time.FixedZone("CST", 8*3600))
	yearAgo := today.AddDate(-1, 0, 1).Format(time.DateOnly)
	lastMonth := time.Date(today.Year(), today.Month()-1, 1, 0, 0, 0, 0, today.Location()) // ended at a month start: its closing
	lastDay := lastMonth.AddDate(0, 1, -1).Format(time.DateOnly)
	c := strconv.FormatInt(campus, 10)
	urls := []string{
		"/admin",
		"/admin/reports",
		"/admin/reports?grain=week&from=" + today.AddDate(0, -3, 0).Format(time.DateOnly),
		"/admin/reports?grain=month&from=" + yearAgo,
		"/admin/reports?grain=month&from=" + yearAgo + "&campus_id=" + c,
		"/admin/reports?grade=key",
		"/admin/reports?tier=gold&campus_id=" + c,
		"/admin/reports?from=" + lastMonth.Format(time.DateOnly) + "&to=" + lastDay,
		"/admin/reports?grain=week&from=" + lastMonth.AddDate(0, -2, 0).Format(time.DateOnly) + "&to=" + lastDay + "&grade=key",
		"/admin/reports?grade=key&tier=gold&campus_id=" + c + "&grain=month&from=" + yearAgo,
		"/admin/reports?from=" + lastMonth.AddDate(0, 0, 4).Format(time.DateOnly) + "&to=" + lastMonth.AddDate(0, 0, 19).Format(time.DateOnly), // mid-month: the history
		"/admin/reports.xlsx",
		"/admin/reports.xlsx?grain=month&from=" + yearAgo,
		"/api/v1/reports/liabilities",
		"/api/v1/reports/liabilities?campus_id=" + c,
		"/api/v1/reports/members",
		"/api/v1/reports/members?campus_id=" + c,
	}
	fmt.Fprintf(out, "%-70s %8s %8s %8s %8s\n", "url", "p50 ms", "p99 ms", "max ms", "bytes")
	pick, err := regexp.Compile(*only)
	if err != nil {
		return fmt.Errorf("reports-bench: -only: %w", err)
	}
	for _, u := range urls {
		if !pick.MatchString(u) {
			continue
		}
		var lat []time.Duration
		var size int
		for i := 0; i < *n; i++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+u, nil)
			if strings.HasPrefix(u, "/api/") {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			lat = append(lat, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("reports-bench: %s: status %d: %.200s", u, resp.StatusCode, b)
			}
			size = len(b)
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		q := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
		}
		fmt.Fprintf(out, "%-70s %8.1f %8.1f %8.1f %8d\n", u, q(0.50), q(0.99), float64(lat[len(lat)-1].Microseconds())/1000, size)
	}
	return nil
}

// sectionPeriod is the period benchSections times (flags of reports-bench).
type sectionPeriod struct {
	from, to, grain string
	campus          int64
	filter          reports.Filter
}

// benchSections times each section of the report once, in-process, for the
// period asked (by default the last 30 days, every campus, no filter), so a
// slow page can be laid at the door of the section that makes it slow.
func benchSections(ctx context.Context, db *models.DB, out io.Writer, sp sectionPeriod) error {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	today := time.Now().In(loc)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	p := reports.Period{Loc: loc, Grain: sp.grain, From: midnight.AddDate(0, 0, -29), To: midnight.AddDate(0, 0, 1), Filter: sp.filter}
	if d, err := time.ParseInLocation(time.DateOnly, sp.from, loc); err == nil {
		p.From = d
	}
	if d, err := time.ParseInLocation(time.DateOnly, sp.to, loc); err == nil {
		p.To = d.AddDate(0, 0, 1)
	}
	if sp.campus > 0 {
		p.CampusIDs = []int64{sp.campus}
	}
	fmt.Fprintf(out, "sections: %s to %s, grain %s, campuses %v, filter %+v\n", p.From.Format(time.DateOnly),
		p.To.AddDate(0, 0, -1).Format(time.DateOnly), p.Grain, p.CampusIDs, p.Filter)
	g := db.R
	for _, s := range []struct {
		name string
		run  func() error
	}{
		{"members (member_counts)", func() error { _, err := reports.MembersFiltered(ctx, g, p.CampusIDs, p.Filter); return err }},
		{"liabilities (ledger_totals)", func() error { _, err := reports.LiabilitiesByCampus(ctx, g, p.CampusIDs); return err }},
		{"money (report_daily)", func() error { _, err := reports.MoneyFor(ctx, g, p); return err }},
		{"school counts (/admin)", func() error {
			_, err := models.SchoolCounts(ctx, g, midnight.UTC(), p.CampusIDs)
			return err
		}},
		{"activity (new, active, churned)", func() error { _, err := reports.ActivityFor(ctx, g, p, p.Filter); return err }},
		{"cohorts", func() error { _, err := reports.CohortsFor(ctx, g, p, p.Filter); return err }},
		{"loyalty", func() error { _, err := reports.LoyaltyFor(ctx, g, p); return err }},
		{"service", func() error { _, err := reports.ServiceFor(ctx, g, p); return err }},
		{"renewal", func() error { _, err := reports.RenewalStudents(ctx, g, p); return err }},
		{"dashboard (BuildDashboard)", func() error { _, err := reports.BuildDashboard(ctx, g, p); return err }},
		{"whole report (Build)", func() error { _, err := reports.Build(ctx, g, p); return err }},
	} {
		t0 := time.Now()
		if err := s.run(); err != nil {
			return fmt.Errorf("reports-bench: %s: %w", s.name, err)
		}
		fmt.Fprintf(out, "section %-36s %10.1f ms\n", s.name, float64(time.Since(t0).Microseconds())/1000)
	}
	return nil
}
