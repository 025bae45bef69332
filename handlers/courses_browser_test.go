package handlers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-rod/rod"

	"starcard/handlers/apptest"
	"starcard/models/dbtest"
)

func staffLogin(t *testing.T, b *rod.Browser, base, user string, w, h int) *rod.Page {
	t.Helper()
	p := apptest.Page(t, b, base+"/login", w, h)
	p.MustElement(`input[name=username]`).MustInput(user)
	p.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	return p
}

// TestBrowserClassHours is issue 15 end to end in Chromium: the cashier sells
// a 48-hour package paid partly from stored value, the teacher takes the roll
// call on a phone (one hour for the child present, none for leave), and the
// parent's phone shows "剩 47 课时" and the lesson.
func TestBrowserClassHours(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	s := newCourseSchool(t, db, time.Now().UTC())
	s.openShift(t)
	base := s.a.Serve(t)

	// 1. The desk: work out the total, stored value first, the rest by WeChat.
	desk := staffLogin(t, b, base, "desk", 1280, 900)
	desk.MustNavigate(fmt.Sprintf("%s/cashier/members/%d", base, s.ming)).MustWaitLoad()
	apptest.ClickAndWait(t, desk, "#tab-packages")
	desk.MustElement("#c-hours").MustInput("48")
	apptest.ClickAndWait(t, desk, "#c-preview")
	apptest.WaitText(t, desk, "#c-due", "应付 ¥4,800.00")
	if sv := desk.MustElement("#c-pay-stored_value").MustProperty("value").String(); sv != "3400.00" {
		t.Fatalf("stored value prefilled %q", sv)
	}
	if wx := desk.MustElement("#c-pay-wechat").MustProperty("value").String(); wx != "1400.00" {
		t.Fatalf("WeChat prefilled %q", wx)
	}
	apptest.Shot(t, desk, "class-hours-desk-preview")
	apptest.ClickAndWait(t, desk, "#c-sell-btn")
	apptest.WaitText(t, desk, "#flash", "已购买 美术 48 课时，现剩余 48 课时")
	apptest.WaitText(t, desk, "#c-sv", "¥0.00")
	apptest.Shot(t, desk, "class-hours-desk-sold")

	// 2. The teacher's phone: present for 张小明, leave for 李小红.
	tb := b.MustIncognito()
	phone := staffLogin(t, tb, base, "teach", 390, 844)
	phone.MustNavigate(base + "/staff/lessons").MustWaitLoad()
	apptest.ClickAndWait(t, phone, ".lesson-list a")
	apptest.WaitText(t, phone, fmt.Sprintf("#roll-%d", s.ming), "剩 48 课时")
	phone.MustElement(fmt.Sprintf(`#roll-%d button[data-mark=present]`, s.ming)).MustClick()
	apptest.WaitText(t, phone, fmt.Sprintf("#roll-%d .msg", s.ming), "已消 1 课时，剩余 47 课时")
	phone.MustElement(fmt.Sprintf(`#roll-%d button[data-mark=leave]`, s.hong)).MustClick()
	apptest.WaitText(t, phone, fmt.Sprintf("#roll-%d .done", s.hong), "请假")
	apptest.WaitText(t, phone, fmt.Sprintf("#roll-%d", s.hong), "剩 10 课时")
	apptest.Shot(t, phone, "class-hours-roll-call-phone")

	// 3. The parent's phone: log in with the code from the outbox.
	pb := b.MustIncognito()
	parent := apptest.Page(t, pb, base+"/portal/", 375, 667)
	parent.MustElement("#phone").MustInput(s.phone)
	parent.MustElement("#agree").MustClick() // the privacy-policy consent the login asks for
	apptest.ClickAndWait(t, parent, `form[action="/portal/login/code"] button[type=submit]`)
	parent.MustElement("#code").MustInput(s.a.OTP(t, s.phone))
	apptest.ClickAndWait(t, parent, `form[action="/portal/login"] button[type=submit]`)
	apptest.ClickAndWait(t, parent, "a[data-courses]")
	apptest.WaitText(t, parent, fmt.Sprintf("[data-hours-left='%d']", s.course), "剩 47 课时")
	apptest.WaitText(t, parent, "main", "出勤")
	// Leave for tomorrow's lesson: it is marked and will use no hours.
	tomorrow := time.Now().In(apptest.Shanghai).AddDate(0, 0, 1).Format(time.DateOnly)
	apptest.ClickAndWait(t, parent, fmt.Sprintf("button[data-leave='%s']", tomorrow))
	apptest.WaitText(t, parent, "#flash", "已为 "+tomorrow+" 的课请假")
	apptest.WaitText(t, parent, ".c-upcoming", tomorrow+" 请假")
	apptest.Shot(t, parent, "class-hours-portal")

	var notices int64
	db.R.Raw(`SELECT COUNT(*) FROM outbox WHERE member_id = ? AND event = 'class_hours'`, s.ming).Scan(&notices)
	if notices == 0 {
		t.Fatal("no lesson notice for the parent")
	}
	s.verify(t)
	_ = context.Background()
}
