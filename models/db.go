// Package models holds StarCard's domain: types, pure rules, database
// functions and use cases. Functions take (ctx, db, …) so that the same code
// runs inside or outside a transaction; nothing here keeps global state.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	_ "modernc.org/sqlite" // pure-Go SQLite registered as "sqlite"
)

// Dialect names the SQL dialect a DB speaks.
type Dialect string

// The dialects StarCard runs on.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// DB is an open database: W takes writes (on SQLite a single connection, so
// writers queue instead of failing with "database is locked"), R serves reads
// from a pool. On MySQL both are the same pool.
type DB struct {
	W       *gorm.DB
	R       *gorm.DB
	Dialect Dialect
	closers []*sql.DB
	group   *groupCommit // SQLite's group commit (groupcommit.go); nil on MySQL
}

// Close closes every pool.
func (d *DB) Close() error {
	d.group.close()
	var errs []error
	for _, c := range d.closers {
		dropPrepared(c)
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	for _, c := range d.closers {
		if err := c.PingContext(ctx); err != nil {
			return fmt.Errorf("models: ping: %w", err)
		}
	}
	return nil
}

// SQL returns the writer's *sql.DB (migrations and raw tools use it).
func (d *DB) SQL() *sql.DB { return d.closers[0] }

// Stats returns the pool statistics of every pool, by name.
func (d *DB) Stats() map[string]sql.DBStats {
	out := map[string]sql.DBStats{}
	names := []string{"write", "read"}
	for i, c := range d.closers {
		out[names[i]] = c.Stats()
	}
	return out
}

// ParseSpec splits "sqlite:PATH" or "mysql:DSN" into its dialect and rest.
func ParseSpec(spec string) (Dialect, string, error) {
	kind, rest, ok := strings.Cut(spec, ":")
	if !ok || rest == "" {
		return "", "", fmt.Errorf("models: database %q: want sqlite:PATH or mysql:DSN", spec)
	}
	switch Dialect(kind) {
	case SQLite, MySQL:
		return Dialect(kind), rest, nil
	}
	return "", "", fmt.Errorf("models: database %q: unknown kind %q (want sqlite or mysql)", spec, kind)
}

// Open opens the database named by spec ("sqlite:PATH" or "mysql:DSN").
func Open(spec string) (*DB, error) {
	dialect, rest, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger:                 logger.Default.LogMode(logger.Silent),
	}
	var d *DB
	switch dialect {
	case SQLite:
		d, err = openSQLite(rest, cfg)
	default:
		d, err = openMySQL(rest, cfg)
	}
	if err != nil {
		return nil, err
	}
	watchWrites(d.W)
	watchWrites(d.R)
	return d, nil
}

func sqliteDSN(path string, write bool) string {
	lock := "deferred"
	if write {
		lock = "immediate"
	}
	q := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=" + lock
	if !write {
		q += "&_pragma=query_only(1)"
	}
	return "file:" + path + "?" + q
}

func openSQLite(path string, cfg *gorm.Config) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("models: open sqlite: %w", err)
		}
	}
	w, err := gorm.Open(sqliteDialector{sqlite.Dialector{DriverName: "sqlite", DSN: sqliteDSN(path, true)}}, cfg)
	if err != nil {
		return nil, fmt.Errorf("models: open sqlite: %w", err)
	}
	wdb, _ := w.DB()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	// The writer creates the file and switches it to WAL before readers open it.
	if err := wdb.Ping(); err != nil {
		return nil, fmt.Errorf("models: open sqlite: %w", err)
	}
	r, err := gorm.Open(sqliteDialector{sqlite.Dialector{DriverName: "sqlite", DSN: sqliteDSN(path, false)}}, cfg)
	if err != nil {
		return nil, fmt.Errorf("models: open sqlite reader: %w", err)
	}
	rdb, _ := r.DB()
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)
	return &DB{W: w, R: r, Dialect: SQLite, closers: []*sql.DB{wdb, rdb}, group: newGroupCommit()}, nil
}

