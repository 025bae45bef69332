package admin_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"starcard/handlers/apptest"
	"starcard/models/dbtest"
)

// phone opens the portal as parent i on a 390×844 phone, in a browser
// context of its own (its own cookies).
func (w *careWorld) phone(t *testing.T, b *rod.Browser, base string, i int) *rod.Page {
	t.Helper()
	ctx := b.MustIncognito()
	p := apptest.Page(t, ctx, base+"/portal/login", 390, 844)
	tok := w.a.ParentSession(t, w.phones[i])
	if err := p.SetCookies([]*proto.NetworkCookieParam{{Name: "sc_portal", Value: tok, URL: base + "/portal/", Path: "/portal", HTTPOnly: true}}); err != nil {
		t.Fatal(err)
	}
	p.MustNavigate(base + "/portal/").MustWaitLoad()
	return p
}

// desk logs a member of staff in on a 1366×768 screen.
func desk(t *testing.T, b *rod.Browser, base, user, next string) *rod.Page {
	t.Helper()
	p := apptest.Page(t, b.MustIncognito(), base+"/login?next="+next, 1366, 768)
	p.MustElement(`input[name=username]`).MustInput(user)
	p.MustElement(`input[name=password]`).MustInput("password123")
	click(t, p, `button[type=submit]`)
	return p
}

func goTo(p *rod.Page, url string) { p.MustNavigate(url).MustWaitLoad() }

// click clicks selector and waits for the next page, failing (not hanging)
// when the element never shows up.
func click(t *testing.T, p *rod.Page, selector string) {
	t.Helper()
	if _, err := p.Timeout(10 * time.Second).Element(selector); err != nil {
		body, _ := p.MustElement("body").Text()
		t.Fatalf("no %s on %s: %v\n%s", selector, p.MustInfo().URL, err, body)
	}
	apptest.ClickAndWait(t, p, selector)
}

