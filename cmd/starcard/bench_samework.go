package main

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"starcard/models"
	"starcard/models/ledgerchain"
	"starcard/models/memberdays"
	"starcard/models/reports"
)

// sameWork is the "same-work" ceiling of issue 19: one purchase exactly as
// the API writes it — the member's wallet rows locked in one statement; the
// purchase, the spend day, the journal (with its chain hash), the postings in
// one statement, the two balances in one statement, the campus running totals
// in one statement, the lot, the day's report
// summary rows (models/reports) in one statement and the idempotency row with
// the answer; one transaction — in hand-written SQL on
// database/sql, with no HTTP, no ORM, no hooks. It writes into the real
// tables, so verify checks its rows like the API's.
type sameWork struct {
	db            *sql.DB
	mysql         bool
	rules         models.Rules
	scope         string
	lock          string
	upsertSpend   string
	upsertSummary string
	upsertTotals  string
	prepared      bool // statements prepared once per connection (MySQL), as the API's are
}

func newSameWork(ctx context.Context, db *models.DB) (*sameWork, error) {
	w, err := db.W.DB()
	if err != nil {
		return nil, err
	}
	r, err := models.LoadRules(ctx, db.R, time.Now().UTC())
	if err != nil {
		return nil, err
	}
	s := &sameWork{db: w, mysql: db.Dialect == models.MySQL, rules: r, scope: "bench-raw:" + randHex(3)}
	s.upsertSpend = `INSERT INTO member_spend_days (member_id, day, amount) VALUES (?, ?, ?)
		ON CONFLICT (member_id, day) DO UPDATE SET amount = amount + excluded.amount`
	s.upsertSummary = ` ON CONFLICT (day, campus_id, metric, dim, slot) DO UPDATE SET amount = report_daily.amount + excluded.amount,
		n = report_daily.n + excluded.n`
	s.upsertTotals = " ON CONFLICT (campus_id, name, slot) DO UPDATE SET balance = balance + excluded.balance"
	if s.mysql {
		s.upsertTotals = " ON DUPLICATE KEY UPDATE balance = balance + VALUES(balance)"
		s.upsertSummary = ` ON DUPLICATE KEY UPDATE amount = amount + VALUES(amount), n = n + VALUES(n)`
		s.lock = " FOR UPDATE"
		s.upsertSpend = `INSERT INTO member_spend_days (member_id, day, amount) VALUES (?, ?, ?)
			ON DUPLICATE KEY UPDATE amount = amount + VALUES(amount)`
	}
	return s, nil
}

// exec runs one statement of the transaction, prepared when the bench asks
// for the prepared variant (MySQL).
func (s *sameWork) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if s.prepared {
		if st := models.Prepared(ctx, s.db, tx, q); st != nil {
			return st.ExecContext(ctx, args...)
		}
	}
	return tx.ExecContext(ctx, q, args...)
}

func (s *sameWork) query(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	if s.prepared {
		if st := models.Prepared(ctx, s.db, tx, q); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return tx.QueryContext(ctx, q, args...)
}

type rawAcct struct {
	id, balance, seq, campus int64
	name, head               string
	moved                    int64 // this purchase's change
}

// purchase records the bench's ¥12.34 meal (¥0.50 stored value, the rest
// cash) for member, retrying the whole transaction on a deadlock like db.Tx.
func (s *sameWork) purchase(ctx context.Context, member int64, key string) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		if err = s.once(ctx, member, key); !models.IsRetryable(err) {
			return err
		}
		time.Sleep(time.Duration(1<<attempt) * 5 * time.Millisecond)
	}
	return err
}

