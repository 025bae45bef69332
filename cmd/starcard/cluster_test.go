//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// TestCluster drives two StarCard processes on one MariaDB database behind
// HAProxy (round-robin, no stickiness), then breaks them: one killed with
// SIGKILL under load, the database cut away under load, a notice worker and
// a scheduler killed mid-work. One fixture for all, to stay inside the CI
// budget; the subtests run in order and each leaves both instances up.
func TestCluster(t *testing.T) {
	c := startCluster(t)
	t.Run("sessions and htmx pages alternate between instances", c.sessions)
	t.Run("login limits hold across instances", c.loginLimits)
	t.Run("duplicate keys land on both instances and apply once", c.duplicateKeys)
	t.Run("every notice sent once, every job once per slot", c.noticesAndJobs)
	t.Run("kill -9 under purchase load", c.killUnderLoad)
	t.Run("database unreachable under load", c.databaseOutage)
	t.Run("notice worker killed mid-batch", c.workerKilled)
	t.Run("scheduler killed mid-job", c.schedulerKilled)
	c.verifyClean(t)
}

var csrfInBody = regexp.MustCompile(`name="_csrf" value="([^"]+)"|X-CSRF-Token&#34;: &#34;([^&]+)&#34;|"X-CSRF-Token": "([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfInBody.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%.400s", body)
	}
	for _, g := range m[1:] {
		if g != "" {
			return g
		}
	}
	return ""
}

func get(t *testing.T, cl *http.Client, u string, htmx bool) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("X-Served-By")
}

// A staff member logs in on one instance with the form the other served,
// and every htmx fragment after that — served by either — knows them; the
// logout posted with a token from one ends the session on both.
func (c *cluster) sessions(t *testing.T) {
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	status, body, by1 := get(t, cl, c.lb+"/login", false)
	if status != http.StatusOK {
		t.Fatalf("login page: %d", status)
	}
	form := url.Values{"username": {c.user + "b"}, "password": {"bench-password"}, "_csrf": {csrfOf(t, body)}}
	resp, err := cl.PostForm(c.lb+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	by2 := resp.Header.Get("X-Served-By")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Request.URL.Path, "/cashier") {
		t.Fatalf("login: %d at %s (form from %s, posted to %s)", resp.StatusCode, resp.Request.URL, by1, by2)
	}
	seen := map[string]int{}
	for i := 0; i < 6; i++ {
		status, frag, by := get(t, cl, fmt.Sprintf("%s/cashier/members/%d/purchase", c.lb, c.ids[i]), true)
		if status != http.StatusOK || strings.Contains(frag, `name="password"`) || strings.Contains(frag, "<html") {
			t.Fatalf("fragment %d from %s: %d\n%.300s", i, by, status, frag)
		}
		seen[by]++
	}
	if seen["a"] == 0 || seen["b"] == 0 {
		t.Fatalf("fragments did not alternate between instances: %v", seen)
	}
	req, _ := http.NewRequest(http.MethodPost, c.lb+"/logout", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", csrfOf(t, string(page)))
	resp, err = cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		t.Fatalf("logout with the other instance's token: %d", resp.StatusCode)
	}
	for i := 0; i < 2; i++ {
		status, frag, by := get(t, cl, c.lb+"/cashier", false)
		if status != http.StatusOK || !strings.Contains(frag, `name="password"`) {
			t.Fatalf("after logout %s still served the desk: %d", by, status)
		}
	}
}

// Five wrong passwords, alternating between the instances, lock the
// account on both: the sixth try with the right password is refused.
func (c *cluster) loginLimits(t *testing.T) {
	user := "locked" + randHex(3)
	var campus int64
	c.db.R.Raw(`SELECT id FROM campuses WHERE code = 'BENCH'`).Scan(&campus)
	if _, err := models.CreateStaff(context.Background(), c.db.W, time.Now().UTC(), models.NewStaff{Username: user,
		Name: "锁定", Password: "right-password", Role: string(models.RoleCashier), CampusIDs: []int64{campus}}); err != nil {
		t.Fatal(err)
	}
	try := func(pw string) (int, string) {
		resp, err := http.Post(c.lb+"/api/v1/auth/token", "application/json",
			strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, pw)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("X-Served-By")
	}
	by := map[string]int{}
	for i := 0; i < 5; i++ {
		status, s := try("wrong-password")
		if status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, status)
		}
		by[s]++
	}
	if by["a"] == 0 || by["b"] == 0 {
		t.Fatalf("attempts did not reach both instances: %v", by)
	}
	for i := 0; i < 2; i++ {
		if status, s := try("right-password"); status != http.StatusTooManyRequests {
			t.Fatalf("right password after 5 failures on %s: %d, want 429 (locked on every instance)", s, status)
		}
	}
}

// Each key is posted twice at once; round-robin sends the twins to
// different instances; each key makes one purchase and both answers name it.
func (c *cluster) duplicateKeys(t *testing.T) {
	const n = 24
	client := &http.Client{Timeout: 30 * time.Second}
	type answer struct {
		status int
		id     int64
		by     string
	}
	answers := make([][2]answer, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		for j := 0; j < 2; j++ {
			wg.Add(1)
			go func(i, j int) {
				defer wg.Done()
				st, id, by, _, err := c.purchase(client, fmt.Sprintf("cl-dup-%d", i), c.ids[i%len(c.ids)])
				if err != nil {
					t.Error(err)
				}
				answers[i][j] = answer{st, id, by}
			}(i, j)
		}
	}
	wg.Wait()
	split, ids := 0, []int64{}
	for i, a := range answers {
		if a[0].status != http.StatusCreated || a[1].status != http.StatusCreated || a[0].id != a[1].id || a[0].id == 0 {
			t.Fatalf("key %d: answers %+v, want the same purchase twice", i, a)
		}
		if a[0].by != a[1].by {
			split++
		}
		ids = append(ids, a[0].id)
	}
	if split == 0 {
		t.Fatal("no key's twins reached different instances")
	}
	if got := c.purchasesFor(t, ids); got != n {
		t.Fatalf("%d purchases for %d keys", got, n)
	}
	if k := c.storedKeys(t, "cl-dup-"); len(k) != n {
		t.Fatalf("%d keys stored, want %d", len(k), n)
	}
	t.Logf("%d of %d keys had their twins answered by different instances", split, n)
}

// Both instances run a notice worker and the scheduler on the same tables:
// every queued notice reaches the provider once, and every job slot ran
// once (the leases), whichever instance won it.
func (c *cluster) noticesAndJobs(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	ids := c.enqueue(t, "cl-notice", 30)
	c.waitSent(t, ids, 20*time.Second)
	got := c.sms.counts()
	for _, id := range ids {
		if n := got[fmt.Sprintf("starcard-outbox-%d", id)]; n != 1 {
			t.Errorf("notice %d reached the provider %d times", id, n)
		}
	}
	// Every job has had a chance: the sweep runs each second on both.
	var jobs int
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		c.db.R.Raw(`SELECT COUNT(DISTINCT job) FROM job_runs WHERE status = 'ok'`).Scan(&jobs)
		if jobs >= 3 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if jobs < 3 {
		t.Fatalf("only %d jobs ran in 20 s", jobs)
	}
	var twice []struct {
		Job  string
		Slot time.Time
		N    int
	}
	if err := c.db.R.WithContext(ctx).Raw(`SELECT job, slot, COUNT(*) AS n FROM job_runs WHERE status = 'ok' GROUP BY job, slot HAVING COUNT(*) > 1`).
		Scan(&twice).Error; err != nil {
		t.Fatal(err)
	}
	if len(twice) > 0 {
		t.Fatalf("job slots run more than once: %+v", twice)
	}
	var holders []string
	c.db.R.Raw(`SELECT DISTINCT holder FROM job_runs`).Scan(&holders)
	t.Logf("%d jobs ran once each by %d instance(s) since %s", jobs, len(holders), now.Format(time.TimeOnly))
}

// enqueue queues n purchase notices (one per guardian) and returns their ids.
func (c *cluster) enqueue(t *testing.T, prefix string, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	err := c.db.Tx(ctx, func(tx *gorm.DB) error {
		for i := 0; i < n; i++ {
			if err := models.EnqueueNotice(ctx, tx, now, models.Notice{Event: "purchase", MemberID: c.ids[i%len(c.ids)],
				DedupeKey: fmt.Sprintf("%s:%d", prefix, i), Data: map[string]any{"amount": 1234, "points": 12, "balance": 39950}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	c.db.R.Raw(`SELECT id FROM outbox WHERE dedupe_key LIKE ? ORDER BY id`, prefix+":%").Scan(&ids)
	if len(ids) != n {
		t.Fatalf("queued %d notices, want %d", len(ids), n)
	}
	return ids
}

func (c *cluster) waitSent(t *testing.T, ids []int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var sent int
	for time.Now().Before(deadline) {
		c.db.W.Raw(`SELECT COUNT(*) FROM outbox WHERE id IN ? AND status = 'sent'`, ids).Scan(&sent)
		if sent == len(ids) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	var states []struct {
		Status string
		N      int
	}
	c.db.W.Raw(`SELECT status, COUNT(*) AS n FROM outbox WHERE id IN ? GROUP BY status`, ids).Scan(&states)
	t.Fatalf("%d of %d notices sent after %s: %+v", sent, len(ids), within, states)
}

// load posts n purchases with fresh keys, conc at a time, calling every(i)
// after each answer; it returns the keys and what each got.
type loadResult struct {
	key    string
	member int64
	status int
	id     int64
	took   time.Duration
	retry  string
	err    error
}

func (c *cluster) load(prefix string, n, conc int, every func(done int)) []loadResult {
	return c.loadAt(prefix, n, conc, func(int) string { return c.lb }, every)
}

// loadAt is load with each request i sent to base(i).
func (c *cluster) loadAt(prefix string, n, conc int, base func(i int) string, every func(done int)) []loadResult {
	client := &http.Client{Timeout: 20 * time.Second}
	out := make([]loadResult, n)
	var mu sync.Mutex
	done := 0
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := loadResult{key: fmt.Sprintf("%s-%d", prefix, i), member: c.ids[i%len(c.ids)]}
				start := time.Now()
				var h http.Header
				r.status, r.id, _, h, r.err = c.purchaseAt(client, base(i), r.key, r.member)
				r.took = time.Since(start)
				if h != nil {
					r.retry = h.Get("Retry-After")
				}
				out[i] = r
				mu.Lock()
				done++
				d := done
				mu.Unlock()
				if every != nil {
					every(d)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// replayAll posts every unacknowledged key again until it is acknowledged,
// and checks that each key made exactly one purchase: an unacknowledged
// purchase was either absent (the replay applies it) or is returned by the
// replay, never made twice.
func (c *cluster) replayAll(t *testing.T, prefix string, res []loadResult) (acked, replayed int) {
	t.Helper()
	before := c.storedKeys(t, prefix+"-")
	client := &http.Client{Timeout: 20 * time.Second}
	var ids []int64
	for _, r := range res {
		if r.status == http.StatusCreated {
			acked++
			if !before[r.key] {
				t.Errorf("acknowledged purchase %s is not in the database", r.key)
			}
			ids = append(ids, r.id)
			continue
		}
		replayed++
		var id int64
		for attempt := 0; attempt < 50; attempt++ {
			st, got, _, _, err := c.purchase(client, r.key, r.member)
			if err == nil && st == http.StatusCreated {
				id = got
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if id == 0 {
			t.Fatalf("replay of %s never succeeded", r.key)
		}
		ids = append(ids, id)
	}
	after := c.storedKeys(t, prefix+"-")
	if len(after) != len(res) {
		t.Fatalf("%d keys stored after replays, want %d", len(after), len(res))
	}
	if got := c.purchasesFor(t, ids); got != int64(len(res)) {
		t.Fatalf("%d purchases for %d keys", got, len(res))
	}
	var total, keys int64
	c.db.R.Raw(`SELECT COUNT(*) FROM purchases`).Scan(&total)
	c.db.R.Raw(`SELECT COUNT(*) FROM idempotency_keys WHERE idem_key LIKE 'cl-%'`).Scan(&keys)
	if total != keys {
		t.Fatalf("%d purchases in the database for %d keys: something applied twice", total, keys)
	}
	return acked, replayed
}

// An instance killed with SIGKILL in the middle of a purchase load: what it
// acknowledged is there once, what it did not is absent or replayed once.
// A third of the load goes to the victim directly (a client that talks to
// one instance), so some requests are surely cut mid-flight; the balancer
// may retry the rest elsewhere.
func (c *cluster) killUnderLoad(t *testing.T) {
	victim := c.inst[1]
	var once sync.Once
	direct := "http://" + victim.addr
	res := c.loadAt("cl-kill", 120, 6, func(i int) string {
		if i%3 == 0 {
			return direct
		}
		return c.lb
	}, func(done int) {
		if done == 30 {
			once.Do(func() { victim.kill9(t) })
		}
	})
	statuses := map[int]int{}
	for _, r := range res {
		statuses[r.status]++
	}
	acked, replayed := c.replayAll(t, "cl-kill", res)
	t.Logf("answers during the load (0: no answer): %v", statuses)
	if acked < 30 {
		t.Fatalf("only %d purchases acknowledged", acked)
	}
	c.verifyClean(t)
	t.Logf("%d acknowledged, %d replayed after the kill", acked, replayed)
	c.restart(t, victim)
}

// The database goes away under load: requests fail fast with 503 and
// Retry-After, the instances come back on their own when it returns (same
// processes), and replays apply once.
func (c *cluster) databaseOutage(t *testing.T) {
	pids := []int{c.inst[0].pid(), c.inst[1].pid()}
	var once, back sync.Once
	cutAt := make(chan time.Time, 1)
	res := c.load("cl-outage", 100, 4, func(done int) {
		if done == 20 {
			once.Do(func() {
				for _, in := range c.inst {
					in.db.Cut()
				}
				cutAt <- time.Now()
			})
		}
		if done == 60 {
			back.Do(func() {
				for _, in := range c.inst {
					in.db.Restore()
				}
			})
		}
	})
	unavailable := 0
	for _, r := range res {
		if r.status == http.StatusServiceUnavailable {
			unavailable++
			if r.retry == "" {
				t.Errorf("%s: 503 without Retry-After", r.key)
			}
			if r.took > 7*time.Second {
				t.Errorf("%s: 503 took %s, want it fast", r.key, r.took)
			}
		} else if r.status != http.StatusCreated {
			t.Errorf("%s: status %d (%v), want 201 or 503", r.key, r.status, r.err)
		}
	}
	if unavailable == 0 {
		t.Fatal("no request saw the database gone")
	}
	// Recovered without a restart: new purchases succeed on both processes.
	deadline := time.Now().Add(15 * time.Second)
	for ok := 0; ok < 4; {
		if time.Now().After(deadline) {
			t.Fatal("the instances did not recover within 15 s of the database returning")
		}
		st, _, _, _, err := c.purchase(http.DefaultClient, fmt.Sprintf("cl-after-outage-%d", time.Now().UnixNano()), c.ids[0])
		if err == nil && st == http.StatusCreated {
			ok++
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
	for i, in := range c.inst {
		if in.pid() != pids[i] || syscall.Kill(in.pid(), 0) != nil {
			t.Fatalf("instance %s was restarted or died", in.name)
		}
	}
	acked, replayed := c.replayAll(t, "cl-outage", res)
	c.verifyClean(t)
	t.Logf("%d acknowledged, %d got 503 and were replayed once", acked, replayed)
}

// The provider holds one SMS; the instance sending it is killed with its
// batch claimed. The other instance sends the rest once, and the held one
// again under the same message id (the provider's dedupe key).
func (c *cluster) workerKilled(t *testing.T) {
	held, release := c.sms.holdNext()
	ids := c.enqueue(t, "cl-kill-worker", 20)
	var msg string
	select {
	case msg = <-held:
	case <-time.After(15 * time.Second):
		t.Fatal("no notice was sent")
	}
	var holder string
	c.db.W.Raw(`SELECT lease_holder FROM outbox WHERE id = ?`, strings.TrimPrefix(msg, "starcard-outbox-")).Scan(&holder)
	var victim, other *instance
	for _, in := range c.inst {
		if strings.Contains(holder, holderOf(in.pid())) {
			victim = in
		} else {
			other = in
		}
	}
	if victim == nil {
		t.Fatalf("notice %s held by %q, not an instance", msg, holder)
	}
	victim.kill9(t)
	close(release)
	c.waitSent(t, ids, 20*time.Second)
	got := c.sms.counts()
	for _, id := range ids {
		m := fmt.Sprintf("starcard-outbox-%d", id)
		want := 1
		if m == msg {
			want = 2
		}
		if got[m] != want {
			t.Errorf("%s reached the provider %d times, want %d", m, got[m], want)
		}
	}
	t.Logf("instance %s killed holding %s; %s sent the batch of %d", victim.name, msg, other.name, len(ids))
	c.restart(t, victim)
}

// One instance is paused, the other slowed down (its database answers
// late) and killed while it holds a job's lease mid-run. The paused one,
// resumed, runs that slot once after the lease runs out.
func (c *cluster) schedulerKilled(t *testing.T) {
	a, b := c.inst[0], c.inst[1]
	if err := syscall.Kill(b.pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			_ = syscall.Kill(b.pid(), syscall.SIGCONT)
		}
	}()
	a.db.delay.Store(int64(40 * time.Millisecond))
	var job string
	var slot time.Time
	for attempt := 0; attempt < 5 && job == ""; attempt++ {
		// Every job due again, as after a day nobody ran them.
		c.db.W.Exec(`DELETE FROM job_runs`)
		c.db.W.Exec(`UPDATE job_leases SET done_slot = ?, lease_until = ?, holder = ''`, epoch0, epoch0)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			var row struct {
				Job  string
				Slot time.Time
			}
			c.db.W.Raw(`SELECT r.job, r.slot FROM job_runs r JOIN job_leases l ON l.name = r.job AND l.holder = r.holder
				WHERE r.status = 'running' AND r.holder LIKE ? LIMIT 1`, "%"+holderOf(a.pid())+"%").Scan(&row)
			if row.Job != "" {
				_ = syscall.Kill(a.pid(), syscall.SIGSTOP)
				var still int
				c.db.W.Raw(`SELECT COUNT(*) FROM job_runs WHERE job = ? AND slot = ? AND status = 'running'`, row.Job, row.Slot).Scan(&still)
				if still == 1 {
					job, slot = row.Job, row.Slot
				}
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		if job == "" {
			_ = syscall.Kill(a.pid(), syscall.SIGCONT)
		}
	}
	if job == "" {
		t.Fatal("never caught the slowed instance inside a job")
	}
	a.kill9(t)
	a.db.delay.Store(0)
	_ = syscall.Kill(b.pid(), syscall.SIGCONT)
	resumed = true
	deadline := time.Now().Add(20 * time.Second)
	var runs []struct {
		Status string
		Holder string
	}
	for time.Now().Before(deadline) {
		runs = nil
		c.db.W.Raw(`SELECT status, holder FROM job_runs WHERE job = ? AND slot = ? ORDER BY attempt`, job, slot).Scan(&runs)
		if len(runs) >= 2 && runs[len(runs)-1].Status == "ok" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	ok := 0
	for _, r := range runs {
		if r.Status == "ok" {
			ok++
			if !strings.Contains(r.Holder, holderOf(b.pid())) {
				t.Errorf("slot finished by %s, not the surviving instance", r.Holder)
			}
		}
	}
	if ok != 1 || runs[0].Status != "running" {
		t.Fatalf("job %s slot %s: runs %+v, want the killed one left running and one ok run", job, slot, runs)
	}
	t.Logf("killed inside %s (slot %s); the other instance finished it once", job, slot.Format(time.RFC3339))
	c.restart(t, a)
}

var epoch0 = time.Unix(0, 0).UTC()
