package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"starcard/handlers"
	"starcard/handlers/render"
	"starcard/models"
	"starcard/views"
)

func init() {
	extraCommands = append(extraCommands, struct {
		name string
		run  func(context.Context, []string, io.Writer) error
	}{"bench", cmdBench})
}

// cmdBench is the load generator of issue 3: it serves the app on a real
// listener (or targets -url, a server on the same -db), creates members,
// posts purchases over the HTTP API with C concurrent clients — spread over
// many members, then all on one hot member — and runs the same per-operation
// purchase as hand-written SQL writing the same rows (sameWork) and the
// single-transfer ceiling (lock the account row, insert one entry, update the
// balance) on the same database, so the ratios come from one run. Then verify.
func cmdBench(ctx context.Context, args []string, out io.Writer) error {
	f := newFlags("bench")
	dbSpec := f.str("db", "sqlite:data/bench.db", "database (a scratch one: bench adds members and purchases)")
	target := f.str("url", "", "base URL of a running server on the same -db (default: serve in-process)")
	n := f.Int("n", 5000, "purchases per phase")
	c := f.Int("c", 16, "concurrent clients")
	members := f.Int("members", 1000, "members to spread the first phase over")
	phases := f.str("phases", "spread,hot", "phases to run: spread, hot")
	noRaw := f.Bool("no-raw", false, "skip the same-work and single-transfer SQL ceilings")
	cpuProfile := f.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	serverPID := f.Int("server-pid", 0, "with -url: the server's process id, to report its CPU apart from the load generator's")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		pf, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// One log line per request would measure the terminal, not the ledger.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	db, _, err := openAndMigrate(ctx, *dbSpec)
	if err != nil {
		return err
	}
	defer db.Close()
	benchDBServer = db.Dialect == models.MySQL
	if *target != "" {
		benchServerPID = *serverPID
	}
	now := func() time.Time { return time.Now().UTC() }

	campus, err := benchCampus(ctx, db, now())
	if err != nil {
		return err
	}
	user := "bench" + randHex(3)
	if _, err := models.CreateStaff(ctx, db.W, now(), models.NewStaff{Username: user, Name: "压测", Password: "bench-password",
		Role: string(models.RoleCashier), CampusIDs: []int64{campus}}); err != nil {
		return fmt.Errorf("bench: staff: %w", err)
	}
	base := strings.TrimRight(*target, "/")
	if base == "" {
		base, err = benchServe(ctx, db)
		if err != nil {
			return err
		}
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: *c * 2,
		MaxIdleConnsPerHost: *c * 2, IdleConnTimeout: time.Minute}}
	token, err := benchToken(client, base, user)
	if err != nil {
		return err
	}
	ids, err := benchMembers(ctx, db, now(), campus, *members)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "bench: %s, %d clients, %d purchases per phase, GOMAXPROCS %d, %s\n", db.Dialect, *c, *n,
		runtime.GOMAXPROCS(0), base)
	fmt.Fprintf(out, "%-22s %9s %8s %8s %8s %8s %7s  %s\n", "phase", "ops/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors",
		"CPU ms/op: bench process (client, and the server unless -url) [+ server], database server")
	var rawTables bool
	var same *sameWork
	for _, ph := range strings.Split(*phases, ",") {
		pick := func(i int) int64 { return ids[i%len(ids)] }
		if ph == "hot" {
			pick = func(int) int64 { return ids[0] }
		} else if ph != "spread" {
			return fmt.Errorf("bench: unknown phase %q", ph)
		}
		cpu := startCPU()
		res := benchRun(*n, *c, func(i int) error { return benchPurchase(client, base, token, pick(i)) })
		api := res.ops()
		fmt.Fprintln(out, res.line("api purchases "+ph)+cpu.since(res))
		if *noRaw {
			continue
		}
		if same == nil {
			if same, err = newSameWork(ctx, db); err != nil {
				return err
			}
		}
		cpu = startCPU()
		sw := benchRun(*n, *c, func(i int) error {
			return same.purchase(ctx, pick(i), fmt.Sprintf("raw-%s-%d", ph, i))
		})
		fmt.Fprintln(out, sw.line("same-work sql "+ph)+cpu.since(sw))
		swp := sw
		if db.Dialect == models.MySQL {
			// The same, each statement prepared once per connection, as the
			// API's hot path does on MySQL: the stricter ceiling.
			same.prepared = true
			cpu = startCPU()
			swp = benchRun(*n, *c, func(i int) error {
				return same.purchase(ctx, pick(i), fmt.Sprintf("rawp-%s-%d", ph, i))
			})
			same.prepared = false
			fmt.Fprintln(out, swp.line("same-work prep "+ph)+cpu.since(swp))
		}
		if !rawTables {
			if err := rawSetup(ctx, db, len(ids)); err != nil {
				return err
			}
			rawTables = true
		}
		rawPick := func(i int) int64 { return int64(i%len(ids)) + 1 }
		if ph == "hot" {
			rawPick = func(int) int64 { return 1 }
		}
		cpu = startCPU()
		raw := benchRun(*n, *c, func(i int) error { return rawOp(ctx, db, rawPick(i), now()) })
		fmt.Fprintln(out, raw.line("one-transfer sql "+ph)+cpu.since(raw))
		prep := ""
		if db.Dialect == models.MySQL {
			prep = fmt.Sprintf(", %.2f× of same-work prepared", api/swp.ops())
		}
		fmt.Fprintf(out, "%-22s %8.2f× of same-work%s, %.2f× of one-transfer\n", "ratio api "+ph, api/sw.ops(), prep,
			api/raw.ops())
	}
	if rawTables {
		_ = db.W.Exec(`DROP TABLE bench_raw_entries`).Error
		_ = db.W.Exec(`DROP TABLE bench_raw_accounts`).Error
	}
	return runVerify(ctx, db, out)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func benchCampus(ctx context.Context, db *models.DB, now time.Time) (int64, error) {
	var id int64
	if err := db.R.WithContext(ctx).Raw(`SELECT id FROM campuses WHERE code = 'BENCH'`).Scan(&id).Error; err != nil {
		return 0, err
	}
	if id != 0 {
		return id, nil
	}
	c, err := models.CreateCampus(ctx, db.W, now, "BENCH", "压测校区", "")
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

// benchServe serves the real application on 127.0.0.1:0.
func benchServe(ctx context.Context, db *models.DB) (string, error) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return "", err
	}
	eng, err := views.New(loc)
	if err != nil {
		return "", err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	d := &render.Deps{DB: db, Views: eng, Secret: secret, Now: func() time.Time { return time.Now().UTC() }, Loc: loc}
	app := handlers.New(d, handlers.Options{LoginRate: 1 << 20})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go func() { _ = app.Fiber.Listener(ln) }()
	go func() { <-ctx.Done(); _ = app.Fiber.Shutdown() }()
	return "http://" + ln.Addr().String(), nil
}

