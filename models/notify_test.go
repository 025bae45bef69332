package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// at returns a UTC instant for a wall-clock time in Shanghai.
func at(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, shanghai).UTC()
}

func TestInQuietHours(t *testing.T) {
	cases := []struct {
		name       string
		now        time.Time
		start, end int
		quiet      bool
		until      time.Time
	}{
		{"evening inside", at(2026, 11, 2, 23, 15), 22 * 60, 7 * 60, true, at(2026, 11, 3, 7, 0)},
		{"exactly at start", at(2026, 11, 2, 22, 0), 22 * 60, 7 * 60, true, at(2026, 11, 3, 7, 0)},
		{"after midnight", at(2026, 11, 3, 3, 0), 22 * 60, 7 * 60, true, at(2026, 11, 3, 7, 0)},
		{"exactly at end", at(2026, 11, 3, 7, 0), 22 * 60, 7 * 60, false, time.Time{}},
		{"daytime", at(2026, 11, 3, 9, 30), 22 * 60, 7 * 60, false, time.Time{}},
		{"one minute before start", at(2026, 11, 2, 21, 59), 22 * 60, 7 * 60, false, time.Time{}},
		{"same-day window", at(2026, 11, 2, 13, 0), 12 * 60, 14 * 60, true, at(2026, 11, 2, 14, 0)},
		{"empty window", at(2026, 11, 2, 13, 0), 600, 600, false, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			until, quiet := models.InQuietHours(c.now, shanghai, c.start, c.end)
			if quiet != c.quiet || !until.Equal(c.until) {
				t.Fatalf("InQuietHours(%s) = %v, %v; want %v, %v", c.now.In(shanghai), until.In(shanghai), quiet, c.until.In(shanghai), c.quiet)
			}
		})
	}
}

func TestCheckNoticeTemplate(t *testing.T) {
	cases := []struct {
		name, event, subject, body string
		want                       error
		field                      string
	}{
		{"ok", "arrival", "{{member}}到校", "{{guardian}}您好，{{member}}已于{{ time }}到达{{campus}}", nil, ""},
		{"unknown var in body", "arrival", "到校", "{{member}}的余额{{balance}}", models.ErrNoticeUnknownVar, "body"},
		{"unknown var in subject", "topup", "{{amout}}到账", "{{amount}}", models.ErrNoticeUnknownVar, "subject"},
		{"stray braces", "arrival", "", "{{member}} 到校 {{", models.ErrNoticeBraces, "body"},
		{"empty", "arrival", "x", "  ", models.ErrNoticeBodyRequired, "body"},
		{"unknown event", "nope", "", "x", models.ErrNoticeUnknownEvent, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := models.CheckNoticeTemplate(c.event, c.subject, c.body)
			if !errors.Is(err, c.want) && !(err == nil && c.want == nil) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if c.field != "" {
				e, _ := models.AsError(err)
				if e.Fields[c.field] == "" {
					t.Fatalf("error names fields %v, want %q", e.Fields, c.field)
				}
			}
		})
	}
	// The unknown variable and the allowed list travel with the error so the
	// admin is told which variable is wrong and what may be used instead.
	e, _ := models.AsError(models.CheckNoticeTemplate("arrival", "", "{{余额}}"))
	if len(e.Args) != 2 || e.Args[0] != "余额" || !strings.Contains(e.Args[1].(string), "member") {
		t.Fatalf("args = %v", e.Args)
	}
	// Every built-in template passes its own check, in every language.
	ts, err := models.ListNoticeTemplates(context.Background(), dbtest.SQLite(t).R)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != len(models.NoticeEvents)*3 {
		t.Fatalf("%d templates, want %d", len(ts), len(models.NoticeEvents)*3)
	}
	for _, tp := range ts {
		if err := models.CheckNoticeTemplate(tp.Event, tp.Subject, tp.Body); err != nil {
			t.Errorf("built-in %s/%s: %v", tp.Event, tp.Lang, err)
		}
	}
}

