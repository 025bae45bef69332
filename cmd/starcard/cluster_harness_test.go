//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"starcard/models"
	"starcard/models/dbtest"
)

// The cluster tests run StarCard as it runs in production: separate
// processes on one MariaDB database behind HAProxy. The processes are this
// test binary started again with STARCARD_CLUSTER_CHILD holding the command
// line, so they run the same run() as the starcard binary (built with -race
// here) without a second build eating the CI budget.
const childEnv = "STARCARD_CLUSTER_CHILD"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, "cluster child:", err)
			os.Exit(2)
		}
		logLevel.Set(slog.LevelWarn)
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: &logLevel})))
		if err := run(context.Background(), argv, io.Discard); err != nil {
			fmt.Fprintln(os.Stderr, "starcard:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// dbProxy is a TCP relay between the app instances and the database that
// the test can cut (every connection closed, new ones dropped at once, as
// a database that went away) and slow (a delay on every answer).
type dbProxy struct {
	ln     net.Listener
	target string
	cut    atomic.Bool
	delay  atomic.Int64
	mu     sync.Mutex
	conns  map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.Cut() })
	go p.serve()
	return p
}

func (p *dbProxy) Addr() string { return p.ln.Addr().String() }

func (p *dbProxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

func (p *dbProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.cut.Load() {
			c.Close()
			continue
		}
		go p.relay(c)
	}
}

func (p *dbProxy) relay(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 3*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.track(c, true)
	p.track(up, true)
	defer func() { p.track(c, false); p.track(up, false); c.Close(); up.Close() }()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := up.Read(buf)
			if n > 0 {
				if d := p.delay.Load(); d > 0 {
					time.Sleep(time.Duration(d))
				}
				if _, werr := c.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}()
	<-done
}

