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
// body is refused with ErrIdempotencyReuse.
//
// The common case costs one statement: fn runs, then the key is inserted
// with the answer. A concurrent twin blocks on the unique index until the
// first commits, fails, rolls its whole transaction back and replays the
// stored answer. A refusal (fn returning an error) stores nothing, but first
// checks whether the key already holds an answer, so a retry of a request
// that succeeded replays it rather than being judged against the new state.
func RunIdempotent(ctx context.Context, db *DB, now time.Time, id Idem, fn func(tx *gorm.DB) (int, []byte, error)) (Outcome, error) {
	if !ValidIdempotencyKey(id.Key) {
		return Outcome{}, ErrIdempotencyKey
	}
	for attempt := 0; attempt < 4; attempt++ {
		var out Outcome
		err := db.TxGrouped(ctx, func(tx *gorm.DB) error {
			status, body, err := fn(tx)
			if err != nil {
				return err
			}
			if _, err := ExecSQL(ctx, tx, `INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, response, created_at)
				VALUES (?, ?, ?, ?, ?, ?)`, id.Scope, id.Key, id.Hash, status, body, now); err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return errIdemTwin
				}
				return err
			}
			out = Outcome{Status: status, Body: body}
			return nil
		})
		if err == nil {
			return out, nil
		}
		_, refused := AsError(err)
		if !refused && !errors.Is(err, errIdemTwin) {
			return Outcome{}, fmt.Errorf("models: idempotent %s: %w", id.Scope, err)
		}
		prev, found, lerr := lookupIdem(ctx, db, id)
		if lerr != nil {
			return Outcome{}, lerr
		}
		if found {
			if prev.RequestHash != id.Hash {
				return Outcome{}, ErrIdempotencyReuse
			}
			return Outcome{Status: prev.Status, Body: prev.Response, Replayed: true}, nil
		}
		if refused {
			return Outcome{}, err
		}
		// The twin rolled back after all: run again.
	}
	return Outcome{}, fmt.Errorf("models: idempotent %s: key kept colliding", id.Scope)
}

func lookupIdem(ctx context.Context, db *DB, id Idem) (idemRow, bool, error) {
	var prev idemRow
	// The writer sees the twin's commit at once (on SQLite the read pool may lag a WAL frame).
	err := db.W.WithContext(ctx).Where("scope = ? AND idem_key = ?", id.Scope, id.Key).Take(&prev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return prev, false, nil
	}
	if err != nil {
		return prev, false, fmt.Errorf("models: idempotency lookup: %w", err)
	}
	return prev, true, nil
}
