package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Header names of a delivery. The signature is "v1=" + hex HMAC-SHA256 of
// "<timestamp>.<body>" with the endpoint's secret; during a rotation a
// second "v1=" with the previous secret follows, separated by a comma.
const (
	HeaderEventID   = "StarCard-Event-Id"
	HeaderEventType = "StarCard-Event-Type"
	HeaderTimestamp = "StarCard-Timestamp"
	HeaderSignature = "StarCard-Signature"
)

// Sign returns the v1 signature of body sent at ts with secret.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify is what a receiver does: the timestamp is at most tolerance old
// (replays are refused) and one v1 signature matches.
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(header.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want := Sign(secret, ts, body)
	for _, s := range strings.Split(header.Get(HeaderSignature), ",") {
		if hmac.Equal([]byte(strings.TrimSpace(s)), []byte(want)) {
			return true
		}
	}
	return false
}

// Worker delivers due webhook rows. Several workers, in one process or on
// several instances, may run at once: a row is claimed (FOR UPDATE SKIP
// LOCKED on MySQL, the immediate write lock on SQLite) and marked with the
// worker's name and a lease before it is sent, so one attempt is made by
// one worker; a worker that dies leaves a lease that runs out, and the row
// is sent again with the same event id.
type Worker struct {
	DB      *models.DB
	Now     func() time.Time
	Holder  string
	Batch   int           // rows claimed at once (20)
	Lease   time.Duration // how long a claimed row is ours (2 min)
	Backoff time.Duration // first retry delay, doubling, capped at 6 h (30 s)
	Timeout time.Duration // per request (10 s)
}

// NewWorker builds a worker with a unique holder name.
func NewWorker(db *models.DB, now func() time.Time) *Worker {
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), newEventID()[4:12])
	if len(holder) > 60 {
		holder = holder[len(holder)-60:]
	}
	return &Worker{DB: db, Now: now, Holder: holder, Batch: 20, Lease: 2 * time.Minute, Backoff: 30 * time.Second,
		Timeout: 10 * time.Second}
}

// Run delivers until ctx ends, polling every interval.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			slog.Error("webhooks: worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Drain delivers batches until no row is due; it returns how many it sent.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		n, err := w.RunOnce(ctx)
		total += n
		if err != nil || n < w.Batch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// RunOnce claims one batch of due deliveries and attempts each once.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	rows, err := w.claim(ctx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	s, err := LoadSettings(ctx, w.DB.R)
	if err != nil {
		return 0, err
	}
	client := newClient(s.AllowPrivate, w.Timeout)
	defer client.CloseIdleConnections()
	eps := map[int64]*Endpoint{}
	for _, r := range rows {
		ep, ok := eps[r.EndpointID]
		if !ok {
			if ep, err = GetEndpoint(ctx, w.DB.R, r.EndpointID); err != nil {
				return len(rows), err
			}
			eps[r.EndpointID] = ep
		}
		// A claimed row is seen through even if ctx ends: it must not be
		// sent and left unrecorded.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.Timeout+15*time.Second)
		err := w.attempt(dctx, client, s, ep, r)
		cancel()
		if err != nil {
			slog.Error("webhooks: record attempt", "delivery", r.ID, "err", err)
		}
	}
	return len(rows), nil
}