// Cut closes every relayed connection and refuses new ones until Restore.
func (p *dbProxy) Cut() {
	p.cut.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// Restore lets connections through again.
func (p *dbProxy) Restore() { p.cut.Store(false) }

// smsSink is the SMS provider's HTTP endpoint: it counts every message id
// it receives and can hold the next request until released.
type smsSink struct {
	srv     *http.Server
	url     string
	mu      sync.Mutex
	got     map[string]int
	hold    chan string // when set, the next request's message id is sent here and the request waits
	release chan struct{}
}

func startSMS(t *testing.T) *smsSink {
	t.Helper()
	s := &smsSink{got: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.url = "http://" + ln.Addr().String() + "/sms"
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			MessageID string `json:"message_id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&m)
		s.mu.Lock()
		s.got[m.MessageID]++
		hold, release := s.hold, s.release
		s.hold = nil
		s.mu.Unlock()
		if hold != nil {
			hold <- m.MessageID
			<-release
		}
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// holdNext makes the next request wait; its message id comes on the channel.
func (s *smsSink) holdNext() (<-chan string, chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold, s.release = make(chan string, 1), make(chan struct{})
	return s.hold, s.release
}

func (s *smsSink) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.got))
	for k, v := range s.got {
		out[k] = v
	}
	return out
}

// instance is one StarCard process.
type instance struct {
	name string
	addr string
	args []string
	env  []string
	cmd  *exec.Cmd
	log  *syncBuffer
	db   *dbProxy
}

func (in *instance) start(t *testing.T) {
	t.Helper()
	argv, _ := json.Marshal(in.args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+string(argv)), in.env...)
	in.log = &syncBuffer{}
	cmd.Stdout, cmd.Stderr = in.log, in.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.cmd = cmd
	go func() { _ = cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + in.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s did not become ready: %v\n%s", in.name, err, in.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (in *instance) pid() int { return in.cmd.Process.Pid }

// kill9 kills the process with SIGKILL, as a crash or an OOM kill would.
func (in *instance) kill9(t *testing.T) {
	t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if syscall.Kill(in.pid(), 0) != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// cluster is two instances on one database behind HAProxy.
type cluster struct {
	spec  string // the test's own, direct connection
	db    *models.DB
	inst  [2]*instance
	lb    string
	sms   *smsSink
	token string
	ids   []int64 // members with ¥4,400 stored value and a guardian with a phone
	user  string
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

const clusterSecret = "cluster-test-secret-0123456789abcdef-shared-by-both"

// startCluster builds the database, two instances and the load balancer,
// or skips when there is no MariaDB or no HAProxy.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/haproxy"); err2 != nil {
			t.Skip("haproxy not installed")
		}
		haproxy = "/usr/sbin/haproxy"
	}
	spec := dbtest.MySQLSpec(t)
	if spec == "" {
		t.Skip("MySQL not configured (" + dbtest.MySQLEnv + ")")
	}
	ctx := context.Background()
	db, _, err := openAndMigrate(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &cluster{spec: spec, db: db, sms: startSMS(t)}
	now := time.Now().UTC()
	campus, err := benchCampus(ctx, db, now)
	if err != nil {
		t.Fatal(err)
	}
	c.user = "cluster" + randHex(3)
	for _, u := range []string{c.user, c.user + "b"} {
		if _, err := models.CreateStaff(ctx, db.W, now, models.NewStaff{Username: u, Name: "收银", Password: "bench-password",
			Role: string(models.RoleCashier), CampusIDs: []int64{campus}}); err != nil {
			t.Fatal(err)
		}
	}
	if c.ids, err = benchMembers(ctx, db, now, campus, 12); err != nil {
		t.Fatal(err)
	}
	for i, id := range c.ids {
		if err := db.W.Exec(`INSERT INTO guardians (family_id, name, phone, relation, created_at, updated_at)
			SELECT family_id, ?, ?, '妈妈', ?, ? FROM members WHERE id = ?`,
			fmt.Sprintf("家长%d", i), fmt.Sprintf("139%08d", i), now, now, id).Error; err != nil {
			t.Fatal(err)
		}
	}

	cfg, err := mysqldrv.ParseDSN(strings.TrimPrefix(spec, "mysql:"))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"a", "b"}
	for i := range c.inst {
		p := startProxy(t, cfg.Addr)
		via := *cfg
		via.Addr = p.Addr()
		in := &instance{name: names[i], addr: freePort(t), db: p}
		in.args = []string{"serve", "-addr", in.addr, "-db", "mysql:" + via.FormatDSN(),
			"-data", filepath.Join(t.TempDir(), "data"), "-proxy-header", "X-Forwarded-For"}
		in.env = []string{"STARCARD_SECRET=" + clusterSecret, "STARCARD_SMS_PROVIDER=http", "STARCARD_SMS_URL=" + c.sms.url,
			"STARCARD_QUIET_HOURS=01:00-01:00", "STARCARD_NOTIFY_INTERVAL=100ms", "STARCARD_NOTIFY_LEASE=2s",
			"STARCARD_JOB_LEASE=2s", "STARCARD_JOB_RETRY=1s", "STARCARD_JOB_SWEEP=1s", "STARCARD_TZ=Asia/Shanghai"}
		c.inst[i] = in
		in.start(t)
		t.Cleanup(func() { _ = in.cmd.Process.Kill() })
	}

	lb := freePort(t)
	conf := fmt.Sprintf(`global
  maxconn 1024
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout check 1s
  retries 3
  option redispatch
  option forwardfor
frontend web
  bind %s
  default_backend apps
backend apps
  balance roundrobin
  option httpchk GET /healthz
  http-response set-header X-Served-By %%s
  server a %s check inter 300ms fall 1 rise 1
  server b %s check inter 300ms fall 1 rise 1
`, lb, c.inst[0].addr, c.inst[1].addr)
	cf := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	hp := exec.Command(haproxy, "-db", "-f", cf)
	hlog := &syncBuffer{}
	hp.Stdout, hp.Stderr = hlog, hlog
	hp.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := hp.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = hp.Wait() }()
	t.Cleanup(func() { _ = hp.Process.Kill() })
	c.lb = "http://" + lb
	c.waitBoth(t)
	if c.token, err = benchToken(http.DefaultClient, c.lb, c.user); err != nil {
		t.Fatalf("%v\nhaproxy: %s", err, hlog.String())
	}
	return c
}

// waitBoth waits until the load balancer sends requests to both instances.
func (c *cluster) waitBoth(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		seen := map[string]bool{}
		for i := 0; i < 4; i++ {
			resp, err := http.Get(c.lb + "/healthz")
			if err == nil {
				seen[resp.Header.Get("X-Served-By")] = true
				resp.Body.Close()
			}
		}
		if seen["a"] && seen["b"] {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the load balancer never reached both instances")
}

// restart starts a killed instance again on its port.
func (c *cluster) restart(t *testing.T, in *instance) {
	t.Helper()
	in.start(t)
	c.waitBoth(t)
}

// purchase posts one ¥12.34 purchase under key and returns the status, the
// purchase id (0 if none), the instance that answered and the body.
func (c *cluster) purchase(client *http.Client, key string, member int64) (int, int64, string, http.Header, error) {
	return c.purchaseAt(client, c.lb, key, member)
}

// purchaseAt is purchase sent to base (the balancer or one instance).
func (c *cluster) purchaseAt(client *http.Client, base, key string, member int64) (int, int64, string, http.Header, error) {
	body := fmt.Sprintf(`{"member_id":%d,"items":[{"category":"meals","amount":1234}],`+
		`"payments":[{"method":"stored_value","amount":50},{"method":"cash","amount":1184}]}`, member)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/purchases", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, "", nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(b, &out)
	if resp.StatusCode != http.StatusCreated {
		out.ID = 0
	}
	return resp.StatusCode, out.ID, resp.Header.Get("X-Served-By"), resp.Header, nil
}

// keyCount returns how many purchases each stored key produced: the
// idempotency table holds one row per applied key, and each answer names
// one purchase row.
func (c *cluster) purchasesFor(t *testing.T, ids []int64) int64 {
	t.Helper()
	if len(ids) == 0 {
		return 0
	}
	var n int64
	if err := c.db.R.Raw(`SELECT COUNT(*) FROM purchases WHERE id IN ?`, ids).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func (c *cluster) storedKeys(t *testing.T, prefix string) map[string]bool {
	t.Helper()
	var keys []string
	if err := c.db.R.Raw(`SELECT idem_key FROM idempotency_keys WHERE idem_key LIKE ?`, prefix+"%").Scan(&keys).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, k := range keys {
		if out[k] {
			t.Fatalf("key %s stored twice", k)
		}
		out[k] = true
	}
	return out
}

func (c *cluster) verifyClean(t *testing.T) {
	t.Helper()
	var out bytes.Buffer
	if err := runVerify(context.Background(), c.db, &out); err != nil {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
}

func holderOf(pid int) string { return "-" + strconv.Itoa(pid) + "-" }
