// Command starcard runs StarCard: the web app and its API (serve, the
// default), database migrations, account creation and ledger checks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // the runtime image has no zoneinfo

	"starcard/handlers"
	"starcard/handlers/render"
	"starcard/migrations"
	"starcard/models"
	"starcard/models/crm"
	"starcard/views"
)

const usage = `starcard — membership and loyalty for kindergartens and schools

Usage:
  starcard [serve] [-addr 127.0.0.1:8080] [-db DB] [-data ./data] [-demo] [-tls]
  starcard migrate [-db DB]
  starcard create-user -db DB -role ROLE -username U -password P [-name N]
  starcard healthcheck [-addr 127.0.0.1:8080]

DB is sqlite:PATH (default sqlite:data/starcard.db) or mysql:DSN, e.g.
mysql:root@tcp(127.0.0.1:3306)/starcard. Every flag also reads STARCARD_<FLAG>
from the environment (STARCARD_DB, STARCARD_ADDR, …).
`

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
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
	if _, _, err := models.ParseSpec(spec); err != nil {
		return nil, 0, err
	}
	deadline := time.Now().Add(time.Minute)
	var db *models.DB
	for {
		var err error
		db, err = models.Open(spec)
		if err == nil {
			if err = db.Ping(ctx); err == nil {
				break
			}
			db.Close()
		}
		if time.Now().After(deadline) {
			return nil, 0, err
		}
		slog.Info("waiting for the database", "err", err)
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	n, err := migrations.Up(ctx, db.SQL(), string(db.Dialect))
	if err != nil {
		db.Close()
		return nil, n, err
	}
	return db, n, nil
}

func cmdMigrate(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("migrate")
	dbSpec := f.str("db", defaultDB, "database")
	if err := f.Parse(args); err != nil {
		return err
	}
	db, n, err := openAndMigrate(ctx, *dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
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
	campus := f.Int64("campus", 0, "campus id the account works at (0: none)")
	if err := f.Parse(args); err != nil {
		return err
	}
	db, _, err := openAndMigrate(ctx, *dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
	in := models.NewStaff{Username: *username, Name: *name, Password: *password, Role: *role}
	if *campus > 0 {
		in.CampusIDs = []int64{*campus}
	}
	u, err := models.CreateStaff(ctx, db.W, time.Now().UTC(), in)
	if err != nil {
		if e, ok := models.AsError(err); ok {
			cat, cerr := views.LoadCatalog(views.Files())
			if cerr == nil {
				msgs := []string{}
				for f, k := range e.Fields {
					msgs = append(msgs, f+": "+cat.T("en", k))
				}
				if len(msgs) == 0 {
					msgs = append(msgs, cat.T("en", e.Key))
				}
				return fmt.Errorf("create-user: %s", strings.Join(msgs, "; "))
			}
		}
		return err
	}
	fmt.Fprintf(out, "created %s (%s), id %d\n", u.Username, u.Role, u.ID)
	return nil
}

func cmdServe(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("serve")
	addr := f.str("addr", "127.0.0.1:8080", "listen address")
	dbSpec := f.str("db", defaultDB, "database")
	dataDir := f.str("data", "./data", "data directory (secret, TLS certificate, uploads)")
	demo := f.boolean("demo", false, "fill an empty database with a demo school")
	useTLS := f.boolean("tls", false, "serve HTTPS with a self-signed certificate kept in the data dir")
	tz := f.str("tz", "Asia/Shanghai", "the school's time zone")
	proxy := f.str("proxy-header", "", "trust this header for the client IP (behind a reverse proxy)")
	notify := notifyFlags(f)
	if err := f.Parse(args); err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("time zone %q: %w", *tz, err)
	}
	if err := os.MkdirAll(*dataDir, 0o750); err != nil {
		return err
	}
	secret, err := loadSecret(*dataDir)
	if err != nil {
		return err
	}
	db, n, err := openAndMigrate(ctx, *dbSpec)
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
	if *demo {
		seeded, err := models.SeedDemo(ctx, db, time.Now().UTC(), loc)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if seeded {
			if err := crm.SeedDemo(ctx, db, time.Now().UTC(), loc); err != nil {
				return fmt.Errorf("demo crm: %w", err)
			}
			slog.Info("demo school loaded")
		}
	}
	d := &render.Deps{DB: db, Views: eng, Secret: secret, Now: func() time.Time { return time.Now().UTC() },
		Loc: loc, Secure: *useTLS, DataDir: *dataDir}
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
	fmt.Fprintf(out, "StarCard is running at %s://%s\n", scheme, *addr)
	if *demo {
		fmt.Fprint(out, models.DemoLogins)
	}
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
			errc <- app.Fiber.ListenTLS(*addr, cert, key)
			return
		}
		errc <- app.Fiber.Listen(*addr)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		slog.Info("shutting down")
		return app.Fiber.ShutdownWithTimeout(15 * time.Second)
	}
}
