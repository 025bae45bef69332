package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Tier rules as pure functions with an injected time, and the use cases
// that keep members.tier and its history.

// QualifiedTier is the highest tier whose threshold spend (fen, over the
// rolling window) reaches.
func QualifiedTier(r Rules, spend int64) string {
	best := TierSilver
	for _, t := range TierOrder {
		if th, ok := r.TierThresholds[t]; ok && spend >= th && TierRank(t) >= TierRank(best) {
			best = t
		}
	}
	return best
}

// WindowStart is the start of the rolling qualification window ending at now.
func WindowStart(r Rules, now time.Time) time.Time {
	return now.AddDate(0, -r.TierWindowMonths, 0)
}

// TierAfterPurchase decides the tier right after a purchase: an upgrade as
// soon as the window's spend crosses a threshold, never a downgrade (that
// waits for the periodic evaluation).
func TierAfterPurchase(r Rules, current string, spend int64) string {
	q := QualifiedTier(r, spend)
	if TierRank(q) > TierRank(current) {
		return q
	}
	return current
}

// NextTermEnd returns the first term end strictly after t (school time).
func NextTermEnd(r Rules, t time.Time) time.Time {
	loc := r.Location()
	lt := t.In(loc)
	var best time.Time
	for y := lt.Year(); y <= lt.Year()+1; y++ {
		for _, md := range r.TermEnds {
			p, err := time.Parse("01-02", md)
			if err != nil {
				continue
			}
			// The term ends at the end of that day.
			e := time.Date(y, p.Month(), p.Day()+1, 0, 0, 0, 0, loc)
			if e.After(lt) && (best.IsZero() || e.Before(best)) {
				best = e
			}
		}
	}
	if best.IsZero() {
		return t
	}
	return best.UTC()
}

// CanDowngrade reports whether a tier held since `since` may be lowered at
// now: never before the end of the term in which it was reached (grace).
func CanDowngrade(r Rules, since, now time.Time) bool {
	return !now.Before(NextTermEnd(r, since))
}

// TierOverride is a manual tier set by staff with a reason, until an expiry.
type TierOverride struct {
	ID        int64
	MemberID  int64
	Tier      string
	Reason    string
	ExpiresAt time.Time
	ActorType string
	ActorID   int64
	CreatedAt time.Time
}

// TableName maps TierOverride to its table.
func (TierOverride) TableName() string { return "tier_overrides" }

// TierChange is one line of a member's tier history.
type TierChange struct {
	ID        int64
	MemberID  int64
	FromTier  string
	ToTier    string
	Cause     string // "purchase", "evaluation", "override", "override_expired"
	Detail    string
	Spend     int64
	ActorType string
	ActorID   int64
	At        time.Time
}

// TableName maps TierChange to its table.
func (TierChange) TableName() string { return "tier_history" }

// EvaluateTier is the periodic decision for one member: the qualified tier,
// pinned by an active override, and a downgrade only once grace is over.
func EvaluateTier(r Rules, current string, since time.Time, spend int64, override *TierOverride, now time.Time) string {
	if override != nil && now.Before(override.ExpiresAt) {
		if q := QualifiedTier(r, spend); TierRank(q) > TierRank(override.Tier) {
			return q
		}
		return override.Tier
	}
	q := QualifiedTier(r, spend)
	if TierRank(q) >= TierRank(current) {
		return q
	}
	if CanDowngrade(r, since, now) {
		return q
	}
	return current
}

// TierProgress tells a member how far the next tier is.
type TierProgress struct {
	Tier     string    `json:"tier"`
	Spend    int64     `json:"spend"`
	Next     string    `json:"next,omitempty"`
	Needed   int64     `json:"needed"`
	Deadline time.Time `json:"deadline"` // spend Needed before this; after it older spend leaves the window
}

// ProgressFor computes the progress from the window's spend and the time the
// oldest counted purchase leaves the window (zero: no purchase yet).
func ProgressFor(r Rules, tier string, spend int64, oldest time.Time, now time.Time) TierProgress {
	p := TierProgress{Tier: tier, Spend: spend}
	rank := TierRank(tier)
	for _, t := range TierOrder {
		if TierRank(t) > rank {
			p.Next = t
			p.Needed = max(0, r.TierThresholds[t]-spend)
			break
		}
	}
	if oldest.IsZero() {
		p.Deadline = now.AddDate(0, r.TierWindowMonths, 0).UTC()
	} else {
		p.Deadline = oldest.AddDate(0, r.TierWindowMonths, 0).UTC()
	}
	return p
}

