// Package webhooks sends the core's domain events to integrators' URLs
// (issue 20): endpoints an admin manages, one delivery row per endpoint and
// event written in the event's own transaction (so a rolled-back purchase
// sends nothing), a worker that delivers each row at least once with the
// same event id, signed with HMAC-SHA256 over "timestamp.body", retried with
// exponential backoff for 24 hours, then dead until an admin redelivers it.
// It subscribes to models.OnEvent at init; the core never imports it.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Endpoint statuses: a paused endpoint keeps its queue but is not sent to.
const (
	StatusActive = "active"
	StatusPaused = "paused"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliverySending   = "sending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
	DeliveryDead      = "dead"
)

// DeliveryStatuses lists the statuses in display order.
var DeliveryStatuses = []string{DeliveryPending, DeliverySending, DeliveryDelivered, DeliveryFailed, DeliveryDead}

// EventTest is the type of the event the "send test event" button sends.
const EventTest = "webhook.test"

// RetryWindow is how long a delivery is retried before it is dead; an
// endpoint failing for as long is paused.
const RetryWindow = 24 * time.Hour

// RotationOverlap is how long the previous secret still signs after a
// rotation, so a receiver can switch without losing events.
const RotationOverlap = 24 * time.Hour

// Events lists the event types an endpoint may subscribe to, in display order.
var Events = []string{
	models.EventMemberCreated, models.EventMemberUpdated, models.EventCheckinCreated,
	models.EventPurchaseCreated, models.EventRefundCreated, models.EventTopupCreated, models.EventTopupRefunded,
	models.EventHoursConsumed, models.EventPointsEarned, models.EventPointsExpired,
	models.EventCouponIssued, models.EventCouponUsed, models.EventTierChanged, models.EventGradeChanged,
	models.EventComplaintCreated, models.EventComplaintAnswered, models.EventComplaintResolved,
	models.EventSurveyAnswered,
}

// Endpoint is a URL that hears about events.
type Endpoint struct {
	ID             int64
	URL            string
	Description    string
	Events         string // comma-separated event types
	CampusID       int64  // 0: every campus
	Secret         string
	OldSecret      string
	OldSecretUntil *time.Time
	Status         string
	FailingSince   *time.Time
	PausedAt       *time.Time
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName maps Endpoint to its table.
func (Endpoint) TableName() string { return "webhook_endpoints" }

// EventList returns the subscribed event types.
func (e Endpoint) EventList() []string {
	if e.Events == "" {
		return nil
	}
	return strings.Split(e.Events, ",")
}

// Wants reports whether the endpoint receives an event of type t on campus.
// An event that belongs to no campus (campus 0) reaches every endpoint.
func (e Endpoint) Wants(t string, campus int64) bool {
	if e.Status != StatusActive {
		return false
	}
	if e.CampusID != 0 && campus != 0 && e.CampusID != campus {
		return false
	}
	return slices.Contains(e.EventList(), t)
}

// signingSecrets returns the secrets that sign a delivery at now: the
// current one, and the previous one during a rotation's overlap.
func (e Endpoint) signingSecrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.OldSecret != "" && e.OldSecretUntil != nil && now.Before(*e.OldSecretUntil) {
		out = append(out, e.OldSecret)
	}
	return out
}

// Settings are the school's webhook settings.
type Settings struct {
	ID           int64
	AllowPrivate bool // deliver to loopback and private addresses (a receiver on the school's own network)
	UpdatedAt    time.Time
}

// TableName maps Settings to its table.
func (Settings) TableName() string { return "webhook_settings" }

// LoadSettings returns the settings, or the defaults (private addresses refused).
func LoadSettings(ctx context.Context, db *gorm.DB) (Settings, error) {
	var s Settings
	err := db.WithContext(ctx).Where("id = 1").Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Settings{ID: 1}, nil
	}
	if err != nil {
		return s, fmt.Errorf("webhooks: load settings: %w", err)
	}
	return s, nil
}

