package staff_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/crm"
	"starcard/models/dbtest"
)

func login(t *testing.T, b *rod.Browser, base, user string, w, h int) *rod.Page {
	t.Helper()
	p := apptest.Page(t, b.MustIncognito(), base+"/login", w, h)
	p.MustElement(`input[name=username]`).MustInput(user)
	p.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	return p
}

// TestBrowserTeachersDay is the homeroom teacher's day on a phone (390×844):
// the call task the purchase created yesterday is overdue; she marks a child
// not scanned as on leave with one tap, gives the class behaviour points,
// logs the call from the task and sees it leave her list; the service head
// then sees the completion rate on the board.
func TestBrowserTeachersDay(t *testing.T) {
	b := apptest.Browser(t)
	// Real time, so that the browser keeps the session cookie; yesterday
	// 09:30 in Shanghai is when the family paid.
	now := time.Now().In(apptest.Shanghai)
	yesterday := time.Date(now.Year(), now.Month(), now.Day()-1, 9, 30, 0, 0, apptest.Shanghai).UTC()
	d := newDay(t, dbtest.SQLite(t), yesterday)
	d.buy(t, 800001, "p1")
	a := d.a
	a.Clock.T = time.Now().UTC()
	if _, err := crm.GenerateTasks(context.Background(), a.DB, a.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	// One child was scanned at the door this morning.
	if _, err := models.CheckIn(context.Background(), a.DB, a.Clock.Now(), a.Deps.Secret, apptest.Shanghai, models.CheckinRequest{
		Input: models.CardInput{CardNo: cardNo(t, d, d.others[1])}, Actor: models.Actor{Type: "staff", Device: "kiosk"}}); err != nil {
		t.Fatal(err)
	}
	base := a.Serve(t)

	p := login(t, b, base, "teacher1", 390, 844)
	p = p.Timeout(90 * time.Second) // a missing element fails the test instead of hanging it
	apptest.WaitText(t, p, "#tasks", "王小明")
	apptest.WaitText(t, p, "#tasks", "已逾期")
	apptest.WaitText(t, p, "#roster", "已到 1 / 4")
	apptest.Shot(t, p, "staff-phone-1-my-day")

	// One tap: 李思思 was not scanned and is on leave today.
	leave, err := p.Timeout(5 * time.Second).Element(fmt.Sprintf(`#roster form input[value="%d"] ~ button.r-leave`, d.others[0]))
	if err != nil {
		html, _ := p.MustElement("#roster").HTML()
		t.Fatalf("leave button: %v\n%s", err, html)
	}
	tap(leave)
	apptest.WaitText(t, p, "#roster h2", "点名 1")
	// Behaviour points for the whole class.
	tap(p.MustElement(`#points input[name=all]`))
	p.MustElement(`#points input[name=reason]`).MustInput("主动收拾玩具")
	tap(p.MustElement(`#points button[type=submit]`))
	apptest.WaitText(t, p, "#points", "已给 4 位小朋友各 1 分")
	apptest.Shot(t, p, "staff-phone-2-roll-call-and-points")

	// Log the call from the overdue task.
	tap(p.MustElement(`#tasks .task.overdue summary`))
	apptest.Shot(t, p, "staff-phone-3-task-opened")
	tapAndWait(p, `#tasks .task.overdue a.task-call`)
	apptest.WaitText(t, p, "h1", "回访 王小明")
	p.MustElement(`textarea[name=content]`).MustInput("孩子适应很好，妈妈想了解美术课")
	p.MustElement(`input[name=outcome]`).MustInput("已沟通")
	apptest.Shot(t, p, "staff-phone-4-log-call")
	tapAndWait(p, `form.ws-call button[type=submit]`)
	apptest.WaitText(t, p, "#tasks", "逾期 0")
	if txt := p.MustElement("#tasks").MustText(); strings.Contains(txt, "已逾期") {
		t.Fatalf("the logged call is still overdue: %s", txt)
	}
	apptest.Shot(t, p, "staff-phone-5-after-call")

	h := login(t, b, base, "service", 1280, 900).Timeout(60 * time.Second)
	apptest.ClickAndWait(t, h, `a[href="/admin/crm"]`)
	apptest.WaitText(t, h, "#crm-stats", "teacher1")
	apptest.Shot(t, h, "crm-board")
	h.MustNavigate(fmt.Sprintf("%s/admin/members/%d", base, d.kid)).MustWaitLoad()
	apptest.WaitText(t, h, "#crm-panel", "近12个月缴费 > ¥8,000.00")
	apptest.Shot(t, h, "crm-member-profile")
}

func cardNo(t *testing.T, d *day, member int64) string {
	t.Helper()
	vs, err := models.MemberViews(context.Background(), d.a.DB.R, []int64{member})
	if err != nil || len(vs) != 1 {
		t.Fatal(err)
	}
	return vs[0].CardNo
}

// tap clicks an element the way a finger's tap ends up: a click event on it
// (rod's pointer click waits for the element to be "interactable" under
// mobile emulation, which a phone layout's sub-pixel overflow confuses).
func tap(el *rod.Element) {
	el.MustScrollIntoView()
	el.MustEval(`() => this.click()`)
}

// tapAndWait taps and waits for the page it navigates to.
func tapAndWait(p *rod.Page, selector string) {
	wait := p.WaitNavigation(proto.PageLifecycleEventNameLoad)
	tap(p.MustElement(selector))
	wait()
}
