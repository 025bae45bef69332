package staff_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/crm"
	"starcard/models/dbtest"
)

// day is a school with one class, its homeroom teacher, a service head, a
// cashier and a few children, wired through the real application.
type day struct {
	a             *apptest.App
	campus, class int64
	teacher, head *models.StaffUser
	cashierTok    string
	teacherTok    string
	headTok       string
	kid           int64 // the child whose family becomes 重点
	others        []int64
}

func newDay(t *testing.T, db *models.DB, at ...time.Time) *day {
	t.Helper()
	ctx := context.Background()
	a := apptest.New(t, db)
	if len(at) > 0 {
		a.Clock.T = at[0]
	}
	now := a.Clock.Now()
	c, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := models.CreateClass(ctx, db.W, now, c.ID, "大一班")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, db.W, now, "2026-09", "家长授权书"); err != nil {
		t.Fatal(err)
	}
	d := &day{a: a, campus: c.ID, class: cl.ID}
	d.teacher = a.Staff(t, "teacher1", models.RoleTeacher, c.ID)
	d.head = a.Staff(t, "service", models.RoleServiceHead)
	a.Staff(t, "cashier1", models.RoleCashier, c.ID)
	if err := crm.SetClassTeacher(ctx, db, now, models.Actor{Type: "system"}, cl.ID, d.teacher.ID); err != nil {
		t.Fatal(err)
	}
	d.cashierTok, d.teacherTok, d.headTok = a.Token(t, "cashier1"), a.Token(t, "teacher1"), a.Token(t, "service")
	for i, name := range []string{"王小明", "李思思", "张一一", "陈乐乐"} {
		g := map[string]any{"name": name[:3] + "妈妈", "phone": fmt.Sprintf("1391234%04d", i), "relation": "mother", "consent": true}
		bd := fmt.Sprintf("2021-11-0%d", 3+i) // birthdays this week
		if i == 0 {
			g["employer_type"], g["position_level"] = "private", "middle"
			bd = "2021-06-15"
		}
		resp, body := a.API(t, http.MethodPost, "/api/v1/members", d.cashierTok, "", map[string]any{"name": name,
			"birth_date": bd, "class_id": cl.ID, "enrolled_on": "2026-10-01",
			"guardians": []any{g}})
		apptest.Status(t, resp, http.StatusCreated, body)
		if body["grade"] != "general" {
			t.Fatalf("new member grade %v, want general", body["grade"])
		}
		id := int64(body["id"].(float64))
		if i == 0 {
			d.kid = id
		} else {
			d.others = append(d.others, id)
		}
	}
	return d
}

func (d *day) buy(t *testing.T, fen int64, key string) {
	t.Helper()
	resp, body := d.a.API(t, http.MethodPost, "/api/v1/purchases", d.cashierTok, key, map[string]any{"member_id": d.kid,
		"items": []any{map[string]any{"category": "tuition", "amount": fen}}, "payments": []any{map[string]any{"method": "wechat", "amount": fen}}})
	apptest.Status(t, resp, http.StatusCreated, body)
}

func tasks(t *testing.T, d *day, tok string, member int64) []map[string]any {
	t.Helper()
	resp, body := d.a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/tasks", member), tok, "", nil)
	apptest.Status(t, resp, http.StatusOK, body)
	var out []map[string]any
	for _, x := range body["tasks"].([]any) {
		if m := x.(map[string]any); m["status"] == "open" {
			out = append(out, m)
		}
	}
	return out
}

