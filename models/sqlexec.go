package models

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// ExecSQL runs one hand-written statement on tx's connection (its open
// transaction, if any) without GORM's callback chain and reflection: the
// purchase path's inserts, where that chain cost a fifth of the server's CPU.
// Errors are translated like GORM's (a duplicate key is
// gorm.ErrDuplicatedKey). Only for tables no write epoch watches
// (write_epoch.go sees statements through GORM's callbacks).
func ExecSQL(ctx context.Context, tx *gorm.DB, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	var err error
	if st := txStmt(ctx, tx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = tx.Statement.ConnPool.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return nil, translate(tx, err)
	}
	return res, nil
}

// querySQL is ExecSQL for a query; the caller closes the rows.
func querySQL(ctx context.Context, tx *gorm.DB, query string, args ...any) (*sql.Rows, error) {
	if st := txStmt(ctx, tx, query); st != nil {
		rs, err := st.QueryContext(ctx, args...)
		return rs, translate(tx, err)
	}
	rs, err := tx.Statement.ConnPool.QueryContext(ctx, query, args...)
	return rs, translate(tx, err)
}

func translate(tx *gorm.DB, err error) error {
	if err == nil {
		return nil
	}
	if t, ok := tx.Dialector.(gorm.ErrorTranslator); ok && tx.Config.TranslateError {
		return t.Translate(err)
	}
	return err
}

// Prepared statements for the hand-written hot path: the database parses
// each once per connection instead of once per purchase (on MariaDB the
// parse was a good part of its CPU per statement). Kept per pool; DB.Close
// drops them.
var preparedStmts sync.Map // *sql.DB → *stmtCache

type stmtCache struct {
	m sync.Map // query → *sql.Stmt
	n atomic.Int32
}

// maxPrepared bounds the distinct statements kept per pool (each is
// prepared on every connection that runs it; servers cap the total).
const maxPrepared = 128

// txStmt is query prepared on tx's pool, bound to tx's open transaction;
// nil outside a transaction, on SQLite (its one writer connection is the
// transaction's, so the pool could not prepare on another; and SQLite parses
// in-process, with no round trip to save) or when preparing fails (the
// caller then sends the text as before).
func txStmt(ctx context.Context, tx *gorm.DB, query string) *sql.Stmt {
	t, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok || !isMySQL(tx) {
		return nil
	}
	pool, ok := tx.Config.ConnPool.(*sql.DB)
	if !ok {
		return nil
	}
	return Prepared(ctx, pool, t, query)
}

// Prepared is query prepared on pool (once, then kept) and bound to t, a
// transaction of that pool; nil when it cannot be prepared now (then send
// the text). For MySQL pools: see txStmt.
func Prepared(ctx context.Context, pool *sql.DB, t *sql.Tx, query string) *sql.Stmt {
	c, _ := preparedStmts.LoadOrStore(pool, &stmtCache{})
	cache := c.(*stmtCache)
	stmts := &cache.m
	st, ok := stmts.Load(query)
	if !ok {
		if cache.n.Load() >= maxPrepared {
			return nil
		}
		// Preparing takes a connection of the pool besides the one this
		// transaction holds: only when one is idle, and never waiting long
		// for it (transactions holding every connection while each waits for
		// another would stall until the lock-wait timeout).
		if pool.Stats().Idle == 0 {
			return nil
		}
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Millisecond)
		p, err := pool.PrepareContext(pctx, query)
		cancel()
		if err != nil {
			return nil
		}
		if prev, loaded := stmts.LoadOrStore(query, p); loaded {
			_ = p.Close()
			st = prev
		} else {
			cache.n.Add(1)
			st = p
		}
	}
	return t.StmtContext(ctx, st.(*sql.Stmt))
}

// dropPrepared closes the statements prepared on pool (it is closing).
func dropPrepared(pool *sql.DB) {
	m, ok := preparedStmts.LoadAndDelete(pool)
	if !ok {
		return
	}
	m.(*stmtCache).m.Range(func(_, v any) bool {
		_ = v.(*sql.Stmt).Close()
		return true
	})
}

// insertID runs an INSERT with ExecSQL and returns the new row's id.
func insertID(ctx context.Context, tx *gorm.DB, query string, args ...any) (int64, error) {
	res, err := ExecSQL(ctx, tx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// valuesList writes n groups of the placeholder group g ("(?, ?, ?)"),
// comma-separated, for a multi-row INSERT.
func valuesList(sb *strings.Builder, g string, n int) {
	sb.Grow(n * (len(g) + 2))
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(g)
	}
}
