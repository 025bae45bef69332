package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

// A one-time code is sealed in the outbox, sent in clear only to the
// provider, and masked in the preview, the log provider's text and dead
// letters (issue 11).
func TestOneTimeCodesAreNeverStoredInClear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		addFamily(t, db, "SUN", "孙芳", "13600004444", "孙小雨", "")
		secret := []byte("seal-test-secret-seal-test-secret-xx")
		now := time.Date(2026, 1, 5, 3, 0, 0, 0, time.UTC)
		otp := func() (models.OutboxRow, string) {
			if _, err := models.RequestOTP(ctx, db, now, secret, "13600004444", "1.2.3.4"); err != nil {
				t.Fatal(err)
			}
			rows := outboxRows(t, db)
			r := rows[len(rows)-1]
			code := models.NoticeCode(secret, r.Data)
			if len(code) != 6 || strings.Contains(r.Data, code) {
				t.Fatalf("code %q stored as %q", code, r.Data)
			}
			return r, code
		}
		// No SMS provider: a dead letter, still sealed.
		r, code := otp()
		if _, err := newWorker(db, &now, models.NotifyConfig{Secret: secret}).RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		for _, x := range outboxRows(t, db) {
			if x.ID == r.ID && (x.Status != models.OutboxDead || strings.Contains(x.Data+x.Preview+x.LastError, code)) {
				t.Fatalf("dead letter: %+v", x)
			}
		}
		// The log provider: the provider gets the code, the page and the log do not.
		now = now.Add(2 * time.Minute)
		r, code = otp()
		sms := &redactionChannel{}
		if _, err := newWorker(db, &now, models.NotifyConfig{Secret: secret, SMS: sms}).RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if len(sms.got) != 1 || !strings.Contains(sms.got[0].Body, code) || strings.Contains(sms.got[0].Redacted, code) ||
			!strings.Contains(sms.got[0].Redacted, models.MaskedCode) {
			t.Fatalf("message: %+v", sms.got)
		}
		for _, x := range outboxRows(t, db) {
			if x.ID == r.ID && (x.Status != models.OutboxSent || strings.Contains(x.Data+x.Preview, code) ||
				!strings.Contains(x.Preview, models.MaskedCode)) {
				t.Fatalf("sent: %+v", x)
			}
		}
	})
}

// redactionChannel records messages and, like the log provider, asks the
// outbox to keep their (masked) text.
type redactionChannel struct{ got []models.Message }

func (c *redactionChannel) Send(_ context.Context, m models.Message) error {
	c.got = append(c.got, m)
	return nil
}

func (c *redactionChannel) KeepsText() bool { return true }
