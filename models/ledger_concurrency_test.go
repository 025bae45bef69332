package models_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"starcard/models"
	"starcard/models/dbtest"
)

// 64 goroutines hammer one member with top-ups and stored-value purchases;
// 16 of them retry a key another goroutine is using. Every distinct key
// applies exactly once, duplicates get the identical answer, and verify is
// clean afterwards.
func TestLedgerConcurrentOneMemberWithDuplicateKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.member(t, false)
		if _, err := models.RecordTopup(ctx, db, t0, models.Idem{Scope: "test", Key: "seed", Hash: "seed"},
			models.TopupInput{MemberID: m, Amount: 100000, Method: "cash", Actor: f.actor}); err != nil {
			t.Fatal(err)
		}
		const workers, distinct = 64, 48
		var wg sync.WaitGroup
		bodies := make([][]byte, workers)
		errs := make([]error, workers)
		for g := 0; g < workers; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				k := g % distinct
				id := models.Idem{Scope: "test", Key: fmt.Sprintf("k-%d", k), Hash: fmt.Sprintf("h-%d", k)}
				var out models.Outcome
				var err error
				if k%2 == 0 {
					out, err = models.RecordTopup(ctx, db, t0, id, models.TopupInput{MemberID: m, Amount: int64(1000 + k), Method: "cash", Actor: f.actor})
				} else {
					out, err = models.RecordPurchase(ctx, db, t0, id, models.PurchaseInput{MemberID: m,
						Items:    []models.PurchaseItem{{Category: models.CategoryMeals, Amount: int64(500 + k)}},
						Payments: []models.Payment{{Method: "stored_value", Amount: int64(500 + k)}}, Actor: f.actor})
				}
				bodies[g], errs[g] = out.Body, err
			}(g)
		}
		wg.Wait()
		var topups, spent, points int64
		for k := 0; k < distinct; k++ {
			if k%2 == 0 {
				topups += int64(1000 + k)
			} else {
				spent += int64(500 + k)
				points += int64(500+k) / 100
			}
		}
		for g := 0; g < workers; g++ {
			if errs[g] != nil {
				t.Fatalf("worker %d: %v", g, errs[g])
			}
			if g >= distinct && string(bodies[g]) != string(bodies[g-distinct]) {
				t.Fatalf("duplicate key %d answered differently:\n%s\n%s", g%distinct, bodies[g], bodies[g-distinct])
			}
		}
		b := f.balances(t, m)
		if b.StoredValue() != 110000+topups-spent || b.Points != points {
			t.Fatalf("balances %+v, want stored value %d and %d points", b, 110000+topups-spent, points)
		}
		var res struct{ ID int64 }
		_ = json.Unmarshal(bodies[1], &res)
		var journals int64
		db.R.Raw(`SELECT COUNT(*) FROM ledger_journals`).Scan(&journals)
		if journals != distinct+1 {
			t.Fatalf("%d journals for %d distinct keys (+1 seed)", journals, distinct)
		}
		rep, err := models.Verify(ctx, db)
		if err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	})
}

// The database itself refuses to rewrite history.
func TestLedgerTablesAreAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.member(t, false)
		out, err := models.RecordPurchase(ctx, db, t0, models.Idem{Scope: "test", Key: "p", Hash: "p"}, models.PurchaseInput{
			MemberID: m, Items: []models.PurchaseItem{{Category: models.CategoryMeals, Amount: 1000}},
			Payments: []models.Payment{{Method: "cash", Amount: 1000}}, Actor: f.actor})
		if err != nil {
			t.Fatal(err)
		}
		var p struct{ ID int64 }
		_ = json.Unmarshal(out.Body, &p)
		if _, err := models.RecordRefund(ctx, db, t0, models.Idem{Scope: "test", Key: "r", Hash: "r"},
			models.RefundInput{PurchaseID: p.ID, Reason: "test", Actor: f.actor}); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			`UPDATE ledger_postings SET amount = amount + 1`,
			`DELETE FROM ledger_postings`,
			`UPDATE ledger_journals SET kind = 'x'`,
			`DELETE FROM ledger_journals`,
			`UPDATE points_lot_draws SET amount = 0`,
			`DELETE FROM points_lot_draws`,
			`UPDATE purchase_refunds SET amount = 0`,
			`DELETE FROM purchase_refunds`,
		} {
			if err := db.W.Exec(stmt).Error; err == nil {
				t.Errorf("%s was allowed", stmt)
			}
		}
		rep, err := models.Verify(ctx, db)
		if err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
		// verify notices a balance that was changed behind the ledger's back.
		if err := db.W.Exec(`UPDATE ledger_accounts SET balance = balance + 1 WHERE owner_type = 'member'`).Error; err != nil {
			t.Fatal(err)
		}
		rep, err = models.Verify(ctx, db)
		if err != nil || rep.Clean() {
			t.Fatalf("verify missed a tampered balance: %v", rep.Problems)
		}
	})
}
