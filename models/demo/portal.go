package demo

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// demoPortal lets people try the parent portal without an SMS: the first
// demo family's guardian gets the demo password (its phone is printed with the logins), and a
// few families have sent feedback in different states for the complaints
// workflow to show.
func demoPortal(ctx context.Context, d *School) error {
	var gs []models.Guardian
	if err := d.DB.R.WithContext(ctx).Order("id").Limit(4).Find(&gs).Error; err != nil {
		return fmt.Errorf("demo portal: %w", err)
	}
	if len(gs) == 0 {
		return nil
	}
	now := d.Now.UTC()
	parent := &models.GuardianPrincipal{Phone: gs[0].Phone, Guardians: []models.Guardian{gs[0]}, FamilyIDs: []int64{gs[0].FamilyID}}
	if err := models.SetGuardianPassword(ctx, d.DB, now, parent, "", Password, Password); err != nil {
		return fmt.Errorf("demo portal: %w", err)
	}
	d.ParentPhone = gs[0].Phone
	texts := []struct{ kind, category, body, status, note string }{
		{models.ComplaintKindComplaint, "service", "今天下午接孩子时前台没人，等了二十分钟才有老师来开门。", models.ComplaintInvestigating, "非常抱歉，我们已经调整了前台的排班，正在核实当天情况。"},
		{models.ComplaintKindSuggestion, "teaching", "李老师的绘本课孩子特别喜欢，回家天天讲故事，谢谢老师！", models.ComplaintReceived, ""},
		{models.ComplaintKindComplaint, "after_sales", "上个月申请的钢琴课退费还没有到账，请帮忙查一下。", models.ComplaintResolved, "退费已于今天原路退回，请注意查收。"},
	}
	for i, tx := range texts {
		g := gs[(i+1)%len(gs)]
		p := &models.GuardianPrincipal{Phone: g.Phone, Guardians: []models.Guardian{g}, FamilyIDs: []int64{g.FamilyID}}
		c, err := models.SubmitComplaint(ctx, d.DB, now.Add(-72*time.Hour+time.Duration(i)*time.Hour), "", p, "", models.NewComplaint{Kind: tx.kind, Category: tx.category, Body: tx.body})
		if err != nil {
			return err
		}
		if tx.status == models.ComplaintReceived {
			continue
		}
		err = d.DB.Tx(ctx, func(db *gorm.DB) error {
			if err := db.Model(&models.Complaint{}).Where("id = ?", c.ID).Updates(map[string]any{"status": tx.status,
				"first_answer_at": now.Add(-48 * time.Hour), "updated_at": now}).Error; err != nil {
				return err
			}
			var staffID int64
			if u := d.Staff["service"]; u != nil {
				staffID = u.ID
			}
			return db.Create(&models.ComplaintUpdate{ComplaintID: c.ID, At: now.Add(-48 * time.Hour), ActorType: "staff", ActorID: staffID,
				Status: tx.status, Note: tx.note, Public: true}).Error
		})
		if err != nil {
			return fmt.Errorf("demo portal: %w", err)
		}
	}
	return nil
}