// TestBrowserComplaintAndSurvey is issue 14's "done when": a parent files a
// complaint on a phone; the service head sees it in the queue with its
// countdown, assigns it, replies; the parent reads the reply and confirms;
// the service head archives it with a cause and the month's statistics
// count it. Then a survey sent to one class is answered by two parents on
// their phones and the results page shows the NPS.
func TestBrowserComplaintAndSurvey(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	w := newCareWorld(t, db, time.Now().UTC())
	base := w.a.Serve(t)

	// 1. The parent files a complaint on the phone.
	mum := w.phone(t, b, base, 0)
	goTo(mum, base+"/portal/feedback")
	mum.MustElement("#category").MustSelect("教学质量")
	mum.MustElement("#member_id").MustSelect("王小明")
	mum.MustElement("#body").MustInput("午睡时教室太吵，孩子这周都没睡好，希望老师关注一下。")
	click(t, mum, `form[action="/portal/feedback"] button[type=submit]`)
	waitText(t, mum, "#flash", "已收到您的反馈")
	apptest.Shot(t, mum, "care-390-1-complaint-sent")
	id := strings.TrimPrefix(strings.Split(mum.MustInfo().URL, "?")[0], base+"/portal/feedback/")

	// 2. The service head sees it in the queue with its countdown.
	head := desk(t, b, base, "service", "/admin/complaints")
	row := waitText(t, head, "#care-queue tbody tr", "王小明")
	if sla := row.MustElement(".care-sla").MustText(); !strings.Contains(sla, "剩 23h") && !strings.Contains(sla, "剩 24h") {
		t.Fatalf("countdown %q", sla)
	}
	apptest.Shot(t, head, "care-1366-2-queue")
	click(t, head, fmt.Sprintf(`#care-queue a[href="/admin/complaints/%s"]`, id))
	waitText(t, head, "#care-clock", "须在")
	// Assign it to the campus manager, then reply to the family.
	var mgrID int64
	db.R.Raw("SELECT id FROM staff_users WHERE username = 'mgr'").Scan(&mgrID)
	if err := head.MustElement(`select[name=owner_id]`).Select([]string{fmt.Sprintf(`option[value="%d"]`, mgrID)}, true, rod.SelectorTypeCSSSector); err != nil {
		t.Fatal(err)
	}
	click(t, head, `form[action$="/assign"] button`)
	waitText(t, head, "#flash", "已转交")
	head.MustElement(`form.care-reply textarea[name=body]`).MustInput("王妈妈您好，我们已安排老师午睡时段值守并关好临街窗户，明天起每天给您反馈午睡情况。")
	click(t, head, `form.care-reply button[value="1"]`)
	waitText(t, head, "#flash", "已回复")
	waitText(t, head, "#care-clock", "已于")
	click(t, head, `form.care-move input[value=investigating] ~ button`)
	waitText(t, head, "#flash", "已开始处理")
	head.MustElement(`form.care-move textarea[name=note]`).MustInput("午睡室已加装隔音帘，班主任每天反馈午睡情况。")
	click(t, head, `form.care-move input[value=resolved] ~ button`)
	waitText(t, head, "#flash", "等待家长确认")
	apptest.Shot(t, head, "care-1366-3-complaint-resolved")

	// 3. The parent reads the reply and confirms.
	goTo(mum, base+"/portal/feedback/"+id)
	waitText(t, mum, ".care-thread", "学校回复")
	waitText(t, mum, ".care-thread", "午睡时段值守")
	apptest.Shot(t, mum, "care-390-4-reply-read")
	click(t, mum, `form[action$="/confirm"] button`)
	waitText(t, mum, ".p-status", "已确认解决")

	// 4. The service head archives it with its cause.
	goTo(head, base+"/admin/complaints/"+id)
	head.MustElement(`select[name=cause]`).MustSelect("设施与安全")
	head.MustElement(`textarea[name=root_cause]`).MustInput("午睡室临街，中午车流噪音大")
	head.MustElement(`textarea[name=corrective_action]`).MustInput("加装隔音帘；午睡值守纳入班级日常检查")
	click(t, head, `form.care-move input[value=archived] ~ button`)
	waitText(t, head, "#flash", "已归档")
	apptest.Shot(t, head, "care-1366-5-archived")

	// 5. The month's statistics count it, with a chart.
	goTo(head, base+"/admin/complaints/stats")
	waitText(t, head, "#care-total", "1")
	if _, err := head.Timeout(10 * time.Second).Element(`.care-chart[data-drawn="1"] svg`); err != nil {
		t.Fatalf("no chart drawn: %v", err)
	}
	apptest.Shot(t, head, "care-1366-6-stats")
	goTo(head, base+"/admin/complaints/new?q="+"李")
	apptest.Shot(t, head, "care-1366-6b-record")
	goTo(head, base+"/admin/complaints/settings")
	apptest.Shot(t, head, "care-1366-6c-settings")

	// 6. A survey to one class, answered by two parents on their phones.
	goTo(head, base+"/admin/surveys")
	head.MustElement("#survey-new summary").MustClick()
	head.MustElement(`input[name=title]`).MustInput("大一班期中满意度调查")
	head.MustElement(`input[name=points]`).MustSelectAllText().MustInput("20")
	head.MustElement(`select[name=class_id]`).MustSelect("大一班")
	apptest.Shot(t, head, "care-1366-7-survey-new")
	click(t, head, `form[action="/admin/surveys"] button[type=submit]`)
	waitText(t, head, "#flash", "调查已发送")
	surveyURL := strings.Split(head.MustInfo().URL, "?")[0]

	dad := w.phone(t, b, base, 1)
	for i, p := range []*rod.Page{mum, dad} {
		goTo(p, base+"/portal/")
		click(t, p, ".p-survey-card")
		click(t, p, ".p-row-link")
		for _, d := range []string{"teaching", "teachers", "service", "courses", "results", "price"} {
			p.MustElement(fmt.Sprintf(`input[name=score_%s][value="%d"] + span`, d, 5-i)).MustClick()
		}
		p.MustElement(fmt.Sprintf(`input[name=nps][value="%d"] + span`, []int{10, 8}[i])).MustClick()
		// Typing the comment also brings the submit button above the tab bar.
		p.MustElement("#comment").MustInput([]string{"老师很用心，午睡的问题也解决了。", "希望多安排一些户外活动。"}[i])
		apptest.Shot(t, p, fmt.Sprintf("care-390-8-survey-form-%d", i))
		p.MustElement(`form.care-survey button[type=submit]`).MustScrollIntoView().MustWaitStable()
		click(t, p, `form.care-survey button[type=submit]`)
		waitText(t, p, "#flash", "感谢您的反馈")
		if i == 0 {
			apptest.Shot(t, p, "care-390-9-survey-thanks")
		}
	}

	// 7. The results page shows the NPS: one promoter, one passive → 50.
	goTo(head, surveyURL)
	waitText(t, head, "#survey-responses", "2")
	waitText(t, head, "#survey-nps", "50")
	if _, err := head.Timeout(10 * time.Second).Element(`.care-chart[data-drawn="1"] svg`); err != nil {
		t.Fatalf("no results chart: %v", err)
	}
	apptest.Shot(t, head, "care-1366-10-survey-results")
	goTo(head, base+"/admin/surveys")
	apptest.Shot(t, head, "care-1366-11-surveys")
}
