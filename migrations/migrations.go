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

	"github.com/pressly/goose/v3"
)

//go:embed mysql/*.sql sqlite/*.sql
var files embed.FS

// FS returns the migration files of one dialect ("mysql" or "sqlite").
func FS(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}

func provider(db *sql.DB, dialect string) (*goose.Provider, error) {
	sub, err := FS(dialect)
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
func Up(ctx context.Context, db *sql.DB, dialect string) (int, error) {
	p, err := provider(db, dialect)
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
	p, err := provider(db, dialect)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}