func (s *sameWork) once(ctx context.Context, member int64, key string) (err error) {
	const total, sv, cash = 1234, 50, 1184
	now := time.Now().UTC().Truncate(time.Millisecond)
	r := s.rules
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	rows, err := s.query(ctx, tx, `SELECT m.campus_id, m.tier, m.grade,
		(SELECT COALESCE(SUM(s.amount), 0) FROM member_spend_days s WHERE s.member_id = m.id AND s.day > ?) AS spend,
		m.last_seen_day, m.last_buy_day, m.prev_buy_day, m.seen_months, m.created_at, a.id, a.name, a.balance, a.seq, a.chain_hash, a.campus_id
		FROM members m JOIN families f ON f.id = m.family_id
		JOIN ledger_accounts a ON a.owner_type = 'member' AND a.owner_id = m.id
		WHERE m.id = ? AND m.archived_at IS NULL ORDER BY a.id`+s.lock,
		models.SpendDay(r, models.WindowStart(r, now)), member)
	if err != nil {
		return err
	}
	var campus, spend, seen, lastBuy, prevBuy, months int64
	var created time.Time
	var tier, grade string
	var points, principal, bonus rawAcct
	for rows.Next() {
		var a rawAcct
		if err = rows.Scan(&campus, &tier, &grade, &spend, &seen, &lastBuy, &prevBuy, &months, &created, &a.id, &a.name, &a.balance, &a.seq, &a.head, &a.campus); err != nil {
			rows.Close()
			return err
		}
		switch a.name {
		case models.AcctPoints:
			points = a
		case models.AcctPrincipal:
			principal = a
		case models.AcctBonus:
			bonus = a
		}
	}
	rows.Close()
	if err = rows.Err(); err != nil {
		return err
	}
	if points.id == 0 || bonus.id == 0 || principal.id == 0 {
		return fmt.Errorf("same-work: member %d has no wallet", member)
	}
	if tier == "" {
		tier = models.TierSilver
	}
	items := []models.PurchaseItem{{Category: "meals", Amount: total}}
	q, err := models.QuotePurchase(r, tier, items, 0)
	if err != nil {
		return err
	}
	var fromBonus, fromPrincipal int64
	left := int64(sv)
	for _, k := range r.PaymentOrder {
		switch k {
		case "bonus":
			fromBonus = min(left, bonus.balance)
			left -= fromBonus
		case "principal":
			fromPrincipal = min(left, principal.balance)
			left -= fromPrincipal
		}
	}
	if left > 0 {
		return models.ErrInsufficientBalance
	}
	res, err := s.exec(ctx, tx, `INSERT INTO purchases (member_id, campus_id, total, tier_discount, coupon_discount,
		points_redeemed, points_discount, paid, sv_principal, sv_bonus, points_earned, tier, grade, items, payments, refunded,
		points_reversed, actor_type, actor_id, at) VALUES (?, ?, ?, 0, 0, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 'staff', 0, ?)`,
		member, campus, total, q.Due, fromPrincipal, fromBonus, q.PointsEarned, tier, grade,
		`[{"category":"meals","amount":1234}]`, `{"cash":1184,"stored_value":50}`, now)
	if err != nil {
		return err
	}
	pid, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if _, err = s.exec(ctx, tx, s.upsertSpend, member, models.SpendDay(r, now), q.Due); err != nil {
		return err
	}
	// The member's kept days and months seen, when they move (a member's
	// first and second purchase of a day).
	today := models.SpendDay(r, now)
	cohort := memberdays.Day(created, r.Location()) / 100
	if last, prev := memberdays.Buy(lastBuy, prevBuy, today); last != lastBuy || prev != prevBuy || today > seen ||
		months|memberdays.MonthBit(cohort, today) != months {
		if _, err = s.exec(ctx, tx, `UPDATE members SET last_seen_day = ?, last_buy_day = ?, prev_buy_day = ?, cohort = ?, seen_months = ?
			WHERE id = ?`, max(seen, today), last, prev, cohort, months|memberdays.MonthBit(cohort, today), member); err != nil {
			return err
		}
	}
	// The postings, as post() builds them, with the moved accounts' new
	// balances, sequences and chain head.
	type mv struct {
		a      *rawAcct
		sys    int64
		asset  string
		amount int64
	}
	lines := []mv{{sys: models.SysRevenue, asset: models.AssetCNY, amount: total},
		{a: &bonus, asset: models.AssetCNY, amount: -fromBonus}, {a: &principal, asset: models.AssetCNY, amount: -fromPrincipal},
		{sys: models.SysClearingCash, asset: models.AssetCNY, amount: -cash},
		{a: &points, asset: models.AssetPoints, amount: q.PointsEarned},
		{sys: models.SysPointsIssued, asset: models.AssetPoints, amount: -q.PointsEarned}}
	var hps []ledgerchain.Posting
	var prevs []ledgerchain.Prev
	var moved []*rawAcct
	for _, l := range lines {
		if l.amount == 0 {
			continue
		}
		p := ledgerchain.Posting{AccountID: l.sys, Asset: l.asset, Amount: l.amount}
		if l.a != nil {
			prevs = append(prevs, ledgerchain.Prev{AccountID: l.a.id, Hash: l.a.head})
			l.a.balance += l.amount
			l.a.moved += l.amount
			l.a.seq++
			seq, bal := l.a.seq, l.a.balance
			p.AccountID, p.Seq, p.BalanceAfter = l.a.id, &seq, &bal
			moved = append(moved, l.a)
		}
		hps = append(hps, p)
	}
	hash := ledgerchain.Sum(ledgerchain.Journal{Kind: models.KindPurchase, CampusID: campus, ActorType: "staff",
		RefType: "purchase", RefID: pid, At: now}, prevs, hps)
	res, err = s.exec(ctx, tx, `INSERT INTO ledger_journals (kind, campus_id, actor_type, actor_id, device, ref_type,
		ref_id, reason, reverses_id, at, chain_hash) VALUES (?, ?, 'staff', 0, '', 'purchase', ?, '', NULL, ?, ?)`,
		models.KindPurchase, campus, pid, now, hash)
	if err != nil {
		return err
	}
	jid, err := res.LastInsertId()
	if err != nil {
		return err
	}
	var sb strings.Builder
	args := make([]any, 0, len(hps)*7)
	sb.WriteString(`INSERT INTO ledger_postings (journal_id, account_id, asset, amount, seq, balance_after, at) VALUES `)
	for i, p := range hps {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		var seq, bal any
		if p.Seq != nil {
			seq, bal = *p.Seq, *p.BalanceAfter
		}
		args = append(args, jid, p.AccountID, p.Asset, p.Amount, seq, bal, now)
	}
	if _, err = s.exec(ctx, tx, sb.String(), args...); err != nil {
		return err
	}
	sb.Reset()
	args = args[:0]
	sb.WriteString("UPDATE ledger_accounts SET balance = CASE id")
	for _, a := range moved {
		sb.WriteString(" WHEN ? THEN ?")
		args = append(args, a.id, a.balance)
	}
	sb.WriteString(" END, seq = CASE id")
	for _, a := range moved {
		sb.WriteString(" WHEN ? THEN ?")
		args = append(args, a.id, a.seq)
	}
	sb.WriteString(" END, chain_hash = ? WHERE id IN (")
	args = append(args, hash)
	for i, a := range moved {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("?")
		args = append(args, a.id)
	}
	sb.WriteString(")")
	if _, err = s.exec(ctx, tx, sb.String(), args...); err != nil {
		return err
	}
	// The campus running totals (models/ledger_totals.go), one row per moved
	// account's campus, name and slot, in key order, in one statement.
	sort.Slice(moved, func(i, j int) bool {
		a, b := moved[i], moved[j]
		if a.campus != b.campus {
			return a.campus < b.campus
		}
		if a.name != b.name {
			return a.name < b.name
		}
		return a.id%models.TotalsSlots < b.id%models.TotalsSlots
	})
	sb.Reset()
	args = args[:0]
	sb.WriteString("INSERT INTO ledger_totals (campus_id, name, slot, asset, balance) VALUES ")
	for i, a := range moved {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("(?,?,?,?,?)")
		asset := models.AssetCNY
		if a.name == models.AcctPoints {
			asset = models.AssetPoints
		}
		args = append(args, a.campus, a.name, a.id%models.TotalsSlots, asset, a.moved)
	}
	sb.WriteString(s.upsertTotals)
	if _, err = s.exec(ctx, tx, sb.String(), args...); err != nil {
		return err
	}
	if q.PointsEarned > 0 {
		if _, err = s.exec(ctx, tx, `INSERT INTO points_lots (account_id, journal_id, amount, remaining, earned_at,
			available_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, points.id, jid, q.PointsEarned, q.PointsEarned, now,
			now.AddDate(0, 0, r.PendingDays), models.LotExpiry(now, r)); err != nil {
			return err
		}
	}
	// The day's report summary (models/reports), as the purchase's event
	// adds it in the same transaction: the sale, its category, each
	// payment method and the paid under the grade and tier, in one slot of
	// the day's rows.
	day := now.In(r.Location()).Format("2006-01-02")
	slot := pid % 8
	if _, err = s.exec(ctx, tx, `INSERT INTO report_daily (campus_id, day, metric, dim, slot, amount, n) VALUES
		(?, ?, 'category', 'meals', ?, ?, 1), (?, ?, 'method', 'cash', ?, ?, 1), (?, ?, 'method', 'stored_value', ?, ?, 1),
		(?, ?, 'paid_by', ?, ?, ?, 1), (?, ?, 'sales', '', ?, ?, 1)`+s.upsertSummary, campus, day, slot, q.Due, campus, day, slot, cash,
		campus, day, slot, sv, campus, day, reports.PaidBy(grade, tier), slot, q.Due, campus, day, slot, q.Due); err != nil {
		return err
	}
	answer := make([]byte, 0, 256)
	answer = append(answer, `{"id":`...)
	answer = strconv.AppendInt(answer, pid, 10)
	answer = append(answer, `,"member_id":`...)
	answer = strconv.AppendInt(answer, member, 10)
	answer = append(answer, `,"total":1234,"paid":1234,"points_earned":`...)
	answer = strconv.AppendInt(answer, q.PointsEarned, 10)
	answer = append(answer, `,"tier":"`...)
	answer = append(answer, tier...)
	answer = append(answer, `","at":"`...)
	answer = now.AppendFormat(answer, time.RFC3339Nano)
	answer = append(answer, `","balances":{"points":`...)
	answer = strconv.AppendInt(answer, points.balance, 10)
	answer = append(answer, `,"stored_value_principal":`...)
	answer = strconv.AppendInt(answer, principal.balance, 10)
	answer = append(answer, `,"stored_value_bonus":`...)
	answer = strconv.AppendInt(answer, bonus.balance, 10)
	answer = append(answer, "}}"...)
	if _, err = s.exec(ctx, tx, `INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, response, created_at)
		VALUES (?, ?, ?, 201, ?, ?)`, s.scope, key, models.RequestHash([]byte(key)), answer, now); err != nil {
		return err
	}
	return tx.Commit()
}
