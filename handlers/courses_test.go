package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/courses"
	"starcard/models/dbtest"
)

// courseSchool is one campus with an admin, a cashier, a teacher, the
// 美术 course, 张小明 with ¥3,000 (+ ¥400 bonus) of stored value and 李小红
// holding 10 hours of 美术.
type courseSchool struct {
	a       *apptest.App
	db      *models.DB
	campus  int64
	course  int64
	ming    int64
	hong    int64
	phone   string
	cashier *models.StaffUser
}

func newCourseSchool(t *testing.T, db *models.DB, now time.Time) *courseSchool {
	t.Helper()
	ctx := context.Background()
	a := apptest.New(t, db)
	a.Clock.T = now
	c, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, db.W, now, "v1", "同意"); err != nil {
		t.Fatal(err)
	}
	s := &courseSchool{a: a, db: db, campus: c.ID, phone: "13900000001"}
	a.Staff(t, "boss", models.RoleAdmin)
	s.cashier = a.Staff(t, "desk", models.RoleCashier, c.ID)
	teacher := a.Staff(t, "teach", models.RoleTeacher, c.ID)
	actor := models.Actor{Type: "staff", ID: s.cashier.ID, CampusID: c.ID}
	co, err := courses.CreateCourse(ctx, db.W, now, actor, courses.NewCourse{CampusID: c.ID, Name: "美术",
		Category: models.CategoryInterestClass, PricePerHour: 10000, TeacherID: teacher.ID, Weekdays: "1,2,3,4,5,6,7", LessonTime: "16:00"})
	if err != nil {
		t.Fatal(err)
	}
	s.course = co.ID
	member := func(name, phone string) int64 {
		var m *models.Member
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			var err error
			m, err = models.CreateMember(ctx, tx, now, actor, models.NewMember{Name: name, CampusID: c.ID,
				Guardians: []models.NewGuardian{{Name: name + "妈妈", Phone: phone, Relation: "mother", Consent: true}}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	s.ming, s.hong = member("张小明", s.phone), member("李小红", "13900000002")
	if _, err := models.RecordTopup(ctx, db, now, models.Idem{Scope: "seed", Key: "top", Hash: "top"},
		models.TopupInput{MemberID: s.ming, Amount: 300000, Method: "cash", Actor: actor}); err != nil {
		t.Fatal(err)
	}
	if _, err := courses.SellPackage(ctx, db, now, models.Idem{Scope: "seed", Key: "hong", Hash: "hong"}, courses.SaleInput{
		MemberID: s.hong, CourseID: co.ID, Hours: 10, Amount: 100000, Actor: actor,
		Payments: []models.Payment{{Method: "cash", Amount: 100000}}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *courseSchool) openShift(t *testing.T) {
	t.Helper()
	if _, err := models.OpenShift(context.Background(), s.db, s.a.Clock.Now(), models.Actor{Type: "staff", ID: s.cashier.ID},
		s.cashier, s.campus, 20000); err != nil {
		t.Fatal(err)
	}
}

func (s *courseSchool) verify(t *testing.T) {
	t.Helper()
	rep, err := models.Verify(context.Background(), s.db)
	if err != nil || !rep.Clean() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

var keyRe = regexp.MustCompile(`name="key" value="([0-9a-f]+)"`)

// TestCourseWebFlow drives the three surfaces without a browser: the admin
// adds a course, the desk sells a package (preview, then payment; no shift
// and the prepaid cap are refused with a message), the teacher's roll call
// marks and corrects through htmx fragments, the desk refunds the rest.
func TestCourseWebFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newCourseSchool(t, db, time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC))
		ming := strconv.FormatInt(s.ming, 10)

		admin := s.a.Client(t)
		admin.Login("boss", "password123")
		resp, body := admin.Get("/admin/courses")
		apptest.Status(t, resp, http.StatusOK, body)
		resp, body = admin.PostForm("/admin/courses", url.Values{"campus_id": {fmt.Sprint(s.campus)}, "name": {"钢琴"},
			"category": {"interest_class"}, "price_per_hour": {"150"}, "hours_per_lesson": {"2"}, "weekdays": {"2", "4"},
			"lesson_time": {"17:00"}, "validity_months": {"12"}, "max_prepaid_hours": {"60"}, "renewal_at_hours": {"4"}})
		apptest.Status(t, resp, http.StatusSeeOther, body)
		if _, body = admin.Get("/admin/courses?ok=created"); !strings.Contains(body, "钢琴") || !strings.Contains(body, "¥150.00") ||
			!strings.Contains(body, "周二、周四 17:00") {
			t.Fatalf("the new course is not listed: %s", body)
		}
		resp, body = admin.PostForm("/admin/courses", url.Values{"campus_id": {fmt.Sprint(s.campus)}, "name": {""}, "category": {"interest_class"}, "price_per_hour": {"abc"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "field-error") {
			t.Fatalf("a bad course form: %d", resp.StatusCode)
		}

		desk := s.a.Client(t)
		desk.Login("desk", "password123")
		path := "/cashier/members/" + ming + "/packages"
		resp, body = desk.Get(path)
		apptest.Status(t, resp, http.StatusOK, body)
		key := keyRe.FindStringSubmatch(body)[1]
		form := url.Values{"key": {key}, "course_id": {fmt.Sprint(s.course)}, "hours": {"48"}, "action": {"preview"}}
		resp, body = desk.PostForm(path, form)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "应付 ¥4,800.00") || !strings.Contains(body, `value="3400.00"`) ||
			!strings.Contains(body, `value="1400.00"`) {
			t.Fatalf("preview: %d %s", resp.StatusCode, body)
		}
		form.Set("action", "sell")
		form.Set("pay_stored_value", "3400")
		form.Set("pay_wechat", "1400")
		resp, body = desk.PostForm(path, form)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "尚未开班，请先开班再收款") {
			t.Fatalf("a sale without a shift: %d", resp.StatusCode)
		}
		s.openShift(t)
		resp, body = desk.PostForm(path, form)
		apptest.Status(t, resp, http.StatusSeeOther, body)
		loc := resp.Header.Get("Location")
		if _, body = desk.Get(loc); !strings.Contains(body, "已购买 美术 48 课时，现剩余 48 课时") {
			t.Fatalf("after the sale: %s", body)
		}
		// The same form again (a double click) sells nothing more.
		resp, _ = desk.PostForm(path, form)
		apptest.Status(t, resp, http.StatusSeeOther, nil)
		form.Set("key", "k-over-the-cap-1")
		form.Set("hours", "13")
		form.Set("pay_stored_value", "")
		form.Set("pay_wechat", "1300")
		resp, body = desk.PostForm(path, form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "本次最多还可购买 12 课时") {
			t.Fatalf("over the cap: %d", resp.StatusCode)
		}

		teacher := s.a.Client(t)
		teacher.Login("teach", "password123")
		if _, body = teacher.Get("/staff/lessons"); !strings.Contains(body, "美术") {
			t.Fatalf("lessons: %s", body)
		}
		roll := fmt.Sprintf("/staff/lessons/%d", s.course)
		resp, body = teacher.Get(roll)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "张小明") || !strings.Contains(body, "剩 48 课时") {
			t.Fatalf("roll: %d %s", resp.StatusCode, body)
		}
		resp, body = teacher.HX(http.MethodPost, roll+"/marks", url.Values{"member_id": {ming}, "status": {"present"}, "on": {"2026-11-02"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "剩余 47 课时") || strings.Contains(body, "<html") {
			t.Fatalf("present: %d %s", resp.StatusCode, body)
		}
		resp, body = teacher.HX(http.MethodPost, roll+"/marks", url.Values{"member_id": {fmt.Sprint(s.hong)}, "status": {"leave"}, "on": {"2026-11-02"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "请假") || !strings.Contains(body, "剩 10 课时") {
			t.Fatalf("leave: %d %s", resp.StatusCode, body)
		}
		resp, body = teacher.HX(http.MethodPost, roll+"/marks", url.Values{"member_id": {ming}, "status": {"present"}, "on": {"2026-11-02"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "已经点过名") {
			t.Fatalf("twice: %d %s", resp.StatusCode, body)
		}
		var hongMark int64
		db.R.Raw(`SELECT id FROM course_attendance WHERE member_id = ?`, s.hong).Scan(&hongMark)
		resp, body = teacher.HX(http.MethodPost, fmt.Sprintf("%s/marks/%d/correct", roll, hongMark),
			url.Values{"member_id": {fmt.Sprint(s.hong)}, "status": {"present"}, "on": {"2026-11-02"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "已更正，剩余 9 课时") {
			t.Fatalf("correct: %d %s", resp.StatusCode, body)
		}
		// A prospect's trial lesson is on the roll call too, and is marked there.
		trial, err := courses.BookTrial(context.Background(), db, s.a.Clock.Now(), apptest.Shanghai, models.Actor{Type: "staff", ID: s.cashier.ID},
			nil, s.course, s.hong, "2026-11-02")
		if err != nil {
			t.Fatal(err)
		}
		if _, body = teacher.Get(roll); !strings.Contains(body, "今日试听") {
			t.Fatalf("no trials on the roll call: %s", body)
		}
		resp, body = teacher.HX(http.MethodPost, fmt.Sprintf("%s/trials/%d", roll, trial.ID), url.Values{"attended": {"1"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "已到场试听") {
			t.Fatalf("trial mark: %d %s", resp.StatusCode, body)
		}
		// The parent's notice after the lesson.
		var data string
		db.R.Raw(`SELECT data FROM outbox WHERE member_id = ? AND event = ?`, s.ming, courses.EventConsumed).Scan(&data)
		var n map[string]any
		if err := json.Unmarshal([]byte(data), &n); err != nil || n["left"] != float64(47) || n["course"] != "美术" {
			t.Fatalf("notice: %q", data)
		}
		tpl, err := models.NoticeTemplateFor(context.Background(), db.R, courses.EventConsumed, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if got := models.RenderNoticeText(tpl.Body, map[string]string{"school": "星卡学校", "member": "张小明", "course": "美术",
			"hours": "1", "left": "47"}); !strings.Contains(got, "张小明今日美术课消 1 课时，剩余 47 课时") {
			t.Fatalf("notice text %q", got)
		}

		// The desk refunds the 47 hours left: ¥4,700.00.
		var pkg int64
		db.R.Raw(`SELECT id FROM class_hour_packages WHERE member_id = ?`, s.ming).Scan(&pkg)
		_, body = desk.Get(path)
		if !strings.Contains(body, "按 47 课时退费 ¥4,700.00") {
			t.Fatalf("refund quote: %s", body)
		}
		key = keyRe.FindStringSubmatch(body)[1]
		// Over the approval threshold: refused until the campus manager approves.
		resp, body = desk.PostForm(fmt.Sprintf("/cashier/packages/%d/refund", pkg), url.Values{"key": {key}, "reason": {"搬家退班"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "需校区负责人输入用户名和密码审批") {
			t.Fatalf("refund without approval: %d", resp.StatusCode)
		}
		s.a.Staff(t, "head1", models.RoleCampusManager, s.campus)
		resp, body = desk.PostForm(fmt.Sprintf("/cashier/packages/%d/refund", pkg), url.Values{"key": {key}, "reason": {"搬家退班"},
			"approver_username": {"head1"}, "approver_password": {"password123"}})
		apptest.Status(t, resp, http.StatusSeeOther, body)
		if _, body = desk.Get(resp.Header.Get("Location")); !strings.Contains(body, "已退 47 课时，退款 ¥4,700.00") {
			t.Fatalf("after the refund: %s", body)
		}
		// A points-exclusive course: the admin adds it, the desk takes a seat in points.
		resp, body = admin.PostForm("/admin/exclusive-courses", url.Values{"campus_id": {fmt.Sprint(s.campus)}, "name": {"绘本剧"},
			"hours": {"8"}, "sessions": {"4"}, "capacity": {"20"}, "min_to_open": {"5"}, "starts_on": {"2026-11-20"}, "price": {"800"},
			"points_silver": {"50"}, "points_gold": {"40"}, "points_platinum": {"30"}})
		apptest.Status(t, resp, http.StatusSeeOther, body)
		var ex int64
		db.R.Raw(`SELECT id FROM exclusive_courses WHERE name = '绘本剧'`).Scan(&ex)
		_, body = desk.Get(path)
		key = keyRe.FindStringSubmatch(body)[1]
		resp, body = desk.PostForm(fmt.Sprintf("/cashier/members/%s/exclusive/%d", ming, ex), url.Values{"key": {key}})
		apptest.Status(t, resp, http.StatusSeeOther, body)
		if _, body = desk.Get(resp.Header.Get("Location")); !strings.Contains(body, "已报名「绘本剧」，冻结 50 积分") {
			t.Fatalf("after the seat: %s", body)
		}
		if _, body = admin.Get(fmt.Sprintf("/admin/exclusive-courses/%d", ex)); !strings.Contains(body, "张小明") || !strings.Contains(body, "50 积分") {
			t.Fatalf("enrolment list: %s", body)
		}
		// An academic-year plan at the desk: the deposit is taken, then forfeited on leaving early.
		_, body = desk.Get(path)
		key = keyRe.FindStringSubmatch(body)[1]
		resp, body = desk.PostForm("/cashier/members/"+ming+"/plans", url.Values{"key": {key}, "years": {"6"}, "deposit": {"3000"}, "method": {"wechat"}})
		apptest.Status(t, resp, http.StatusSeeOther, body)
		if _, body = desk.Get(resp.Header.Get("Location")); !strings.Contains(body, "已报名 6 年学年制，收取保证金 ¥3,000.00") ||
			!strings.Contains(body, "2026-11-02 – 2032-11-02") {
			t.Fatalf("after enrolling: %s", body)
		}
		var plan int64
		db.R.Raw(`SELECT id FROM year_plans WHERE member_id = ?`, s.ming).Scan(&plan)
		key = keyRe.FindStringSubmatch(body)[1]
		resp, body = desk.PostForm(fmt.Sprintf("/cashier/plans/%d/close", plan), url.Values{"key": {key}, "status": {"left"}, "reason": {""}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("leaving without a reason: %d", resp.StatusCode)
		}
		resp, body = desk.PostForm(fmt.Sprintf("/cashier/plans/%d/close", plan), url.Values{"key": {key}, "status": {"left"}, "reason": {"搬家"}})
		apptest.Status(t, resp, http.StatusSeeOther, body)
		if _, body = desk.Get(resp.Header.Get("Location")); !strings.Contains(body, "已退出学年制，保证金 ¥3,000.00 不予退还") {
			t.Fatalf("after leaving: %s", body)
		}
		s.verify(t)
	})
}
