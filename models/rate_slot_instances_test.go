package models_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"starcard/models"
	"starcard/models/dbtest"
)

// twoInstances opens the same MySQL database twice: two pools, as two
// StarCard processes behind a load balancer would have.
func twoInstances(t *testing.T) [2]*models.DB {
	t.Helper()
	first := dbtest.MySQL(t)
	var name string
	if err := first.R.Raw("SELECT DATABASE()").Scan(&name).Error; err != nil {
		t.Fatal(err)
	}
	cfg, err := mysqldrv.ParseDSN(os.Getenv(dbtest.MySQLEnv))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	second, err := models.Open("mysql:" + cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Close() })
	return [2]*models.DB{first, second}
}

// Limits and SMS-code counters are rows, taken in one statement: 40 tries
// spread over two instances get exactly the limit, not the limit per
// instance.
func TestLimitsHoldAcrossInstances(t *testing.T) {
	dbs := twoInstances(t)
	ctx := context.Background()
	now := time.Now().UTC()
	cases := []struct {
		name string
		want int
		try  func(db *models.DB, i int) (bool, error)
	}{
		{"rate slot, 7 a minute", 7, func(db *models.DB, i int) (bool, error) {
			return models.TakeSlot(ctx, db.W, now, "test:ip:10.0.0.1", 7, time.Minute)
		}},
		{"SMS codes, 5 an hour per phone", models.OTPSendsPerHour, func(db *models.DB, i int) (bool, error) {
			_, err := models.RequestOTP(ctx, db, now, []byte("0123456789abcdef0123456789abcdef"), "13900001111", "10.0.0.2")
			if errors.Is(err, models.ErrOTPSendLimit) {
				return false, nil
			}
			return err == nil, err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := [2]int{}
			for i := 0; i < 40; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					ok, err := c.try(dbs[i%2], i)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						got[i%2]++
						mu.Unlock()
					}
				}(i)
			}
			wg.Wait()
			if got[0]+got[1] != c.want {
				t.Fatalf("%d + %d allowed across two instances, want %d in all", got[0], got[1], c.want)
			}
		})
	}
}

// The nightly prune forgets week-old buckets, keeps recent and locked ones.
func TestPruneRateSlots(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 27, 3, 40, 0, 0, time.UTC)
		old := now.Add(-8 * 24 * time.Hour)
		for _, k := range []string{"old", "locked"} {
			if _, err := models.TakeSlot(ctx, db.W, old, k, 5, time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if err := models.LockSlot(ctx, db.W, old, "locked", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := models.TakeSlot(ctx, db.W, now, "recent", 5, time.Minute); err != nil {
			t.Fatal(err)
		}
		n, err := models.PruneRateSlots(ctx, db.W, now)
		if err != nil || n != 1 {
			t.Fatalf("pruned %d, %v; want the old one only", n, err)
		}
		if until, _ := models.SlotLockedUntil(ctx, db.W, now, "locked"); until == nil {
			t.Error("the prune lifted a lock")
		}
		if hits, _ := models.SlotHits(ctx, db.W, now, "recent", time.Minute); hits != 1 {
			t.Errorf("recent bucket has %d hits after the prune, want 1", hits)
		}
	})
}