func TestPreviewNotice(t *testing.T) {
	subj, body, err := models.PreviewNotice("topup", "zh-CN", "充值{{amount}}到账", "{{member}}充值{{amount}}，赠送{{bonus}}",
		at(2026, 11, 2, 9, 30), shanghai)
	if err != nil {
		t.Fatal(err)
	}
	if subj != "充值¥1,280.00到账" || body != "张小明充值¥1,280.00，赠送¥100.00" {
		t.Fatalf("preview = %q / %q", subj, body)
	}
	if _, _, err := models.PreviewNotice("topup", "zh-CN", "", "{{code}}", time.Now(), shanghai); !errors.Is(err, models.ErrNoticeUnknownVar) {
		t.Fatalf("preview of a bad template: %v", err)
	}
}

// newWorker builds a worker on a settable clock.
func newWorker(db *models.DB, clock *time.Time, cfg models.NotifyConfig) *models.Worker {
	cfg.Loc = shanghai
	cfg.School = "星星幼儿园"
	return models.NewWorker(db, cfg, func() time.Time { return *clock })
}

func TestWorkerEmailOverRealSMTPInChinese(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		sink := newSMTPSink(t)
		f := addFamily(t, db, "SUN", "王丽", "13912345678", "张小明", "2020-05-01")
		now := at(2026, 11, 2, 8, 5)
		if err := models.SaveNotifyPrefs(ctx, db.W, now, models.NotifyPrefs{GuardianID: f.GuardianID, Channel: models.ChannelEmail,
			Email: "wangli@example.cn", Lang: "zh-CN", QuietEnabled: true, QuietStart: 1320, QuietEnd: 420}); err != nil {
			t.Fatal(err)
		}
		enqueue(t, db, now, models.Notice{Event: "arrival", MemberID: f.MemberID, DedupeKey: "arrival:1",
			Data: map[string]any{"at": now.Format(time.RFC3339)}})
		w := newWorker(db, &now, models.NotifyConfig{Email: sink.channel(), SMS: models.LogSMS{}})
		if n, err := w.RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("RunOnce = %d, %v", n, err)
		}
		got := sink.mails()
		if len(got) != 1 {
			t.Fatalf("%d mails received", len(got))
		}
		m := got[0]
		rows := outboxRows(t, db)
		if m.Subject != "张小明已到校" {
			t.Errorf("subject %q", m.Subject)
		}
		if want := "【星星幼儿园】王丽您好，张小明已于08:05到达阳光校区SUN，请放心。"; m.Body != want {
			t.Errorf("body %q, want %q", m.Body, want)
		}
		if m.MessageID != fmtID(rows[0].ID)+"@starcard" || len(m.To) != 1 || m.To[0] != "wangli@example.cn" {
			t.Errorf("message id %q to %v", m.MessageID, m.To)
		}
		if rows[0].Status != models.OutboxSent || rows[0].Channel != models.ChannelEmail || rows[0].Recipient != "w***@example.cn" {
			t.Errorf("row %+v", rows[0])
		}
		inbox, err := models.ListInbox(ctx, db.R, f.GuardianID, 10)
		if err != nil || len(inbox) != 1 || inbox[0].Title != "张小明已到校" {
			t.Fatalf("inbox %+v %v", inbox, err)
		}
	})
}

// Cancel the worker in the middle of a batch and start a new one: every
// notice reaches the real SMTP server exactly once.
func TestWorkerKilledMidBatchSendsEachOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		sink := newSMTPSink(t)
		sink.delay = 15 * time.Millisecond
		now := at(2026, 11, 2, 10, 0)
		const n = 24
		for i := 0; i < n; i++ {
			f := addFamily(t, db, "SUN", fmt.Sprintf("家长%d", i), fmt.Sprintf("139%08d", i), fmt.Sprintf("孩子%d", i), "")
			if err := models.SaveNotifyPrefs(ctx, db.W, now, models.NotifyPrefs{GuardianID: f.GuardianID, Channel: models.ChannelEmail,
				Email: fmt.Sprintf("p%d@example.cn", i), Lang: "zh-CN", QuietEnabled: true, QuietStart: 1320, QuietEnd: 420}); err != nil {
				t.Fatal(err)
			}
			enqueue(t, db, now, models.Notice{Event: "purchase", MemberID: f.MemberID, DedupeKey: fmt.Sprintf("purchase:%d", i),
				Data: map[string]any{"amount": 12800, "points": 128, "balance": 50000}})
		}
		cfg := models.NotifyConfig{Email: sink.channel(), Batch: n}
		killCtx, kill := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = newWorker(db, &now, cfg).RunOnce(killCtx)
		}()
		for len(sink.mails()) < 5 {
			time.Sleep(2 * time.Millisecond)
		}
		kill()
		<-done
		first := len(sink.mails())
		if first >= n {
			t.Fatalf("the worker was not interrupted mid-batch (%d sent)", first)
		}
		// A new worker (a restarted process) picks up what is left.
		w2 := newWorker(db, &now, cfg)
		for {
			k, err := w2.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				break
			}
		}
		ids := sink.byID()
		if len(ids) != n {
			for _, r := range outboxRows(t, db) {
				t.Logf("row %d %s attempts %d err %q next %s", r.ID, r.Status, r.Attempts, r.LastError, r.NextAttemptAt)
			}
			t.Fatalf("%d distinct messages received, want %d (first worker sent %d)", len(ids), n, first)
		}
		for id, c := range ids {
			if c != 1 {
				t.Errorf("%s received %d times", id, c)
			}
		}
		for _, r := range outboxRows(t, db) {
			if r.Status != models.OutboxSent || r.Attempts != 1 {
				t.Errorf("row %d: %s after %d attempts", r.ID, r.Status, r.Attempts)
			}
		}
		if m := sink.mails()[0]; !strings.Contains(m.Body, "消费¥128.00，获得128积分，储值余额¥500.00") {
			t.Errorf("body %q", m.Body)
		}
	})
}

