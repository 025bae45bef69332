package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing/fstest"
)

// TiDB speaks MySQL's protocol and DDL but has no triggers, and the mysql
// migrations protect the append-only tables (ledger, audit log, draws) with
// BEFORE UPDATE/DELETE triggers. On TiDB the same files apply with those
// statements left out; the tables are protected there by the app user's
// grants (see Grants) and, on every database, made tamper-evident by the
// ledger's hash chain that verify checks.

// IsTiDB reports whether db is a TiDB server (its VERSION() says so, e.g.
// "8.0.11-TiDB-v8.5.1").
func IsTiDB(ctx context.Context, db *sql.DB) (bool, error) {
	var v string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return false, fmt.Errorf("migrations: server version: %w", err)
	}
	return strings.Contains(strings.ToLower(v), "tidb"), nil
}

var (
	// A goose statement block that creates a trigger.
	triggerBlock = regexp.MustCompile(`(?s)-- \+goose StatementBegin\s*\nCREATE TRIGGER .*?-- \+goose StatementEnd[^\n]*\n?`)
	// A bare CREATE or DROP TRIGGER statement on its own line(s).
	triggerStmt = regexp.MustCompile(`(?m)^(?:DROP TRIGGER|CREATE TRIGGER)[^;]*;[^\n]*\n?`)
	// Which table a trigger guards: "CREATE TRIGGER x BEFORE UPDATE ON t".
	triggerOn = regexp.MustCompile(`(?i)CREATE TRIGGER\s+\w+\s+BEFORE\s+(?:UPDATE|DELETE)\s+ON\s+(\w+)`)
)

// StripTriggers returns a migration's SQL without its trigger statements.
func StripTriggers(sqlText string) string {
	return triggerStmt.ReplaceAllString(triggerBlock.ReplaceAllString(sqlText, ""), "")
}

// withoutTriggers copies the files of f with every trigger statement
// removed (the files are small and read once per run).
func withoutTriggers(f fs.FS) (fs.FS, error) {
	out := fstest.MapFS{}
	names, err := fs.Glob(f, "*.sql")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		b, err := fs.ReadFile(f, n)
		if err != nil {
			return nil, err
		}
		out[n] = &fstest.MapFile{Data: []byte(StripTriggers(string(b))), Mode: 0o444}
	}
	return out, nil
}

// AppendOnlyTables lists the tables the mysql migrations guard with
// no-update/no-delete triggers: the ones an app user must not UPDATE or
// DELETE on a database without triggers.
func AppendOnlyTables() ([]string, error) {
	f, err := FS("mysql")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(f, "*.sql")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, n := range names {
		b, err := fs.ReadFile(f, n)
		if err != nil {
			return nil, err
		}
		up, _, _ := strings.Cut(string(b), "-- +goose Down")
		for _, m := range triggerOn.FindAllStringSubmatch(up, -1) {
			seen[m[1]] = true
		}
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, nil
}

// Grants returns the GRANT statements that give user (as MySQL writes it,
// e.g. 'starcard_app'@'%') what the app needs on every table of the current
// database and no more: SELECT and INSERT on the append-only tables and the
// schema version table, SELECT, INSERT, UPDATE and DELETE elsewhere, no DDL.
// Table-level grants are the form MySQL 8, MariaDB and TiDB all accept
// (a schema-wide grant cannot be narrowed per table); run them again after
// a migration adds tables — migrate -grant-to does.
func Grants(ctx context.Context, db *sql.DB, user string) ([]string, error) {
	if !validUser.MatchString(user) {
		return nil, fmt.Errorf("migrations: grant to %q: want 'name'@'host'", user)
	}
	appendOnly, err := AppendOnlyTables()
	if err != nil {
		return nil, err
	}
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&schema); err != nil {
		return nil, fmt.Errorf("migrations: grants: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("migrations: grants: %w", err)
	}
	defer rows.Close()
	only := map[string]bool{}
	for _, t := range appendOnly {
		only[t] = true
	}
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("migrations: grants: %w", err)
		}
		privs := "SELECT, INSERT, UPDATE, DELETE"
		switch {
		case t == "goose_db_version":
			privs = "SELECT"
		case only[t]:
			privs = "SELECT, INSERT"
		}
		out = append(out, fmt.Sprintf("GRANT %s ON `%s`.`%s` TO %s", privs, schema, t, user))
	}
	return out, rows.Err()
}

var validUser = regexp.MustCompile(`^'[A-Za-z0-9_.-]{1,32}'@'[A-Za-z0-9_.%:-]{1,255}'$`)

// ApplyGrants runs Grants for user on db.
func ApplyGrants(ctx context.Context, db *sql.DB, user string) (int, error) {
	stmts, err := Grants(ctx, db, user)
	if err != nil {
		return 0, err
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return 0, fmt.Errorf("migrations: %s: %w", s, err)
		}
	}
	return len(stmts), nil
}
