// Command starcard runs StarCard: the web app and its API (serve, the
// default), database migrations, account creation and ledger checks.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the runtime image has no zoneinfo

	"starcard/handlers"
	"starcard/handlers/render"
	"starcard/migrations"
	"starcard/models"
	"starcard/models/demo"
	"starcard/views"
)

const usage = `starcard — membership and loyalty for kindergartens and schools

Usage:
  starcard [serve] [-addr 127.0.0.1:8080] [-db DB] [-migrate-db DB] [-data ./data] [-demo] [-tls]
  starcard migrate [-db DB] [-grant-to "'app'@'%'" [-print-grants]]
  starcard create-user -db DB -role ROLE -username U -password P [-name N] [-campus ID] [-phone P] [-email E]
  starcard create-campus -db DB -code SUN -name 阳光校区 [-address A]
  starcard healthcheck [-addr 127.0.0.1:8080]

DB is sqlite:PATH (default sqlite:data/starcard.db) or mysql:DSN, e.g.
mysql:root@tcp(127.0.0.1:3306)/starcard. Every flag also reads STARCARD_<FLAG>
from the environment (STARCARD_DB, STARCARD_ADDR, …).
`

// logLevel is the log's level; the demo raises it once the logins are shown.
var logLevel slog.LevelVar

// defaultGCPercent is the collector's target when GOGC is not set: the
// server's live heap is small (tens of MB), so at Go's default of 100 it
// collects several times a second under load; 400 spends a few more MB to
// collect a quarter as often (issue 19's profile: GC was a sixth of the CPU).
const defaultGCPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	logLevel.Set(slog.LevelInfo)
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: &logLevel})))
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "starcard:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, out)
	case "migrate":
		return cmdMigrate(ctx, args, out)
	case "create-user":
		return cmdCreateUser(ctx, args, out)
	case "healthcheck":
		return cmdHealthcheck(ctx, args, out)
	case "help":
		fmt.Fprint(out, usage)
		return nil
	}
	for _, c := range extraCommands {
		if c.name == cmd {
			return c.run(ctx, args, out)
		}
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// extraCommands are further subcommands declared in files beside this one.
var extraCommands []struct {
	name string
	run  func(context.Context, []string, io.Writer) error
}

// flags builds a flag set whose defaults come from STARCARD_* variables.
type flags struct {
	*flag.FlagSet
}

func newFlags(name string) flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage) }
	return flags{fs}
}

func envName(flagName string) string {
	return "STARCARD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f flags) str(name, def, help string) *string {
	if v, ok := os.LookupEnv(envName(name)); ok {
		def = v
	}
	return f.String(name, def, help)
}

func (f flags) boolean(name string, def bool, help string) *bool {
	if v, ok := os.LookupEnv(envName(name)); ok {
		def = v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "yes")
	}
	return f.Bool(name, def, help)
}

const defaultDB = "sqlite:data/starcard.db"

// openAndMigrate opens the database, waiting up to a minute for it to
// answer (a MySQL container may still be starting), and applies pending
// migrations.
func openAndMigrate(ctx context.Context, spec string) (*models.DB, int, error) {
	db, err := openWait(ctx, spec)
	if err != nil {
		return nil, 0, err
	}
	n, err := migrations.Up(ctx, db.SQL(), string(db.Dialect))
	if err != nil {
		db.Close()
		return nil, n, err
	}
	return db, n, nil
}

