package models_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"gorm.io/gorm"

	"starcard/models"
)

// smtpSink is a real SMTP server in the test process that keeps every
// message it receives, decoded.
type smtpSink struct {
	mu    sync.Mutex
	got   []sunkMail
	delay time.Duration
	Host  string
	Port  int
}

type sunkMail struct {
	MessageID string
	To        []string
	Subject   string
	Body      string
}

func newSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	s := &smtpSink{}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	s.Host = "127.0.0.1"
	s.Port = ln.Addr().(*net.TCPAddr).Port
	return s
}

func (s *smtpSink) NewSession(_ *smtp.Conn) (smtp.Session, error) { return &sinkSession{sink: s}, nil }

func (s *smtpSink) mails() []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunkMail(nil), s.got...)
}

// byID counts deliveries per Message-ID.
func (s *smtpSink) byID() map[string]int {
	out := map[string]int{}
	for _, m := range s.mails() {
		out[m.MessageID]++
	}
	return out
}

func (s *smtpSink) channel() *models.SMTPMail {
	return &models.SMTPMail{Host: s.Host, Port: s.Port, From: "星卡幼儿园 <noreply@starcard.test>", TLS: "none",
		Timeout: 5 * time.Second}
}

type sinkSession struct {
	sink *smtpSink
	to   []string
}

func (ss *sinkSession) Reset()                               { ss.to = nil }
func (ss *sinkSession) Logout() error                        { return nil }
func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	var body io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(msg.Body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, msg.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if ss.sink.delay > 0 {
		time.Sleep(ss.sink.delay)
	}
	ss.sink.mu.Lock()
	ss.sink.got = append(ss.sink.got, sunkMail{MessageID: strings.Trim(msg.Header.Get("Message-Id"), "<>"),
		To: ss.to, Subject: subject, Body: strings.TrimSpace(string(b))})
	ss.sink.mu.Unlock()
	return nil
}

// countingChannel records message ids; fail makes it return errors.
type countingChannel struct {
	mu   sync.Mutex
	ids  map[string]int
	fail error
	msgs []models.Message
}

func (c *countingChannel) Send(_ context.Context, m models.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil {
		return c.fail
	}
	if c.ids == nil {
		c.ids = map[string]int{}
	}
	c.ids[m.ID]++
	c.msgs = append(c.msgs, m)
	return nil
}

func (c *countingChannel) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.ids {
		out[k] = v
	}
	return out
}

var errFlaky = errors.New("provider unavailable")

type family struct {
	CampusID   int64
	FamilyID   int64
	GuardianID int64
	MemberID   int64
}

// addFamily inserts a campus (once per code), a family with one guardian and
// one child born on birth (YYYY-MM-DD, or "").
func addFamily(t *testing.T, db *models.DB, campusCode, guardian, phone, child, birth string) family {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	var f family
	var cs []models.Campus
	if err := db.W.Where("code = ?", campusCode).Find(&cs).Error; err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		c, err := models.CreateCampus(ctx, db.W, now, campusCode, "阳光校区"+campusCode, "")
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, *c)
	}
	f.CampusID = cs[0].ID
	exec := func(q string, args ...any) int64 {
		t.Helper()
		res := db.W.Exec(q, args...)
		if res.Error != nil {
			t.Fatal(res.Error)
		}
		var id int64
		if err := db.W.Raw("SELECT MAX(id) FROM " + strings.Fields(q)[2]).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.FamilyID = exec("INSERT INTO families (name, created_at, updated_at) VALUES (?, ?, ?)", guardian+"家", now, now)
	f.GuardianID = exec("INSERT INTO guardians (family_id, name, phone, relation, created_at, updated_at) VALUES (?, ?, ?, '妈妈', ?, ?)",
		f.FamilyID, guardian, phone, now, now)
	var bd any
	if birth != "" {
		bd = birth
	}
	f.MemberID = exec("INSERT INTO members (family_id, campus_id, name, birth_date, notes, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?)",
		f.FamilyID, f.CampusID, child, bd, now, now)
	return f
}

func outboxRows(t *testing.T, db *models.DB) []models.OutboxRow {
	t.Helper()
	var rows []models.OutboxRow
	if err := db.W.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

func enqueue(t *testing.T, db *models.DB, now time.Time, n models.Notice) {
	t.Helper()
	if err := db.Tx(context.Background(), func(tx *gorm.DB) error { return models.EnqueueNotice(context.Background(), tx, now, n) }); err != nil {
		t.Fatal(err)
	}
}

func fmtID(id int64) string { return fmt.Sprintf("starcard-outbox-%d", id) }
