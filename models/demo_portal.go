package models

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// demoPortal lets people try the parent portal without an SMS: the first
// demo family's guardian gets the demo password (the phone is logged), and a
// few families have sent feedback in different states for the complaints
// workflow to show.
func demoPortal(ctx context.Context, d *Demo) error {
	var gs []Guardian
	if err := d.DB.R.WithContext(ctx).Order("id").Limit(4).Find(&gs).Error; err != nil {
		return fmt.Errorf("models: demo portal: %w", err)
	}
	if len(gs) == 0 {
		return nil
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(DemoPassword), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("models: demo portal: %w", err)
	}
	now := d.Now.UTC()
	err = d.DB.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := lockLogin(ctx, tx, now, gs[0].Phone); err != nil {
			return err
		}
		return tx.Model(&guardianLogin{}).Where("phone = ?", gs[0].Phone).
			Updates(map[string]any{"password_hash": string(hash), "password_set_at": now}).Error
	})
	if err != nil {
		return fmt.Errorf("models: demo portal: %w", err)
	}
	slog.Info("demo parent portal login", "url", "/portal/", "phone", gs[0].Phone, "password", DemoPassword)
	texts := []struct{ kind, category, body, status, note string }{
		{ComplaintKindComplaint, "service", "今天下午接孩子时前台没人，等了二十分钟才有老师来开门。", ComplaintInvestigating, "非常抱歉，我们已经调整了前台的排班，正在核实当天情况。"},
		{ComplaintKindSuggestion, "teaching", "李老师的绘本课孩子特别喜欢，回家天天讲故事，谢谢老师！", ComplaintReceived, ""},
		{ComplaintKindComplaint, "after_sales", "上个月申请的钢琴课退费还没有到账，请帮忙查一下。", ComplaintResolved, "退费已于今天原路退回，请注意查收。"},
	}
	for i, tx := range texts {
		g := gs[(i+1)%len(gs)]
		p := &GuardianPrincipal{Phone: g.Phone, Guardians: []Guardian{g}, FamilyIDs: []int64{g.FamilyID}}
		c, err := SubmitComplaint(ctx, d.DB, now.Add(-72*time.Hour+time.Duration(i)*time.Hour), "", p, "", NewComplaint{Kind: tx.kind, Category: tx.category, Body: tx.body})
		if err != nil {
			return err
		}
		if tx.status == ComplaintReceived {
			continue
		}
		err = d.DB.Tx(ctx, func(db *gorm.DB) error {
			if err := db.Model(&Complaint{}).Where("id = ?", c.ID).Updates(map[string]any{"status": tx.status,
				"first_answer_at": now.Add(-48 * time.Hour), "updated_at": now}).Error; err != nil {
				return err
			}
			var staffID int64
			if u := d.Staff["service"]; u != nil {
				staffID = u.ID
			}
			return db.Create(&ComplaintUpdate{ComplaintID: c.ID, At: now.Add(-48 * time.Hour), ActorType: "staff", ActorID: staffID,
				Status: tx.status, Note: tx.note, Public: true}).Error
		})
		if err != nil {
			return fmt.Errorf("models: demo portal: %w", err)
		}
	}
	return nil
}
