package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// careWorld is a school for the complaints and survey pages: two campuses,
// one class of three families at the first, staff of every role involved.
type careWorld struct {
	a         *apptest.App
	sun, riv  int64
	class     int64
	kids      []int64
	phones    []string
	complaint int64
}

func newCareWorld(t *testing.T, db *models.DB, now time.Time) *careWorld {
	t.Helper()
	a := apptest.New(t, db)
	a.Clock.T = now
	ctx := context.Background()
	sun, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	riv, _ := models.CreateCampus(ctx, db.W, now, "RIV", "滨江校区", "")
	if _, err := models.PublishConsent(ctx, db.W, now.Add(-time.Hour), "2026-09", "家长同意书"); err != nil {
		t.Fatal(err)
	}
	cl, err := models.CreateClass(ctx, db.W, now, sun.ID, "大一班")
	if err != nil {
		t.Fatal(err)
	}
	w := &careWorld{a: a, sun: sun.ID, riv: riv.ID, class: cl.ID}
	a.Staff(t, "service", models.RoleServiceHead)
	a.Staff(t, "boss", models.RoleAdmin)
	a.Staff(t, "mgr", models.RoleCampusManager, sun.ID)
	a.Staff(t, "rivmgr", models.RoleCampusManager, riv.ID)
	a.Staff(t, "teach", models.RoleTeacher, sun.ID)
	for i, name := range []string{"王小明", "李子涵", "张一诺"} {
		phone := "1391234000" + strconv.Itoa(i+1)
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			m, err := models.CreateMember(ctx, tx, now, models.SystemActor, models.NewMember{Name: name, BirthDate: "2021-03-04",
				CampusID: sun.ID, ClassID: cl.ID, Guardians: []models.NewGuardian{{Name: name[:3] + "妈妈", Phone: phone, Relation: "mother", Consent: true}}})
			if err == nil {
				w.kids = append(w.kids, m.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		w.phones = append(w.phones, phone)
	}
	return w
}

func (w *careWorld) parent(t *testing.T, i int) *apptest.Client {
	t.Helper()
	c := w.a.Client(t)
	u, _ := url.Parse("http://starcard.test/portal/")
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "sc_portal", Value: w.a.ParentSession(t, w.phones[i]), Path: "/portal"}})
	return c
}

func (w *careWorld) staff(t *testing.T, user string) *apptest.Client {
	t.Helper()
	c := w.a.Client(t)
	c.Login(user, "password123")
	return c
}

func want(t *testing.T, resp *http.Response, body string, status int, texts ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: %d, want %d\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
	}
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Fatalf("%s lacks %q", resp.Request.URL.Path, s)
		}
	}
}

