package migrations_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"starcard/migrations"
	"starcard/models/dbtest"
)

// On TiDB the mysql files apply without their triggers: stripping leaves the
// tables and data of every file and no trigger statement.
func TestStripTriggersLeavesTablesAndNoTrigger(t *testing.T) {
	f, err := migrations.FS("mysql")
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(f, "*.sql")
	stripped := 0
	for _, n := range names {
		b, _ := fs.ReadFile(f, n)
		in := string(b)
		out := migrations.StripTriggers(in)
		if strings.Contains(out, "CREATE TRIGGER") || strings.Contains(out, "DROP TRIGGER") {
			t.Errorf("%s: a trigger statement is left after stripping", n)
		}
		if strings.Count(in, "CREATE TABLE") != strings.Count(out, "CREATE TABLE") {
			t.Errorf("%s: stripping removed a CREATE TABLE", n)
		}
		if in != out {
			stripped++
		}
	}
	if stripped == 0 {
		t.Fatal("no file had triggers to strip")
	}
}

func TestAppendOnlyTablesComeFromTheTriggers(t *testing.T) {
	got, err := migrations.AppendOnlyTables()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"audit_log", "ledger_journals", "ledger_postings", "points_lot_draws"} {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("append-only tables %v lack %s", got, want)
		}
	}
}

// The README's production setup: an app user given migrations.Grants may
// insert into the ledger and update members, but neither update nor delete
// a posting or an audit row, and cannot change the schema. Holds on MySQL,
// MariaDB and TiDB (whichever STARCARD_TEST_MYSQL_DSN names).
func TestAppUserCannotRewriteAppendOnlyTables(t *testing.T) {
	db := dbtest.MySQL(t)
	ctx := context.Background()
	user := fmt.Sprintf("scapp%d", time.Now().UnixNano()%1e9)
	if _, err := db.SQL().ExecContext(ctx, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'app-password-1'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.SQL().Exec("DROP USER '" + user + "'@'%'") })
	n, err := migrations.ApplyGrants(ctx, db.SQL(), "'"+user+"'@'%'")
	if err != nil || n < 20 {
		t.Fatalf("grants: %d statements, %v", n, err)
	}
	var schema string
	db.SQL().QueryRow("SELECT DATABASE()").Scan(&schema)
	cfg, _ := mysqldrv.ParseDSN(os.Getenv(dbtest.MySQLEnv))
	cfg.User, cfg.Passwd, cfg.DBName = user, "app-password-1", schema
	app, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	now := time.Now().UTC()
	cases := []struct {
		name, sql string
		allowed   bool
	}{
		{"insert audit row", "INSERT INTO audit_log (at, actor_type, actor_id, action, object_type, object_id, detail) VALUES (?, 'system', 0, 'test', 'x', 1, '')", true},
		{"read postings", "SELECT COUNT(*) FROM ledger_postings", true},
		{"update settings", "UPDATE settings SET value = value WHERE id = 0", true},
		{"update audit row", "UPDATE audit_log SET detail = 'x'", false},
		{"delete audit rows", "DELETE FROM audit_log", false},
		{"update postings", "UPDATE ledger_postings SET amount = amount + 1", false},
		{"delete journals", "DELETE FROM ledger_journals", false},
		{"drop a table", "DROP TABLE settings", false},
		{"rewrite schema history", "DELETE FROM goose_db_version", false},
	}
	for _, c := range cases {
		var err error
		if strings.Contains(c.sql, "?") {
			_, err = app.ExecContext(ctx, c.sql, now)
		} else {
			_, err = app.ExecContext(ctx, c.sql)
		}
		if c.allowed && err != nil {
			t.Errorf("%s: refused: %v", c.name, err)
		}
		if !c.allowed && (err == nil || !strings.Contains(strings.ToLower(err.Error()), "denied")) {
			t.Errorf("%s: want access denied, got %v", c.name, err)
		}
	}
}
