package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Domain event types. The core raises the money, member, card and loyalty
// ones; the areas raise their own (hours.consumed in models/courses,
// grade.changed in models/crm, complaint.* and survey.answered in models/care)
// through the same Emit.
const (
	EventMemberCreated     = "member.created"
	EventMemberUpdated     = "member.updated"
	EventCheckinCreated    = "checkin.created"
	EventPurchaseCreated   = "purchase.created"
	EventRefundCreated     = "refund.created"
	EventTopupCreated      = "topup.created"
	EventTopupRefunded     = "topup.refunded"
	EventHoursConsumed     = "hours.consumed"
	EventPointsEarned      = "points.earned"
	EventPointsExpired     = "points.expired"
	EventCouponIssued      = "coupon.issued"
	EventCouponUsed        = "coupon.used"
	EventTierChanged       = "tier.changed"
	EventGradeChanged      = "grade.changed"
	EventComplaintCreated  = "complaint.created"
	EventComplaintAnswered = "complaint.answered"
	EventComplaintResolved = "complaint.resolved"
	EventSurveyAnswered    = "survey.answered"
)

// DomainEvent is one thing that happened, raised inside the transaction that
// made it happen: a subscriber's writes (a notice, a webhook delivery, a
// summary row) commit or roll back with the event itself.
type DomainEvent struct {
	Type     string
	At       time.Time
	CampusID int64
	MemberID int64
	// ObjectID is the id of the row the event is about (the purchase, the
	// complaint…), 0 when the member is the object.
	ObjectID int64
	// Object is what an API reader would see of it (marshalled to JSON by
	// subscribers that send it on); it may be nil.
	Object any
	Actor  Actor
}

// EventHook reacts to a DomainEvent in the event's transaction; an error
// rolls the event back, so hooks must refuse only for real faults.
type EventHook func(ctx context.Context, tx *gorm.DB, e DomainEvent) error

var eventHooks []EventHook

// OnEvent registers a subscriber. Called at init, before any request; the
// list is only read afterwards.
func OnEvent(h EventHook) {
	hooksMu.Lock()
	defer hooksMu.Unlock()
	eventHooks = append(eventHooks, h)
}

// Emit runs the subscribers for e inside tx. With none registered it costs
// nothing but the call.
func Emit(ctx context.Context, tx *gorm.DB, e DomainEvent) error {
	hooksMu.RLock()
	hs := eventHooks
	hooksMu.RUnlock()
	if len(hs) == 0 {
		return nil
	}
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	for _, h := range hs {
		if err := h(ctx, tx, e); err != nil {
			return fmt.Errorf("models: event %s: %w", e.Type, err)
		}
	}
	return nil
}
