// Package messaging tells families what happened to their money and their
// child (a notice for every purchase, top-up, refund and departure, with the
// balance after it) and lets the school broadcast news, promotions and
// invitations to a segment. It subscribes to the core's domain events and
// writes to the core's outbox; the core never imports it.
package messaging

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Notice events this package adds (purchase, topup and points_earned are the
// core's own; class hours are models/courses').
const (
	EventRefund      = "refund"
	EventTopupRefund = "topup_refund"
	EventDeparture   = "departure"
	EventBroadcast   = "broadcast"
)

// SettingsName is the settings row of this package.
const SettingsName = "messaging"

// Settings tune the money notices.
type Settings struct {
	// PointsThreshold: points earned outside a purchase (attendance,
	// behaviour, a survey…) are announced when at least this many at once;
	// 0 turns those notices off. A purchase's notice always names its points.
	PointsThreshold int64 `json:"points_threshold"`
}

// DefaultSettings announce awards of 50 points or more.
func DefaultSettings() Settings { return Settings{PointsThreshold: 50} }

// LoadSettings reads the settings in force at now.
func LoadSettings(ctx context.Context, db *gorm.DB, now time.Time) (Settings, error) {
	s := DefaultSettings()
	var vals []string
	err := db.WithContext(ctx).Raw("SELECT value FROM settings WHERE name = ? AND effective_at <= ? ORDER BY effective_at DESC, id DESC LIMIT 1",
		SettingsName, now.UTC()).Scan(&vals).Error
	if err != nil {
		return s, fmt.Errorf("messaging: settings: %w", err)
	}
	if len(vals) == 1 {
		if err := json.Unmarshal([]byte(vals[0]), &s); err != nil {
			return DefaultSettings(), fmt.Errorf("messaging: settings: %w", err)
		}
	}
	return s, nil
}

// SaveSettings stores new settings effective now.
func SaveSettings(ctx context.Context, db *models.DB, now time.Time, a models.Actor, s Settings) error {
	if s.PointsThreshold < 0 || s.PointsThreshold > 1_000_000 {
		return models.Invalid(map[string]string{"points_threshold": "mem2.err_limit"})
	}
	b, _ := json.Marshal(s)
	return db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec("INSERT INTO settings (name, value, effective_at, changed_by, created_at) VALUES (?, ?, ?, ?, ?)",
			SettingsName, string(b), now.UTC(), a.ID, now.UTC()).Error; err != nil {
			return fmt.Errorf("messaging: save settings: %w", err)
		}
		return models.Audit(ctx, tx, now, a, "settings.messaging", "settings", 0, string(b))
	})
}

func init() {
	models.RegisterNoticeEvent(models.NoticeEvent{Name: EventRefund, Vars: []string{"amount", "returned", "points", "balance"},
		Money: []string{"amount", "returned", "balance"}},
		map[string][2]string{
			"zh-CN": {"退费通知", "【{{school}}】{{member}}退费{{amount}}已办理，其中退回储值{{returned}}，扣回{{points}}积分，当前储值余额{{balance}}。"},
			"zh-TW": {"退費通知", "【{{school}}】{{member}}退費{{amount}}已辦理，其中退回儲值{{returned}}，扣回{{points}}積分，目前儲值餘額{{balance}}。"},
			"en":    {"Refund", "[{{school}}] A refund of {{amount}} for {{member}} is done: {{returned}} back to stored value, {{points}} points reversed. Stored value: {{balance}}."},
		})
	models.RegisterNoticeEvent(models.NoticeEvent{Name: EventTopupRefund, Vars: []string{"amount", "forfeited", "balance"},
		Money: []string{"amount", "forfeited", "balance"}},
		map[string][2]string{
			"zh-CN": {"储值退款通知", "【{{school}}】{{member}}的储值已退款{{amount}}，赠送金扣回{{forfeited}}，当前储值余额{{balance}}。"},
			"zh-TW": {"儲值退款通知", "【{{school}}】{{member}}的儲值已退款{{amount}}，贈送金扣回{{forfeited}}，目前儲值餘額{{balance}}。"},
			"en":    {"Stored value refunded", "[{{school}}] {{amount}} of {{member}}'s stored value was refunded, bonus {{forfeited}} forfeited. Stored value: {{balance}}."},
		})
	models.RegisterNoticeEvent(models.NoticeEvent{Name: EventDeparture, Vars: []string{"class"}, Urgent: true},
		map[string][2]string{
			"zh-CN": {"{{member}}已离园", "【{{school}}】{{guardian}}您好，{{member}}已于{{time}}离开{{campus}}。"},
			"zh-TW": {"{{member}}已離園", "【{{school}}】{{guardian}}您好，{{member}}已於{{time}}離開{{campus}}。"},
			"en":    {"{{member}} has left", "[{{school}}] Dear {{guardian}}, {{member}} left {{campus}} at {{time}}."},
		})
	models.RegisterNoticeEvent(models.NoticeEvent{Name: EventBroadcast, Vars: []string{"title", "message"}, Marketing: true},
		map[string][2]string{
			"zh-CN": {"{{title}}", "【{{school}}】{{message}}"},
			"zh-TW": {"{{title}}", "【{{school}}】{{message}}"},
			"en":    {"{{title}}", "[{{school}}] {{message}}"},
		})
	models.OnEvent(onEvent)
	models.RegisterJobs(func(db *models.DB, loc *time.Location) []models.Job {
		return []models.Job{{Name: JobSendBroadcasts, Every: 5 * time.Minute, Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := SendDueBroadcasts(ctx, db, now)
			return fmt.Sprintf("%d broadcasts queued", n), err
		}}}
	})
}