func (w *Worker) claim(ctx context.Context) ([]Delivery, error) {
	now := w.Now().UTC()
	var rows []Delivery
	err := w.DB.Tx(ctx, func(tx *gorm.DB) error {
		rows = nil
		// The endpoints are read in a subquery, which a locking read does not
		// lock: workers contend only for the delivery rows.
		q := `SELECT id FROM webhook_deliveries
			WHERE status IN ('pending', 'failed', 'sending') AND next_attempt_at <= ?
			AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE status = 'active')
			ORDER BY next_attempt_at, id LIMIT ?`
		if w.DB.Dialect == models.MySQL {
			q += " FOR UPDATE SKIP LOCKED"
		}
		var ids []int64
		if err := tx.Raw(q, now, w.Batch).Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Model(&Delivery{}).Where("id IN ?", ids).Updates(map[string]any{
			"status": DeliverySending, "lease_holder": w.Holder, "next_attempt_at": now.Add(w.Lease),
			"attempts": gorm.Expr("attempts + 1")}).Error; err != nil {
			return err
		}
		return tx.Where("id IN ?", ids).Order("id").Find(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: claim: %w", err)
	}
	return rows, nil
}

// Attempt is one try of a delivery, for the log.
type Attempt struct {
	ID         int64
	DeliveryID int64
	EndpointID int64
	At         time.Time
	StatusCode int
	DurationMs int
	Error      string
}

// TableName maps Attempt to its table.
func (Attempt) TableName() string { return "webhook_attempts" }

// backoff is the delay before retry n (1-based): Backoff·2^(n-1), at most 6 h.
func (w *Worker) backoff(n int) time.Duration {
	d := w.Backoff
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

func (w *Worker) attempt(ctx context.Context, client *http.Client, s Settings, ep *Endpoint, r Delivery) error {
	start := w.Now().UTC()
	code, errText := w.send(ctx, client, s, ep, r, start)
	took := int(time.Since(start) / time.Millisecond)
	if took < 0 {
		took = 0
	}
	now := w.Now().UTC()
	ok := code >= 200 && code < 300
	return w.DB.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&Attempt{DeliveryID: r.ID, EndpointID: ep.ID, At: start, StatusCode: code,
			DurationMs: took, Error: cut(errText, 500)}).Error; err != nil {
			return err
		}
		upd := map[string]any{"lease_holder": "", "last_status": code, "last_error": cut(errText, 500),
			"last_duration_ms": took}
		switch {
		case ok:
			upd["status"], upd["delivered_at"] = DeliveryDelivered, now
		case !now.Add(w.backoff(r.Attempts)).Before(r.RetryUntil):
			upd["status"] = DeliveryDead
		default:
			upd["status"], upd["next_attempt_at"] = DeliveryFailed, now.Add(w.backoff(r.Attempts))
		}
		res := tx.Model(&Delivery{}).Where("id = ? AND status = ? AND lease_holder = ?", r.ID, DeliverySending, w.Holder).
			Updates(upd)
		if res.Error != nil {
			return res.Error
		}
		if ok {
			return tx.Model(&Endpoint{}).Where("id = ? AND failing_since IS NOT NULL", ep.ID).
				Update("failing_since", nil).Error
		}
		return w.noteFailure(ctx, tx, now, ep, errText, code)
	})
}

