package models_test

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"starcard/migrations"
	"starcard/models"
	"starcard/models/dbtest"
)

// dropLedgerGuards removes the append-only triggers, as someone with DDL
// rights could: the chain must still catch what they do next.
func dropLedgerGuards(t *testing.T, db *models.DB) {
	t.Helper()
	for _, tr := range []string{"ledger_journals_no_update", "ledger_journals_no_delete",
		"ledger_postings_no_update", "ledger_postings_no_delete"} {
		if err := db.W.Exec("DROP TRIGGER IF EXISTS " + tr).Error; err != nil {
			t.Fatal(err)
		}
	}
}

func chainProblems(t *testing.T, db *models.DB) []string {
	t.Helper()
	rep, err := models.Verify(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range rep.Problems {
		if strings.Contains(p, "hash") || strings.Contains(p, "chain") {
			out = append(out, p)
		}
	}
	return out
}

func TestVerifyChainCatchesTampering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, b := f.member(t, false), f.member(t, true)
		r, err := models.LoadRules(ctx, db.R, t0)
		if err != nil {
			t.Fatal(err)
		}
		var topups []int64 // journal ids of a's top-ups
		for i, m := range []int64{a, a, b, a} {
			if err := db.Tx(ctx, func(tx *gorm.DB) error {
				res, err := models.PostTopup(ctx, tx, t0, r, models.TopupInput{MemberID: m, Amount: int64(10000 * (i + 1)),
					Method: "cash", Actor: f.actor})
				if err == nil && m == a {
					var jid int64
					err = tx.Raw(`SELECT MAX(id) FROM ledger_journals`).Scan(&jid).Error
					topups = append(topups, jid)
				}
				_ = res
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range []int64{a, b} {
			if err := db.Tx(ctx, func(tx *gorm.DB) error {
				_, err := models.PostPurchase(ctx, tx, t0, r, models.PurchaseInput{MemberID: m,
					Items:    []models.PurchaseItem{{Category: "meals", Amount: 1234}},
					Payments: []models.Payment{{Method: "stored_value", Amount: 50}, {Method: "cash", Amount: 1184}}, Actor: f.actor})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := models.Verify(ctx, db)
		if err != nil || !rep.Clean() || len(rep.Root) != 64 {
			t.Fatalf("fresh ledger: %v %v root %q", err, rep.Problems, rep.Root)
		}
		var hashed int64
		db.R.Raw(`SELECT COUNT(*) FROM ledger_journals WHERE chain_hash = ''`).Scan(&hashed)
		if hashed != 0 {
			t.Fatalf("%d journals written without a hash", hashed)
		}
		dropLedgerGuards(t, db)

		// An edited posting (and the balance kept in step, so only the chain can tell).
		var pid, acct, amt int64
		row := db.W.Raw(`SELECT id, account_id, amount FROM ledger_postings WHERE journal_id = ? AND seq IS NOT NULL ORDER BY id LIMIT 1`,
			topups[1]).Row()
		if err := row.Scan(&pid, &acct, &amt); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `UPDATE ledger_postings SET amount = amount + 1, balance_after = balance_after + 1 WHERE id = ?`, pid)
		if got := chainProblems(t, db); len(got) != 1 || !strings.Contains(got[0], "journal") {
			t.Fatalf("edited posting: chain problems %q", got)
		}
		mustExec(t, db, `UPDATE ledger_postings SET amount = amount - 1, balance_after = balance_after - 1 WHERE id = ?`, pid)
		if got := chainProblems(t, db); len(got) != 0 {
			t.Fatalf("restored posting: %q", got)
		}

		// An edited journal field (the reason shown on a statement).
		mustExec(t, db, `UPDATE ledger_journals SET campus_id = campus_id + 1 WHERE id = ?`, topups[2])
		if got := chainProblems(t, db); len(got) != 1 {
			t.Fatalf("edited journal: chain problems %q", got)
		}
		mustExec(t, db, `UPDATE ledger_journals SET campus_id = campus_id - 1 WHERE id = ?`, topups[2])

		// A deleted journal in the middle of a's history: the journal after it
		// no longer chains.
		mustExec(t, db, `DELETE FROM ledger_postings WHERE journal_id = ?`, topups[0])
		mustExec(t, db, `DELETE FROM ledger_journals WHERE id = ?`, topups[0])
		got := chainProblems(t, db)
		if len(got) == 0 {
			t.Fatal("deleted journal: verify saw no break in the chain")
		}
		found := false
		for _, p := range got {
			if strings.Contains(p, "journal") && strings.Contains(p, "deleted") {
				found = true
			}
		}
		if !found {
			t.Fatalf("deleted journal: %q", got)
		}
	})
}

// An existing ledger gets sealed by migration 0181: verify is clean after
// the upgrade, and an edit of a row written before it is still caught.
func TestVerifyChainSealsLegacyLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := f.member(t, false)
		r, _ := models.LoadRules(ctx, db.R, t0)
		for i := 0; i < 3; i++ {
			if err := db.Tx(ctx, func(tx *gorm.DB) error {
				_, err := models.PostTopup(ctx, tx, t0, r, models.TopupInput{MemberID: a, Amount: 10000, Method: "cash", Actor: f.actor})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		// Make it look like a ledger of before the chain.
		dropLedgerGuards(t, db)
		mustExec(t, db, `UPDATE ledger_journals SET chain_hash = ''`)
		mustExec(t, db, `UPDATE ledger_accounts SET chain_hash = ''`)
		mustExec(t, db, `DELETE FROM ledger_chain_seals`)
		if got := chainProblems(t, db); len(got) == 0 {
			t.Fatal("unsealed ledger without hashes: verify found nothing")
		}
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := migrations.SealLedger(ctx, tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := chainProblems(t, db); len(got) != 0 {
			t.Fatalf("sealed: %q", got)
		}
		// New journals chain on from the sealed heads.
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.PostTopup(ctx, tx, t0, r, models.TopupInput{MemberID: a, Amount: 500, Method: "cash", Actor: f.actor})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := chainProblems(t, db); len(got) != 0 {
			t.Fatalf("after the seal: %q", got)
		}
		var first int64
		db.W.Raw(`SELECT MIN(id) FROM ledger_journals`).Scan(&first)
		mustExec(t, db, `UPDATE ledger_postings SET amount = amount + 7, balance_after = balance_after + 7 WHERE journal_id = ? AND seq IS NOT NULL`, first)
		if got := chainProblems(t, db); len(got) == 0 {
			t.Fatal("edited legacy posting: verify saw nothing")
		}
	})
}

func mustExec(t *testing.T, db *models.DB, q string, args ...any) {
	t.Helper()
	if err := db.W.Exec(q, args...).Error; err != nil {
		t.Fatal(err)
	}
}
