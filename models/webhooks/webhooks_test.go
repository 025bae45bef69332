package webhooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/care"
	_ "starcard/models/crm" // grades members in their events' transactions
	"starcard/models/dbtest"
	"starcard/models/webhooks"
)

// t0 is a Monday morning in Shanghai; the use cases run at it.
var t0 = time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)

// clock is the worker's time, moved on by the tests instead of sleeping.
type clock struct{ ns atomic.Int64 }

// newClock starts a minute ahead, so that what was just queued is due.
func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Now().Add(time.Minute).UnixNano())
	return c
}
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// receiver is an integrator's endpoint: it checks every signature with the
// secret it was given and the 5-minute replay window, and can be down.
type receiver struct {
	srv    *httptest.Server
	clock  *clock
	down   atomic.Bool
	mu     sync.Mutex
	secret string
	got    []received
	bad    int
	hits   int
}

type received struct {
	ID, Type, Header string
	Object           map[string]any
}

func newReceiver(t *testing.T, c *clock) *receiver {
	r := &receiver{clock: c}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.hits++
		if r.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if !webhooks.Verify(r.secret, req.Header, body, r.clock.Now(), 5*time.Minute) {
			r.bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var p struct {
			ID, Type string
			Data     struct{ Object map[string]any }
		}
		if err := json.Unmarshal(body, &p); err != nil {
			r.bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.got = append(r.got, received{ID: p.ID, Type: p.Type, Header: req.Header.Get(webhooks.HeaderEventID), Object: p.Data.Object})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) events() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

type fix struct {
	db     *models.DB
	campus int64
	admin  *models.StaffUser
	actor  models.Actor
	n      int
}

func newFix(t *testing.T, db *models.DB) *fix {
	t.Helper()
	ctx := context.Background()
	c, err := models.CreateCampus(ctx, db.W, t0, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	u, err := models.CreateStaff(ctx, db.W, t0, models.NewStaff{Username: "boss", Name: "校长", Password: "password123",
		Role: string(models.RoleAdmin)})
	if err != nil {
		t.Fatal(err)
	}
	return &fix{db: db, campus: c.ID, admin: u, actor: models.Actor{Type: "staff", ID: u.ID, CampusID: c.ID, Device: "test"}}
}

func (f *fix) member(t *testing.T, level string) *models.Member {
	t.Helper()
	f.n++
	var m *models.Member
	err := f.db.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		m, err = models.CreateMember(context.Background(), tx, t0, f.actor, models.NewMember{Name: fmt.Sprintf("孩子%d", f.n),
			BirthDate: "2021-06-15", CampusID: f.campus, Guardians: []models.NewGuardian{{Name: "家长", Relation: "mother",
				Phone: fmt.Sprintf("139%08d", f.n), PositionLevel: level, EmployerType: "private"}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *fix) endpoint(t *testing.T, url string, events []string) *webhooks.Endpoint {
	t.Helper()
	if err := webhooks.SaveSettings(context.Background(), f.db, t0, f.actor, true); err != nil {
		t.Fatal(err)
	}
	ep, err := webhooks.CreateEndpoint(context.Background(), f.db, t0, f.actor, webhooks.NewEndpoint{URL: url, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

func count(t *testing.T, db *models.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.W.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// The issue's "done when": an in-process receiver gets each event type once
// per event with a valid signature; while it is down deliveries are
// retried, none is lost and none gets a new id; a day of failures pauses
// the endpoint and tells the admin; dead deliveries go again by hand; a
// purchase refused for want of stored value sends nothing.
func TestWebhooksDeliverEveryEventOnceSigned(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFix(t, db)
		clk := newClock()
		rcv := newReceiver(t, clk)
		ep := f.endpoint(t, rcv.srv.URL+"/hooks", webhooks.Events)
		rcv.secret = ep.Secret
		w := webhooks.NewWorker(db, clk.Now)

		// The events of a member's first weeks.
		m := f.member(t, "senior")
		if err := models.UpdateMember(ctx, db, t0, f.actor, m.ID, models.MemberEdit{Name: m.Name, BirthDate: "2021-06-15",
			CampusID: f.campus, Tags: []string{"钢琴"}}); err != nil {
			t.Fatal(err)
		}
		idem := func(k string) models.Idem { return models.Idem{Scope: "t", Key: k, Hash: k} }
		if _, err := models.RecordTopup(ctx, db, t0, idem("top"), models.TopupInput{MemberID: m.ID, Amount: 50000,
			Method: "cash", Actor: f.actor}); err != nil {
			t.Fatal(err)
		}
		// Refused: more stored value than the member has. Nothing is sent.
		_, err := models.RecordPurchase(ctx, db, t0, idem("too-much"), models.PurchaseInput{MemberID: m.ID,
			Items:    []models.PurchaseItem{{Category: "tuition", Amount: 900000}},
			Payments: []models.Payment{{Method: "stored_value", Amount: 900000}}, Actor: f.actor})
		if !errors.Is(err, models.ErrInsufficientBalance) {
			t.Fatalf("over-balance purchase: %v, want insufficient balance", err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM webhook_deliveries WHERE event_type = ?", models.EventPurchaseCreated); n != 0 {
			t.Fatalf("a rolled-back purchase queued %d deliveries", n)
		}
		// ¥9,000 in cash: gold tier and 重点 grade (senior guardian, paid over ¥8,000).
		out, err := models.RecordPurchase(ctx, db, t0, idem("big"), models.PurchaseInput{MemberID: m.ID,
			Items:    []models.PurchaseItem{{Category: "tuition", Amount: 900000}},
			Payments: []models.Payment{{Method: "cash", Amount: 900000}}, Actor: f.actor})
		if err != nil {
			t.Fatal(err)
		}
		var pr struct{ ID int64 }
		_ = json.Unmarshal(out.Body, &pr)
		amt := int64(10000)
		if _, err := models.RecordRefund(ctx, db, t0, idem("ref"), models.RefundInput{PurchaseID: pr.ID, Amount: &amt,
			Reason: "退一节课", Actor: f.actor}); err != nil {
			t.Fatal(err)
		}
		tp, err := models.CreateCouponTemplate(ctx, db, t0, f.actor, models.NewCouponTemplate{Name: "立减券",
			CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 2000}, ValidDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		var cp *models.Coupon
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			cp, err = models.IssueCoupon(ctx, tx, t0, models.CouponIssue{TemplateID: tp.ID, MemberID: m.ID, Actor: f.actor})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := models.RecordPurchase(ctx, db, t0, idem("coupon"), models.PurchaseInput{MemberID: m.ID,
			Items:    []models.PurchaseItem{{Category: "meals", Amount: 5000}},
			Payments: []models.Payment{{Method: "cash", Amount: 3000}}, CouponCodes: []string{cp.Code}, Actor: f.actor}); err != nil {
			t.Fatal(err)
		}
		vs, err := models.MemberViews(ctx, db.R, []int64{m.ID})
		if err != nil || len(vs) != 1 {
			t.Fatal(err)
		}
		if _, err := models.CheckIn(ctx, db, t0, []byte("secret"), time.UTC, models.CheckinRequest{
			Input: models.CardInput{CardNo: vs[0].CardNo}, Actor: f.actor}); err != nil {
			t.Fatal(err)
		}
		c, err := care.Record(ctx, db, t0, f.admin, care.NewCase{MemberID: m.ID, Kind: "complaint", Category: "service",
			Body: "前台态度不好", Channel: "phone"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := care.Reply(ctx, db, t0, f.admin, c.ID, "非常抱歉，我们会改进。", true); err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{models.ComplaintInvestigating, models.ComplaintResolved} {
			if _, err := care.Transition(ctx, db, t0, f.admin, c.ID, care.Move{To: to, Note: "已与家长沟通"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := models.ExpirePoints(ctx, db, t0.AddDate(2, 0, 0)); err != nil {
			t.Fatal(err)
		}

		want := map[string]int{
			models.EventMemberCreated: 1, models.EventMemberUpdated: 1, models.EventTopupCreated: 1,
			models.EventPurchaseCreated: 2, models.EventPointsEarned: 2, models.EventTierChanged: 1,
			// Graded general at creation, then 重点; a coupon by hand, one
			// for the ¥9,000 purchase (over ¥200) and one for reaching gold.
			models.EventGradeChanged: 2, models.EventRefundCreated: 1, models.EventCouponIssued: 3,
			models.EventCouponUsed: 1, models.EventCheckinCreated: 1, models.EventComplaintCreated: 1,
			models.EventComplaintAnswered: 1, models.EventComplaintResolved: 1, models.EventPointsExpired: 1,
		}
		queued := count(t, db, "SELECT COUNT(*) FROM webhook_deliveries")

		// The receiver is down: every delivery fails and waits.
		rcv.down.Store(true)
		if _, err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'failed' AND attempts = 1"); n != queued {
			t.Fatalf("after a refused round: %d of %d failed once", n, queued)
		}
		// Not due yet: nothing is sent again before the backoff.
		if n, _ := w.RunOnce(ctx); n != 0 {
			t.Fatalf("%d deliveries retried before their backoff", n)
		}
		// Still down a day later: the deliveries are dead, the endpoint is
		// paused and the admin told.
		clk.Add(webhooks.RetryWindow + time.Hour)
		if _, err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'dead'"); n != queued {
			t.Fatalf("%d of %d dead after a day of failures", n, queued)
		}
		got, err := webhooks.GetEndpoint(ctx, db.R, ep.ID)
		if err != nil || got.Status != webhooks.StatusPaused {
			t.Fatalf("endpoint after a day of failures: %+v %v", got, err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM outbox WHERE event = ? AND staff_id = ?", webhooks.NoticePaused, f.admin.ID); n != 1 {
			t.Fatalf("%d pause notices to the admin, want 1", n)
		}
		// The receiver is back; the admin resumes and redelivers.
		rcv.down.Store(false)
		if err := webhooks.SetPaused(ctx, db, clk.Now(), f.actor, ep.ID, false); err != nil {
			t.Fatal(err)
		}
		ds, err := webhooks.ListDeliveries(ctx, db.R, webhooks.DeliveryFilter{EndpointID: ep.ID, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, d := range ds {
			ids[d.EventID] = true
			if err := webhooks.Redeliver(ctx, db, clk.Now(), f.actor, ep.ID, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		evs := rcv.events()
		if rcv.bad != 0 {
			t.Fatalf("%d deliveries had a bad signature or body", rcv.bad)
		}
		per := map[string]int{}
		seen := map[string]bool{}
		for _, e := range evs {
			per[e.Type]++
			if seen[e.ID] || e.ID != e.Header || !ids[e.ID] {
				t.Errorf("event %s (%s): duplicate, header %q, or a new id", e.ID, e.Type, e.Header)
			}
			seen[e.ID] = true
		}
		for typ, n := range want {
			if per[typ] != n {
				t.Errorf("%s: received %d, want %d", typ, per[typ], n)
			}
		}
		if int64(len(evs)) != queued {
			var types []string
			for k := range per {
				types = append(types, k)
			}
			sort.Strings(types)
			t.Errorf("received %d of %d queued (%v)", len(evs), queued, types)
		}
		// What a receiver sees of a purchase and of a member.
		for _, e := range evs {
			switch e.Type {
			case models.EventMemberCreated:
				if e.Object["name"] != m.Name || e.Object["id"] != float64(m.ID) {
					t.Errorf("member.created object %v", e.Object)
				}
			case models.EventTierChanged:
				if e.Object["to"] != "gold" {
					t.Errorf("tier.changed object %v", e.Object)
				}
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM webhook_attempts WHERE endpoint_id = ? AND status_code = 503", ep.ID); n != 2*queued {
			t.Errorf("log: %d attempts answered 503, want %d", n, 2*queued)
		}
	})
}

// Only http(s) URLs to public addresses, checked when saved and again when
// delivering (a name that resolved to a public address may later point
// inside: DNS rebinding), unless the admin allows private addresses.
func TestWebhookSSRFRefusal(t *testing.T) {
	restore := webhooks.SetLookup(func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "hooks.example.com":
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		case "inside.example.com":
			return []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.5")}, nil
		}
		return nil, errors.New("no such host")
	})
	defer restore()
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{"https://hooks.example.com/starcard", ""},
		{"ftp://hooks.example.com/x", "hook.err.url"},
		{"javascript:alert(1)", "hook.err.url"},
		{"https://user:pw@hooks.example.com/", "hook.err.url"},
		{"http://127.0.0.1:8080/", "hook.err.private"},
		{"http://localhost:8080/", "hook.err.resolve"},
		{"http://10.1.2.3/", "hook.err.private"},
		{"http://192.168.1.20/", "hook.err.private"},
		{"http://169.254.169.254/latest/meta-data", "hook.err.private"},
		{"http://[::1]/", "hook.err.private"},
		{"http://[fd00::1]/", "hook.err.private"},
		{"http://0.0.0.0/", "hook.err.private"},
		{"https://inside.example.com/", "hook.err.private"},
		{"https://nowhere.invalid/", "hook.err.resolve"},
	} {
		if got := webhooks.CheckURL(ctx, tc.url, false); got != tc.want {
			t.Errorf("CheckURL(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
	if got := webhooks.CheckURL(ctx, "http://127.0.0.1:8080/", true); got != "" {
		t.Errorf("allowed private address refused: %q", got)
	}

	db := dbtest.SQLite(t)
	f := newFix(t, db)
	_, err := webhooks.CreateEndpoint(ctx, db, t0, f.actor, webhooks.NewEndpoint{URL: "http://127.0.0.1:9/",
		Events: []string{models.EventPurchaseCreated}})
	if e, ok := models.AsError(err); !ok || e.Fields["url"] != "hook.err.private" {
		t.Fatalf("loopback endpoint saved: %v", err)
	}
	// Saved while the school allowed private addresses, then refused at
	// delivery once it no longer does: the receiver never hears a thing.
	clk := newClock()
	rcv := newReceiver(t, clk)
	ep := f.endpoint(t, rcv.srv.URL, []string{models.EventMemberCreated})
	rcv.secret = ep.Secret
	if err := webhooks.SaveSettings(ctx, db, t0, f.actor, false); err != nil {
		t.Fatal(err)
	}
	f.member(t, "")
	if _, err := webhooks.NewWorker(db, clk.Now).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	rcv.mu.Lock()
	hits := rcv.hits
	rcv.mu.Unlock()
	if hits != 0 {
		t.Fatalf("a refused address was reached %d times", hits)
	}
	ds, err := webhooks.ListDeliveries(ctx, db.R, webhooks.DeliveryFilter{EndpointID: ep.ID})
	if err != nil || len(ds) != 1 || ds[0].Status != webhooks.DeliveryFailed || ds[0].LastError != "refused: private address" {
		t.Fatalf("delivery to a refused address: %+v %v", ds, err)
	}
}
