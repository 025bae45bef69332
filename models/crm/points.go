package crm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"starcard/models"
)

// ErrBudget refuses behaviour points beyond the teacher's monthly budget.
var ErrBudget = models.NewError(models.KindConflict, "behaviour-budget", "crm.err.budget_exceeded")

// MaxAward caps one child's behaviour points in one award.
const MaxAward = 50

// Budget is a teacher's behaviour-points budget for a month.
type Budget struct {
	Monthly int64
	Used    int64
	Left    int64
}

func month(now time.Time, loc *time.Location) int64 {
	l := now.In(loc)
	return int64(l.Year())*100 + int64(l.Month())
}

func monthlyOf(ctx context.Context, tx *gorm.DB, cfg Config, staffID int64) (int64, error) {
	var vs []int64
	if err := tx.WithContext(ctx).Raw("SELECT monthly_points FROM crm_point_budgets WHERE staff_id = ?", staffID).Scan(&vs).Error; err != nil {
		return 0, fmt.Errorf("crm: budget: %w", err)
	}
	if len(vs) == 0 {
		return cfg.DefaultBudget, nil
	}
	return vs[0], nil
}

// BudgetFor returns a teacher's budget and use this month.
func BudgetFor(ctx context.Context, db *gorm.DB, now time.Time, loc *time.Location, staffID int64) (Budget, error) {
	cfg, err := LoadConfig(ctx, db, now)
	if err != nil {
		return Budget{}, err
	}
	b := Budget{}
	if b.Monthly, err = monthlyOf(ctx, db, cfg, staffID); err != nil {
		return b, err
	}
	if err := db.WithContext(ctx).Raw("SELECT COALESCE(SUM(points), 0) FROM crm_behaviour_awards WHERE staff_id = ? AND month = ?",
		staffID, month(now, loc)).Scan(&b.Used).Error; err != nil {
		return b, fmt.Errorf("crm: budget: %w", err)
	}
	b.Left = max(b.Monthly-b.Used, 0)
	return b, nil
}

// SetBudget sets a teacher's monthly behaviour-points budget (admin).
func SetBudget(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, staffID, monthly int64) error {
	if monthly < 0 || monthly > 100000 {
		return models.Invalid(map[string]string{"monthly": "crm.err.budget"})
	}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := models.GetStaff(ctx, tx, staffID); err != nil {
			return err
		}
		row := map[string]any{"staff_id": staffID, "monthly_points": monthly, "updated_at": now.UTC()}
		if err := tx.Table("crm_point_budgets").Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "staff_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"monthly_points", "updated_at"})}).Create(row).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "behaviour.budget", "staff", staffID, strconv.FormatInt(monthly, 10))
	})
	if err != nil {
		return fmt.Errorf("crm: set budget: %w", err)
	}
	return nil
}

// GivePoints gives each child behaviour points (小红花) with a reason the
// parent sees, within the teacher's monthly budget: all or none. batch is
// the form's one-time key, so a double tap gives once.
func GivePoints(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, actor models.Actor, u *models.StaffUser,
	memberIDs []int64, points int64, reason, batch string) (int, error) {
	reason = strings.TrimSpace(reason)
	f := map[string]string{}
	if len(memberIDs) == 0 {
		f["member_ids"] = "crm.err.none_selected"
	}
	if points < 1 || points > MaxAward {
		f["points"] = "crm.err.points_range"
	}
	if reason == "" {
		f["reason"] = "err.required"
	} else if utf8.RuneCountInString(reason) > 60 {
		f["reason"] = "crm.err.too_long"
	}
	if batch == "" || len(batch) > 64 {
		f["batch"] = "err.bad_idempotency_key"
	}
	if len(f) > 0 {
		return 0, models.Invalid(f)
	}
	given := 0
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		given = 0
		cfg, err := LoadConfig(ctx, tx, now)
		if err != nil {
			return err
		}
		// One teacher's awards serialise on their staff row (SQLite's writer
		// lock does the same), so two tabs cannot both spend the last points.
		if err := tx.Exec("UPDATE staff_users SET updated_at = updated_at WHERE id = ?", actor.ID).Error; err != nil {
			return err
		}
		var dup int64
		if err := tx.Raw("SELECT COUNT(*) FROM crm_behaviour_awards WHERE batch = ?", batch).Scan(&dup).Error; err != nil {
			return err
		}
		if dup > 0 {
			given = int(dup)
			return nil
		}
		monthly, err := monthlyOf(ctx, tx, cfg, actor.ID)
		if err != nil {
			return err
		}
		mo := month(now, loc)
		var used int64
		if err := tx.Raw("SELECT COALESCE(SUM(points), 0) FROM crm_behaviour_awards WHERE staff_id = ? AND month = ?",
			actor.ID, mo).Scan(&used).Error; err != nil {
			return err
		}
		need := points * int64(len(memberIDs))
		if used+need > monthly {
			return ErrBudget.With(need, max(monthly-used, 0))
		}
		for _, id := range memberIDs {
			if err := models.CheckMemberAccess(ctx, tx, u, id); err != nil {
				return err
			}
			a := map[string]any{"staff_id": actor.ID, "member_id": id, "month": mo, "points": points, "reason": reason,
				"journal_id": 0, "batch": batch, "created_at": now.UTC()}
			if err := tx.Table("crm_behaviour_awards").Create(a).Error; err != nil {
				return err
			}
			var awardID int64
			if err := tx.Raw("SELECT id FROM crm_behaviour_awards WHERE batch = ? AND member_id = ?", batch, id).Scan(&awardID).Error; err != nil {
				return err
			}
			jid, err := models.AwardPoints(ctx, tx, now, models.Award{MemberID: id, Points: points, Reason: reason,
				RefType: "behaviour", RefID: awardID, Actor: actor})
			if err != nil {
				return err
			}
			if err := tx.Exec("UPDATE crm_behaviour_awards SET journal_id = ? WHERE id = ?", jid, awardID).Error; err != nil {
				return err
			}
			given++
		}
		return models.Audit(ctx, tx, now, actor, "behaviour.give", "staff", actor.ID,
			fmt.Sprintf("children=%d points=%d reason=%s", len(memberIDs), points, truncate(reason, 60)))
	})
	if err != nil {
		return 0, fmt.Errorf("crm: give points: %w", err)
	}
	return given, nil
}

// AwardRow is a behaviour award for lists.
type AwardRow struct {
	ID         int64
	MemberID   int64
	MemberName string
	Points     int64
	Reason     string
	CreatedAt  time.Time
}

// RecentAwards lists a teacher's latest behaviour awards.
func RecentAwards(ctx context.Context, db *gorm.DB, staffID int64, limit int) ([]AwardRow, error) {
	var out []AwardRow
	if err := db.WithContext(ctx).Raw(`SELECT a.id, a.member_id, m.name AS member_name, a.points, a.reason, a.created_at
		FROM crm_behaviour_awards a JOIN members m ON m.id = a.member_id WHERE a.staff_id = ? ORDER BY a.id DESC LIMIT ?`,
		staffID, limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("crm: awards: %w", err)
	}
	return out, nil
}
