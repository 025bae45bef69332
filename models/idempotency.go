package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ValidIdempotencyKey reports whether k is 1–64 printable ASCII characters.
func ValidIdempotencyKey(k string) bool {
	if len(k) < 1 || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// RequestHash fingerprints a request so that a key reused with a different
// body can be told apart from a retry.
func RequestHash(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Idem identifies one idempotent request: the scope (who may reuse keys, e.g.
// "api:17" or "cashier:3"), the client's key and the request's hash.
type Idem struct {
	Scope string
	Key   string
	Hash  string
}

// Outcome is what an idempotent use case answered the first time.
type Outcome struct {
	Status   int
	Body     []byte
	Replayed bool
}

// errIdemTwin says a concurrent request with the same key claimed it first.
var errIdemTwin = errors.New("idempotency key claimed concurrently")

type idemRow struct {
	ID          int64
	Scope       string
	IdemKey     string
	RequestHash string
	Status      int
	Response    []byte
	CreatedAt   time.Time
}

func (idemRow) TableName() string { return "idempotency_keys" }

// RunIdempotent runs fn in one transaction and stores its answer under the
// key in that same transaction, so a retry with the same key and body gets
// the first answer back and changes nothing, and the same key with another
// body is refused with ErrIdempotencyReuse. The key is claimed first: a
// concurrent duplicate waits on the unique index, then fails, is retried and
// replays. Refusals (fn returning an error) store nothing and change nothing,
// so a retry after the cause is fixed is evaluated afresh.
func RunIdempotent(ctx context.Context, db *DB, now time.Time, id Idem, fn func(tx *gorm.DB) (int, []byte, error)) (Outcome, error) {
	if !ValidIdempotencyKey(id.Key) {
		return Outcome{}, ErrIdempotencyKey
	}
	var out Outcome
	for attempt := 0; attempt < 4; attempt++ {
		out = Outcome{}
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			var prev idemRow
			err := tx.Where("scope = ? AND idem_key = ?", id.Scope, id.Key).Take(&prev).Error
			if err == nil {
				if prev.RequestHash != id.Hash {
					return ErrIdempotencyReuse
				}
				out = Outcome{Status: prev.Status, Body: prev.Response, Replayed: true}
				return nil
			}
			if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
			row := idemRow{Scope: id.Scope, IdemKey: id.Key, RequestHash: id.Hash, Response: []byte{}, CreatedAt: now}
			if err := tx.Create(&row).Error; err != nil {
				if errors.Is(err, errIdemTwin) {
					return errIdemTwin
				}
				return err
			}
			status, body, err := fn(tx)
			if err != nil {
				return err
			}
			if err := tx.Model(&idemRow{}).Where("id = ?", row.ID).
				Updates(map[string]any{"status": status, "response": body}).Error; err != nil {
				return err
			}
			out = Outcome{Status: status, Body: body}
			return nil
		})
		if errors.Is(err, errIdemTwin) {
			continue // a concurrent twin committed first: read its answer
		}
		if err != nil {
			return Outcome{}, fmt.Errorf("models: idempotent %s: %w", id.Scope, err)
		}
		return out, nil
	}
	return Outcome{}, fmt.Errorf("models: idempotent %s: key kept colliding", id.Scope)
}
