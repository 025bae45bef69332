package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"starcard/models"
)

func init() {
	models.OnEvent(onEvent)
	models.RegisterNoticeEvent(models.NoticeEvent{Name: NoticePaused, Vars: []string{"staff", "url", "error"}, ToStaff: true, Urgent: true},
		map[string][2]string{
			"zh-CN": {"Webhook 已暂停：{{url}}", "{{staff}}您好，Webhook 地址 {{url}} 已连续一天投递失败（最近错误：{{error}}），系统已暂停向其发送事件。请在后台“Webhook”中检查后恢复。"},
			"zh-TW": {"Webhook 已暫停：{{url}}", "{{staff}}您好，Webhook 位址 {{url}} 已連續一天投遞失敗（最近錯誤：{{error}}），系統已暫停向其發送事件。請在後台「Webhook」中檢查後恢復。"},
			"en":    {"Webhook paused: {{url}}", "Hello {{staff}}, deliveries to the webhook {{url}} have failed for a day (last error: {{error}}); it is paused. Check it under Webhooks in the back office and resume it."},
		})
	models.RegisterJobs(Jobs)
}

// NoticePaused is the staff notice sent when an endpoint is paused.
const NoticePaused = "webhook_paused"

// JobDeliver is the scheduled safety net of the delivery worker.
const JobDeliver = "webhooks.deliver"

// Jobs delivers due webhooks every minute, for instances that run the
// scheduler but no worker loop (the loop itself polls every second).
func Jobs(db *models.DB, _ *time.Location) []models.Job {
	return []models.Job{{Name: JobDeliver, Every: time.Minute, Run: func(ctx context.Context, now time.Time) (string, error) {
		w := NewWorker(db, time.Now)
		n, err := w.Drain(ctx)
		return fmt.Sprintf("%d webhook deliveries", n), err
	}}}
}

// Payload is the body of every delivery.
type Payload struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	CampusID  int64     `json:"campus_id,omitempty"`
	MemberID  int64     `json:"member_id,omitempty"`
	Data      struct {
		Object any `json:"object"`
	} `json:"data"`
}

// Delivery is one event for one endpoint.
type Delivery struct {
	ID             int64
	EndpointID     int64
	EventID        string
	EventType      string
	Payload        string
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	RetryUntil     time.Time
	LeaseHolder    string
	LastStatus     int
	LastError      string
	LastDurationMs int
	CreatedAt      time.Time
	DeliveredAt    *time.Time
}

// TableName maps Delivery to its table.
func (Delivery) TableName() string { return "webhook_deliveries" }

func newEventID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "evt_" + hex.EncodeToString(b)
}

// onEvent writes one delivery per subscribed endpoint in the event's
// transaction. With no endpoint (the cached list is empty) it costs nothing.
func onEvent(ctx context.Context, tx *gorm.DB, e models.DomainEvent) error {
	eps, err := activeEndpoints(ctx, tx)
	if err != nil || len(eps) == 0 {
		return err
	}
	evs := []models.DomainEvent{e}
	// A purchase's points are earned with it: the purchase posts them in
	// its own journal, so the points.earned event is derived here.
	if p, ok := e.Object.(*models.PurchaseResult); ok && e.Type == models.EventPurchaseCreated && p.PointsEarned > 0 {
		evs = append(evs, models.DomainEvent{Type: models.EventPointsEarned, At: e.At, CampusID: e.CampusID,
			MemberID: e.MemberID, ObjectID: p.ID, Actor: e.Actor, Object: map[string]any{"member_id": e.MemberID,
				"points": p.PointsEarned, "reason": "purchase", "reference": models.Ref("purchase", p.ID),
				"balance": p.Balances.Points}})
	}
	for _, ev := range evs {
		if err := enqueue(ctx, tx, eps, ev); err != nil {
			return err
		}
	}
	return nil
}

func enqueue(ctx context.Context, tx *gorm.DB, eps []Endpoint, e models.DomainEvent) error {
	if e.CampusID == 0 && e.MemberID != 0 {
		if err := tx.WithContext(ctx).Raw("SELECT campus_id FROM members WHERE id = ?", e.MemberID).Scan(&e.CampusID).Error; err != nil {
			return fmt.Errorf("webhooks: event campus: %w", err)
		}
	}
	var to []Endpoint
	for _, ep := range eps {
		if ep.Wants(e.Type, e.CampusID) {
			to = append(to, ep)
		}
	}
	if len(to) == 0 {
		return nil
	}
	obj, err := objectOf(ctx, tx, e)
	if err != nil {
		return err
	}
	return insertDeliveries(ctx, tx, e.At, to, e.Type, e.CampusID, e.MemberID, obj)
}