// openWait opens the database, waiting up to a minute for it to answer.
func openWait(ctx context.Context, spec string) (*models.DB, error) {
	if _, _, err := models.ParseSpec(spec); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		db, err := models.Open(spec)
		if err == nil {
			if err = db.Ping(ctx); err == nil {
				return db, nil
			}
			db.Close()
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		slog.Info("waiting for the database", "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// openServing opens the database the app serves from. With a separate
// migration spec (a user with DDL rights), migrations and the app user's
// grants run over that one, and the app's own user needs no DDL.
func openServing(ctx context.Context, spec, migrateSpec, grantTo string) (*models.DB, int, error) {
	if migrateSpec == "" {
		db, n, err := openAndMigrate(ctx, spec)
		if err == nil && grantTo != "" {
			err = grant(ctx, db, grantTo, io.Discard)
		}
		return db, n, err
	}
	mdb, n, err := openAndMigrate(ctx, migrateSpec)
	if err != nil {
		return nil, n, err
	}
	if grantTo != "" {
		err = grant(ctx, mdb, grantTo, io.Discard)
	}
	mdb.Close()
	if err != nil {
		return nil, n, err
	}
	db, err := openWait(ctx, spec)
	return db, n, err
}

// grant gives user the app's privileges (see migrations.Grants).
func grant(ctx context.Context, db *models.DB, user string, out io.Writer) error {
	if db.Dialect != models.MySQL {
		return fmt.Errorf("grant-to: only MySQL-compatible databases have users")
	}
	n, err := migrations.ApplyGrants(ctx, db.SQL(), user)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "granted %s the app's privileges on %d table(s); no UPDATE or DELETE on the ledger and audit tables\n", user, n)
	return nil
}

func cmdMigrate(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("migrate")
	dbSpec := f.str("db", defaultDB, "database (a user with DDL rights)")
	grantTo := f.str("grant-to", "", "then grant an app user, e.g. 'starcard_app'@'%', what it needs and no more")
	printGrants := f.boolean("print-grants", false, "with -grant-to: print the GRANT statements instead of running them")
	if err := f.Parse(args); err != nil {
		return err
	}
	db, n, err := openAndMigrate(ctx, *dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
	if *grantTo != "" && *printGrants {
		stmts, err := migrations.Grants(ctx, db.SQL(), *grantTo)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			fmt.Fprintln(out, s+";")
		}
	} else if *grantTo != "" {
		if err := grant(ctx, db, *grantTo, out); err != nil {
			return err
		}
	}
	v, err := migrations.Version(ctx, db.SQL(), string(db.Dialect))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "applied %d migration(s); schema version %d\n", n, v)
	return nil
}

// cmdHealthcheck asks a running server's /healthz; the container image has
// no curl, so the binary checks itself.
func cmdHealthcheck(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("healthcheck")
	addr := f.str("addr", "127.0.0.1:8080", "address the server listens on")
	if err := f.Parse(args); err != nil {
		return err
	}
	host := *addr
	if strings.HasPrefix(host, "0.0.0.0:") {
		host = "127.0.0.1:" + strings.TrimPrefix(host, "0.0.0.0:")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %d", resp.StatusCode)
	}
	fmt.Fprintln(out, "ok")
	return nil
}

func cmdCreateUser(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("create-user")
	dbSpec := f.str("db", defaultDB, "database")
	role := f.str("role", "", "admin, service_head, campus_manager, cashier, teacher or kiosk")
	username := f.str("username", "", "login name")
	password := f.str("password", "", "password (8+ characters)")
	name := f.str("name", "", "display name")
	campus := f.Int64("campus", 0, "campus id the account works at (0: the only campus, for roles that need one)")
	phone := f.str("phone", "", "mobile number for staff notices (optional)")
	email := f.str("email", "", "e-mail address for staff notices (optional)")
	if err := f.Parse(args); err != nil {
		return err
	}
	db, _, err := openAndMigrate(ctx, *dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
	in := models.NewStaff{Username: *username, Name: *name, Password: *password, Role: *role, Phone: *phone, Email: *email}
	campusIDs, where, err := staffCampus(ctx, db, *role, *campus)
	if err != nil {
		return err
	}
	in.CampusIDs = campusIDs
	u, err := models.CreateStaff(ctx, db.W, time.Now().UTC(), in)
	if err != nil {
		return explain("create-user", err)
	}
	fmt.Fprintf(out, "created %s (%s)%s, id %d\n", u.Username, u.Role, where, u.ID)
	return nil
}

func cmdServe(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("serve")
	addr := f.str("addr", "127.0.0.1:8080", "listen address")
	dbSpec := f.str("db", defaultDB, "database")
	migrateSpec := f.str("migrate-db", "", "database spec with DDL rights, used only to migrate (default: -db)")
	grantTo := f.str("grant-to", "", "after migrating, grant this app user ('name'@'host') its privileges")
	migrate := f.boolean("migrate", true, "apply pending migrations at start (false: a separate `starcard migrate` did)")
	dataDir := f.str("data", "./data", "data directory (secret, TLS certificate, uploads)")
	demoFlag := f.boolean("demo", false, "fill an empty database with a demo school")
	useTLS := f.boolean("tls", false, "serve HTTPS with a self-signed certificate kept in the data dir")
	tz := f.str("tz", "Asia/Shanghai", "the school's time zone")
	proxy := f.str("proxy-header", "", "trust this header for the client IP (behind a reverse proxy)")
	metricsToken := f.str("metrics-token", "", "let /metrics answer a scraper with this bearer token (else loopback only)")
	notify := notifyFlags(f)
	if err := f.Parse(args); err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("time zone %q: %w", *tz, err)
	}
	// Claim the port first: a taken port is said in one line, at once, not
	// after migrating and building the demo school.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is another StarCard running? try -addr 127.0.0.1:8081): %w", *addr, err)
	}
	defer ln.Close()
	if err := os.MkdirAll(*dataDir, 0o750); err != nil {
		return err
	}
	secret, err := loadSecret(*dataDir)
	if err != nil {
		return err
	}
	var db *models.DB
	var n int
	if *migrate {
		db, n, err = openServing(ctx, *dbSpec, *migrateSpec, *grantTo)
	} else {
		db, err = openWait(ctx, *dbSpec)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	if n > 0 {
		slog.Info("migrations applied", "count", n)
	}
	eng, err := views.New(loc)
	if err != nil {
		return err
	}
	var school *demo.School
	if *demoFlag {
		if school, err = demo.Existing(ctx, db); err != nil {
			return err
		}
		if school == nil {
			fmt.Fprintln(out, "Building the demo school…")
			if school, err = demo.Seed(ctx, db, time.Now().UTC(), loc); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
		if school == nil {
			fmt.Fprintln(out, "This database already holds a school that is not the demo: starting it as it is.")
		}
	}
	d := &render.Deps{DB: db, Views: eng, Secret: secret, Now: func() time.Time { return time.Now().UTC() },
		Loc: loc, Secure: *useTLS, DataDir: *dataDir, MetricsToken: *metricsToken, Delivery: notify.delivery()}
	var opts handlers.Options
	if *proxy != "" {
		opts.ProxyHeader = *proxy
		opts.TrustedProxies = []string{"127.0.0.1", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}
	}
	app := handlers.New(d, opts)
	stopBackground, err := startBackground(ctx, d, notify)
	if err != nil {
		return err
	}
	defer stopBackground()

	scheme := "http"
	if *useTLS {
		scheme = "https"
	}
	host := *addr
	if strings.HasSuffix(host, ":0") {
		host = ln.Addr().String() // a port the system chose
	}
	base := fmt.Sprintf("%s://%s", scheme, host)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if *useTLS {
			cert, key, err := ensureCert(*dataDir)
			if err != nil {
				errc <- err
				return
			}
			pair, err := tls.LoadX509KeyPair(cert, key)
			if err != nil {
				errc <- err
				return
			}
			errc <- app.Fiber.Listener(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}))
			return
		}
		errc <- app.Fiber.Listener(ln)
	}()
	// The logins are the last thing on screen, ready to read.
	fmt.Fprintf(out, "StarCard is running at %s\n", base)
	if school != nil {
		fmt.Fprint(out, school.Logins(base))
		// Keep the logins on screen: the demo's SMS and e-mails are on the
		// back office's outbox page; only warnings and errors print from here.
		fmt.Fprintln(out, "(Notices the demo sends are on /admin/outbox; Ctrl-C stops.)")
		logLevel.Set(slog.LevelWarn)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		slog.Info("shutting down")
		return app.Fiber.ShutdownWithTimeout(15 * time.Second)
	}
}
