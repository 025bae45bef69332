// Package ledgerchain is the tamper-evident seal of the ledger: every journal
// carries a SHA-256 hash over its own fields, its postings and the previous
// hash of each member or family account it moves, and each such account
// keeps the hash of the last journal that moved it (its chain head).
//
// The chain is per account, not global: an operation already holds the row
// locks of the accounts it moves, so extending their chains needs no new
// lock and no shared row, and operations on different members stay
// parallel. A journal that moves several accounts (a purchase moves the
// member's points and the family's stored value) joins their chains.
//
// Editing a journal or a posting changes that journal's hash; deleting a
// journal breaks the chain of every account it moved (the next journal names
// a previous hash that no longer exists, or the head no longer matches).
// Someone who can rewrite the database can also recompute every hash: record
// the root Verify prints somewhere else to catch that too.
//
// The package is a leaf (database/sql only) so that the migration sealing an
// existing ledger and the live code compute the same hash.
package ledgerchain

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Journal is what the hash covers of a journal row (not its id: the hash is
// computed before the insert, and the chain fixes the order).
type Journal struct {
	Kind       string
	CampusID   int64
	ActorType  string
	ActorID    int64
	Device     string
	RefType    string
	RefID      int64
	Reason     string
	ReversesID *int64
	At         time.Time // hashed to the millisecond (the columns' precision)
}

// Posting is what the hash covers of a posting row. Seq is non-nil exactly
// for member and family accounts: those are the chained ones.
type Posting struct {
	AccountID    int64
	Asset        string
	Amount       int64
	Seq          *int64
	BalanceAfter *int64
}

// Prev is the chain head of one chained account before the journal.
type Prev struct {
	AccountID int64
	Hash      string
}

// hasher writes length-prefixed fields so that no two inputs collide.
type hasher struct {
	b []byte
}

func (h *hasher) str(s string) {
	h.b = binary.AppendUvarint(h.b, uint64(len(s)))
	h.b = append(h.b, s...)
}

func (h *hasher) num(n int64) { h.b = binary.AppendVarint(h.b, n) }

func (h *hasher) opt(p *int64) {
	if p == nil {
		h.b = append(h.b, 0)
		return
	}
	h.b = append(h.b, 1)
	h.num(*p)
}

// Sum is the journal's hash (64 hex digits). prevs and ps may come in any
// order: they are sorted here, so the writer and the verifier agree.
func Sum(j Journal, prevs []Prev, ps []Posting) string {
	h := hasher{b: make([]byte, 0, 256)}
	h.str("starcard-ledger-v1")
	h.str(j.Kind)
	h.num(j.CampusID)
	h.str(j.ActorType)
	h.num(j.ActorID)
	h.str(j.Device)
	h.str(j.RefType)
	h.num(j.RefID)
	h.str(j.Reason)
	h.opt(j.ReversesID)
	h.num(j.At.UnixMilli())
	pv := append([]Prev(nil), prevs...)
	sort.Slice(pv, func(a, b int) bool { return pv[a].AccountID < pv[b].AccountID })
	h.num(int64(len(pv)))
	for _, p := range pv {
		h.num(p.AccountID)
		h.str(p.Hash)
	}
	sorted := append([]Posting(nil), ps...)
	sort.Slice(sorted, func(a, b int) bool { return less(sorted[a], sorted[b]) })
	h.num(int64(len(sorted)))
	for _, p := range sorted {
		h.num(p.AccountID)
		h.str(p.Asset)
		h.num(p.Amount)
		h.opt(p.Seq)
		h.opt(p.BalanceAfter)
	}
	s := sha256.Sum256(h.b)
	return hex.EncodeToString(s[:])
}

func less(a, b Posting) bool {
	if a.AccountID != b.AccountID {
		return a.AccountID < b.AccountID
	}
	as, bs := int64(-1), int64(-1)
	if a.Seq != nil {
		as = *a.Seq
	}
	if b.Seq != nil {
		bs = *b.Seq
	}
	if as != bs {
		return as < bs
	}
	if a.Asset != b.Asset {
		return a.Asset < b.Asset
	}
	return a.Amount < b.Amount
}

// Chained lists the distinct chained accounts of ps with their heads taken
// from head (an account never moved has the empty head).
func Chained(ps []Posting, head func(id int64) string) []Prev {
	var out []Prev
	for _, p := range ps {
		if p.Seq == nil {
			continue
		}
		seen := false
		for _, x := range out {
			if x.AccountID == p.AccountID {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, Prev{AccountID: p.AccountID, Hash: head(p.AccountID)})
		}
	}
	return out
}

// Root folds account heads into one digest to write down outside the
// database: if it differs next time while verify is clean, the ledger was
// rewritten wholesale.
func Root(heads map[int64]string) string {
	ids := make([]int64, 0, len(heads))
	for id := range heads {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	h := sha256.New()
	for _, id := range ids {
		h.Write([]byte(strconv.FormatInt(id, 10) + ":" + heads[id] + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Queryer is *sql.DB or *sql.Tx.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Row is one stored journal with its postings, as Walk hands it over.
type Row struct {
	ID       int64
	Journal  Journal
	Stored   string // the hash stored with the journal ('' before the ledger was sealed)
	Postings []Posting
}

// walkBatch bounds how many journals Walk holds at once.
const walkBatch = 2000

// Walk calls fn for every journal in id order (for one account, the order
// its row lock gave them) with its postings, reading in batches with plain
// sequential queries (so it also works inside a MySQL transaction).
func Walk(ctx context.Context, q Queryer, fn func(Row) error) error {
	var after int64
	for {
		rows, err := q.QueryContext(ctx, `SELECT id, kind, campus_id, actor_type, actor_id, device, ref_type, ref_id,
			reason, reverses_id, at, chain_hash FROM ledger_journals WHERE id > ? ORDER BY id LIMIT `+strconv.Itoa(walkBatch), after)
		if err != nil {
			return fmt.Errorf("ledgerchain: journals: %w", err)
		}
		var batch []Row
		at := map[int64]int{}
		for rows.Next() {
			var r Row
			var rev sql.NullInt64
			j := &r.Journal
			if err := rows.Scan(&r.ID, &j.Kind, &j.CampusID, &j.ActorType, &j.ActorID, &j.Device, &j.RefType, &j.RefID,
				&j.Reason, &rev, &j.At, &r.Stored); err != nil {
				rows.Close()
				return fmt.Errorf("ledgerchain: journals: %w", err)
			}
			if rev.Valid {
				v := rev.Int64
				j.ReversesID = &v
			}
			at[r.ID] = len(batch)
			batch = append(batch, r)
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return fmt.Errorf("ledgerchain: journals: %w", err)
		}
		rows.Close()
		if len(batch) == 0 {
			return nil
		}
		lo, hi := batch[0].ID, batch[len(batch)-1].ID
		prows, err := q.QueryContext(ctx, `SELECT journal_id, account_id, asset, amount, seq, balance_after
			FROM ledger_postings WHERE journal_id >= ? AND journal_id <= ?`, lo, hi)
		if err != nil {
			return fmt.Errorf("ledgerchain: postings: %w", err)
		}
		for prows.Next() {
			var jid int64
			var p Posting
			var seq, bal sql.NullInt64
			if err := prows.Scan(&jid, &p.AccountID, &p.Asset, &p.Amount, &seq, &bal); err != nil {
				prows.Close()
				return fmt.Errorf("ledgerchain: postings: %w", err)
			}
			if seq.Valid {
				v := seq.Int64
				p.Seq = &v
			}
			if bal.Valid {
				v := bal.Int64
				p.BalanceAfter = &v
			}
			if i, ok := at[jid]; ok {
				batch[i].Postings = append(batch[i].Postings, p)
			}
		}
		if err := prows.Err(); err != nil {
			prows.Close()
			return fmt.Errorf("ledgerchain: postings: %w", err)
		}
		prows.Close()
		for _, r := range batch {
			if err := fn(r); err != nil {
				return err
			}
		}
		after = hi
	}
}

// Heads recomputes every chained account's head by walking the whole ledger.
func Heads(ctx context.Context, q Queryer) (map[int64]string, int64, error) {
	heads := map[int64]string{}
	var last int64
	err := Walk(ctx, q, func(r Row) error {
		h := Sum(r.Journal, Chained(r.Postings, func(id int64) string { return heads[id] }), r.Postings)
		for _, p := range r.Postings {
			if p.Seq != nil {
				heads[p.AccountID] = h
			}
		}
		last = r.ID
		return nil
	})
	return heads, last, err
}