// A worker that dies after handing a message to the provider but before
// recording it leaves a lease; after the lease another worker sends it again
// with the same message id, which the provider uses to drop the duplicate.
func TestWorkerCrashAfterSendRetriesWithSameID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := addFamily(t, db, "SUN", "李华", "13800001111", "李小白", "")
		now := at(2026, 11, 2, 10, 0)
		enqueue(t, db, now, models.Notice{Event: "topup", MemberID: f.MemberID, DedupeKey: "topup:9",
			Data: map[string]any{"amount": 100000, "bonus": 10000, "balance": 110000}})
		sms := &countingChannel{}
		// The dead worker claimed the row (lease of one minute) and the
		// provider accepted the message before the process died.
		var claimedID int64
		if err := db.W.Raw("SELECT id FROM outbox").Scan(&claimedID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.W.Exec("UPDATE outbox SET status = 'sending', lease_holder = 'dead-worker', attempts = 1, next_attempt_at = ? WHERE id = ?",
			now.Add(time.Minute), claimedID).Error; err != nil {
			t.Fatal(err)
		}
		_ = sms.Send(ctx, models.Message{ID: fmtID(claimedID)}) // the provider already has it
		w := newWorker(db, &now, models.NotifyConfig{SMS: sms, Lease: time.Minute})
		if k, _ := w.RunOnce(ctx); k != 0 {
			t.Fatalf("a leased row was claimed before its lease ended")
		}
		now = now.Add(61 * time.Second)
		if k, err := w.RunOnce(ctx); k != 1 || err != nil {
			t.Fatalf("after the lease: %d, %v", k, err)
		}
		if c := sms.counts(); len(c) != 1 || c[fmtID(claimedID)] != 2 {
			t.Fatalf("provider saw %v; want the same id twice (so it can drop the repeat)", c)
		}
		r := outboxRows(t, db)[0]
		if r.Status != models.OutboxSent || r.Attempts != 2 || !strings.Contains(r.Preview, "充值¥1,000.00已到账") {
			t.Fatalf("row %+v", r)
		}
	})
}

