package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

func TestRunIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
		if err := db.W.Exec("CREATE TABLE idem_probe (n INTEGER NOT NULL)").Error; err != nil {
			t.Fatal(err)
		}
		count := func() int64 {
			var n int64
			db.W.Raw("SELECT COUNT(*) FROM idem_probe").Scan(&n)
			return n
		}
		work := func(tx *gorm.DB) (int, []byte, error) {
			if err := tx.Exec("INSERT INTO idem_probe (n) VALUES (1)").Error; err != nil {
				return 0, nil, err
			}
			return 201, []byte(`{"ok":true}`), nil
		}
		refuse := func(tx *gorm.DB) (int, []byte, error) {
			return 0, nil, models.ErrNotFound
		}
		id := models.Idem{Scope: "api:1", Key: "order-1", Hash: "h1"}

		// 16 concurrent requests with one key apply once and all get the same answer.
		var wg sync.WaitGroup
		outs := make([]models.Outcome, 16)
		errs := make([]error, 16)
		for i := range outs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				outs[i], errs[i] = models.RunIdempotent(ctx, db, now, id, work)
			}(i)
		}
		wg.Wait()
		replays := 0
		for i, o := range outs {
			if errs[i] != nil || o.Status != 201 || string(o.Body) != `{"ok":true}` {
				t.Fatalf("request %d: %+v %v", i, o, errs[i])
			}
			if o.Replayed {
				replays++
			}
		}
		if count() != 1 || replays != 15 {
			t.Fatalf("applied %d times, %d replays; want 1 and 15", count(), replays)
		}
		// A retry that would now be refused still gets the first answer.
		if o, err := models.RunIdempotent(ctx, db, now, id, refuse); err != nil || !o.Replayed || o.Status != 201 {
			t.Fatalf("retry after success: %+v %v", o, err)
		}
		// The same key with another body is refused and changes nothing.
		other := id
		other.Hash = "h2"
		if _, err := models.RunIdempotent(ctx, db, now, other, work); !errors.Is(err, models.ErrIdempotencyReuse) {
			t.Fatalf("different body: %v", err)
		}
		// A refusal stores nothing: the same key may succeed later.
		fresh := models.Idem{Scope: "api:1", Key: "order-2", Hash: "h3"}
		if _, err := models.RunIdempotent(ctx, db, now, fresh, refuse); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("refusal: %v", err)
		}
		if o, err := models.RunIdempotent(ctx, db, now, fresh, work); err != nil || o.Replayed {
			t.Fatalf("after a refusal: %+v %v", o, err)
		}
		if count() != 2 {
			t.Fatalf("applied %d times in all, want 2", count())
		}
		// Keys are 1–64 printable characters.
		for _, k := range []string{"", "has space", string(make([]byte, 65))} {
			if _, err := models.RunIdempotent(ctx, db, now, models.Idem{Scope: "x", Key: k}, work); !errors.Is(err, models.ErrIdempotencyKey) {
				t.Errorf("key %q: %v", k, err)
			}
		}
	})
}
