package messaging_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/messaging"
)

// t0 is Tuesday 1 December 2026, 16:30 in Shanghai.
var t0 = time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

type fix struct {
	db     *models.DB
	campus int64
	actor  models.Actor
	n      int
}

func newFix(t *testing.T, db *models.DB) *fix {
	t.Helper()
	ctx := context.Background()
	c, err := models.CreateCampus(ctx, db.W, t0, "C1", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, db.W, t0, "v1", "同意"); err != nil {
		t.Fatal(err)
	}
	return &fix{db: db, campus: c.ID, actor: models.Actor{Type: "staff", ID: 1, CampusID: c.ID, Device: "test"}}
}

// member creates a child with one consenting guardian (and a second one who
// did not consent when twoGuardians).
func (f *fix) member(t *testing.T, name string, consent bool) int64 {
	t.Helper()
	ctx := context.Background()
	var m *models.Member
	err := f.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		m, err = models.CreateMember(ctx, tx, t0, f.actor, models.NewMember{Name: name, CampusID: f.campus,
			Guardians: []models.NewGuardian{{Name: name + "妈妈", Phone: fmt.Sprintf("1390000%04d", f.n), Relation: "mother", Consent: consent}}})
		return err
	})
	f.n++
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func idem(key string) models.Idem { return models.Idem{Scope: "test", Key: key, Hash: key} }

func decode[T any](t *testing.T) func(models.Outcome, error) T {
	return func(o models.Outcome, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var v T
		if err := json.Unmarshal(o.Body, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
}

type notice struct {
	Event string
	Data  map[string]any
}

func notices(t *testing.T, db *models.DB, member int64) map[string][]notice {
	t.Helper()
	var rows []models.OutboxRow
	if err := db.R.Where("member_id = ?", member).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string][]notice{}
	for _, r := range rows {
		var d map[string]any
		if err := json.Unmarshal([]byte(r.Data), &d); err != nil {
			t.Fatal(err)
		}
		out[r.Event] = append(out[r.Event], notice{Event: r.Event, Data: d})
	}
	return out
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// TestMoneyNoticesCarryBalanceAfter walks a family through a top-up, a
// purchase paid from stored value, a partial refund, a top-up refund and a
// departure, replays every request, and reads the outbox: one notice per
// event with the balance after it.
func TestMoneyNoticesCarryBalanceAfter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFix(t, db)
		m := f.member(t, "王小明", true)
		silent := f.member(t, "李小红", false) // guardian without consent: no notices

		for i := 0; i < 2; i++ { // the second round replays every key
			top := decode[models.TopupResult](t)(models.RecordTopup(ctx, db, t0, idem("top"), models.TopupInput{MemberID: m,
				Amount: 50000, Method: "cash", Actor: f.actor}))
			if top.Balances.StoredValue() != 50000 {
				t.Fatalf("top-up balance %d", top.Balances.StoredValue())
			}
			buy := decode[models.PurchaseResult](t)(models.RecordPurchase(ctx, db, t0, idem("buy"), models.PurchaseInput{MemberID: m,
				Items:    []models.PurchaseItem{{Category: models.CategoryMaterials, Amount: 30000, Description: "教材"}},
				Payments: []models.Payment{{Method: "stored_value", Amount: 30000}}, Actor: f.actor}))
			refundAmt := int64(10000)
			decode[models.RefundResult](t)(models.RecordRefund(ctx, db, t0, idem("ref"), models.RefundInput{PurchaseID: buy.ID,
				Amount: &refundAmt, Reason: "退一本", Actor: f.actor}))
			back := int64(20000)
			decode[models.TopupRefundResult](t)(models.RecordTopupRefund(ctx, db, t0, idem("topref"), models.TopupRefundInput{TopupID: top.ID,
				Amount: &back, Reason: "家长申请", Actor: f.actor}))
			decode[models.TopupResult](t)(models.RecordTopup(ctx, db, t0, idem("top-silent"), models.TopupInput{MemberID: silent,
				Amount: 5000, Method: "cash", Actor: f.actor}))
		}
		var cardNo string
		if err := db.R.Raw("SELECT c.card_no FROM cards c JOIN members m ON m.card_id = c.id WHERE m.id = ?", m).Scan(&cardNo).Error; err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ { // a second scan inside the window is a duplicate
			if _, err := models.CheckIn(ctx, db, t0.Add(time.Minute), nil, shanghai, models.CheckinRequest{
				Input: models.CardInput{CardNo: cardNo}, Kind: models.CheckinDeparture, Actor: f.actor}); err != nil {
				t.Fatal(err)
			}
		}

		got := notices(t, db, m)
		want := []struct {
			event   string
			balance int64
			fields  map[string]int64
		}{
			{"topup", 50000, map[string]int64{"amount": 50000, "bonus": 0}},
			{"purchase", 20000, map[string]int64{"amount": 30000, "points": 300}},
			{messaging.EventRefund, 30000, map[string]int64{"amount": 10000, "returned": 10000, "points": 100}},
			{messaging.EventTopupRefund, 10000, map[string]int64{"amount": 20000}},
		}
		for _, w := range want {
			ns := got[w.event]
			if len(ns) != 1 {
				t.Fatalf("%s: %d notices, want 1 (%v)", w.event, len(ns), got)
			}
			if b := num(ns[0].Data["balance"]); b != w.balance {
				t.Errorf("%s: balance after %d, want %d", w.event, b, w.balance)
			}
			for k, v := range w.fields {
				if g := num(ns[0].Data[k]); g != v {
					t.Errorf("%s: %s = %d, want %d", w.event, k, g, v)
				}
			}
		}
		if n := len(got[messaging.EventDeparture]); n != 1 {
			t.Errorf("departure notices %d, want 1", n)
		}
		if n := len(notices(t, db, silent)); n != 0 {
			t.Errorf("a guardian without consent got %d kinds of notices", n)
		}
		if rep, err := models.Verify(ctx, db); err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %+v", err, rep.Problems)
		}

		// The profile's timeline and the parent's statement: one line per
		// transaction, with its receipt number and items.
		tl, err := messaging.Timeline(ctx, db.R, m, messaging.TimelineFilter{Money: true})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]messaging.TimelineEntry{}
		for _, e := range tl {
			if _, dup := kinds[e.Kind]; dup {
				t.Errorf("two %s lines", e.Kind)
			}
			kinds[e.Kind] = e
		}
		if p := kinds[messaging.TLPurchase]; p.Amount != 30000 || !strings.HasPrefix(p.Receipt, "P") ||
			len(p.Items) != 1 || p.Items[0].Description != "教材" {
			t.Errorf("purchase line %+v", p)
		}
		for k, amt := range map[string]int64{messaging.TLRefund: -10000, messaging.TLTopup: 50000, messaging.TLTopupRefund: -20000} {
			if kinds[k].Amount != amt {
				t.Errorf("%s line amount %d, want %d", k, kinds[k].Amount, amt)
			}
		}
		if len(tl) != 4 {
			t.Errorf("statement has %d lines, want 4: %+v", len(tl), tl)
		}

		// The profile's full timeline reads every area's table, on both databases.
		tp, err := models.CreateCouponTemplate(ctx, db, t0, f.actor, models.NewCouponTemplate{Name: "兴趣课立减券",
			CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000, MinSpend: 30000}, ValidDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.IssueCouponByHand(ctx, db, t0, f.actor, tp.ID, m); err != nil {
			t.Fatal(err)
		}
		if err := models.OverrideTier(ctx, db, t0, f.actor, m, models.TierGold, "老客户关怀", t0.AddDate(0, 6, 0)); err != nil {
			t.Fatal(err)
		}
		full, err := messaging.Timeline(ctx, db.R, m, messaging.TimelineFilter{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range full {
			seen[e.Kind] = true
		}
		for _, k := range []string{messaging.TLCouponIssue, messaging.TLTier, messaging.TLPurchase, messaging.TLTopup} {
			if !seen[k] {
				t.Errorf("full timeline lacks %s: %+v", k, full)
			}
		}
	})
}