// SaveSettings stores the settings.
func SaveSettings(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, allowPrivate bool) error {
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		s := Settings{ID: 1, AllowPrivate: allowPrivate, UpdatedAt: now.UTC()}
		if err := tx.Save(&s).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "webhook.settings", "webhook_settings", 1, fmt.Sprintf("allow_private=%t", allowPrivate))
	})
	if err != nil {
		return fmt.Errorf("webhooks: save settings: %w", err)
	}
	return nil
}

// NewEndpoint is what an admin enters.
type NewEndpoint struct {
	URL         string
	Description string
	Events      []string
	CampusID    int64
}

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// validate checks the form and the URL's addresses; it returns field errors.
func (in *NewEndpoint) validate(ctx context.Context, db *gorm.DB, allowPrivate bool) (map[string]string, error) {
	f := map[string]string{}
	in.URL = strings.TrimSpace(in.URL)
	in.Description = strings.TrimSpace(in.Description)
	if key := CheckURL(ctx, in.URL, allowPrivate); key != "" {
		f["url"] = key
	}
	if len([]rune(in.Description)) > 200 {
		f["description"] = "hook.err.description"
	}
	if len(in.Events) == 0 {
		f["events"] = "hook.err.events"
	}
	seen := map[string]bool{}
	var evs []string
	for _, e := range in.Events {
		if !slices.Contains(Events, e) {
			f["events"] = "hook.err.events"
			break
		}
		if !seen[e] {
			seen[e] = true
			evs = append(evs, e)
		}
	}
	in.Events = evs
	if in.CampusID < 0 {
		f["campus_id"] = "hook.err.campus"
	} else if in.CampusID > 0 {
		if _, err := models.GetCampus(ctx, db, in.CampusID); err != nil {
			if !errors.Is(err, models.ErrNotFound) && !errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, err
			}
			f["campus_id"] = "hook.err.campus"
		}
	}
	return f, nil
}

// CreateEndpoint adds an endpoint and returns it with its secret, which is
// shown to the admin once.
func CreateEndpoint(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, in NewEndpoint) (*Endpoint, error) {
	now = now.UTC()
	s, err := LoadSettings(ctx, db.R)
	if err != nil {
		return nil, err
	}
	f, err := in.validate(ctx, db.R, s.AllowPrivate)
	if err != nil {
		return nil, err
	}
	if len(f) > 0 {
		return nil, models.Invalid(f)
	}
	ep := &Endpoint{URL: in.URL, Description: in.Description, Events: strings.Join(in.Events, ","), CampusID: in.CampusID,
		Secret: newSecret(), Status: StatusActive, CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		ep.ID = 0
		if err := tx.Create(ep).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "webhook.create", "webhook_endpoint", ep.ID, ep.URL)
	})
	if err != nil {
		return nil, fmt.Errorf("webhooks: create endpoint: %w", err)
	}
	invalidate()
	return ep, nil
}

// UpdateEndpoint changes an endpoint's URL, events, campus and description.
func UpdateEndpoint(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, id int64, in NewEndpoint) error {
	s, err := LoadSettings(ctx, db.R)
	if err != nil {
		return err
	}
	f, err := in.validate(ctx, db.R, s.AllowPrivate)
	if err != nil {
		return err
	}
	if len(f) > 0 {
		return models.Invalid(f)
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		r := tx.Model(&Endpoint{}).Where("id = ?", id).Updates(map[string]any{"url": in.URL, "description": in.Description,
			"events": strings.Join(in.Events, ","), "campus_id": in.CampusID, "updated_at": now.UTC()})
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return models.Audit(ctx, tx, now, actor, "webhook.update", "webhook_endpoint", id, in.URL)
	})
	invalidate()
	if err != nil {
		return fmt.Errorf("webhooks: update endpoint: %w", err)
	}
	return nil
}

// GetEndpoint loads one endpoint.
func GetEndpoint(ctx context.Context, db *gorm.DB, id int64) (*Endpoint, error) {
	var e Endpoint
	if err := db.WithContext(ctx).Take(&e, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, models.ErrNotFound
		}
		return nil, fmt.Errorf("webhooks: get endpoint: %w", err)
	}
	return &e, nil
}

