package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// NotifyConfig configures delivery. Zero values take the defaults noted.
type NotifyConfig struct {
	SMS         Channel // nil: no SMS; notices go to the inbox only
	Email       Channel // nil: no e-mail
	School      string  // the school's name in messages; default 星卡
	Loc         *time.Location
	QuietStart  int           // minutes after midnight; see DefaultQuietStart
	QuietEnd    int           // see DefaultQuietEnd
	Lease       time.Duration // how long a claimed row is ours; default 2 min
	MaxAttempts int           // then dead letter; default 8
	Backoff     time.Duration // first retry delay, doubling, capped at 6 h; default 30 s
	Batch       int           // rows claimed at once; default 20
	SendTimeout time.Duration // per message; default 30 s
	// Secret opens the one-time codes notices carry sealed (the server's
	// signing secret); without it such a notice cannot be sent.
	Secret []byte
}

func (c *NotifyConfig) defaults() {
	if c.School == "" {
		c.School = "星卡"
	}
	if c.Loc == nil {
		c.Loc = time.UTC
	}
	if c.QuietStart == 0 && c.QuietEnd == 0 {
		c.QuietStart, c.QuietEnd = DefaultQuietStart, DefaultQuietEnd
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 30 * time.Second
	}
}

// Worker delivers the outbox. Several workers (in one process or on several
// instances sharing one MySQL database) may run at once: each claims rows
// with FOR UPDATE SKIP LOCKED and marks them as its own, with a lease, before
// sending, so a row is sent by one worker; a worker that dies mid-send leaves
// a lease that runs out, and the row is sent again with the same message id.
type Worker struct {
	DB     *DB
	Cfg    NotifyConfig
	Now    func() time.Time
	Holder string

	consentOnce  sync.Once
	consentTable bool
}

// NewWorker builds a worker with a unique holder name.
func NewWorker(db *DB, cfg NotifyConfig, now func() time.Time) *Worker {
	cfg.defaults()
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	holder := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	if len(holder) > 60 {
		holder = holder[len(holder)-60:]
	}
	return &Worker{DB: db, Cfg: cfg, Now: now, Holder: holder}
}

// Run delivers until ctx ends, polling every interval and going straight on
// while there is a backlog.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			slog.Error("notify: worker", "err", err)
		}
		if ctx.Err() != nil {
			return
		}
		if n >= w.Cfg.Batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims one batch of due notices and delivers them; it returns how
// many it claimed. When ctx is cancelled mid-batch, the message being sent is
// finished and recorded, and the rest are handed back to the queue at once.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	rows, err := w.claim(ctx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	for i, r := range rows {
		if ctx.Err() != nil {
			w.release(rows[i:])
			return len(rows), ctx.Err()
		}
		// A claimed row is seen through even if ctx ends meanwhile: stopping
		// the worker must not leave a message delivered but unrecorded, nor
		// count a shutdown as a failed attempt.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.Cfg.SendTimeout+15*time.Second)
		err := w.deliver(dctx, r)
		cancel()
		if err != nil {
			slog.Error("notify: deliver", "outbox_id", r.ID, "err", err)
		}
	}
	return len(rows), nil
}