// The "done when" through HTTP: the purchase that takes the family
// past ¥8,000 answers with the child 重点 and a call task at once; the next
// morning's job plans the call in 15 days; the teacher logs the call on
// /staff and the task closes; the API completes another; the service head
// sees the completion rate.
func TestTeachersDayOverHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		d := newDay(t, db)
		a := d.a
		d.buy(t, 800000, "p1")
		resp, m := a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d", d.kid), d.headTok, "", nil)
		apptest.Status(t, resp, http.StatusOK, m)
		if m["grade"] != "general" {
			t.Fatalf("exactly ¥8,000: grade %v", m["grade"])
		}
		d.buy(t, 1, "p2")
		resp, m = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d", d.kid), d.headTok, "", nil)
		if m["grade"] != "key" || fmt.Sprint(m["grade_reasons"]) != "[key.paid key.position]" {
			t.Fatalf("after ¥8,000.01: %v %v", m["grade"], m["grade_reasons"])
		}
		open := tasks(t, d, d.teacherTok, d.kid)
		if len(open) != 1 || open[0]["kind"] != "call" || open[0]["due_on"] != "2026-11-02" ||
			int64(open[0]["assignee_id"].(float64)) != d.teacher.ID {
			t.Fatalf("first call task %v", open)
		}
		first := int64(open[0]["id"].(float64))

		// The cashier may not read follow-ups.
		resp, body := a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/tasks", d.kid), d.cashierTok, "", nil)
		apptest.Status(t, resp, http.StatusForbidden, body)

		// The next morning the scheduled job (registered into the core's
		// standard jobs) plans the next call 15 days after the first.
		a.Clock.T = a.Clock.T.Add(24 * time.Hour)
		d.cashierTok, d.teacherTok, d.headTok = a.Token(t, "cashier1"), a.Token(t, "teacher1"), a.Token(t, "service")
		var ran bool
		for _, j := range models.StandardJobs(db, apptest.Shanghai) {
			if j.Name == crm.JobTasks {
				if _, err := j.Run(context.Background(), a.Clock.Now()); err != nil {
					t.Fatal(err)
				}
				ran = true
			}
		}
		if !ran {
			t.Fatal("crm.tasks is not among the standard jobs")
		}
		open = tasks(t, d, d.teacherTok, d.kid)
		if len(open) != 2 || open[0]["due_on"] != "2026-11-17" {
			t.Fatalf("after the next day's plan %v", open)
		}

		// The teacher's workspace shows it overdue; she logs the call.
		c := a.Client(t)
		c.Login("teacher1", "password123")
		_, page := c.Get("/staff")
		for _, want := range []string{"王小明", "已逾期", "大一班", "已到 0 / 4", "本月还可发 200 / 200 分"} {
			if !strings.Contains(page, want) {
				t.Fatalf("/staff lacks %q", want)
			}
		}
		_, page = c.Get(fmt.Sprintf("/staff/tasks/%d/call", first))
		if !strings.Contains(page, "回访 王小明") || !strings.Contains(page, "139****0000") {
			t.Fatalf("call form: %s", page)
		}
		resp, page = c.PostForm(fmt.Sprintf("/staff/members/%d/contacts", d.kid), url.Values{"task_id": {fmt.Sprint(first)},
			"channel": {"phone"}, "content": {""}, "outcome": {"已沟通"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "field-error") {
			t.Fatalf("empty content: %d", resp.StatusCode)
		}
		resp, _ = c.PostForm(fmt.Sprintf("/staff/members/%d/contacts", d.kid), url.Values{"task_id": {fmt.Sprint(first)},
			"channel": {"phone"}, "content": {"孩子适应很好，妈妈想了解美术课"}, "outcome": {"已沟通"}, "next_step": {"发美术课介绍"},
			"next_on": {"2026-11-05"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("log call: %d", resp.StatusCode)
		}
		resp, body = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/contacts", d.kid), d.teacherTok, "", nil)
		apptest.Status(t, resp, http.StatusOK, body)
		cs := body["contacts"].([]any)
		if len(cs) != 1 || cs[0].(map[string]any)["task_id"] == nil || cs[0].(map[string]any)["next_task_id"] == nil {
			t.Fatalf("contacts %v", cs)
		}
		open = tasks(t, d, d.teacherTok, d.kid)
		if len(open) != 2 { // the 15-day call and the follow-up of 11-05
			t.Fatalf("open after the call %v", open)
		}

		// Through the API: complete the follow-up; twice is 409.
		next := int64(open[1]["id"].(float64))
		if open[1]["due_on"] != "2026-11-05" {
			next = int64(open[0]["id"].(float64))
		}
		resp, body = a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/tasks/%d/complete", next), d.teacherTok, "", map[string]any{"outcome": "已发介绍"})
		apptest.Status(t, resp, http.StatusOK, body)
		if body["status"] != "done" {
			t.Fatalf("completed task %v", body)
		}
		resp, body = a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/tasks/%d/complete", next), d.teacherTok, "", map[string]any{"outcome": "x"})
		apptest.Status(t, resp, http.StatusConflict, body)
		resp, body = a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/members/%d/contacts", d.kid), d.teacherTok, "",
			map[string]any{"channel": "fax", "content": "x", "outcome": "y"})
		apptest.Status(t, resp, http.StatusUnprocessableEntity, body)

		// The service head's board: the teacher did 1 of the 1 due this week.
		h := a.Client(t)
		h.Login("service", "password123")
		_, page = h.Get("/admin/crm")
		if !strings.Contains(page, `id="crm-rate">100%`) || !strings.Contains(page, "teacher1") {
			t.Fatalf("board: %s", page)
		}
		_, page = h.Get("/admin/crm/grades")
		if !strings.Contains(page, "王小明") || !strings.Contains(page, "▲") {
			t.Fatalf("grades page lacks the move up")
		}
		_, page = h.Get(fmt.Sprintf("/admin/crm/members/%d/panel", d.kid))
		if !strings.Contains(page, "近12个月缴费 &gt; ¥8,000.00") || !strings.Contains(page, "孩子适应很好") {
			t.Fatalf("profile panel: %s", page)
		}
		_, page = h.Get("/admin/crm/settings")
		if !strings.Contains(page, "重点/关注/一般") {
			t.Fatal("settings page")
		}
	})
}