// ListEndpoints lists every endpoint, oldest first.
func ListEndpoints(ctx context.Context, db *gorm.DB) ([]Endpoint, error) {
	var out []Endpoint
	if err := db.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("webhooks: list endpoints: %w", err)
	}
	return out, nil
}

// RotateSecret gives the endpoint a new secret (returned once); the old one
// keeps signing alongside it for RotationOverlap.
func RotateSecret(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, id int64) (string, error) {
	now = now.UTC()
	secret := newSecret()
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var e Endpoint
		if err := tx.Take(&e, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return models.ErrNotFound
			}
			return err
		}
		until := now.Add(RotationOverlap)
		if err := tx.Model(&Endpoint{}).Where("id = ?", id).Updates(map[string]any{"secret": secret,
			"old_secret": e.Secret, "old_secret_until": until, "updated_at": now}).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "webhook.rotate", "webhook_endpoint", id, "")
	})
	invalidate()
	if err != nil {
		return "", fmt.Errorf("webhooks: rotate secret: %w", err)
	}
	return secret, nil
}

// SetPaused pauses an endpoint or resumes it (its queue goes on where it
// stopped; the failing clock starts again).
func SetPaused(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, id int64, paused bool) error {
	now = now.UTC()
	upd := map[string]any{"status": StatusActive, "paused_at": nil, "failing_since": nil, "updated_at": now}
	what := "webhook.resume"
	if paused {
		upd = map[string]any{"status": StatusPaused, "paused_at": now, "updated_at": now}
		what = "webhook.pause"
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		r := tx.Model(&Endpoint{}).Where("id = ?", id).Updates(upd)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return models.Audit(ctx, tx, now, actor, what, "webhook_endpoint", id, "")
	})
	invalidate()
	if err != nil {
		return fmt.Errorf("webhooks: pause endpoint: %w", err)
	}
	return nil
}

// DeleteEndpoint removes an endpoint with its queue and log.
func DeleteEndpoint(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, id int64) error {
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		for _, q := range []string{"DELETE FROM webhook_attempts WHERE endpoint_id = ?",
			"DELETE FROM webhook_deliveries WHERE endpoint_id = ?"} {
			if err := tx.Exec(q, id).Error; err != nil {
				return err
			}
		}
		r := tx.Exec("DELETE FROM webhook_endpoints WHERE id = ?", id)
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return models.Audit(ctx, tx, now, actor, "webhook.delete", "webhook_endpoint", id, "")
	})
	invalidate()
	if err != nil {
		return fmt.Errorf("webhooks: delete endpoint: %w", err)
	}
	return nil
}

// hostOf returns the host of a stored endpoint URL for display.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// The endpoint cache: the event hook runs in every purchase's transaction,
// and a school without endpoints must pay no query for it. Entries are per
// database (its connection pool), dropped on every endpoint change made by
// this process and refreshed after cacheTTL so that other instances' changes
// arrive within it.
const cacheTTL = 30 * time.Second

type cacheEntry struct {
	eps []Endpoint
	at  time.Time
}

var (
	cacheMu sync.Mutex
	cache   = map[any]cacheEntry{}
)

func invalidate() {
	cacheMu.Lock()
	clear(cache)
	cacheMu.Unlock()
}

// activeEndpoints returns the active endpoints, from the cache when fresh.
func activeEndpoints(ctx context.Context, tx *gorm.DB) ([]Endpoint, error) {
	key := any(tx.Config.ConnPool)
	now := time.Now()
	cacheMu.Lock()
	ce, ok := cache[key]
	cacheMu.Unlock()
	if ok && now.Sub(ce.at) < cacheTTL {
		return ce.eps, nil
	}
	var eps []Endpoint
	if err := tx.WithContext(ctx).Where("status = ?", StatusActive).Order("id").Find(&eps).Error; err != nil {
		return nil, fmt.Errorf("webhooks: endpoints: %w", err)
	}
	cacheMu.Lock()
	cache[key] = cacheEntry{eps: eps, at: now}
	cacheMu.Unlock()
	return eps, nil
}