func (w *Worker) claim(ctx context.Context) ([]OutboxRow, error) {
	now := w.Now()
	var rows []OutboxRow
	err := w.DB.Tx(ctx, func(tx *gorm.DB) error {
		rows = nil
		q := `SELECT id FROM outbox WHERE status IN ('pending', 'failed', 'sending') AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?`
		if w.DB.Dialect == MySQL {
			q += " FOR UPDATE SKIP LOCKED"
		}
		var ids []int64
		if err := tx.Raw(q, now, w.Cfg.Batch).Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Model(&OutboxRow{}).Where("id IN ?", ids).Updates(map[string]any{
			"status": OutboxSending, "lease_holder": w.Holder, "next_attempt_at": now.Add(w.Cfg.Lease),
			"attempts": gorm.Expr("attempts + 1")}).Error; err != nil {
			return err
		}
		return tx.Where("id IN ?", ids).Order("id").Find(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("models: claim outbox: %w", err)
	}
	return rows, nil
}

// release hands claimed rows back without counting an attempt.
func (w *Worker) release(rows []OutboxRow) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := w.DB.W.WithContext(ctx).Model(&OutboxRow{}).
		Where("id IN ? AND status = ? AND lease_holder = ?", ids, OutboxSending, w.Holder).
		Updates(map[string]any{"status": OutboxPending, "lease_holder": "", "next_attempt_at": w.Now(),
			"attempts": gorm.Expr("attempts - 1")}).Error
	if err != nil {
		slog.Error("notify: release claimed rows", "err", err)
	}
}

// recipient is who a notice goes to, with their preferences.
type recipient struct {
	name  string
	phone string
	prefs NotifyPrefs
}

func (w *Worker) recipientOf(ctx context.Context, r OutboxRow) (recipient, bool, error) {
	var rc recipient
	def := DefaultNotifyPrefs(w.Cfg.QuietStart, w.Cfg.QuietEnd)
	db := w.DB.W.WithContext(ctx)
	var err error
	if r.StaffID > 0 {
		var s StaffUser
		if err := db.Where("id = ?", r.StaffID).Take(&s).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return rc, false, nil
			}
			return rc, false, err
		}
		// Staff read notices in their inbox; with a phone or an e-mail on
		// their account they also get them by SMS or e-mail.
		rc.name, rc.phone = s.Name, s.Phone
		switch {
		case s.Phone != "":
			def.Channel = ChannelSMS
		case s.Email != "":
			def.Channel, def.Email = ChannelEmail, s.Email
		default:
			def.Channel = ChannelInbox
		}
		rc.prefs, err = LoadNotifyPrefs(ctx, w.DB.W, 0, r.StaffID, def)
		return rc, true, err
	}
	var g struct {
		Name  string
		Phone string
	}
	res := db.Raw("SELECT name, phone FROM guardians WHERE id = ?", r.GuardianID).Scan(&g)
	if res.Error != nil {
		return rc, false, res.Error
	}
	if res.RowsAffected == 0 {
		return rc, false, nil
	}
	rc.name, rc.phone = g.Name, g.Phone
	rc.prefs, err = LoadNotifyPrefs(ctx, w.DB.W, r.GuardianID, 0, def)
	return rc, true, err
}

// marketingAllowed: greetings and campaigns go only to guardians who did not
// opt out and, where the consent register exists, hold a consent that was
// not withdrawn (PIPL).
func (w *Worker) marketingAllowed(ctx context.Context, guardianID int64, p NotifyPrefs) (bool, error) {
	if p.MarketingOptOut {
		return false, nil
	}
	w.consentOnce.Do(func() { w.consentTable = tableExists(ctx, w.DB, "consent_grants") })
	if !w.consentTable {
		return true, nil
	}
	var n int64
	err := w.DB.W.WithContext(ctx).Raw("SELECT COUNT(*) FROM consent_grants WHERE guardian_id = ? AND withdrawn_at IS NULL",
		guardianID).Scan(&n).Error
	return n > 0, err
}

func tableExists(ctx context.Context, db *DB, name string) bool {
	var n int64
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if db.Dialect == MySQL {
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	}
	if err := db.W.WithContext(ctx).Raw(q, name).Scan(&n).Error; err != nil {
		return false
	}
	return n > 0
}