// noteFailure starts an endpoint's failing clock, and pauses it (telling
// the admins) once it has failed for RetryWindow without a success.
func (w *Worker) noteFailure(ctx context.Context, tx *gorm.DB, now time.Time, ep *Endpoint, errText string, code int) error {
	if err := tx.Model(&Endpoint{}).Where("id = ? AND failing_since IS NULL", ep.ID).
		Update("failing_since", now).Error; err != nil {
		return err
	}
	res := tx.Model(&Endpoint{}).Where("id = ? AND status = ? AND failing_since <= ?", ep.ID, StatusActive, now.Add(-RetryWindow)).
		Updates(map[string]any{"status": StatusPaused, "paused_at": now, "updated_at": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	invalidate()
	if errText == "" {
		errText = "HTTP " + strconv.Itoa(code)
	}
	var admins []int64
	if err := tx.Raw("SELECT id FROM staff_users WHERE role = ? AND disabled_at IS NULL ORDER BY id", models.RoleAdmin).
		Scan(&admins).Error; err != nil {
		return err
	}
	for _, id := range admins {
		if err := models.EnqueueStaffNotice(ctx, tx, now, id, NoticePaused,
			fmt.Sprintf("webhook_paused:%d:%d", ep.ID, now.Unix()),
			map[string]any{"url": ep.URL, "error": cut(errText, 120)}); err != nil {
			return err
		}
	}
	return models.Audit(ctx, tx, now, models.SystemActor, "webhook.auto_pause", "webhook_endpoint", ep.ID, cut(errText, 200))
}

// send makes one HTTP attempt; it returns the status code (0 when there
// was no answer) and what went wrong.
func (w *Worker) send(ctx context.Context, client *http.Client, s Settings, ep *Endpoint, r Delivery, now time.Time) (int, string) {
	// The URL is checked again at delivery: an address refused since it was
	// saved (the setting changed, or the name now resolves elsewhere) is not
	// reached. The dialler checks the address it actually connects to.
	if key := CheckURL(ctx, ep.URL, s.AllowPrivate); key != "" {
		return 0, "refused: " + strings.TrimPrefix(key, "hook.err.") + " address"
	}
	body := []byte(r.Payload)
	ts := now.Unix()
	var sigs []string
	for _, sec := range ep.signingSecrets(now) {
		sigs = append(sigs, Sign(sec, ts, body))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "StarCard-Webhooks/1")
	req.Header.Set(HeaderEventID, r.EventID)
	req.Header.Set(HeaderEventType, r.EventType)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, strings.Join(sigs, ","))
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, errBlocked) {
			return 0, "refused: private address"
		}
		return 0, err.Error()
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return resp.StatusCode, "HTTP " + resp.Status
	}
	return resp.StatusCode, ""
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Redeliver puts a failed or dead delivery back in the queue at once, with
// the same event id and a new 24-hour retry window.
func Redeliver(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, endpointID, id int64) error {
	now = now.UTC()
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Delivery{}).Where("id = ? AND endpoint_id = ? AND status IN ?", id, endpointID, []string{DeliveryDead, DeliveryFailed}).
			Updates(map[string]any{"status": DeliveryPending, "next_attempt_at": now, "retry_until": now.Add(RetryWindow),
				"lease_holder": ""})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&Delivery{}).Where("id = ? AND endpoint_id = ?", id, endpointID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return models.ErrNotFound
			}
			return ErrNotRedeliverable
		}
		return models.Audit(ctx, tx, now, actor, "webhook.redeliver", "webhook_delivery", id, "")
	})
	if err != nil {
		return fmt.Errorf("webhooks: redeliver: %w", err)
	}
	return nil
}

// ErrNotRedeliverable: only failed and dead deliveries can be sent again.
var ErrNotRedeliverable = models.NewError(models.KindConflict, "webhook-not-redeliverable", "hook.err.redeliver")

// DeliveryFilter selects deliveries of one endpoint for the log.
type DeliveryFilter struct {
	EndpointID int64
	Status     string
	Before     int64 // cursor: deliveries with a smaller id
	Limit      int
}

// ListDeliveries lists an endpoint's deliveries, newest first.
func ListDeliveries(ctx context.Context, db *gorm.DB, f DeliveryFilter) ([]Delivery, error) {
	q := db.WithContext(ctx).Where("endpoint_id = ?", f.EndpointID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Before > 0 {
		q = q.Where("id < ?", f.Before)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []Delivery
	if err := q.Order("id DESC").Limit(f.Limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("webhooks: list deliveries: %w", err)
	}
	return out, nil
}

// ListAttempts lists an endpoint's latest attempts: status codes and timings.
func ListAttempts(ctx context.Context, db *gorm.DB, endpointID int64, limit int) ([]Attempt, error) {
	var out []Attempt
	if err := db.WithContext(ctx).Where("endpoint_id = ?", endpointID).Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("webhooks: list attempts: %w", err)
	}
	return out, nil
}

// Counts returns an endpoint's deliveries per status.
func Counts(ctx context.Context, db *gorm.DB, endpointID int64) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := db.WithContext(ctx).Raw(`SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?
		GROUP BY status`, endpointID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("webhooks: counts: %w", err)
	}
	out := map[string]int64{}
	for _, s := range DeliveryStatuses {
		out[s] = 0
	}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