func benchToken(client *http.Client, base, user string) (string, error) {
	b, _ := json.Marshal(map[string]string{"username": user, "password": "bench-password"})
	resp, err := client.Post(base+"/api/v1/auth/token", "application/json", bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("bench: token: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("bench: token: status %d %v", resp.StatusCode, err)
	}
	return out.AccessToken, nil
}

// benchMembers creates n members with ¥4,000 of stored value each (+¥400 bonus).
func benchMembers(ctx context.Context, db *models.DB, now time.Time, campus int64, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		ids = ids[:0]
		for i := 0; i < n; i++ {
			if err := tx.Exec(`INSERT INTO families (name, shared_wallet, created_at, updated_at) VALUES (?, 0, ?, ?)`,
				fmt.Sprintf("压测家庭%d", i), now, now).Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO members (family_id, campus_id, name, notes, created_at, updated_at)
				VALUES ((SELECT MAX(id) FROM families), ?, ?, '', ?, ?)`, campus, fmt.Sprintf("压测%d", i), now, now).Error; err != nil {
				return err
			}
			var id int64
			if err := tx.Raw(`SELECT MAX(id) FROM members`).Scan(&id).Error; err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bench: members: %w", err)
	}
	r, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.PostTopup(ctx, tx, now, r, models.TopupInput{MemberID: id, Amount: 450000, Method: "cash",
				Actor: models.SystemActor})
			return err
		}); err != nil {
			return nil, fmt.Errorf("bench: seed top-up: %w", err)
		}
	}
	return ids, nil
}

var benchSeq atomic.Int64

// benchPurchase posts one ¥12.34 meal paid ¥0.50 from stored value and the
// rest in cash: it moves stored value, earns points (a lot) and checks the tier.
func benchPurchase(client *http.Client, base, token string, member int64) error {
	body := fmt.Sprintf(`{"member_id":%d,"items":[{"category":"meals","amount":1234}],`+
		`"payments":[{"method":"stored_value","amount":50},{"method":"cash","amount":1184}]}`, member)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/purchases", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), benchSeq.Add(1)))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	return nil
}

// rawSetup creates the tables of the raw-SQL ceiling: one account row per
// member and an entries table, nothing else.
func rawSetup(ctx context.Context, db *models.DB, n int) error {
	g := db.W.WithContext(ctx)
	_ = g.Exec(`DROP TABLE IF EXISTS bench_raw_entries`).Error
	_ = g.Exec(`DROP TABLE IF EXISTS bench_raw_accounts`).Error
	acc := `CREATE TABLE bench_raw_accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)`
	ent := `CREATE TABLE bench_raw_entries (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER NOT NULL,
		amount INTEGER NOT NULL, balance_after INTEGER NOT NULL, at DATETIME NOT NULL)`
	if db.Dialect == models.MySQL {
		acc = `CREATE TABLE bench_raw_accounts (id BIGINT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB`
		ent = `CREATE TABLE bench_raw_entries (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, account_id BIGINT NOT NULL,
			amount BIGINT NOT NULL, balance_after BIGINT NOT NULL, at DATETIME(3) NOT NULL, KEY ix_acct (account_id)) ENGINE=InnoDB`
	}
	if err := g.Exec(acc).Error; err != nil {
		return fmt.Errorf("bench: raw setup: %w", err)
	}
	if err := g.Exec(ent).Error; err != nil {
		return fmt.Errorf("bench: raw setup: %w", err)
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		for i := 1; i <= n; i++ {
			if err := tx.Exec(`INSERT INTO bench_raw_accounts (id, balance) VALUES (?, 0)`, i).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// rawOp is the ceiling: lock the account row, insert one entry, update the
// balance, in one transaction through the same pools and retry policy.
func rawOp(ctx context.Context, db *models.DB, id int64, now time.Time) error {
	lock := ""
	if db.Dialect == models.MySQL {
		lock = " FOR UPDATE"
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		var bal int64
		if err := tx.Raw(`SELECT balance FROM bench_raw_accounts WHERE id = ?`+lock, id).Scan(&bal).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO bench_raw_entries (account_id, amount, balance_after, at) VALUES (?, ?, ?, ?)`,
			id, 1234, bal+1234, now).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE bench_raw_accounts SET balance = ? WHERE id = ?`, bal+1234, id).Error
	})
}

type benchResult struct {
	lat     []time.Duration
	errs    int
	elapsed time.Duration
	first   error
}

func (r benchResult) ops() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

func (r benchResult) pct(p float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(p * float64(len(r.lat)-1))
	return float64(r.lat[i].Microseconds()) / 1000
}

func (r benchResult) line(name string) string {
	s := fmt.Sprintf("%-22s %9.0f %8.1f %8.1f %8.1f %8.1f %7d", name, r.ops(), r.pct(0.5), r.pct(0.9), r.pct(0.99),
		r.pct(1), r.errs)
	if r.first != nil {
		s += "  first error: " + r.first.Error()
	}
	return s
}

// benchRun runs n operations on c workers and collects latencies.
func benchRun(n, c int, op func(i int) error) benchResult {
	var next atomic.Int64
	var mu sync.Mutex
	res := benchResult{lat: make([]time.Duration, 0, n)}
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, n/c+1)
			var errs int
			var first error
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					break
				}
				t := time.Now()
				if err := op(i); err != nil {
					errs++
					if first == nil {
						first = err
					}
					continue
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			res.lat = append(res.lat, local...)
			res.errs += errs
			if res.first == nil && first != nil {
				res.first = errors.New(strings.TrimSpace(first.Error()))
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	sort.Slice(res.lat, func(i, j int) bool { return res.lat[i] < res.lat[j] })
	return res
}
