package messaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
)

// JobSendBroadcasts queues the broadcasts whose time has come.
const JobSendBroadcasts = "messaging.send_broadcasts"

// Kinds of broadcast (seed 001/003/004: product news, promotions, activity
// invitations).
const (
	KindNews       = "news"
	KindPromotion  = "promotion"
	KindInvitation = "invitation"
)

// Kinds lists the broadcast kinds in display order.
var Kinds = []string{KindNews, KindPromotion, KindInvitation}

// Broadcast statuses: scheduled until its time, queued once its notices are
// in the outbox (the worker then delivers them), or cancelled before that.
const (
	StatusScheduled = "scheduled"
	StatusQueued    = "queued"
	StatusCancelled = "cancelled"
)

// Length limits of a broadcast.
const (
	MaxTitle = 40
	MaxBody  = 500
)

// SMS lengths: one Chinese SMS holds 70 characters; a longer text is split
// into parts of 67 (the rest carries the joining header).
const (
	smsSingle = 70
	smsPart   = 67
)

// Broadcast is one message to the families of a segment.
type Broadcast struct {
	ID          int64
	RequestKey  string // the compose form's key: a form sent twice is one broadcast
	Kind        string
	Title       string
	Body        string
	Segment     string // models.Segment as JSON
	Status      string
	ScheduledAt time.Time
	Families    int64
	Recipients  int64
	CreatedBy   int64
	CreatedAt   time.Time
	QueuedAt    *time.Time
}

// TableName maps Broadcast to its table.
func (Broadcast) TableName() string { return "broadcasts" }

// Seg decodes the broadcast's segment.
func (b Broadcast) Seg() models.Segment {
	var s models.Segment
	_ = json.Unmarshal([]byte(b.Segment), &s)
	return s
}

// Draft is a broadcast being composed.
type Draft struct {
	Key         string // 1–64 characters from the form; "" makes one up
	Kind        string
	Title       string
	Body        string
	Segment     models.Segment
	ScheduledAt time.Time // zero: now
}

// Expected outcomes.
var (
	ErrNotCancellable = models.NewError(models.KindConflict, "broadcast-not-cancellable", "bcast.err_not_cancellable")
)

// Validate checks a draft (field → message key).
func (d *Draft) Validate(now time.Time) error {
	d.Title, d.Body = strings.TrimSpace(d.Title), strings.TrimSpace(d.Body)
	f := d.Segment.Validate()
	switch d.Kind {
	case KindNews, KindPromotion, KindInvitation:
	default:
		f["kind"] = "bcast.err_kind"
	}
	if d.Title == "" {
		f["title"] = "bcast.err_title"
	} else if utf8.RuneCountInString(d.Title) > MaxTitle {
		f["title"] = "bcast.err_title_long"
	}
	if d.Body == "" {
		f["body"] = "bcast.err_body"
	} else if utf8.RuneCountInString(d.Body) > MaxBody {
		f["body"] = "bcast.err_body_long"
	}
	if !d.ScheduledAt.IsZero() && d.ScheduledAt.Before(now.Add(-time.Minute)) {
		f["scheduled_at"] = "bcast.err_past"
	}
	if d.ScheduledAt.After(now.AddDate(0, 3, 0)) {
		f["scheduled_at"] = "bcast.err_far"
	}
	if len(f) > 0 {
		return models.Invalid(f)
	}
	return nil
}

// Preview is what a broadcast will reach and cost, shown before it is saved.
type Preview struct {
	Text      string // the SMS text as a parent will read it
	Families  int64  // families with a child in the segment
	Guardians int64  // their guardians
	OptedOut  int64  // guardians who opted out of marketing or gave no consent
	SMS       int64  // guardians it goes to by SMS
	Parts     int    // SMS parts per message
	SMSCost   int64  // SMS × parts: what the provider bills
}

// recipient is one guardian a broadcast reaches.
type recipient struct {
	GuardianID int64
	FamilyID   int64
	Phone      string
	Channel    *string
	Email      *string
	OptOut     *bool
	Consents   int64
}

func recipients(ctx context.Context, db *gorm.DB, now time.Time, seg models.Segment) ([]recipient, error) {
	if seg.AsOf.IsZero() {
		seg.AsOf = now
	}
	w, args := seg.SQL(db)
	var rs []recipient
	err := db.WithContext(ctx).Raw(`SELECT g.id AS guardian_id, g.family_id, g.phone, p.channel, p.email,
			p.marketing_opt_out AS opt_out,
			(SELECT COUNT(*) FROM consent_grants cg WHERE cg.guardian_id = g.id AND cg.withdrawn_at IS NULL) AS consents
		FROM guardians g LEFT JOIN notify_prefs p ON p.guardian_id = g.id AND p.staff_id = 0
		WHERE g.family_id IN (SELECT m.family_id FROM members m WHERE `+w+`)
		ORDER BY g.id`, args...).Scan(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("messaging: broadcast recipients: %w", err)
	}
	return rs, nil
}