// TestCarePages drives the staff and parent pages end to end without a
// browser: the parent's complaint in the queue with its countdown, a reply
// the parent reads and answers, the moves (an illegal one re-renders with
// 409), the statistics and their Excel, a survey to one class answered once
// per family, and the campus and role walls.
func TestCarePages(t *testing.T) {
	db := dbtest.SQLite(t)
	w := newCareWorld(t, db, time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC))
	a := w.a
	mum := w.parent(t, 0)
	mum.Get("/portal/feedback")
	resp, body := mum.PostForm("/portal/feedback", url.Values{"kind": {"complaint"}, "category": {"teaching"},
		"member_id": {strconv.FormatInt(w.kids[0], 10)}, "body": {"午睡时教室太吵，孩子这周都没睡好。"}})
	want(t, resp, body, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/portal/feedback/"), "?ok=feedback"), 10, 64)
	if id == 0 {
		t.Fatalf("redirect %q", loc)
	}
	sid := strconv.FormatInt(id, 10)

	a.Clock.T = a.Clock.T.Add(5 * time.Hour)
	head := w.staff(t, "service")
	// The notifier delivers the owner's alert to the staff inbox, in Chinese.
	wk := models.NewWorker(db, models.NotifyConfig{Loc: apptest.Shanghai, QuietStart: 0, QuietEnd: 0}, a.Clock.Now)
	if _, err := wk.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, body = head.Get("/admin/complaints")
	want(t, resp, body, 200, "王小明", "剩 19h 00m", "care-queue", "我的最新提醒", "新投诉已分配给您")
	resp, body = head.Get("/admin/complaints/" + sid)
	want(t, resp, body, 200, "午睡时教室太吵", "须在")
	resp, body = head.PostForm("/admin/complaints/"+sid+"/transitions", url.Values{"to": {"archived"}})
	want(t, resp, body, http.StatusConflict, "不能转为")
	resp, body = head.PostForm("/admin/complaints/"+sid+"/replies", url.Values{"body": {""}, "public": {"1"}})
	want(t, resp, body, http.StatusUnprocessableEntity, "请写下回复内容")
	resp, body = head.PostForm("/admin/complaints/"+sid+"/replies", url.Values{"body": {"您好，我们已安排老师调整午睡室。"}, "public": {"1"}})
	want(t, resp, body, http.StatusSeeOther)
	resp, body = head.PostForm("/admin/complaints/"+sid+"/replies", url.Values{"body": {"内部：先查午睡室噪音来源"}, "public": {"0"}})
	want(t, resp, body, http.StatusSeeOther)

	resp, body = mum.Get("/portal/feedback/" + sid)
	want(t, resp, body, 200, "学校回复", "您好，我们已安排老师调整午睡室。")
	if strings.Contains(body, "内部：先查") {
		t.Fatal("the parent reads an internal note")
	}
	resp, body = mum.PostForm("/portal/feedback/"+sid+"/reply", url.Values{"reply": {"谢谢，希望尽快改善。"}})
	want(t, resp, body, http.StatusSeeOther)
	resp, body = mum.Get("/portal/feedback/" + sid + "?ok=replied")
	want(t, resp, body, 200, "我的回复", "谢谢，希望尽快改善。")

	for _, to := range []url.Values{{"to": {"investigating"}}, {"to": {"resolved"}, "note": {"午睡室已加装隔音帘。"}}} {
		resp, body = head.PostForm("/admin/complaints/"+sid+"/transitions", to)
		want(t, resp, body, http.StatusSeeOther)
	}
	resp, body = mum.PostForm("/portal/feedback/"+sid+"/confirm", nil)
	want(t, resp, body, http.StatusSeeOther)
	resp, body = head.PostForm("/admin/complaints/"+sid+"/transitions", url.Values{"to": {"archived"}, "cause": {"facility_safety"}})
	want(t, resp, body, http.StatusUnprocessableEntity, "归档前请说明原因")
	resp, body = head.PostForm("/admin/complaints/"+sid+"/transitions", url.Values{"to": {"archived"}, "cause": {"facility_safety"},
		"root_cause": {"午睡室临街"}, "corrective_action": {"加装隔音帘"}})
	want(t, resp, body, http.StatusSeeOther)

	resp, body = head.Get("/admin/complaints/stats?month=2026-11")
	want(t, resp, body, 200, `id="care-total">1<`, "设施与安全")
	resp, body = head.Get("/admin/complaints/stats.json?month=2026-11")
	want(t, resp, body, 200, `"labels":["教学质量"]`)
	resp, body = head.Get("/admin/complaints/stats.xlsx?month=2026-11")
	want(t, resp, body, 200)
	if !strings.HasPrefix(body, "PK") {
		t.Fatal("stats export is not a workbook")
	}

	// A phone complaint recorded by the campus manager; walls.
	mgr := w.staff(t, "mgr")
	resp, body = mgr.Get("/admin/complaints/new?q=李子涵")
	want(t, resp, body, 200, "李子涵")
	resp, body = mgr.PostForm("/admin/complaints", url.Values{"member_id": {strconv.FormatInt(w.kids[1], 10)}, "channel": {"phone"},
		"kind": {"complaint"}, "category": {"service"}, "priority": {"high"}, "body": {"电话：前台态度冷淡"}})
	want(t, resp, body, http.StatusSeeOther)
	resp, body = w.staff(t, "rivmgr").Get("/admin/complaints/" + sid)
	want(t, resp, body, http.StatusNotFound)
	resp, body = w.staff(t, "teach").Get("/admin/complaints")
	want(t, resp, body, http.StatusForbidden)
	resp, body = mgr.Get("/admin/complaints/settings")
	want(t, resp, body, http.StatusForbidden)
	resp, body = head.Get("/admin/complaints/settings")
	want(t, resp, body, 200)
	resp, body = head.PostForm("/admin/complaints/settings", url.Values{"sla_hours": {"0"}, "escalate2_hours": {"24"}, "confirm_days": {"7"}, "resolve_days": {"7"}})
	want(t, resp, body, http.StatusUnprocessableEntity, "1 到 240")

	// A survey to the class, answered by two families; one answer each.
	resp, body = head.Get("/admin/surveys")
	want(t, resp, body, 200, "发送新调查")
	form := url.Values{"title": {"大一班期中满意度调查"}, "ask_nps": {"1"}, "points": {"20"}, "class_id": {strconv.FormatInt(w.class, 10)}}
	for _, d := range []string{"teaching", "teachers", "service"} {
		form.Set("dim_"+d, "1")
	}
	resp, body = head.PostForm("/admin/surveys", form)
	want(t, resp, body, http.StatusSeeOther)
	surveyPath := strings.Split(resp.Header.Get("Location"), "?")[0]
	svID := strings.TrimPrefix(surveyPath, "/admin/surveys/")
	resp, body = mum.Get("/portal/")
	want(t, resp, body, 200, "邀请您参加满意度调查")
	answer := url.Values{"score_teaching": {"5"}, "score_teachers": {"5"}, "score_service": {"4"}, "nps": {"10"}, "comment": {"老师很用心"}}
	mum.Get("/portal/surveys/" + svID)
	resp, body = mum.PostForm("/portal/surveys/"+svID, url.Values{"score_teaching": {"5"}})
	want(t, resp, body, http.StatusUnprocessableEntity, "请打 1 到 5 分")
	resp, body = mum.PostForm("/portal/surveys/"+svID, answer)
	want(t, resp, body, http.StatusSeeOther)
	resp, body = mum.PostForm("/portal/surveys/"+svID, answer)
	want(t, resp, body, http.StatusConflict)
	dad := w.parent(t, 1)
	dad.Get("/portal/surveys/" + svID)
	answer.Set("nps", "5")
	answer.Del("_csrf") // mum's token stays with mum
	resp, body = dad.PostForm("/portal/surveys/"+svID, answer)
	want(t, resp, body, http.StatusSeeOther)
	resp, body = head.Get(surveyPath)
	want(t, resp, body, 200, `id="survey-nps">0<`, `id="survey-responses">2<`, "大一班", "老师很用心")
	resp, body = head.Get(surveyPath + "/export.xlsx")
	want(t, resp, body, 200)
	resp, body = head.PostForm(surveyPath+"/actions", url.Values{"title": {"午睡室改造"}, "owner_id": {"1"}, "due_on": {"2026-12-01"}})
	want(t, resp, body, http.StatusSeeOther)
	resp, body = head.Get("/admin/surveys")
	want(t, resp, body, 200, "大一班期中满意度调查", "投诉处理后回访")

	// Teachers reply on their own campus from /staff; they cannot move it.
	var phoneID int64
	db.R.Raw("SELECT id FROM complaints WHERE channel = 'phone'").Scan(&phoneID)
	pid := strconv.FormatInt(phoneID, 10)
	teach := w.staff(t, "teach")
	resp, body = teach.Get("/staff/complaints")
	want(t, resp, body, 200, "李子涵", "剩 24h 00m")
	resp, body = teach.Get("/staff/complaints/" + pid)
	want(t, resp, body, 200, "电话：前台态度冷淡")
	resp, body = teach.PostForm("/staff/complaints/"+pid+"/replies", url.Values{"body": {"李妈妈您好，我是班主任，已转达前台。"}, "public": {"1"}})
	want(t, resp, body, http.StatusSeeOther)
	resp, body = teach.PostForm("/admin/complaints/"+pid+"/transitions", url.Values{"to": {"investigating"}})
	want(t, resp, body, http.StatusForbidden)
	resp, body = w.staff(t, "rivmgr").Get("/staff/complaints/" + pid)
	want(t, resp, body, http.StatusNotFound)
	resp, body = head.Get("/admin/complaints?open=1")
	want(t, resp, body, 200, "已答复")
	resp, body = head.PostForm("/admin/complaints/"+pid+"/compensations", url.Values{"kind": {"points"}, "points": {"-5"}})
	want(t, resp, body, http.StatusUnprocessableEntity, "积分数不正确")
	resp, body = head.PostForm("/admin/complaints/"+pid+"/compensations", url.Values{"kind": {"points"}, "points": {"200"}, "note": {"致歉"}})
	want(t, resp, body, http.StatusSeeOther)
	resp, body = head.Get("/admin/complaints/" + pid)
	want(t, resp, body, 200, "积分: 200 积分", "致歉")
}
