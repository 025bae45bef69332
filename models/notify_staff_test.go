package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

// A manager with a phone gets the daily summary by SMS, one with an e-mail
// by e-mail, one with neither in the inbox only; every one of them finds it
// in the staff inbox, unread until read, signed with the school's own name.
func TestStaffNoticesReachPhoneEmailAndInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) // 18:00 in Shanghai
		if err := models.EnsureNoticeTemplates(ctx, db.W, now); err != nil {
			t.Fatal(err)
		}
		if _, err := models.SaveSchool(ctx, db.W, now, models.SchoolInput{Name: "阳光幼儿园"}); err != nil {
			t.Fatal(err)
		}
		cp, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
		if err != nil {
			t.Fatal(err)
		}
		staff := map[string]*models.StaffUser{}
		for _, s := range []models.NewStaff{
			{Username: "bysms", Phone: "13912345678"},
			{Username: "bymail", Email: "chen@school.cn"},
			{Username: "inbox"},
		} {
			s.Password, s.Role, s.CampusIDs = "password123", "campus_manager", []int64{cp.ID}
			u, err := models.CreateStaff(ctx, db.W, now, s)
			if err != nil {
				t.Fatal(err)
			}
			staff[s.Username] = u
			if err := db.Tx(ctx, func(tx *gorm.DB) error {
				return models.EnqueueStaffNotice(ctx, tx, now, u.ID, "daily_summary", "daily:test",
					map[string]any{"campus": "阳光校区", "date": "2026-11-02", "checkins": 3, "sales": 35000, "topups": 0, "refunds": 0, "new_members": 1})
			}); err != nil {
				t.Fatal(err)
			}
		}
		sms, mail := &countingChannel{}, &countingChannel{}
		w := models.NewWorker(db, models.NotifyConfig{SMS: sms, Email: mail, Loc: time.FixedZone("CST", 8*3600)}, func() time.Time { return now })
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if len(sms.msgs) != 1 || sms.msgs[0].To != "13912345678" || len(mail.msgs) != 1 || mail.msgs[0].To != "chen@school.cn" {
			t.Fatalf("sms %+v, mail %+v", sms.msgs, mail.msgs)
		}
		if !strings.Contains(sms.msgs[0].Body+sms.msgs[0].Vars["school"], "阳光幼儿园") {
			t.Errorf("the notice is not signed with the school's name: %+v", sms.msgs[0])
		}
		for name, u := range staff {
			n, err := models.UnreadStaffInbox(ctx, db.R, u.ID)
			if err != nil || n != 1 {
				t.Fatalf("%s: %d unread, %v", name, n, err)
			}
		}
		u := staff["inbox"]
		if err := models.MarkStaffInboxRead(ctx, db.W, now, staff["bysms"].ID, 0); err != nil {
			t.Fatal(err)
		}
		if n, _ := models.UnreadStaffInbox(ctx, db.R, u.ID); n != 1 {
			t.Fatal("marking one person's inbox read touched another's")
		}
		if err := models.MarkStaffInboxRead(ctx, db.W, now, u.ID, 0); err != nil {
			t.Fatal(err)
		}
		if n, _ := models.UnreadStaffInbox(ctx, db.R, u.ID); n != 0 {
			t.Fatalf("%d unread after reading all", n)
		}
	})
}