// deliver handles one claimed row: skip, defer for quiet hours, or render,
// copy to the inbox, send and record.
func (w *Worker) deliver(ctx context.Context, r OutboxRow) error {
	now := w.Now()
	ev, ok := NoticeEventByName(r.Event)
	if !ok {
		return w.finish(r, OutboxDead, "", "", "", "unknown event "+r.Event)
	}
	rc, found, err := w.recipientOf(ctx, r)
	if err != nil {
		return w.fail(r, "", err)
	}
	if !found {
		return w.finish(r, OutboxDead, "", "", "", "recipient not found")
	}
	if ev.PhoneVar != "" {
		var d map[string]any
		_ = json.Unmarshal([]byte(r.Data), &d)
		to, _ := d[ev.PhoneVar].(string)
		if to == "" {
			return w.finish(r, OutboxDead, "", "", "", "no number to send to")
		}
		rc.phone = to
	}
	if ev.Marketing {
		ok, err := w.marketingAllowed(ctx, r.GuardianID, rc.prefs)
		if err != nil {
			return w.fail(r, "", err)
		}
		if !ok {
			return w.finish(r, OutboxSkipped, "", "", "", "marketing opt-out or no consent")
		}
	}
	if !ev.Urgent && rc.prefs.QuietEnabled {
		if until, quiet := InQuietHours(now, w.Cfg.Loc, rc.prefs.QuietStart, rc.prefs.QuietEnd); quiet {
			return w.postpone(r, until)
		}
	}
	lang := rc.prefs.Lang
	vars, err := w.vars(ctx, ev, r, rc, lang)
	if err != nil {
		return w.fail(r, "", err)
	}
	tpl, err := NoticeTemplateFor(ctx, w.DB.W, r.Event, lang)
	if err != nil {
		return w.fail(r, "", err)
	}
	subject, body := RenderNoticeText(tpl.Subject, vars), RenderNoticeText(tpl.Body, vars)
	// What people and logs see: the same text with any one-time code masked.
	redacted := body
	if _, ok := vars["code"]; ok {
		masked := make(map[string]string, len(vars))
		for k, x := range vars {
			masked[k] = x
		}
		masked["code"] = MaskedCode
		redacted = RenderNoticeText(tpl.Body, masked)
	}
	if !ev.SMSOnly {
		in := InboxMessage{OutboxID: r.ID, GuardianID: r.GuardianID, StaffID: r.StaffID, MemberID: r.MemberID,
			Event: r.Event, Title: subject, Body: body, CreatedAt: now}
		if err := w.DB.W.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&in).Error; err != nil {
			return w.fail(r, "", err)
		}
	}
	name, ch, to := w.route(ev, rc)
	preview := redacted
	if name == "" {
		if ev.SMSOnly {
			return w.finish(r, OutboxDead, "", "", "", "no SMS provider configured")
		}
		return w.finish(r, OutboxSent, ChannelInbox, "", clip(preview), "")
	}
	msg := Message{ID: fmt.Sprintf("starcard-outbox-%d", r.ID), OutboxID: r.ID, Event: r.Event, Lang: lang, To: to,
		Subject: subject, Body: body, Vars: vars, Redacted: redacted}
	sctx, cancel := context.WithTimeout(ctx, w.Cfg.SendTimeout)
	defer cancel()
	if err := ch.Send(sctx, msg); err != nil {
		if errors.Is(err, ErrPermanent) {
			return w.finish(r, OutboxDead, name, maskAddress(to), "", err.Error())
		}
		return w.fail(r, name, err)
	}
	if kt, ok := ch.(textKeeper); (!ok || !kt.KeepsText()) && ev.SMSOnly {
		preview = "" // with a real provider not even the masked text is kept
	}
	if err := w.finish(r, OutboxSent, name, maskAddress(to), clip(preview), ""); err != nil {
		return err
	}
	if ev.SMSOnly {
		// Once sent, the code itself is not kept in the notice's data.
		return w.DB.W.WithContext(ctx).Model(&OutboxRow{}).Where("id = ?", r.ID).Update("data", "{}").Error
	}
	return nil
}

// route picks the external channel: one-time codes by SMS; otherwise the
// recipient's choice when it can be honoured, else SMS, else the inbox only.
func (w *Worker) route(ev NoticeEvent, rc recipient) (string, Channel, string) {
	if ev.SMSOnly {
		if w.Cfg.SMS != nil && rc.phone != "" {
			return ChannelSMS, w.Cfg.SMS, rc.phone
		}
		return "", nil, ""
	}
	p := rc.prefs
	if p.Channel == ChannelInbox {
		return "", nil, ""
	}
	if p.Channel == ChannelEmail && w.Cfg.Email != nil && p.Email != "" {
		return ChannelEmail, w.Cfg.Email, p.Email
	}
	if w.Cfg.SMS != nil && rc.phone != "" {
		return ChannelSMS, w.Cfg.SMS, rc.phone
	}
	return "", nil, ""
}

var tierNames = map[string]map[string]string{
	"silver":   {"zh-CN": "银卡", "zh-TW": "銀卡", "en": "Silver"},
	"gold":     {"zh-CN": "金卡", "zh-TW": "金卡", "en": "Gold"},
	"platinum": {"zh-CN": "铂金卡", "zh-TW": "鉑金卡", "en": "Platinum"},
}