// ErrBadOverride refuses an override without a reason, a valid tier or a future expiry.
var ErrBadOverride = NewError(KindInvalid, "bad-tier-override", "err.tier_bad_override")

// SpendDay is t's school day as yyyymmdd, the key of member_spend_days.
func SpendDay(r Rules, t time.Time) int64 {
	lt := t.In(r.Location())
	return int64(lt.Year())*10000 + int64(lt.Month())*100 + int64(lt.Day())
}

// dayStart turns a yyyymmdd day back into its midnight (school time).
func dayStart(r Rules, day int64) time.Time {
	return time.Date(int(day/10000), time.Month(day/100%100), int(day%100), 0, 0, 0, 0, r.Location()).UTC()
}

// addSpend moves a member's spend on one school day (refunds pass a negative amount).
func addSpend(ctx context.Context, tx *gorm.DB, memberID, day, amount int64) error {
	if amount == 0 {
		return nil
	}
	q := `INSERT INTO member_spend_days (member_id, day, amount) VALUES (?, ?, ?)
		ON CONFLICT (member_id, day) DO UPDATE SET amount = amount + excluded.amount`
	if isMySQL(tx) {
		q = `INSERT INTO member_spend_days (member_id, day, amount) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE amount = amount + VALUES(amount)`
	}
	if _, err := ExecSQL(ctx, tx, q, memberID, day, amount); err != nil {
		return fmt.Errorf("models: member spend: %w", err)
	}
	return nil
}

// windowSpend is the member's net spend (paid minus refunded) on the school
// days after the one `from` falls on, and the first such day with spend.
func windowSpend(ctx context.Context, tx *gorm.DB, r Rules, memberID int64, from time.Time) (int64, time.Time, error) {
	var row struct {
		Spend  int64
		Oldest *int64
	}
	err := tx.WithContext(ctx).Raw(`SELECT COALESCE(SUM(amount), 0) AS spend, MIN(CASE WHEN amount > 0 THEN day END) AS oldest
		FROM member_spend_days WHERE member_id = ? AND day > ?`, memberID, SpendDay(r, from)).Scan(&row).Error
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("models: window spend: %w", err)
	}
	var oldest time.Time
	if row.Oldest != nil {
		oldest = dayStart(r, *row.Oldest)
	}
	return row.Spend, oldest, nil
}

// parseDBTime reads a time that came back as text (SQLite aggregates).
func parseDBTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999",
		time.RFC3339Nano, "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("models: bad time %q", s)
}