// onEvent queues the notice an event deserves, in the event's transaction.
// Every dedupe key names the object, so a replayed or retried event never
// queues a second notice.
func onEvent(ctx context.Context, tx *gorm.DB, e models.DomainEvent) error {
	switch e.Type {
	case models.EventPurchaseCreated:
		r, ok := asPtr[models.PurchaseResult](e.Object)
		if !ok {
			return nil
		}
		return notifyFamily(ctx, tx, e, "purchase", fmt.Sprintf("purchase:%d", e.ObjectID), map[string]any{
			"amount": r.Paid, "points": r.PointsEarned, "balance": r.Balances.StoredValue()})
	case models.EventTopupCreated:
		r, ok := asPtr[models.TopupResult](e.Object)
		if !ok {
			return nil
		}
		return notifyFamily(ctx, tx, e, "topup", fmt.Sprintf("topup:%d", e.ObjectID), map[string]any{
			"amount": r.Amount, "bonus": r.Bonus, "balance": r.Balances.StoredValue()})
	case models.EventRefundCreated:
		r, ok := asPtr[models.RefundResult](e.Object)
		if !ok {
			return nil
		}
		return notifyFamily(ctx, tx, e, EventRefund, fmt.Sprintf("refund:%d", e.ObjectID), map[string]any{
			"amount": r.Amount, "returned": r.StoredValueReturned, "points": r.PointsReversed,
			"balance": r.Balances.StoredValue()})
	case models.EventTopupRefunded:
		r, ok := asPtr[models.TopupRefundResult](e.Object)
		if !ok {
			return nil
		}
		return notifyFamily(ctx, tx, e, EventTopupRefund, fmt.Sprintf("topup_refund:%d", e.ObjectID), map[string]any{
			"amount": r.Amount, "forfeited": r.BonusForfeited, "balance": r.Balances.StoredValue()})
	case models.EventCheckinCreated:
		r, ok := asPtr[models.CheckinResult](e.Object)
		if !ok || r.Kind != models.CheckinDeparture || r.Status != models.CheckinCheckedOut {
			return nil
		}
		return notifyFamily(ctx, tx, e, EventDeparture, fmt.Sprintf("departure:%d", e.ObjectID), map[string]any{
			"class": r.ClassName, "at": e.At.UTC().Format(time.RFC3339)})
	case models.EventPointsEarned:
		return pointsEarned(ctx, tx, e)
	}
	return nil
}

// pointsEarned announces an award of points at or above the threshold. The
// event's object is read as JSON ("points", and "reason" when given), so any
// area's award qualifies; awards that belong to a purchase are already told
// in the purchase notice.
func pointsEarned(ctx context.Context, tx *gorm.DB, e models.DomainEvent) error {
	if e.ObjectID == 0 || e.MemberID == 0 || e.Object == nil {
		return nil
	}
	b, err := json.Marshal(e.Object)
	if err != nil {
		return nil
	}
	var o struct {
		Points  int64  `json:"points"`
		Reason  string `json:"reason"`
		RefType string `json:"ref_type"`
	}
	if json.Unmarshal(b, &o) != nil || o.Points <= 0 || o.RefType == "purchase" || o.Reason == "purchase" {
		return nil
	}
	s, err := LoadSettings(ctx, tx, e.At)
	if err != nil {
		return err
	}
	if s.PointsThreshold == 0 || o.Points < s.PointsThreshold {
		return nil
	}
	bal, err := models.MemberBalances(ctx, tx, e.MemberID)
	if err != nil {
		return err
	}
	return notifyFamily(ctx, tx, e, "points_earned", fmt.Sprintf("points_earned:%d", e.ObjectID), map[string]any{
		"points": o.Points, "reason": o.Reason, "balance": bal[e.MemberID].Points})
}

// notifyFamily queues one notice per guardian who consented to notices about
// the child.
func notifyFamily(ctx context.Context, tx *gorm.DB, e models.DomainEvent, event, key string, data map[string]any) error {
	if e.MemberID == 0 || e.ObjectID == 0 {
		return nil
	}
	gs, err := models.ConsentingGuardians(ctx, tx, e.MemberID)
	if err != nil {
		return err
	}
	if len(gs) == 0 {
		return nil
	}
	return models.EnqueueNotice(ctx, tx, e.At, models.Notice{Event: event, MemberID: e.MemberID, GuardianIDs: gs,
		DedupeKey: key, Data: data})
}

// asPtr reads an event object given as T or *T.
func asPtr[T any](o any) (*T, bool) {
	switch v := o.(type) {
	case *T:
		return v, v != nil
	case T:
		return &v, true
	}
	return nil, false
}
