package models

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"starcard/models/ledgerchain"
)

// VerifyReport is what Verify found.
type VerifyReport struct {
	Accounts int64
	Journals int64
	Postings int64
	Lots     int64
	Problems []string
	// Root folds every account's chain head into one digest: write it down
	// outside the database; a later clean run with another root over the
	// same journals means the ledger was rewritten wholesale.
	Root string
}

// Clean reports whether nothing is wrong.
func (r VerifyReport) Clean() bool { return len(r.Problems) == 0 }

// verifyCheck is one invariant: a query returning offending rows, and how to
// describe one.
type verifyCheck struct {
	name string
	sql  string
	say  string // how to print one offending row (columns a…g)
}

// verifyWhen holds, by check name, whether a conditional check applies to
// a database (RegisterVerifyCheckIf).
var verifyWhen = map[string]func(ctx context.Context, db *gorm.DB) bool{}

// maxPerCheck bounds how many offenders one check lists.
const maxPerCheck = 20

var verifyChecks = []verifyCheck{
	{"account balance differs from the sum of its postings, or its sequence has gaps",
		`SELECT a.id AS a, a.balance AS b, a.seq AS c, COALESCE(SUM(p.amount), 0) AS d, COUNT(p.id) AS e,
			COALESCE(MAX(p.seq), 0) AS f, COUNT(p.seq) AS g
		FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id
		WHERE a.owner_type <> 'system'
		GROUP BY a.id, a.balance, a.seq
		HAVING a.balance <> COALESCE(SUM(p.amount), 0) OR a.seq <> COUNT(p.id) OR a.seq <> COALESCE(MAX(p.seq), 0)
			OR COUNT(p.seq) <> COUNT(p.id) OR COALESCE(MIN(p.seq), 1) <> 1`, "account %[1]d: balance %[2]d and seq %[3]d, but its %[5]d postings sum to %[4]d with max seq %[6]d (%[7]d sequenced)"},
	{"posting's balance_after is not the running sum of its account",
		`SELECT x.id AS a, x.account_id AS b, x.seq AS c, x.balance_after AS d, x.run AS e, 0 AS f, 0 AS g FROM (
			SELECT p.id, p.account_id, p.seq, p.balance_after,
				SUM(p.amount) OVER (PARTITION BY p.account_id ORDER BY p.seq ROWS UNBOUNDED PRECEDING) AS run
			FROM ledger_postings p WHERE p.seq IS NOT NULL) x
		WHERE x.balance_after IS NULL OR x.balance_after <> x.run`, "posting %[1]d (account %[2]d, seq %[3]d): balance_after %[4]d, running sum %[5]d"},
	{"system account posting carries a sequence, or a posting's asset differs from its account's",
		`SELECT p.id AS a, p.account_id AS b, 0 AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
		WHERE (a.owner_type = 'system' AND (p.seq IS NOT NULL OR p.balance_after IS NOT NULL)) OR p.asset <> a.asset`, "posting %[1]d on system-or-mismatched account %[2]d"},
	{"journal does not balance to zero per asset",
		`SELECT journal_id AS a, 0 AS b, 0 AS c, SUM(amount) AS d, 0 AS e, 0 AS f, 0 AS g
		FROM ledger_postings GROUP BY journal_id, asset HAVING SUM(amount) <> 0`, "journal %[1]d is off by %[4]d"},
	{"negative member balance",
		`SELECT id AS a, balance AS b, 0 AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM ledger_accounts WHERE owner_type <> 'system' AND balance < 0`, "account %[1]d has balance %[2]d"},
	{"points lots do not add up to the points balance",
		`SELECT a.id AS a, a.balance AS b, COALESCE(SUM(l.remaining), 0) AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM ledger_accounts a LEFT JOIN points_lots l ON l.account_id = a.id
		WHERE a.owner_type <> 'system' AND a.name = 'points'
		GROUP BY a.id, a.balance HAVING a.balance <> COALESCE(SUM(l.remaining), 0)`, "points account %[1]d: balance %[2]d, lots hold %[3]d"},
	{"lot's remaining differs from its amount minus its draws, or is out of range",
		`SELECT l.id AS a, l.amount AS b, l.remaining AS c, COALESCE(SUM(d.amount), 0) AS d, 0 AS e, 0 AS f, 0 AS g
		FROM points_lots l LEFT JOIN points_lot_draws d ON d.lot_id = l.id
		GROUP BY l.id, l.amount, l.remaining
		HAVING l.remaining <> l.amount - COALESCE(SUM(d.amount), 0) OR l.remaining < 0 OR l.remaining > l.amount`, "lot %[1]d: amount %[2]d, remaining %[3]d, draws %[4]d"},
	{"duplicate idempotency key",
		`SELECT COUNT(*) AS a, 0 AS b, 0 AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM idempotency_keys GROUP BY scope, idem_key HAVING COUNT(*) > 1`, "a key is stored %[1]d times"},
	{"purchase refunded more than was paid, or differs from its refunds",
		`SELECT p.id AS a, p.paid AS b, p.refunded AS c, COALESCE(SUM(r.amount), 0) AS d, 0 AS e, 0 AS f, 0 AS g
		FROM purchases p LEFT JOIN purchase_refunds r ON r.purchase_id = p.id
		GROUP BY p.id, p.paid, p.refunded
		HAVING p.refunded < 0 OR p.refunded > p.paid OR p.refunded <> COALESCE(SUM(r.amount), 0)`, "purchase %[1]d: paid %[2]d, refunded %[3]d, refunds sum to %[4]d"},
	{"member's spend by day differs from its purchases",
		`SELECT x.member_id AS a, x.net AS b, COALESCE(s.total, 0) AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g FROM (
			SELECT member_id, SUM(paid - refunded) AS net FROM purchases GROUP BY member_id) x
		LEFT JOIN (SELECT member_id, SUM(amount) AS total FROM member_spend_days GROUP BY member_id) s ON s.member_id = x.member_id
		WHERE x.net <> COALESCE(s.total, 0)`, "member %[1]d: purchases net %[2]d, spend days %[3]d"},
	{"top-up refunded more than was paid in",
		`SELECT id AS a, amount AS b, refunded AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM topups WHERE refunded < 0 OR refunded > amount OR bonus_forfeited > bonus`, "top-up %[1]d: amount %[2]d, refunded %[3]d"},
	{"held accounts differ from the open holds",
		`SELECT x.acct AS a, x.posted AS b, COALESCE(h.open, 0) AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g FROM (
			SELECT account_id AS acct, asset, SUM(amount) AS posted FROM ledger_postings
			WHERE account_id IN (4, 18) GROUP BY account_id, asset) x
		LEFT JOIN (SELECT asset, SUM(amount) AS open FROM ledger_holds WHERE status = 'open' GROUP BY asset) h
			ON h.asset = x.asset
		WHERE x.posted <> COALESCE(h.open, 0)`, "held account %[1]d holds %[2]d, open holds %[3]d"},
}