// Roll call and behaviour points from the workspace, with the budget.
func TestRollCallAndPoints(t *testing.T) {
	db := dbtest.SQLite(t)
	d := newDay(t, db)
	// Guardians' coded work facts are checked (DOMAIN §4b codes).
	resp, body := d.a.API(t, http.MethodPost, "/api/v1/members", d.cashierTok, "", map[string]any{"name": "错码", "class_id": d.class,
		"guardians": []any{map[string]any{"name": "家长", "phone": "13700001111", "relation": "father", "employer_type": "nasa",
			"position_level": "boss"}}})
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	if errs, _ := body["errors"].(map[string]any); errs["guardians[0].employer_type"] == nil || errs["guardians[0].position_level"] == nil {
		t.Fatalf("errors %v", body)
	}
	c := d.a.Client(t)
	c.Login("teacher1", "password123")
	c.Get("/staff")
	resp, page := c.HX(http.MethodPost, "/staff/rollcall", url.Values{"member_id": {fmt.Sprint(d.others[0])}, "status": {"leave"},
		"class": {fmt.Sprint(d.class)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `class="r-leave on"`) || !strings.Contains(page, "点名 1") {
		t.Fatalf("roll call: %d %s", resp.StatusCode, page)
	}
	resp, page = c.HX(http.MethodPost, "/staff/rollcall", url.Values{"member_id": {fmt.Sprint(d.others[0])}, "status": {"late"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad status: %d", resp.StatusCode)
	}
	resp, page = c.HX(http.MethodPost, "/staff/points", url.Values{"all": {"1"}, "class": {fmt.Sprint(d.class)}, "points": {"5"},
		"reason": {"主动收拾玩具"}, "batch": {"k1"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "已给 4 位小朋友各 5 分") || !strings.Contains(page, "本月还可发 180 / 200 分") {
		t.Fatalf("points: %d %s", resp.StatusCode, page)
	}
	// The parent's statement shows the reason.
	resp, body = d.a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/ledger", d.kid), d.headTok, "", nil)
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(fmt.Sprint(body["entries"]), "主动收拾玩具") {
		t.Fatalf("ledger %v", body)
	}
	// So does the parent's history on the portal.
	parent := d.a.Client(t)
	parent.Get("/portal/login")
	parent.PostForm("/portal/login/code", url.Values{"phone": {"13912340000"}})
	code := d.a.OTP(t, "13912340000")
	parent.PostForm("/portal/login", url.Values{"phone": {"13912340000"}, "code": {code}})
	_, page = parent.Get(fmt.Sprintf("/portal/kids/%d/history?asset=points", d.kid))
	if !strings.Contains(page, "小红花：主动收拾玩具") {
		t.Fatalf("portal history lacks the reason: %s", page)
	}
	resp, _ = c.HX(http.MethodPost, "/staff/points", url.Values{"member_id": {fmt.Sprint(d.kid)}, "points": {"50"},
		"reason": {"x"}, "batch": {"k2"}, "class": {fmt.Sprint(d.class)}})
	for i := 0; i < 3; i++ {
		resp, _ = c.HX(http.MethodPost, "/staff/points", url.Values{"member_id": {fmt.Sprint(d.kid)}, "points": {"50"},
			"reason": {"x"}, "batch": {fmt.Sprintf("k3%d", i)}, "class": {fmt.Sprint(d.class)}})
	}
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("over budget: %d", resp.StatusCode)
	}
	// Another teacher's class is not hers.
	other, _ := models.CreateClass(context.Background(), db.W, d.a.Clock.Now(), d.campus, "大二班")
	resp, _ = c.Get(fmt.Sprintf("/staff?class=%d", other.ID))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("unknown class falls back to hers: %d", resp.StatusCode)
	}
}
