package crm

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// SeedDemo gives the demo school its CRM: homeroom teachers for the
// classes (teacher1 takes the first class of its campus), coded work facts
// for some guardians, every member graded by the active scheme, today's
// follow-up tasks, and a few logged calls. It is meant to run once, right
// after models.SeedDemo, on the same database.
func SeedDemo(ctx context.Context, db *models.DB, now time.Time, loc *time.Location) error {
	sys := models.Actor{Type: "system", Device: "demo"}
	var staff []struct {
		ID       int64
		Username string
		CampusID *int64
	}
	if err := db.R.WithContext(ctx).Raw(`SELECT s.id, s.username, MIN(c.campus_id) AS campus_id FROM staff_users s
		LEFT JOIN staff_campuses c ON c.user_id = s.id WHERE s.role = ? AND s.disabled_at IS NULL GROUP BY s.id, s.username ORDER BY s.id`,
		string(models.RoleTeacher)).Scan(&staff).Error; err != nil {
		return fmt.Errorf("crm: seed demo: %w", err)
	}
	classes, err := models.ListClasses(ctx, db.R, nil)
	if err != nil {
		return err
	}
	// Each teacher takes the classes of their campus in turn.
	taken := map[int64]bool{}
	for i := 0; len(staff) > 0 && i < len(classes); i++ {
		for _, s := range staff {
			cl := classes[i]
			if taken[cl.ID] || (s.CampusID != nil && *s.CampusID != cl.CampusID) {
				continue
			}
			if err := SetClassTeacher(ctx, db, now, sys, cl.ID, s.ID); err != nil {
				return err
			}
			taken[cl.ID] = true
			break
		}
	}
	// Coded work facts for some of the guardians who pay (seed 003's
	// examples: managers, civil servants, state-owned companies).
	facts := []struct{ employer, position string }{
		{"private", "middle"}, {"government", "staff"}, {"soe", "senior"}, {"public_institution", "staff"}, {"self_employed", "none"},
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var ids []int64
		if err := tx.Raw("SELECT MIN(id) FROM guardians GROUP BY family_id ORDER BY MIN(id)").Scan(&ids).Error; err != nil {
			return err
		}
		for i, id := range ids {
			if i%3 == 2 {
				continue // some families never said
			}
			f := facts[i%len(facts)]
			if err := tx.Exec("UPDATE guardians SET employer_type = ?, position_level = ? WHERE id = ?", f.employer, f.position, id).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("crm: seed demo: %w", err)
	}
	if _, err := RecomputeAll(ctx, db, now, CauseNightly); err != nil {
		return err
	}
	if _, err := GenerateTasks(ctx, db, now); err != nil {
		return err
	}
	// The year of demo history planned calls in the past: most were made on
	// their day, a few are still overdue for the board to show.
	today := schoolDay(now, loc)
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		var past []Task
		if err := tx.Where("status = ? AND due_on < ?", StatusOpen, today.AddDate(0, 0, -1).Format(day)).Find(&past).Error; err != nil {
			return err
		}
		for _, t := range past {
			if t.ID%6 == 0 {
				continue
			}
			due, err := time.ParseInLocation(day, t.DueOn, loc)
			if err != nil {
				return err
			}
			at := due.Add(16 * time.Hour).UTC()
			if t.ID%5 == 0 {
				at = at.AddDate(0, 0, 2) // done late
			}
			if err := tx.Model(&Task{}).Where("id = ?", t.ID).Updates(map[string]any{"status": StatusDone, "outcome": "已沟通",
				"done_at": at, "done_by": t.AssigneeID}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("crm: seed demo: %w", err)
	}
	// A few calls already made this morning by the first teacher.
	if len(staff) == 0 {
		return nil
	}
	u, err := models.GetStaff(ctx, db.R, staff[0].ID)
	if err != nil {
		return err
	}
	my, err := TasksFor(ctx, db.R, now, loc, u.ID)
	if err != nil {
		return err
	}
	open := append(append([]TaskRow{}, my.Overdue...), my.Today...)
	open = append(open, my.Upcoming...)
	notes := []struct{ content, outcome, next string }{
		{"孩子最近午睡很好，妈妈关心英语启蒙课的安排。", "已沟通", "下周发英语课介绍"},
		{"电话没人接，下午再打。", "未接通", ""},
		{"爸爸反馈孩子很喜欢美术课，想续报下学期。", "已沟通", "续费跟进"},
	}
	actor := models.Actor{Type: "staff", ID: u.ID, Device: "demo"}
	for i, n := range notes {
		if i >= len(open) {
			break
		}
		in := NewContact{Channel: "phone", Content: n.content, Outcome: n.outcome, NextStep: n.next, TaskID: open[i].ID}
		if n.next != "" {
			in.NextOn = schoolDay(now, loc).AddDate(0, 0, 7).Format(day)
		}
		if _, err := LogContact(ctx, db, now, loc, actor, u, open[i].MemberID, in); err != nil {
			return err
		}
	}
	return nil
}
