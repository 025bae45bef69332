package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// validGuardian checks one guardian the way the family page and member
// creation do, with field keys without the "guardians[0]." prefix.
func validGuardian(now time.Time, familyID int64, g NewGuardian) (NewGuardian, error) {
	probe := NewMember{Name: "x", FamilyID: familyID, Guardians: []NewGuardian{g}}
	if f, _ := probe.validate(now); len(f) > 0 {
		out := map[string]string{}
		for k, v := range f {
			out[strings.TrimPrefix(k, "guardians[0].")] = v
		}
		return g, Invalid(out)
	}
	return probe.Guardians[0], nil
}

// AddGuardianIn is AddGuardian inside the caller's transaction (an
// idempotent API write runs it with its key).
func AddGuardianIn(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, familyID int64, g NewGuardian, channel string) (*Guardian, error) {
	g, err := validGuardian(now, familyID, g)
	if err != nil {
		return nil, err
	}
	var f Family
	if err := tx.WithContext(ctx).Take(&f, familyID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("models: add guardian: %w", err)
	}
	row, err := addGuardian(ctx, tx, now, actor, familyID, g, channel)
	if err != nil {
		return nil, err
	}
	if err := reindexFamily(ctx, tx, familyID); err != nil {
		return nil, err
	}
	if err := Audit(ctx, tx, now, actor, "guardian.add", "family", familyID, fmt.Sprintf("guardian=%d", row.ID)); err != nil {
		return nil, err
	}
	if err := FamilyChanged(ctx, tx, now, actor, familyID, "guardian", Ref("guardian", row.ID)); err != nil {
		return nil, err
	}
	return row, nil
}

// GuardianEdit is a change of a guardian: nil fields stay as they are.
// Consent true records consent to the current text; false withdraws it.
type GuardianEdit struct {
	Name, Phone, Relation, Occupation, Position, EmployerType, PositionLevel *string
	Payer, Consent                                                           *bool
}

// UpdateGuardian changes a guardian of a family with the validation of a
// new guardian; a guardian of another family is not found, and a phone
// another guardian of the family has is refused.
func UpdateGuardian(ctx context.Context, db *DB, now time.Time, actor Actor, familyID, guardianID int64, e GuardianEdit) error {
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var cur Guardian
		if err := tx.WithContext(ctx).Where("id = ? AND family_id = ?", guardianID, familyID).Take(&cur).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		g := NewGuardian{Name: cur.Name, Phone: cur.Phone, Relation: cur.Relation, Occupation: cur.Occupation,
			Position: cur.Position, EmployerType: cur.EmployerType, PositionLevel: cur.PositionLevel, Payer: cur.Payer}
		for _, p := range []struct {
			dst *string
			src *string
		}{{&g.Name, e.Name}, {&g.Phone, e.Phone}, {&g.Relation, e.Relation}, {&g.Occupation, e.Occupation},
			{&g.Position, e.Position}, {&g.EmployerType, e.EmployerType}, {&g.PositionLevel, e.PositionLevel}} {
			if p.src != nil {
				*p.dst = *p.src
			}
		}
		if e.Payer != nil {
			g.Payer = *e.Payer
		}
		g, err := validGuardian(now, familyID, g)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.WithContext(ctx).Raw("SELECT COUNT(*) FROM guardians WHERE family_id = ? AND phone = ? AND id <> ?",
			familyID, g.Phone, guardianID).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrDuplicatePhone.With(MaskPhone(g.Phone))
		}
		if err := tx.WithContext(ctx).Model(&Guardian{}).Where("id = ?", guardianID).Updates(map[string]any{
			"name": g.Name, "phone": g.Phone, "relation": g.Relation, "occupation": strings.TrimSpace(g.Occupation),
			"position": strings.TrimSpace(g.Position), "employer_type": g.EmployerType, "position_level": g.PositionLevel,
			"payer": g.Payer, "updated_at": now}).Error; err != nil {
			return err
		}
		if e.Consent != nil {
			has, err := currentConsents(ctx, tx, []int64{guardianID})
			if err != nil {
				return err
			}
			_, agreed := has[guardianID]
			switch {
			case *e.Consent && !agreed:
				if err := grantConsent(ctx, tx, now, actor, guardianID, "api"); err != nil {
					return err
				}
			case !*e.Consent && agreed:
				if err := tx.Model(&ConsentGrant{}).Where("guardian_id = ? AND withdrawn_at IS NULL", guardianID).
					Update("withdrawn_at", now).Error; err != nil {
					return err
				}
				if err := Audit(ctx, tx, now, actor, "consent.withdraw", "guardian", guardianID, ""); err != nil {
					return err
				}
			}
		}
		if g.Phone != cur.Phone {
			if err := reindexFamily(ctx, tx, familyID); err != nil {
				return err
			}
		}
		if err := Audit(ctx, tx, now, actor, "guardian.edit", "family", familyID, fmt.Sprintf("guardian=%d", guardianID)); err != nil {
			return err
		}
		return FamilyChanged(ctx, tx, now, actor, familyID, "guardian", Ref("guardian", guardianID))
	})
	if err != nil {
		return fmt.Errorf("models: update guardian: %w", err)
	}
	return nil
}

// MemberReferralsPage is one page of the referrals a member made, newest
// first; beforeID 0 starts at the newest.
func MemberReferralsPage(ctx context.Context, db *gorm.DB, memberID, beforeID int64, limit int) ([]ReferralView, error) {
	q := `SELECT r.*, a.name AS referrer_name, COALESCE(b.name, '') AS referred_name FROM referrals r
		JOIN members a ON a.id = r.referrer_member_id LEFT JOIN members b ON b.id = r.referred_member_id
		WHERE r.referrer_member_id = ?`
	args := []any{memberID}
	if beforeID > 0 {
		q += ` AND r.id < ?`
		args = append(args, beforeID)
	}
	q += ` ORDER BY r.id DESC LIMIT ?`
	args = append(args, limit)
	var out []ReferralView
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: member referrals: %w", err)
	}
	return out, nil
}
