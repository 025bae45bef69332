package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

// 64 wrong codes for one phone at once: the limit is taken in the same
// statement that checks it, so exactly 5 are evaluated and 59 refused.
func TestRedeemByPhoneLimitHoldsUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		phone := lyPhone()
		var wg sync.WaitGroup
		var mu sync.Mutex
		counts := map[string]int{}
		for i := 0; i < 64; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := models.RedeemCouponByPhone(ctx, db, lyNow, models.Actor{Type: "staff", IP: fmt.Sprintf("10.1.0.%d", i)},
					phone, "000000")
				k := "other: " + fmt.Sprint(err)
				switch {
				case errors.Is(err, models.ErrCouponCodeWrong):
					k = "evaluated"
				case errors.Is(err, models.ErrCouponRateLimited):
					k = "refused"
				}
				mu.Lock()
				counts[k]++
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		if counts["evaluated"] != 5 || counts["refused"] != 59 {
			t.Fatalf("64 parallel wrong codes: %v, want 5 evaluated and 59 refused", counts)
		}
	})
}

// A slot is taken and counted in one statement; a right answer gives it
// back; the window restarts once it has passed; a lock holds until it ends.
func TestRateSlots(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := lyNow
		take := func(at time.Time) bool {
			ok, err := models.TakeSlot(ctx, db.W, at, "k", 2, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !take(now) || !take(now) || take(now) {
			t.Fatal("2 slots a minute")
		}
		if err := models.GiveSlot(ctx, db.W, "k"); err != nil {
			t.Fatal(err)
		}
		if !take(now) || take(now) {
			t.Fatal("a slot given back is one slot")
		}
		if !take(now.Add(61 * time.Second)) {
			t.Fatal("the window did not restart")
		}
		if err := models.LockSlot(ctx, db.W, now, "k", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if take(now.Add(30 * time.Minute)) {
			t.Fatal("a locked key gave a slot")
		}
		if until, _ := models.SlotLockedUntil(ctx, db.W, now.Add(30*time.Minute), "k"); until == nil {
			t.Fatal("lock not reported")
		}
		if !take(now.Add(61 * time.Minute)) {
			t.Fatal("the lock did not end")
		}
	})
}
