// Package migrations holds the schema as hand-written SQL, one folder per
// dialect with the same version numbers, applied by goose. Migrations never
// import live models: the schema they describe is the one of their day.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
)

//go:embed mysql/*.sql sqlite/*.sql
var files embed.FS

// FS returns the migration files of one dialect ("mysql" or "sqlite").
func FS(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}

// FSFor returns the migration files to apply on db: the dialect's folder,
// and on TiDB (no triggers) the mysql folder without its trigger statements.
func FSFor(ctx context.Context, db *sql.DB, dialect string) (fs.FS, error) {
	sub, err := FS(dialect)
	if err != nil || dialect != "mysql" {
		return sub, err
	}
	tidb, err := IsTiDB(ctx, db)
	if err != nil || !tidb {
		return sub, err
	}
	return withoutTriggers(sub)
}

func provider(ctx context.Context, db *sql.DB, dialect string) (*goose.Provider, error) {
	sub, err := FSFor(ctx, db, dialect)
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	if dialect == "mysql" {
		gd = goose.DialectMySQL
	}
	p, err := goose.NewProvider(gd, db, sub, goose.WithGoMigrations(GoMigrations()...))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// Up applies every pending migration and returns how many ran. Running it on
// an up-to-date database does nothing.
//
// Several instances starting at once on one MySQL-compatible database take
// turns: each holds a named server lock (GET_LOCK) while it migrates, so the
// second finds nothing left to do instead of racing the first through the
// same DDL.
func Up(ctx context.Context, db *sql.DB, dialect string) (int, error) {
	if dialect == "mysql" {
		unlock, err := migrationLock(ctx, db)
		if err != nil {
			return 0, err
		}
		defer unlock()
	}
	p, err := provider(ctx, db, dialect)
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrations: up: %w", err)
	}
	return len(res), nil
}

// Version returns the database's current schema version.
func Version(ctx context.Context, db *sql.DB, dialect string) (int64, error) {
	p, err := provider(ctx, db, dialect)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// migrationLock waits up to five minutes for the server-wide lock named
// after the current database, held on one connection of its own.
func migrationLock(ctx context.Context, db *sql.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: lock: %w", err)
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(CONCAT('starcard_migrate_', DATABASE()), 300)").Scan(&got); err != nil {
		// A server without named locks (an old TiDB) still migrates, but
		// nothing then stops two instances starting together from racing
		// through the same DDL: say so.
		conn.Close()
		slog.Warn("migrations: no server lock; start one instance first when several migrate", "err", err)
		return func() {}, nil
	}
	if got.Int64 != 1 {
		conn.Close()
		return nil, fmt.Errorf("migrations: another instance has been migrating for 5 minutes")
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(CONCAT('starcard_migrate_', DATABASE()))")
		conn.Close()
	}, nil
}
