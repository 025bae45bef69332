package models

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one rendered notice on its way to a provider. ID is stable for
// the outbox row ("starcard-outbox-<id>"), so a provider that supports it
// drops a resend after a crash instead of delivering twice.
type Message struct {
	ID         string
	OutboxID   int64
	Event      string
	Lang       string
	To         string // phone number or e-mail address
	Subject    string
	Body       string
	TemplateID string            // the provider's template for this event (SMS)
	Vars       map[string]string // template variables, for providers that fill their own template
	Redacted   string            // Body with any one-time code as ******: for logs and previews
}

// Channel delivers messages of one kind (SMS or e-mail).
type Channel interface {
	Send(ctx context.Context, m Message) error
}

// ErrPermanent marks a send that will never succeed (a refused address, a
// rejected template): the notice goes to the dead letters at once.
var ErrPermanent = errors.New("permanent delivery failure")

// textKeeper is implemented by channels whose messages the outbox page
// should show in full (the development log provider: one-time codes are
// read there).
type textKeeper interface{ KeepsText() bool }

// LogSMS is the development SMS provider: it sends nothing, logs the text
// (a one-time code as ******), and the outbox page shows it so.
type LogSMS struct{}

// Send logs the message.
func (LogSMS) Send(_ context.Context, m Message) error {
	slog.Info("sms (log provider)", "id", m.ID, "to", m.To, "event", m.Event, "text", m.Redacted)
	return nil
}

// KeepsText says the outbox page shows this provider's messages in full.
func (LogSMS) KeepsText() bool { return true }

// HTTPSMS sends through an SMS provider's HTTP API (a JSON POST with a
// bearer key). Chinese providers send pre-approved templates, so the request
// carries the provider's template id for the event and the variables, plus
// the rendered text for providers that take free text.
type HTTPSMS struct {
	URL       string
	Key       string
	Sign      string            // the registered signature (签名), e.g. "星卡"
	Templates map[string]string // event → provider template id
	Client    *http.Client
}

type smsRequest struct {
	MessageID  string            `json:"message_id"`
	Phone      string            `json:"phone"`
	Sign       string            `json:"sign,omitempty"`
	TemplateID string            `json:"template_id,omitempty"`
	Params     map[string]string `json:"params"`
	Text       string            `json:"text"`
}

// Send posts the message. 2xx is delivered; 4xx other than 408/429 is
// permanent; anything else is retried.
func (h *HTTPSMS) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(smsRequest{MessageID: m.ID, Phone: m.To, Sign: h.Sign,
		TemplateID: h.Templates[m.Event], Params: m.Vars, Text: m.Body})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms: %w: %v", ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.ID)
	if h.Key != "" {
		req.Header.Set("Authorization", "Bearer "+h.Key)
	}
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != 408 && resp.StatusCode != 429:
		return fmt.Errorf("sms: %w: provider answered %d: %s", ErrPermanent, resp.StatusCode, msg)
	}
	return fmt.Errorf("sms: provider answered %d: %s", resp.StatusCode, msg)
}

// SMTPMail sends e-mail over SMTP with go-mail. The Message-ID header is the
// notice's stable id.
type SMTPMail struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string // "星卡 <noreply@school.cn>"
	// TLS: "mandatory", "opportunistic" (default) or "none".
	TLS     string
	Timeout time.Duration
}

// Send delivers one e-mail in its own SMTP session.
func (s *SMTPMail) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8))
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("email: from: %w: %v", ErrPermanent, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("email: to: %w: %v", ErrPermanent, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID + "@starcard")
	msg.SetGenHeader("X-StarCard-Notice", m.ID)
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	policy := gomail.TLSOpportunistic
	switch s.TLS {
	case "mandatory":
		policy = gomail.TLSMandatory
	case "none":
		policy = gomail.NoTLS
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTLSPolicy(policy), gomail.WithTimeout(timeout)}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.Username),
			gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("email: %w: %v", ErrPermanent, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.Reason == gomail.ErrSMTPRcptTo {
			return fmt.Errorf("email: %w: %v", ErrPermanent, err)
		}
		return fmt.Errorf("email: %w", err)
	}
	return nil
}