// setTier changes members.tier and writes history in tx.
func setTier(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, memberID int64, from, to, cause, detail string, spend int64) error {
	if from == to {
		return nil
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE members SET tier = ?, updated_at = ? WHERE id = ?`, to, now.UTC(), memberID).Error; err != nil {
		return fmt.Errorf("models: set tier: %w", err)
	}
	h := TierChange{MemberID: memberID, FromTier: from, ToTier: to, Cause: cause, Detail: truncate(detail, 255), Spend: spend,
		ActorType: orSystem(actor.Type), ActorID: actor.ID, At: now.UTC()}
	if err := tx.WithContext(ctx).Create(&h).Error; err != nil {
		return fmt.Errorf("models: tier history: %w", err)
	}
	if err := Emit(ctx, tx, DomainEvent{Type: EventTierChanged, At: now, MemberID: memberID, ObjectID: h.ID, Actor: actor, Object: map[string]any{"member_id": memberID, "from": from, "to": to, "cause": cause, "spend": spend}}); err != nil {
		return err
	}
	return nil
}

func orSystem(t string) string {
	if t == "" {
		return "system"
	}
	return t
}

// activeOverride returns the member's override in force at now, if any.
func activeOverride(ctx context.Context, tx *gorm.DB, memberID int64, now time.Time) (*TierOverride, error) {
	var o TierOverride
	err := tx.WithContext(ctx).Where("member_id = ? AND expires_at > ?", memberID, now.UTC()).
		Order("id DESC").Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: tier override: %w", err)
	}
	return &o, nil
}

// tierSince is when the member reached the current tier (the last change to it).
func tierSince(ctx context.Context, tx *gorm.DB, memberID int64) (time.Time, error) {
	var h TierChange
	err := tx.WithContext(ctx).Where("member_id = ?", memberID).Order("id DESC").Take(&h).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("models: tier since: %w", err)
	}
	return h.At, nil
}

// OverrideTier pins a member's tier until expiresAt, with a reason (audited).
func OverrideTier(ctx context.Context, db *DB, now time.Time, actor Actor, memberID int64, tier, reason string, expiresAt time.Time) error {
	f := map[string]string{}
	if TierRank(tier) == 0 && tier != TierSilver {
		f["tier"] = "err.tier_bad_override"
	}
	if len(reason) == 0 {
		f["reason"] = "err.required"
	}
	if !expiresAt.After(now) {
		f["expires_at"] = "err.tier_bad_override"
	}
	if len(f) > 0 {
		return &Error{Kind: KindInvalid, Code: ErrBadOverride.Code, Key: ErrBadOverride.Key, Fields: f}
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		w, err := lockWallet(ctx, tx, now, memberID)
		if err != nil {
			return err
		}
		o := TierOverride{MemberID: memberID, Tier: tier, Reason: truncate(reason, 255), ExpiresAt: expiresAt.UTC(),
			ActorType: orSystem(actor.Type), ActorID: actor.ID, CreatedAt: now.UTC()}
		if err := tx.Create(&o).Error; err != nil {
			return fmt.Errorf("models: override tier: %w", err)
		}
		if err := setTier(ctx, tx, now, actor, memberID, w.Tier, tier, "override", reason, 0); err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "tier.override", "member", memberID,
			fmt.Sprintf("%s→%s until %s: %s", w.Tier, tier, expiresAt.UTC().Format(time.RFC3339), reason))
	})
}

// EvaluateTiers is the periodic job: it re-evaluates every member whose tier
// may change (downgrades after grace, expired overrides) and returns how many
// changed. Each member is its own short transaction.
func EvaluateTiers(ctx context.Context, db *DB, now time.Time) (int, error) {
	rules, err := LoadRules(ctx, db.R, now)
	if err != nil {
		return 0, err
	}
	var ids []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT id FROM members WHERE archived_at IS NULL ORDER BY id`).
		Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("models: evaluate tiers: %w", err)
	}
	changed := 0
	for _, id := range ids {
		var did bool
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			did = false
			w, err := lockWallet(ctx, tx, now, id)
			if err != nil {
				return err
			}
			spend, _, err := windowSpend(ctx, tx, rules, id, WindowStart(rules, now))
			if err != nil {
				return err
			}
			o, err := activeOverride(ctx, tx, id, now)
			if err != nil {
				return err
			}
			since, err := tierSince(ctx, tx, id)
			if err != nil {
				return err
			}
			to := EvaluateTier(rules, w.Tier, since, spend, o, now)
			if to == w.Tier {
				return nil
			}
			did = true
			return setTier(ctx, tx, now, SystemActor, id, w.Tier, to, "evaluation", "", spend)
		})
		if err != nil && !errors.Is(err, ErrMemberNotFound) {
			return changed, fmt.Errorf("models: evaluate tiers: member %d: %w", id, err)
		}
		if did {
			changed++
		}
	}
	return changed, nil
}

// MemberTierProgress returns a member's progress towards the next tier.
func MemberTierProgress(ctx context.Context, db *gorm.DB, now time.Time, memberID int64) (TierProgress, error) {
	rules, err := LoadRules(ctx, db, now)
	if err != nil {
		return TierProgress{}, err
	}
	var tier string
	if err := db.WithContext(ctx).Raw(`SELECT tier FROM members WHERE id = ? AND archived_at IS NULL`, memberID).
		Scan(&tier).Error; err != nil {
		return TierProgress{}, fmt.Errorf("models: tier progress: %w", err)
	}
	if tier == "" {
		return TierProgress{}, ErrMemberNotFound
	}
	spend, oldest, err := windowSpend(ctx, db, rules, memberID, WindowStart(rules, now))
	if err != nil {
		return TierProgress{}, err
	}
	return ProgressFor(rules, tier, spend, oldest, now), nil
}

// TierHistory lists a member's tier changes, newest first.
func TierHistory(ctx context.Context, db *gorm.DB, memberID int64) ([]TierChange, error) {
	var hs []TierChange
	if err := db.WithContext(ctx).Where("member_id = ?", memberID).Order("id DESC").Find(&hs).Error; err != nil {
		return nil, fmt.Errorf("models: tier history: %w", err)
	}
	return hs, nil
}