func TestWorkerBackoffDeadLetterAndResend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := addFamily(t, db, "SUN", "赵敏", "13700002222", "赵小宝", "")
		now := at(2026, 11, 2, 10, 0)
		enqueue(t, db, now, models.Notice{Event: "tier_change", MemberID: f.MemberID, DedupeKey: "tier:1",
			Data: map[string]any{"tier": "gold"}})
		sms := &countingChannel{fail: errFlaky}
		w := newWorker(db, &now, models.NotifyConfig{SMS: sms, MaxAttempts: 3, Backoff: time.Minute})
		wantWait := []time.Duration{time.Minute, 2 * time.Minute}
		for i := 0; i < 3; i++ {
			if k, _ := w.RunOnce(ctx); k != 1 {
				t.Fatalf("attempt %d: claimed %d", i+1, k)
			}
			r := outboxRows(t, db)[0]
			if i < 2 {
				if r.Status != models.OutboxFailed || !r.NextAttemptAt.Equal(now.Add(wantWait[i])) || r.LastError == "" {
					t.Fatalf("attempt %d: %s next %s err %q", i+1, r.Status, r.NextAttemptAt, r.LastError)
				}
				if k, _ := w.RunOnce(ctx); k != 0 {
					t.Fatalf("retried before its backoff")
				}
				now = r.NextAttemptAt
			} else if r.Status != models.OutboxDead || r.Attempts != 3 {
				t.Fatalf("after the last attempt: %s, %d attempts", r.Status, r.Attempts)
			}
		}
		items, err := models.ListOutbox(ctx, db.R, models.OutboxFilter{Status: models.OutboxDead})
		if err != nil || len(items) != 1 || items[0].GuardianName != "赵敏" || items[0].MemberName != "赵小宝" {
			t.Fatalf("dead letters %+v %v", items, err)
		}
		admin := models.Actor{Type: "staff", ID: 1}
		if err := models.ResendNotice(ctx, db, now, admin, items[0].ID); err != nil {
			t.Fatal(err)
		}
		sms.fail = nil
		if k, _ := w.RunOnce(ctx); k != 1 {
			t.Fatal("resent notice not claimed")
		}
		r := outboxRows(t, db)[0]
		if r.Status != models.OutboxSent || sms.msgs[0].Body != "【星星幼儿园】赵小宝的会员等级已变更为金卡。" {
			t.Fatalf("after resend: %s %+v", r.Status, sms.msgs)
		}
		if err := models.ResendNotice(ctx, db, now, admin, r.ID); !errors.Is(err, models.ErrOutboxNotResendable) {
			t.Fatalf("resending a sent notice: %v", err)
		}
	})
}

func TestWorkerQuietHoursAndOptOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := addFamily(t, db, "SUN", "孙芳", "13600003333", "孙小雨", "")
		late := at(2026, 11, 2, 23, 10)
		enqueue(t, db, late, models.Notice{Event: "purchase", MemberID: f.MemberID, DedupeKey: "purchase:1",
			Data: map[string]any{"amount": 5000, "points": 50, "balance": 0}})
		enqueue(t, db, late, models.Notice{Event: "arrival", MemberID: f.MemberID, DedupeKey: "arrival:1"})
		enqueue(t, db, late, models.Notice{Event: "otp", GuardianID: f.GuardianID, DedupeKey: "otp:1",
			Data: map[string]any{"code": "482913", "minutes": 5}})
		sms := &countingChannel{}
		now := late
		w := newWorker(db, &now, models.NotifyConfig{SMS: sms})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		byEvent := map[string]models.OutboxRow{}
		for _, r := range outboxRows(t, db) {
			byEvent[r.Event] = r
		}
		if r := byEvent["purchase"]; r.Status != models.OutboxPending || !r.NextAttemptAt.Equal(at(2026, 11, 3, 7, 0)) || r.Attempts != 0 {
			t.Fatalf("purchase at 23:10 should wait for 07:00: %+v", r)
		}
		if byEvent["arrival"].Status != models.OutboxSent || byEvent["otp"].Status != models.OutboxSent {
			t.Fatalf("arrival and OTP ignore quiet hours: %s / %s", byEvent["arrival"].Status, byEvent["otp"].Status)
		}
		if strings.Contains(byEvent["otp"].Data, "482913") {
			t.Fatalf("the sent one-time code is still stored in the outbox: %s", byEvent["otp"].Data)
		}
		if inbox, _ := models.ListInbox(ctx, db.R, f.GuardianID, 10); len(inbox) != 1 {
			t.Fatalf("inbox has %d messages; the one-time code must not be there", len(inbox))
		}
		now = at(2026, 11, 3, 6, 59)
		if k, _ := w.RunOnce(ctx); k != 0 {
			t.Fatal("sent before quiet hours ended")
		}
		now = at(2026, 11, 3, 7, 0)
		if k, _ := w.RunOnce(ctx); k != 1 {
			t.Fatal("not sent when quiet hours ended")
		}
		// A guardian who turned quiet hours off gets it at once; one who
		// opted out of marketing gets no birthday greeting.
		if err := models.SaveNotifyPrefs(ctx, db.W, now, models.NotifyPrefs{GuardianID: f.GuardianID, Channel: models.ChannelSMS,
			Lang: "en", QuietEnabled: false, MarketingOptOut: true}); err != nil {
			t.Fatal(err)
		}
		now = at(2026, 11, 3, 23, 30)
		enqueue(t, db, now, models.Notice{Event: "points_earned", MemberID: f.MemberID, DedupeKey: "earn:1",
			Data: map[string]any{"points": 20, "balance": 70, "reason": "attendance"}})
		enqueue(t, db, now, models.Notice{Event: "birthday", MemberID: f.MemberID, DedupeKey: "birthday:1"})
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		byEvent = map[string]models.OutboxRow{}
		for _, r := range outboxRows(t, db) {
			byEvent[r.Event] = r
		}
		if r := byEvent["points_earned"]; r.Status != models.OutboxSent || r.Preview != "[星星幼儿园] 孙小雨 earned 20 points (attendance). Balance: 70." {
			t.Fatalf("points notice: %s %q", r.Status, r.Preview)
		}
		if r := byEvent["birthday"]; r.Status != models.OutboxSkipped {
			t.Fatalf("birthday greeting to an opted-out guardian: %s", r.Status)
		}
		if c := sms.counts(); len(c) != 4 {
			t.Fatalf("sms sent %d, want 4 (arrival, otp, purchase, points)", len(c))
		}
	})
}

