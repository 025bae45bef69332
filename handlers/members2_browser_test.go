package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestBrowserMemberTimelineAdjustAndPortalContact is issue 17 (members) in
// Chromium. At the desk (1366×768): the profile's timeline lists the top-up,
// the class-hour package and a purchase with its receipt number; a
// 2,000-point adjustment waits for a second person, its maker cannot approve
// it, another admin does, and the balance moves. On the parent's phone
// (390×844): the history shows one line per transaction with its receipt
// number and item; the parent changes the phone number with the code texted
// to the new number.
func TestBrowserMemberTimelineAdjustAndPortalContact(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	now := time.Now().UTC()
	s := newCourseSchool(t, db, now)
	s.a.Staff(t, "head2", models.RoleServiceHead)
	ctx := context.Background()
	actor := models.Actor{Type: "staff", ID: s.cashier.ID, CampusID: s.campus}
	if _, err := models.RecordPurchase(ctx, db, now.Add(time.Minute), models.Idem{Scope: "seed", Key: "buy", Hash: "buy"},
		models.PurchaseInput{MemberID: s.ming, Items: []models.PurchaseItem{{Category: models.CategoryMaterials, Amount: 12800, Description: "绘本教材"}},
			Payments: []models.Payment{{Method: "stored_value", Amount: 12800}}, Actor: actor}); err != nil {
		t.Fatal(err)
	}
	s.a.Clock.T = now.Add(2 * time.Minute)
	base := s.a.Serve(t)

	// 1. The desk: the timeline, then an adjustment above the threshold.
	desk := staffLogin(t, b, base, "boss", 1366, 768)
	desk.MustNavigate(fmt.Sprintf("%s/admin/members/%d/timeline", base, s.ming)).MustWaitLoad()
	apptest.WaitText(t, desk, "#timeline li:first-child", "绘本教材")
	tl := desk.MustElement("#timeline").MustText()
	for _, want := range []string{"消费", "P0000000", "¥128.00", "充值", "¥3,400.00", "现金"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}
	apptest.Shot(t, desk, "members-desk-timeline")
	apptest.ClickAndWait(t, desk, `.mem2-tabs a[href$="/adjust"]`)
	desk.MustElement(`input[name=amount]`).MustInput("2000")
	desk.MustElement(`input[name=reason]`).MustInput("亲子活动积分补录")
	apptest.ClickAndWait(t, desk, "#adjust-submit")
	apptest.WaitText(t, desk, ".flash", "已提交审批")
	apptest.WaitText(t, desk, ".adjust-table tbody tr:first-child", "需由其他人审批")
	apptest.WaitText(t, desk, "#bal-points", "128")
	apptest.Shot(t, desk, "members-desk-adjust-pending")

	head := staffLogin(t, b.MustIncognito(), base, "head2", 1366, 768)
	head.MustNavigate(base + "/admin/adjustments").MustWaitLoad()
	apptest.WaitText(t, head, ".adjust-table tbody tr:first-child", "亲子活动积分补录")
	apptest.Shot(t, head, "members-desk-approval-queue")
	apptest.ClickAndWait(t, head, `.adjust-table form[action$="/approve"] button`)
	apptest.WaitText(t, head, ".adjust-table tbody", "没有调整记录")

	desk.MustNavigate(fmt.Sprintf("%s/admin/members/%d/adjust", base, s.ming)).MustWaitLoad()
	apptest.WaitText(t, desk, "#bal-points", "2,128")
	apptest.WaitText(t, desk, ".adjust-table tbody tr:first-child", "已生效")
	apptest.Shot(t, desk, "members-desk-adjust-applied")
	s.verify(t)

	// The service head's broadcast: the preview shows the text, the families and the SMS cost.
	desk.MustNavigate(base + "/admin/broadcasts").MustWaitLoad()
	desk.MustElement(`select[name=kind]`).MustSelect("活动邀请")
	desk.MustElement(`input[name=title]`).MustInput("元旦游园会")
	desk.MustElement(`textarea[name=body]`).MustInput("元旦亲子游园会1月1日上午9点开始，欢迎全家参加！")
	desk.MustElement("#bcast-preview").MustClick()
	apptest.WaitText(t, desk, "#bcast-preview-box", "2 个家庭")
	apptest.Shot(t, desk, "members-desk-broadcast-preview")

	// 2. The parent's phone: the statement, then a new phone number.
	parent := apptest.Page(t, b.MustIncognito(), base+"/portal/", 390, 844)
	parent.MustElement("#phone").MustInput(s.phone)
	parent.MustElement("#agree").MustClick() // the privacy-policy consent the login asks for
	apptest.ClickAndWait(t, parent, `form[action="/portal/login/code"] button[type=submit]`)
	parent.MustElement("#code").MustInput(s.a.OTP(t, s.phone))
	apptest.ClickAndWait(t, parent, `form[action="/portal/login"] button[type=submit]`)
	parent.MustNavigate(fmt.Sprintf("%s/portal/kids/%d/history", base, s.ming)).MustWaitLoad()
	first := apptest.WaitText(t, parent, ".p-history li:first-child", "人工调整")
	if !strings.Contains(first, "+2,000") {
		t.Errorf("newest line %q, want the +2,000 points adjustment", first)
	}
	hist := parent.MustElement(".p-history").MustText()
	for _, want := range []string{"消费 · 绘本教材", "单号 P0000000", "-¥128.00", "充值", "+¥3,400.00"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	if strings.Contains(hist, "本金") || strings.Contains(hist, "赠送金") {
		t.Errorf("history splits principal and bonus:\n%s", hist)
	}
	apptest.Shot(t, parent, "members-phone-history")

	parent.MustNavigate(base + "/portal/me").MustWaitLoad()
	apptest.ClickAndWait(t, parent, "#me-contact")
	parent.MustElement("#new-phone").MustInput("13700008888")
	apptest.ClickAndWait(t, parent, "#phone-send")
	apptest.WaitText(t, parent, ".flash", "验证码已发送到 137****8888")
	var data string
	db.R.Raw("SELECT data FROM outbox WHERE event = ? ORDER BY id DESC LIMIT 1", models.NoticePhoneVerify).Scan(&data)
	code := models.NoticeCode(apptest.Secret, data)
	if len(code) != 6 {
		t.Fatalf("no code for the new number in the outbox: %q", data)
	}
	apptest.Shot(t, parent, "members-phone-contact-code")
	parent.MustElement("#code").MustInput(code)
	apptest.ClickAndWait(t, parent, "#phone-confirm")
	apptest.WaitText(t, parent, ".flash", "手机号已更换")
	apptest.WaitText(t, parent, "#phone-now", "137****8888")
	apptest.Shot(t, parent, "members-phone-contact-changed")
}
