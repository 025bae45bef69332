package models

import (
	"context"
	"database/sql"
	"strings"

	"gorm.io/gorm"
)

// ExecSQL runs one hand-written statement on tx's connection (its open
// transaction, if any) without GORM's callback chain and reflection: the
// purchase path's inserts, where that chain cost a fifth of the server's CPU.
// Errors are translated like GORM's (a duplicate key is
// gorm.ErrDuplicatedKey). Only for tables no write epoch watches
// (write_epoch.go sees statements through GORM's callbacks).
func ExecSQL(ctx context.Context, tx *gorm.DB, query string, args ...any) (sql.Result, error) {
	res, err := tx.Statement.ConnPool.ExecContext(ctx, query, args...)
	if err != nil {
		if t, ok := tx.Dialector.(gorm.ErrorTranslator); ok && tx.Config.TranslateError {
			err = t.Translate(err)
		}
		return nil, err
	}
	return res, nil
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