// smsParts counts the SMS parts of a text.
func smsParts(text string) int {
	n := utf8.RuneCountInString(text)
	if n <= smsSingle {
		return 1
	}
	return (n + smsPart - 1) / smsPart
}

// PreviewDraft counts the families, guardians and SMS a draft would reach,
// leaving out the guardians the worker would skip (marketing opt-out, no
// consent) — the same rule it applies when it sends.
func PreviewDraft(ctx context.Context, db *models.DB, now time.Time, d Draft) (Preview, error) {
	if err := d.Validate(now); err != nil {
		return Preview{}, err
	}
	school := "星卡"
	if sch, err := models.GetSchool(ctx, db.R); err != nil {
		return Preview{}, err
	} else if sch.Name != "" {
		school = sch.DisplayName(school)
	}
	p := Preview{Text: "【" + school + "】" + d.Body}
	p.Parts = smsParts(p.Text)
	rs, err := recipients(ctx, db.R, now, d.Segment)
	if err != nil {
		return p, err
	}
	fams := map[int64]bool{}
	for _, r := range rs {
		fams[r.FamilyID] = true
		p.Guardians++
		if (r.OptOut != nil && *r.OptOut) || r.Consents == 0 {
			p.OptedOut++
			continue
		}
		ch := models.ChannelSMS
		if r.Channel != nil {
			ch = *r.Channel
		}
		if r.Phone != "" && (ch == models.ChannelSMS || (ch == models.ChannelEmail && (r.Email == nil || *r.Email == ""))) {
			p.SMS++
		}
	}
	p.Families = int64(len(fams))
	p.SMSCost = p.SMS * int64(p.Parts)
	return p, nil
}

// CreateBroadcast saves a broadcast for its time (now when none is given).
func CreateBroadcast(ctx context.Context, db *models.DB, now time.Time, a models.Actor, d Draft) (*Broadcast, error) {
	if err := d.Validate(now); err != nil {
		return nil, err
	}
	if d.ScheduledAt.IsZero() || d.ScheduledAt.Before(now) {
		d.ScheduledAt = now
	}
	if len(d.Key) > 64 {
		return nil, models.Invalid(map[string]string{"key": "mem2.err_key"})
	}
	if d.Key == "" {
		d.Key = models.NewToken(16)
	}
	seg, _ := json.Marshal(d.Segment)
	b := Broadcast{RequestKey: d.Key, Kind: d.Kind, Title: d.Title, Body: d.Body, Segment: string(seg), Status: StatusScheduled,
		ScheduledAt: d.ScheduledAt.UTC(), CreatedBy: a.ID, CreatedAt: now.UTC()}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var prev []Broadcast
		if err := tx.Where("request_key = ?", d.Key).Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		if len(prev) == 1 {
			b = prev[0]
			return nil
		}
		if err := tx.Create(&b).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, a, "broadcast.create", "broadcast", b.ID, b.Title)
	})
	if err != nil {
		return nil, fmt.Errorf("messaging: create broadcast: %w", err)
	}
	return &b, nil
}

// CancelBroadcast stops a broadcast that is not queued yet.
func CancelBroadcast(ctx context.Context, db *models.DB, now time.Time, a models.Actor, id int64) error {
	return db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE broadcasts SET status = ? WHERE id = ? AND status = ?", StatusCancelled, id, StatusScheduled)
		if res.Error != nil {
			return fmt.Errorf("messaging: cancel broadcast: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			if _, err := GetBroadcast(ctx, tx, id); err != nil {
				return err
			}
			return ErrNotCancellable
		}
		return models.Audit(ctx, tx, now, a, "broadcast.cancel", "broadcast", id, "")
	})
}

// GetBroadcast loads one broadcast.
func GetBroadcast(ctx context.Context, db *gorm.DB, id int64) (*Broadcast, error) {
	var b Broadcast
	if err := db.WithContext(ctx).Where("id = ?", id).Take(&b).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, models.ErrNotFound
		}
		return nil, fmt.Errorf("messaging: get broadcast: %w", err)
	}
	return &b, nil
}