// MySQLDSN adds the parameters StarCard needs to a go-sql-driver DSN.
func MySQLDSN(dsn string) (string, error) {
	c, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("models: mysql dsn: %w", err)
	}
	c.ParseTime = true
	c.Loc = time.UTC
	c.InterpolateParams = true
	c.Collation = "utf8mb4_unicode_ci"
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	c.Params["charset"] = "utf8mb4"
	c.Params["time_zone"] = "'+00:00'"
	c.MultiStatements = false
	if c.Timeout == 0 {
		// An unreachable server must fail a request in seconds (a 503 the
		// client may retry), not hold it for the kernel's connect timeout.
		c.Timeout = 5 * time.Second
	}
	return c.FormatDSN(), nil
}

// withIsolation asks for READ COMMITTED on every connection (fewer gap
// locks, so fewer deadlocks between purchases). MySQL 8 calls the variable
// transaction_isolation, MariaDB before 11.1 only knows tx_isolation, so ask
// the server which it is first.
func withIsolation(dsn string) (string, error) {
	probe, err := sql.Open("mysql", dsn)
	if err != nil {
		return "", err
	}
	defer probe.Close()
	var version string
	if err := probe.QueryRow("SELECT VERSION()").Scan(&version); err != nil {
		return "", fmt.Errorf("models: open mysql: %w", err)
	}
	c, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	name := "transaction_isolation"
	if strings.Contains(strings.ToLower(version), "mariadb") {
		name = "tx_isolation"
	}
	c.Params[name] = "'READ-COMMITTED'"
	return c.FormatDSN(), nil
}

func openMySQL(dsn string, cfg *gorm.Config) (*DB, error) {
	full, err := MySQLDSN(dsn)
	if err != nil {
		return nil, err
	}
	if full, err = withIsolation(full); err != nil {
		return nil, err
	}
	g, err := gorm.Open(mysql.New(mysql.Config{DSN: full, DisableWithReturning: true}), cfg)
	if err != nil {
		return nil, fmt.Errorf("models: open mysql: %w", err)
	}
	sdb, _ := g.DB()
	sdb.SetMaxOpenConns(32)
	sdb.SetMaxIdleConns(32)
	sdb.SetConnMaxLifetime(30 * time.Minute)
	return &DB{W: g, R: g, Dialect: MySQL, closers: []*sql.DB{sdb}}, nil
}

// sqliteDialector maps modernc.org/sqlite's constraint errors onto GORM's
// sentinels; the stock translator only understands mattn's error type.
type sqliteDialector struct{ sqlite.Dialector }

type sqliteCoder interface{ Code() int }

func (d sqliteDialector) Translate(err error) error {
	var c sqliteCoder
	if errors.As(err, &c) {
		switch c.Code() {
		case 1555, 2067: // SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
			return fmt.Errorf("%w: %v", gorm.ErrDuplicatedKey, err)
		case 787: // SQLITE_CONSTRAINT_FOREIGNKEY
			return fmt.Errorf("%w: %v", gorm.ErrForeignKeyViolated, err)
		}
	}
	return err
}

// IsRetryable reports whether err is a transient conflict after which the
// whole transaction may be run again: MySQL deadlock (1213) or lock wait
// timeout (1205), SQLite busy/locked.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	var c sqliteCoder
	if errors.As(err, &c) {
		switch c.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	return false
}

// Tx runs fn in one transaction on the writer, retrying the whole function a
// few times when the database reports a transient conflict. fn must be safe
// to run again: it starts from scratch inside the new transaction.
func (d *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		var pool gorm.ConnPool
		err = d.W.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			pool = tx.Statement.ConnPool
			return fn(tx)
		})
		afterTx(pool)
		if !IsRetryable(err) {
			return err
		}
		slog.Debug("models: retrying transaction", "attempt", attempt+1, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(1<<attempt) * 5 * time.Millisecond):
		}
	}
	return err
}
