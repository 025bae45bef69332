// Package dbtest gives tests real databases: a temp-file SQLite always, and a
// fresh MySQL/MariaDB database per test when STARCARD_TEST_MYSQL_DSN is set
// (e.g. root@tcp(127.0.0.1:3306)/). Each database is migrated and dropped
// when the test ends.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"starcard/migrations"
	"starcard/models"
	"starcard/models/demo"
)

// MySQLEnv names the variable holding the MySQL server DSN for tests.
const MySQLEnv = "STARCARD_TEST_MYSQL_DSN"

var (
	skipOnce sync.Once
	counter  atomic.Int64
)

// SQLite opens a migrated SQLite database in a temp file.
func SQLite(t testing.TB) *models.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := models.Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := migrations.Up(context.Background(), db.SQL(), "sqlite"); err != nil {
		t.Fatal(err)
	}
	return db
}

// MySQLSpec creates an empty database on the test server and returns its
// "mysql:DSN" spec, or "" (after logging once) when no server is configured.
func MySQLSpec(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(MySQLEnv)
	if dsn == "" {
		skipOnce.Do(func() { fmt.Fprintf(os.Stderr, "dbtest: %s not set: MySQL suites skipped\n", MySQLEnv) })
		return ""
	}
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	name := fmt.Sprintf("sctest_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, counter.Add(1))
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("mysql", cfg.FormatDSN())
		if err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name)
			a.Close()
		}
	})
	cfg.DBName = name
	return "mysql:" + cfg.FormatDSN()
}

// MySQL opens a migrated database of its own on the test server, or skips.
func MySQL(t testing.TB) *models.DB {
	t.Helper()
	spec := MySQLSpec(t)
	if spec == "" {
		t.Skip("MySQL not configured (" + MySQLEnv + ")")
	}
	db, err := models.Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := migrations.Up(context.Background(), db.SQL(), "mysql"); err != nil {
		t.Fatal(err)
	}
	return db
}

// Each runs fn as a subtest on SQLite and, when configured, on MySQL.
func Each(t *testing.T, fn func(t *testing.T, db *models.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("mysql", func(t *testing.T) {
		if os.Getenv(MySQLEnv) == "" {
			MySQLSpec(t)
			t.Skip("MySQL not configured (" + MySQLEnv + ")")
		}
		fn(t, MySQL(t))
	})
}

// Dialects lists the dialects Each will run on.
func Dialects() []string {
	if strings.TrimSpace(os.Getenv(MySQLEnv)) != "" {
		return []string{"sqlite", "mysql"}
	}
	return []string{"sqlite"}
}

var (
	demoMu        sync.Mutex
	demoDir       string
	demoTemplates = map[string]string{}
)

// DemoSQLite opens a SQLite database holding the demo school as
// demo.Seed fills it at now in loc. The demo is built once per test
// process for each (now, UTC offset) and copied for every test that asks,
// so tests that look at the demo do not each pay for seeding it.
func DemoSQLite(t testing.TB, now time.Time, loc *time.Location) *models.DB {
	t.Helper()
	_, off := now.In(loc).Zone()
	key := fmt.Sprintf("%d/%d", now.UnixNano(), off)
	demoMu.Lock()
	tpl, ok := demoTemplates[key]
	if !ok {
		var err error
		if demoDir == "" {
			if demoDir, err = os.MkdirTemp("", "starcard-demo-"); err != nil {
				demoMu.Unlock()
				t.Fatal(err)
			}
		}
		tpl = filepath.Join(demoDir, fmt.Sprintf("demo-%d.db", len(demoTemplates)))
		if err := buildDemo(tpl, now, loc); err != nil {
			demoMu.Unlock()
			t.Fatal(err)
		}
		demoTemplates[key] = tpl
	}
	demoMu.Unlock()
	path := filepath.Join(t.TempDir(), "demo.db")
	b, err := os.ReadFile(tpl)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := models.Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func buildDemo(path string, now time.Time, loc *time.Location) error {
	ctx := context.Background()
	db, err := models.Open("sqlite:" + path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := migrations.Up(ctx, db.SQL(), "sqlite"); err != nil {
		return err
	}
	if _, err := demo.Seed(ctx, db, now, loc); err != nil {
		return err
	}
	// Fold the write-ahead log into the file so that a plain copy is whole.
	return db.W.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
}