// TestBroadcastCountsOptOutQuietHoursAndOnce: the preview counts families,
// opted-out guardians and SMS; the job queues a due broadcast once even when
// run twice; the worker holds it through quiet hours and skips the opted-out.
func TestBroadcastCountsOptOutQuietHoursAndOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFix(t, db)
		a := f.member(t, "甲", true)
		b := f.member(t, "乙", true)
		f.member(t, "丙", false) // no consent: counted out
		var gb int64
		if err := db.R.Raw("SELECT g.id FROM guardians g JOIN members m ON m.family_id = g.family_id WHERE m.id = ?", b).Scan(&gb).Error; err != nil {
			t.Fatal(err)
		}
		p := models.DefaultNotifyPrefs(models.DefaultQuietStart, models.DefaultQuietEnd)
		p.GuardianID, p.MarketingOptOut = gb, true
		if err := models.SaveNotifyPrefs(ctx, db.W, t0, p); err != nil {
			t.Fatal(err)
		}
		body := "十二月亲子活动报名开始啦，欢迎家长带孩子参加。"
		d := messaging.Draft{Kind: messaging.KindInvitation, Title: "亲子活动", Body: body,
			Segment: models.Segment{CampusID: f.campus}, ScheduledAt: t0.Add(6 * time.Hour)} // 22:30 local: quiet hours
		pv, err := messaging.PreviewDraft(ctx, db, t0, d)
		if err != nil {
			t.Fatal(err)
		}
		if pv.Families != 3 || pv.Guardians != 3 || pv.OptedOut != 2 || pv.SMS != 1 || pv.SMSCost != 1 {
			t.Fatalf("preview %+v, want 3 families, 3 guardians, 2 out, 1 SMS", pv)
		}
		long := d
		long.Body = string([]rune(fmt.Sprintf("%0100d", 0)))
		if pv, _ := messaging.PreviewDraft(ctx, db, t0, long); pv.Parts != 2 || pv.SMSCost != 2 {
			t.Errorf("a 100-character text: %d parts, cost %d; want 2, 2", pv.Parts, pv.SMSCost)
		}
		bad := d
		bad.Title, bad.ScheduledAt = "", t0.Add(-time.Hour)
		if _, err := messaging.CreateBroadcast(ctx, db, t0, f.actor, bad); err == nil {
			t.Fatal("a broadcast without title in the past was accepted")
		} else if e, ok := models.AsError(err); !ok || e.Fields["title"] == "" || e.Fields["scheduled_at"] == "" {
			t.Fatalf("want field errors on title and scheduled_at, got %v", err)
		}
		bc, err := messaging.CreateBroadcast(ctx, db, t0, f.actor, d)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := messaging.SendDueBroadcasts(ctx, db, t0); n != 0 {
			t.Fatalf("queued %d before its time", n)
		}
		due := t0.Add(6*time.Hour + time.Minute)
		n1, err := messaging.SendDueBroadcasts(ctx, db, due)
		if err != nil {
			t.Fatal(err)
		}
		n2, err := messaging.SendDueBroadcasts(ctx, db, due)
		if err != nil || n1 != 1 || n2 != 0 {
			t.Fatalf("runs queued %d then %d (%v), want 1 then 0", n1, n2, err)
		}
		s, err := messaging.BroadcastStats(ctx, db.R, bc.ID)
		if err != nil || s.Total != 3 || s.Pending != 3 {
			t.Fatalf("stats after queueing %+v %v", s, err)
		}
		sms := &sink{}
		clock := due
		w := models.NewWorker(db, models.NotifyConfig{SMS: sms, Loc: shanghai}, func() time.Time { return clock })
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if s, _ := messaging.BroadcastStats(ctx, db.R, bc.ID); s.Sent != 0 || s.Skipped != 2 || s.Pending != 1 {
			t.Fatalf("in quiet hours: %+v; want 2 skipped, 1 held", s)
		}
		clock = time.Date(2026, 12, 2, 7, 5, 0, 0, shanghai)
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		s, _ = messaging.BroadcastStats(ctx, db.R, bc.ID)
		if s.Sent != 1 || s.SMS != 1 || s.Skipped != 2 || len(sms.to) != 1 {
			t.Fatalf("after quiet hours: %+v, %d SMS; want 1 sent by SMS", s, len(sms.to))
		}
		if got := sms.body[0]; got != "【星卡】"+body {
			t.Errorf("SMS text %q", got)
		}
		_ = a
		if err := messaging.CancelBroadcast(ctx, db, due, f.actor, bc.ID); err == nil {
			t.Error("a queued broadcast was cancelled")
		}
	})
}