// vars builds a template's variables: the common ones from the database,
// then the notice's own data (amounts in fen shown as ¥).
func (w *Worker) vars(ctx context.Context, ev NoticeEvent, r OutboxRow, rc recipient, lang string) (map[string]string, error) {
	at := r.CreatedAt.In(w.Cfg.Loc)
	// The school's own name (its settings) wins over the -school-name flag.
	school := w.Cfg.School
	if sch, err := GetSchool(ctx, w.DB.W); err != nil {
		return nil, err
	} else if sch.Name != "" {
		school = sch.DisplayName(school)
	}
	v := map[string]string{"school": school, "guardian": rc.name, "staff": rc.name,
		"date": at.Format("2006-01-02"), "time": at.Format("15:04")}
	if r.MemberID > 0 {
		var m struct{ Name, Campus string }
		err := w.DB.W.WithContext(ctx).Raw(`SELECT m.name AS name, COALESCE(c.name, '') AS campus FROM members m
			LEFT JOIN campuses c ON c.id = m.campus_id WHERE m.id = ?`, r.MemberID).Scan(&m).Error
		if err != nil {
			return nil, err
		}
		v["member"], v["campus"] = m.Name, m.Campus
	}
	data := map[string]any{}
	if r.Data != "" && r.Data != "null" {
		d := json.NewDecoder(strings.NewReader(r.Data))
		d.UseNumber()
		if err := d.Decode(&data); err != nil {
			return nil, fmt.Errorf("notice data: %w", err)
		}
	}
	if sealed, ok := data[sealedCodeVar].(string); ok {
		code, err := OpenCode(w.Cfg.Secret, sealed)
		if err != nil {
			return nil, fmt.Errorf("notice data: %w", err)
		}
		delete(data, sealedCodeVar)
		v["code"] = code
	}
	for k, val := range data {
		switch x := val.(type) {
		case json.Number:
			n, err := x.Int64()
			if err != nil {
				v[k] = x.String()
			} else if notifyHas(ev.Money, k) {
				v[k] = fenText(n)
			} else {
				v[k] = strconv.FormatInt(n, 10)
			}
		case string:
			v[k] = x
		case bool:
			v[k] = strconv.FormatBool(x)
		case nil:
		default:
			b, _ := json.Marshal(x)
			v[k] = string(b)
		}
	}
	if s, ok := data["at"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			v["date"], v["time"] = t.In(w.Cfg.Loc).Format("2006-01-02"), t.In(w.Cfg.Loc).Format("15:04")
		}
	}
	if names, ok := tierNames[v["tier"]]; ok {
		v["tier"] = names[lang]
	}
	for name, codes := range noticeVarNames {
		if names, ok := codes[v[name]]; ok {
			if txt, ok := names[lang]; ok {
				v[name] = txt
			} else {
				v[name] = names["zh-CN"]
			}
		}
	}
	return v, nil
}

// fenText formats fen as ¥1,234.56 (the same as the views' money).
func fenText(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	s := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprintf("%s¥%s.%02d", sign, b.String(), fen%100)
}

func maskAddress(to string) string {
	if at := strings.IndexByte(to, '@'); at > 0 {
		return to[:1] + "***" + to[at:]
	}
	if len(to) >= 7 {
		return to[:3] + strings.Repeat("*", len(to)-7) + to[len(to)-4:]
	}
	return strings.Repeat("*", len(to))
}

func clip(s string) string {
	r := []rune(s)
	if len(r) > 990 {
		return string(r[:990]) + "…"
	}
	return s
}

// finish records a final outcome, if the row is still ours.
func (w *Worker) finish(r OutboxRow, status, channel, to, preview, lastErr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := w.Now()
	up := map[string]any{"status": status, "lease_holder": "", "channel": channel, "recipient": to,
		"preview": preview, "last_error": clip(lastErr), "next_attempt_at": now}
	if status == OutboxSent {
		up["sent_at"] = now
	}
	return w.update(ctx, r, up)
}

// fail schedules a retry with exponential backoff, or dead-letters the row
// when its attempts are used up.
func (w *Worker) fail(r OutboxRow, channel string, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if r.Attempts >= w.Cfg.MaxAttempts {
		return w.update(ctx, r, map[string]any{"status": OutboxDead, "lease_holder": "", "channel": channel,
			"last_error": clip(cause.Error())})
	}
	return w.update(ctx, r, map[string]any{"status": OutboxFailed, "lease_holder": "", "channel": channel,
		"last_error": clip(cause.Error()), "next_attempt_at": w.Now().Add(NoticeBackoff(w.Cfg.Backoff, r.Attempts))})
}

// postpone moves a notice to the end of the recipient's quiet hours without
// using up an attempt.
func (w *Worker) postpone(r OutboxRow, until time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return w.update(ctx, r, map[string]any{"status": OutboxPending, "lease_holder": "", "next_attempt_at": until,
		"attempts": gorm.Expr("attempts - 1")})
}

func (w *Worker) update(ctx context.Context, r OutboxRow, up map[string]any) error {
	err := w.DB.W.WithContext(ctx).Model(&OutboxRow{}).
		Where("id = ? AND status = ? AND lease_holder = ?", r.ID, OutboxSending, w.Holder).Updates(up).Error
	if err != nil {
		return fmt.Errorf("models: record outbox %d: %w", r.ID, err)
	}
	return nil
}

// NoticeBackoff is the delay before retry n (1-based): base, 2×base, 4×base…
// capped at six hours.
func NoticeBackoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < 6*time.Hour; i++ {
		d *= 2
	}
	if d > 6*time.Hour {
		d = 6 * time.Hour
	}
	return d
}