func TestMonthlyMessageStats(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	f := addFamily(t, db, "SUN", "周琳", "13500004444", "周小天", "")
	now := at(2026, 11, 30, 15, 0)
	for i := 0; i < 3; i++ {
		enqueue(t, db, now, models.Notice{Event: "arrival", MemberID: f.MemberID, DedupeKey: fmt.Sprintf("a:%d", i)})
	}
	enqueue(t, db, now, models.Notice{Event: "topup", MemberID: f.MemberID, DedupeKey: "t:1"})
	enqueue(t, db, at(2026, 12, 1, 0, 30), models.Notice{Event: "arrival", MemberID: f.MemberID, DedupeKey: "dec"})
	w := newWorker(db, &now, models.NotifyConfig{SMS: &countingChannel{}})
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.W.Exec("UPDATE outbox SET status = 'dead', channel = 'sms' WHERE event = 'topup'").Error; err != nil {
		t.Fatal(err)
	}
	st, err := models.MonthlyMessageStats(ctx, db.R, at(2026, 11, 15, 0, 0), shanghai)
	if err != nil {
		t.Fatal(err)
	}
	want := []models.MessageStat{{Event: "arrival", Channel: "sms", Delivered: 3}, {Event: "topup", Channel: "sms", Failed: 1}}
	if len(st.Rows) != 2 || st.Rows[0] != want[0] || st.Rows[1] != want[1] || st.Total.Delivered != 3 || st.Total.Failed != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// Two app instances on one MySQL database: every notice is sent once.
func TestTwoWorkersOnMySQLNoDoubleSends(t *testing.T) {
	spec := dbtest.MySQLSpec(t)
	if spec == "" {
		t.Skip("MySQL not configured")
	}
	a, b := openSpec(t, spec), openSpec(t, spec)
	ctx := context.Background()
	now := at(2026, 11, 2, 10, 0)
	const n = 120
	for i := 0; i < n/2; i++ {
		f := addFamily(t, a, "SUN", fmt.Sprintf("家长%d", i), fmt.Sprintf("139%08d", i), fmt.Sprintf("孩子%d", i), "")
		enqueue(t, a, now, models.Notice{Event: "arrival", MemberID: f.MemberID, DedupeKey: fmt.Sprintf("arrival:%d", i)})
		enqueue(t, a, now, models.Notice{Event: "purchase", MemberID: f.MemberID, DedupeKey: fmt.Sprintf("purchase:%d", i)})
	}
	sms := &countingChannel{}
	var wg sync.WaitGroup
	for _, db := range []*models.DB{a, b, a, b} {
		w := newWorker(db, &now, models.NotifyConfig{SMS: sms, Batch: 7})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, err := w.RunOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if k == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	c := sms.counts()
	if len(c) != n {
		t.Fatalf("%d distinct notices sent, want %d", len(c), n)
	}
	for id, k := range c {
		if k != 1 {
			t.Errorf("%s sent %d times", id, k)
		}
	}
}