// SendDueBroadcasts queues every scheduled broadcast whose time has come and
// returns how many it queued. Each is claimed by a conditional update in the
// transaction that writes its notices, and each notice's dedupe key names
// the broadcast and the guardian: running the job twice, or on two
// instances at once, queues each broadcast once.
func SendDueBroadcasts(ctx context.Context, db *models.DB, now time.Time) (int, error) {
	var ids []int64
	if err := db.R.WithContext(ctx).Raw("SELECT id FROM broadcasts WHERE status = ? AND scheduled_at <= ? ORDER BY id",
		StatusScheduled, now.UTC()).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("messaging: due broadcasts: %w", err)
	}
	n := 0
	for _, id := range ids {
		ok, err := sendBroadcast(ctx, db, now, id)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func sendBroadcast(ctx context.Context, db *models.DB, now time.Time, id int64) (bool, error) {
	queued := false
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		queued = false
		b, err := GetBroadcast(ctx, tx, id)
		if err != nil {
			return err
		}
		res := tx.Exec("UPDATE broadcasts SET status = ?, queued_at = ? WHERE id = ? AND status = ?",
			StatusQueued, now.UTC(), id, StatusScheduled)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // another run queued or someone cancelled it
		}
		rs, err := recipients(ctx, tx, b.ScheduledAt, b.Seg())
		if err != nil {
			return err
		}
		fams := map[int64]bool{}
		for _, r := range rs {
			fams[r.FamilyID] = true
			if err := models.EnqueueNotice(ctx, tx, now, models.Notice{Event: EventBroadcast, GuardianID: r.GuardianID,
				DedupeKey: fmt.Sprintf("bcast:%d", b.ID),
				Data:      map[string]any{"title": b.Title, "message": b.Body}}); err != nil {
				return err
			}
		}
		if err := tx.Exec("UPDATE broadcasts SET families = ?, recipients = ? WHERE id = ?", len(fams), len(rs), id).Error; err != nil {
			return err
		}
		queued = true
		return nil
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return false, err
		}
		return false, fmt.Errorf("messaging: send broadcast %d: %w", id, err)
	}
	return queued, nil
}

// SendNow queues a scheduled broadcast at once (the "send now" button).
func SendNow(ctx context.Context, db *models.DB, now time.Time, a models.Actor, id int64) error {
	if err := db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE broadcasts SET scheduled_at = ? WHERE id = ? AND status = ?", now.UTC(), id, StatusScheduled)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if _, err := GetBroadcast(ctx, tx, id); err != nil {
				return err
			}
			return ErrNotCancellable
		}
		return models.Audit(ctx, tx, now, a, "broadcast.send_now", "broadcast", id, "")
	}); err != nil {
		return err
	}
	_, err := sendBroadcast(ctx, db, now, id)
	return err
}

// Stats are a broadcast's delivery figures, from the outbox and the inbox.
type Stats struct {
	Total   int64 // notices queued
	Pending int64 // waiting (quiet hours, retries)
	Sent    int64
	Failed  int64 // failed for good (dead letters)
	Skipped int64 // marketing opt-out or no consent
	Opened  int64 // read in the portal's inbox
	SMS     int64 // sent by SMS
}

// BroadcastItem is a broadcast with its statistics.
type BroadcastItem struct {
	Broadcast
	Stats Stats
}

// ListBroadcasts returns the newest broadcasts with their statistics.
func ListBroadcasts(ctx context.Context, db *gorm.DB, limit int) ([]BroadcastItem, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var bs []Broadcast
	if err := db.WithContext(ctx).Order("id DESC").Limit(limit).Find(&bs).Error; err != nil {
		return nil, fmt.Errorf("messaging: list broadcasts: %w", err)
	}
	out := make([]BroadcastItem, len(bs))
	for i, b := range bs {
		out[i].Broadcast = b
		if b.Status != StatusQueued {
			continue
		}
		s, err := BroadcastStats(ctx, db, b.ID)
		if err != nil {
			return nil, err
		}
		out[i].Stats = s
	}
	return out, nil
}

// BroadcastStats counts a broadcast's notices by outcome.
func BroadcastStats(ctx context.Context, db *gorm.DB, id int64) (Stats, error) {
	var rows []struct {
		Status  string
		Channel string
		N       int64
		Opened  int64
	}
	err := db.WithContext(ctx).Raw(`SELECT o.status, o.channel, COUNT(*) AS n,
			SUM(CASE WHEN i.read_at IS NOT NULL THEN 1 ELSE 0 END) AS opened
		FROM outbox o LEFT JOIN notify_inbox i ON i.outbox_id = o.id
		WHERE o.dedupe_key LIKE ? AND o.event = ?
		GROUP BY o.status, o.channel`, fmt.Sprintf("bcast:%d:%%", id), EventBroadcast).Scan(&rows).Error
	if err != nil {
		return Stats{}, fmt.Errorf("messaging: broadcast stats: %w", err)
	}
	var s Stats
	for _, r := range rows {
		s.Total += r.N
		s.Opened += r.Opened
		switch r.Status {
		case models.OutboxSent:
			s.Sent += r.N
			if r.Channel == models.ChannelSMS {
				s.SMS += r.N
			}
		case models.OutboxDead:
			s.Failed += r.N
		case models.OutboxSkipped:
			s.Skipped += r.N
		default:
			s.Pending += r.N
		}
	}
	return s, nil
}