type sink struct {
	to   []string
	body []string
}

func (s *sink) Send(_ context.Context, m models.Message) error {
	s.to = append(s.to, m.To)
	s.body = append(s.body, m.Body)
	return nil
}

// TestPointsEarnedNoticeAboveThreshold: an award (AwardPoints raises
// points.earned in its transaction) is told to the family with the points
// balance when it reaches the threshold (default 50), once per award even if
// the event is raised again; smaller awards and purchase points are not.
func TestPointsEarnedNoticeAboveThreshold(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	f := newFix(t, db)
	m := f.member(t, "赵小宝", true)
	award := func(ref int64, pts int64, reason, refType string) int64 {
		t.Helper()
		var jid int64
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			var err error
			jid, err = models.AwardPoints(ctx, tx, t0, models.Award{MemberID: m, Points: pts, Reason: reason, RefType: refType,
				RefID: ref, Actor: f.actor})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return jid
	}
	jid := award(1, 80, "问卷", "test")
	// The same award raised again (a replayed event) tells nobody twice.
	if err := db.Tx(ctx, func(tx *gorm.DB) error {
		return models.Emit(ctx, tx, models.DomainEvent{Type: models.EventPointsEarned, At: t0, MemberID: m, ObjectID: jid,
			Object: map[string]any{"points": 80, "reason": "问卷", "ref_type": "test"}})
	}); err != nil {
		t.Fatal(err)
	}
	award(2, 10, "出勤", "test")
	award(3, 90, "购物", "purchase")
	ns := notices(t, db, m)["points_earned"]
	if len(ns) != 1 || num(ns[0].Data["points"]) != 80 || num(ns[0].Data["balance"]) != 80 {
		t.Fatalf("points notices %+v; want one of 80 points with balance 80", ns)
	}
}