// Verify proves the ledger's invariants: every account balance equals the
// sum of its postings, sequences have no gaps, every balance_after is the
// running sum, every journal balances per asset, lots add up to the points
// balances, no member balance is negative, no idempotency key is duplicated,
// refunds stay within what was paid, and held accounts match open holds.
func Verify(ctx context.Context, db *DB) (VerifyReport, error) {
	var rep VerifyReport
	g := db.R.WithContext(ctx)
	err := g.Raw(`SELECT (SELECT COUNT(*) FROM ledger_accounts) AS accounts, (SELECT COUNT(*) FROM ledger_journals) AS journals,
		(SELECT COUNT(*) FROM ledger_postings) AS postings, (SELECT COUNT(*) FROM points_lots) AS lots`).
		Row().Scan(&rep.Accounts, &rep.Journals, &rep.Postings, &rep.Lots)
	if err != nil {
		return rep, fmt.Errorf("models: verify: %w", err)
	}
	for _, c := range verifyChecks {
		if when := verifyWhen[c.name]; when != nil && !when(ctx, g) {
			continue
		}
		type row struct{ A, B, C, D, E, F, G int64 }
		var rows []row
		if err := g.Raw(c.sql).Scan(&rows).Error; err != nil {
			return rep, fmt.Errorf("models: verify %q: %w", c.name, err)
		}
		for i, r := range rows {
			if i == maxPerCheck {
				rep.Problems = append(rep.Problems, fmt.Sprintf("%s: … and %d more", c.name, len(rows)-maxPerCheck))
				break
			}
			rep.Problems = append(rep.Problems, c.name+": "+fmt.Sprintf(c.say, r.A, r.B, r.C, r.D, r.E, r.F, r.G))
		}
	}
	sqlDB, err := db.R.DB()
	if err != nil {
		return rep, fmt.Errorf("models: verify chain: %w", err)
	}
	if err := verifyChain(ctx, sqlDB, &rep); err != nil {
		return rep, fmt.Errorf("models: verify chain: %w", err)
	}
	return rep, nil
}

// Problems of the hash chain.
const (
	chainJournal = "journal's hash does not match its rows or the journals before it on its accounts (a journal or posting was edited, or an earlier journal of the same account deleted)"
	chainMissing = "journal written after the ledger was sealed has no hash"
	chainHead    = "account's chain head is not the hash of its last journal (its last journal was deleted or changed, or the head edited)"
)

// verifyChain recomputes every journal's hash in order inside one read
// transaction (a consistent snapshot) and compares it with the stored hash,
// then every account's head with the last journal that moved it.
func verifyChain(ctx context.Context, sqlDB *sql.DB, rep *VerifyReport) error {
	tx, err := sqlDB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var sealed int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(through_journal_id), 0) FROM ledger_chain_seals`).Scan(&sealed); err != nil {
		return err
	}
	counts := map[string]int{}
	say := func(kind, what string) {
		counts[kind]++
		switch n := counts[kind]; {
		case n <= maxPerCheck:
			rep.Problems = append(rep.Problems, kind+": "+what)
		case n == maxPerCheck+1:
			rep.Problems = append(rep.Problems, kind+": … and more")
		}
	}
	heads := map[int64]string{}
	err = ledgerchain.Walk(ctx, tx, func(r ledgerchain.Row) error {
		h := ledgerchain.Sum(r.Journal, ledgerchain.Chained(r.Postings, func(id int64) string { return heads[id] }), r.Postings)
		switch {
		case r.Stored == "" && r.ID > sealed:
			say(chainMissing, fmt.Sprintf("journal %d", r.ID))
		case r.Stored != "" && r.Stored != h:
			say(chainJournal, fmt.Sprintf("journal %d", r.ID))
			// Go on from the stored hash: the journals after it were
			// chained to it, so one edit is reported once.
			h = r.Stored
		}
		for _, p := range r.Postings {
			if p.Seq != nil {
				heads[p.AccountID] = h
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, chain_hash FROM ledger_accounts WHERE owner_type <> 'system' ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h string
		if err := rows.Scan(&id, &h); err != nil {
			return err
		}
		if heads[id] != h {
			say(chainHead, fmt.Sprintf("account %d", id))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rep.Root = ledgerchain.Root(heads)
	return nil
}
