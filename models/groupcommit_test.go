package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

// On SQLite, purchases queued behind a busy writer share one transaction:
// each refusal rolls back only its own savepoint, a key sent twice in the
// group applies once and replays, and every answer is committed by the time
// its caller gets it (the read pool, which sees only commits, shows them all).
func TestGroupCommitSavepointsAndAnswers(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	f := newFixture(t, db)
	m := f.member(t, false)
	if _, err := models.RecordTopup(ctx, db, t0, models.Idem{Scope: "test", Key: "seed", Hash: "seed"},
		models.TopupInput{MemberID: m, Amount: 100000, Method: "cash", Actor: f.actor}); err != nil {
		t.Fatal(err)
	}
	before := f.balances(t, m).StoredValue()
	// ¥1,000 of stored value (and its bonus). 24 purchases of ¥10 are paid; 8 resend one of
	// their keys (the resend writes a whole purchase before its key collides,
	// so only its savepoint's rollback keeps it from counting twice); 4 of
	// ¥2,000 are refused.
	const n, dup, big = 24, 8, 4
	buy := func(i int) (models.Outcome, error) {
		key, fen := fmt.Sprintf("g-%d", i%n), int64(1000)
		if i >= n+dup {
			key, fen = fmt.Sprintf("big-%d", i), 200000
		}
		return models.RecordPurchase(ctx, db, t0, models.Idem{Scope: "test", Key: key, Hash: key},
			models.PurchaseInput{MemberID: m, Items: []models.PurchaseItem{{Category: "meals", Amount: fen}},
				Payments: []models.Payment{{Method: "stored_value", Amount: fen}}, Actor: f.actor})
	}
	// Hold the writer so that every purchase queues for one group.
	release := make(chan struct{})
	held := make(chan struct{})
	go func() {
		_ = db.Tx(ctx, func(tx *gorm.DB) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	var wg sync.WaitGroup
	outs := make([]models.Outcome, n+dup+big)
	errs := make([]error, n+dup+big)
	for i := range outs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			outs[i], errs[i] = buy(i)
		}(i)
	}
	deadline := time.Now().Add(time.Minute)
	for models.GroupQueued(db) < n+dup+big-1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	paid, refused, replayed := 0, 0, 0
	for i, err := range errs {
		switch {
		case err == nil && outs[i].Replayed:
			replayed++
		case err == nil:
			paid++
		case errors.Is(err, models.ErrInsufficientBalance):
			refused++
		default:
			t.Fatalf("purchase %d: %v", i, err)
		}
	}
	if paid != n || replayed != dup || refused != big {
		t.Fatalf("paid %d, refused %d, replayed %d; want %d, %d, %d", paid, refused, replayed, n, big, dup)
	}
	var purchases int64
	if err := db.R.Raw("SELECT COUNT(*) FROM purchases WHERE member_id = ?", m).Scan(&purchases).Error; err != nil {
		t.Fatal(err)
	}
	if purchases != n {
		t.Fatalf("%d purchases committed, want %d", purchases, n)
	}
	if b := f.balances(t, m); b.StoredValue() != before-n*1000 {
		t.Fatalf("stored value left %d, want %d", b.StoredValue(), before-n*1000)
	}
	rep, err := models.Verify(ctx, db)
	if err != nil || !rep.Clean() {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}
