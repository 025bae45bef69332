package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ConsentVersion is one published text of the guardian consent (PIPL art.
// 31: a guardian agrees before a child's data is used). A new version needs
// agreeing to again.
type ConsentVersion struct {
	ID          int64
	Version     string
	Body        string
	PublishedAt time.Time
}

// TableName maps ConsentVersion to its table.
func (ConsentVersion) TableName() string { return "consent_versions" }

// ConsentGrant records that a guardian agreed to a version, when and through whom.
type ConsentGrant struct {
	ID               int64
	GuardianID       int64
	ConsentVersionID int64
	GrantedAt        time.Time
	Channel          string
	ActorType        string
	ActorID          int64
	WithdrawnAt      *time.Time
}

// TableName maps ConsentGrant to its table.
func (ConsentGrant) TableName() string { return "consent_grants" }

// ErrNoConsentText is returned when consent is recorded before any text is published.
var ErrNoConsentText = NewError(KindConflict, "no-consent-text", "err.consent_no_text")

// PublishConsent publishes a new consent text version.
func PublishConsent(ctx context.Context, db *gorm.DB, now time.Time, version, body string) (*ConsentVersion, error) {
	v := &ConsentVersion{Version: strings.TrimSpace(version), Body: strings.TrimSpace(body), PublishedAt: now}
	if v.Version == "" || v.Body == "" {
		return nil, Invalid(map[string]string{"version": "err.required"})
	}
	if err := db.WithContext(ctx).Create(v).Error; err != nil {
		return nil, fmt.Errorf("models: publish consent: %w", err)
	}
	return v, nil
}

// CurrentConsent returns the newest published consent text, or nil.
func CurrentConsent(ctx context.Context, db *gorm.DB) (*ConsentVersion, error) {
	var v ConsentVersion
	err := db.WithContext(ctx).Order("published_at DESC, id DESC").Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: current consent: %w", err)
	}
	return &v, nil
}

func grantConsent(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, guardianID int64, channel string) error {
	v, err := CurrentConsent(ctx, tx)
	if err != nil {
		return err
	}
	if v == nil {
		return ErrNoConsentText
	}
	g := ConsentGrant{GuardianID: guardianID, ConsentVersionID: v.ID, GrantedAt: now, Channel: channel,
		ActorType: actor.Type, ActorID: actor.ID}
	if err := tx.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "guardian_id"}, {Name: "consent_version_id"}},
		DoUpdates: clause.Assignments(map[string]any{"withdrawn_at": nil}),
	}).Create(&g).Error; err != nil {
		return fmt.Errorf("models: grant consent: %w", err)
	}
	return Audit(ctx, tx, now, actor, "consent.grant", "guardian", guardianID, "version="+v.Version+" channel="+channel)
}

// RecordConsent records that a guardian agreed to the current consent text
// (e.g. signed the paper form at the desk).
func RecordConsent(ctx context.Context, db *DB, now time.Time, actor Actor, guardianID int64, channel string) error {
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw("SELECT COUNT(*) FROM guardians WHERE id = ?", guardianID).Scan(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return grantConsent(ctx, tx, now, actor, guardianID, channel)
	})
	if err != nil {
		return fmt.Errorf("models: record consent: %w", err)
	}
	return nil
}

// WithdrawConsent records that a guardian withdrew consent: from now on the
// child's data is not used for notices or marketing through them.
func WithdrawConsent(ctx context.Context, db *DB, now time.Time, actor Actor, guardianID int64) error {
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&ConsentGrant{}).Where("guardian_id = ? AND withdrawn_at IS NULL", guardianID).
			Update("withdrawn_at", now).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "consent.withdraw", "guardian", guardianID, "")
	})
	if err != nil {
		return fmt.Errorf("models: withdraw consent: %w", err)
	}
	return nil
}

type consentRow struct {
	GuardianID int64
	GrantedAt  time.Time
	Version    string
}

// currentConsents returns, for each guardian that has agreed to the current
// consent version and not withdrawn, when they agreed.
func currentConsents(ctx context.Context, db *gorm.DB, guardianIDs []int64) (map[int64]consentRow, error) {
	out := map[int64]consentRow{}
	if len(guardianIDs) == 0 {
		return out, nil
	}
	v, err := CurrentConsent(ctx, db)
	if err != nil || v == nil {
		return out, err
	}
	var rows []consentRow
	if err := db.WithContext(ctx).Raw(`SELECT guardian_id, granted_at, ? AS version FROM consent_grants
		WHERE consent_version_id = ? AND withdrawn_at IS NULL AND guardian_id IN ?`, v.Version, v.ID, guardianIDs).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: consents: %w", err)
	}
	for _, r := range rows {
		out[r.GuardianID] = r
	}
	return out, nil
}

// ConsentingGuardians lists the guardians of a member who agreed to the
// current consent text: only they may be sent notices about the child.
func ConsentingGuardians(ctx context.Context, db *gorm.DB, memberID int64) ([]int64, error) {
	var ids []int64
	err := db.WithContext(ctx).Raw(`SELECT g.id FROM guardians g JOIN members m ON m.family_id = g.family_id
		JOIN consent_grants cg ON cg.guardian_id = g.id AND cg.withdrawn_at IS NULL
		WHERE m.id = ? AND cg.consent_version_id = (SELECT id FROM consent_versions ORDER BY published_at DESC, id DESC LIMIT 1)
		ORDER BY g.id`, memberID).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("models: consenting guardians: %w", err)
	}
	return ids, nil
}