func insertDeliveries(ctx context.Context, tx *gorm.DB, at time.Time, to []Endpoint, typ string, campus, member int64, obj any) error {
	p := Payload{ID: newEventID(), Type: typ, CreatedAt: at.UTC(), CampusID: campus, MemberID: member}
	p.Data.Object = obj
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("webhooks: payload %s: %w", typ, err)
	}
	now := time.Now().UTC()
	rows := make([]Delivery, 0, len(to))
	for _, ep := range to {
		rows = append(rows, Delivery{EndpointID: ep.ID, EventID: p.ID, EventType: typ, Payload: string(body),
			Status: DeliveryPending, NextAttemptAt: now, RetryUntil: now.Add(RetryWindow), CreatedAt: now})
	}
	if err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return fmt.Errorf("webhooks: enqueue %s: %w", typ, err)
	}
	return nil
}

// objectOf is what the API would show of the event's object. Events raised
// without one (a member, a coupon) are loaded here, and only when some
// endpoint listens.
func objectOf(ctx context.Context, tx *gorm.DB, e models.DomainEvent) (any, error) {
	if e.Object != nil {
		return e.Object, nil
	}
	switch e.Type {
	case models.EventMemberCreated, models.EventMemberUpdated:
		id := e.ObjectID
		if id == 0 {
			id = e.MemberID
		}
		v, err := models.MemberViewFor(ctx, tx, nil, id)
		if errors.Is(err, models.ErrNotFound) {
			return map[string]any{"id": id}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("webhooks: member object: %w", err)
		}
		// Receivers get what a teacher would: phones masked (PIPL).
		return v.Masked(models.RoleTeacher), nil
	case models.EventCouponIssued, models.EventCouponUsed:
		var c models.Coupon
		if err := tx.WithContext(ctx).Take(&c, e.ObjectID).Error; err != nil {
			return nil, fmt.Errorf("webhooks: coupon object: %w", err)
		}
		return CouponObject(c), nil
	case models.EventComplaintCreated, models.EventComplaintAnswered, models.EventComplaintResolved:
		var c models.Complaint
		if err := tx.WithContext(ctx).Take(&c, e.ObjectID).Error; err != nil {
			return nil, fmt.Errorf("webhooks: complaint object: %w", err)
		}
		return map[string]any{"id": c.ID, "member_id": c.MemberID, "family_id": c.FamilyID, "campus_id": c.CampusID,
			"kind": c.Kind, "category": c.Category, "channel": c.Channel, "priority": c.Priority, "status": c.Status,
			"body": c.Body, "owner_id": c.OwnerID, "first_answer_due_at": c.FirstAnswerDueAt.UTC(),
			"first_answer_at": c.FirstAnswerAt, "resolved_at": c.ResolvedAt, "created_at": c.CreatedAt.UTC()}, nil
	}
	out := map[string]any{"id": e.ObjectID}
	if e.MemberID != 0 {
		out["member_id"] = e.MemberID
	}
	return out, nil
}

// CouponObject is a coupon as the API shows it (the verification code, a
// credential the family shows at the desk, is left out).
func CouponObject(c models.Coupon) map[string]any {
	o := map[string]any{"id": c.ID, "template_id": c.TemplateID, "member_id": c.MemberID, "code": c.Code,
		"name": c.Name, "kind": c.Kind, "amount_off": c.AmountOff, "percent_off": c.PercentOff,
		"max_discount": c.MaxDiscount, "gift_value": c.GiftValue, "min_spend": c.MinSpend,
		"categories": c.CategoryList(), "stackable": c.Stackable, "status": c.Status,
		"valid_from": c.ValidFrom.UTC(), "valid_until": c.ValidUntil.UTC(), "issued_at": c.IssuedAt.UTC(),
		"used_at": nil, "used_purchase_id": c.UsedPurchaseID, "used_discount": c.UsedDiscount}
	if c.UsedAt != nil {
		o["used_at"] = c.UsedAt.UTC()
	}
	if o["categories"] == nil {
		o["categories"] = []string{}
	}
	return o
}

// SendTest queues a test event for one endpoint, whatever it subscribes to.
func SendTest(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, id int64) (string, error) {
	var eventID string
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var ep Endpoint
		if err := tx.Take(&ep, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return models.ErrNotFound
			}
			return err
		}
		if err := insertDeliveries(ctx, tx, now, []Endpoint{ep}, EventTest, ep.CampusID, 0,
			map[string]any{"endpoint_id": ep.ID, "message": "StarCard test event"}); err != nil {
			return err
		}
		if err := tx.Raw("SELECT event_id FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id DESC LIMIT 1", id).
			Scan(&eventID).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "webhook.test", "webhook_endpoint", id, eventID)
	})
	if err != nil {
		return "", fmt.Errorf("webhooks: send test: %w", err)
	}
	return eventID, nil
}
