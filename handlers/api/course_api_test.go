package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestCourseAPI is issue 15's API slice: an admin creates a course, the
// cashier sells a 48-hour package paid partly from stored value, the
// teacher's marks consume one hour for the child present and none for the
// one on leave (twice is 409), the member shows balances.class_hours, the
// refund of the rest returns the right amount, and verify stays clean.
func TestCourseAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newLedgerWorld(t, db)
		a := w.a
		other, err := models.CreateCampus(context.Background(), db.W, a.Clock.Now(), "MOON", "月亮校区", "")
		if err != nil {
			t.Fatal(err)
		}
		a.Staff(t, "boss", models.RoleAdmin)
		a.Staff(t, "teach", models.RoleTeacher, w.campus)
		a.Staff(t, "far", models.RoleTeacher, other.ID)
		admin, teacher, far := a.Token(t, "boss"), a.Token(t, "teach"), a.Token(t, "far")

		// Courses: admin only, the campus said (two campuses exist).
		resp, out := a.API(t, http.MethodPost, "/api/v1/courses", teacher, "", map[string]any{"name": "美术", "category": "interest_class", "price_per_hour": 10000})
		apptest.Status(t, resp, http.StatusForbidden, out)
		resp, out = a.API(t, http.MethodPost, "/api/v1/courses", admin, "", map[string]any{"name": "美术", "category": "interest_class",
			"price_per_hour": 10000, "campus_id": w.campus, "weekdays": "1,3", "lesson_time": "16:00"})
		apptest.Status(t, resp, http.StatusCreated, out)
		course := num(out["id"])
		if out["hours_per_lesson"] != float64(1) || out["max_prepaid_hours"] != float64(60) {
			t.Fatalf("course defaults: %v", out)
		}
		resp, out = a.API(t, http.MethodPost, "/api/v1/courses", admin, "", map[string]any{"name": "美术", "category": "art", "price_per_hour": 0, "campus_id": w.campus})
		apptest.Status(t, resp, http.StatusUnprocessableEntity, out)
		if errs, _ := out["errors"].(map[string]any); errs["category"] == nil || errs["price_per_hour"] == nil {
			t.Fatalf("field errors: %v", out)
		}

		ming, hong := w.member(t), w.member(t)
		resp, out = w.post(t, fmt.Sprintf("/api/v1/members/%d/topups", ming), "top-1", map[string]any{"amount": 300000, "method": "cash"})
		apptest.Status(t, resp, http.StatusCreated, out)
		sv := num(out["balances"].(map[string]any)["stored_value_principal"]) + num(out["balances"].(map[string]any)["stored_value_bonus"])

		// A 48-hour package: stored value first, the rest by WeChat.
		sale := map[string]any{"course_id": course, "hours": 48, "amount": 480000,
			"payments": []map[string]any{{"method": "stored_value", "amount": sv}, {"method": "wechat", "amount": 480000 - sv}}}
		path := fmt.Sprintf("/api/v1/members/%d/packages", ming)
		resp, out = a.API(t, http.MethodPost, path, teacher, "pkg-1", sale)
		apptest.Status(t, resp, http.StatusForbidden, out)
		resp, out = w.post(t, path, "pkg-1", sale)
		apptest.Status(t, resp, http.StatusCreated, out)
		pkg := num(out["id"])
		if out["hours"] != float64(48) || out["balances"].(map[string]any)["class_hours"].(map[string]any)[fmt.Sprint(course)] != float64(48) {
			t.Fatalf("package: %v", out)
		}
		resp, again := w.post(t, path, "pkg-1", sale)
		if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "true" || num(again["id"]) != pkg {
			t.Fatalf("replay: %d %v", resp.StatusCode, again)
		}
		resp, out = w.post(t, path, "pkg-2", map[string]any{"course_id": course, "hours": 13, "amount": 130000,
			"payments": []map[string]any{{"method": "cash", "amount": 130000}}})
		problem(t, resp, out, http.StatusUnprocessableEntity, "prepaid-hours-cap")
		resp, out = w.post(t, fmt.Sprintf("/api/v1/members/%d/packages", hong), "pkg-3", map[string]any{"course_id": course, "hours": 10,
			"amount": 100000, "payments": []map[string]any{{"method": "cash", "amount": 100000}}})
		apptest.Status(t, resp, http.StatusCreated, out)

		// Attendance: present −1, leave 0, twice 409, another campus's teacher 404.
		mark := func(token, key string, member int64, status string) (*http.Response, map[string]any) {
			return a.API(t, http.MethodPost, "/api/v1/attendance", token, key, map[string]any{"course_id": course,
				"member_id": member, "on": "2026-11-02", "status": status})
		}
		resp, out = mark(far, "att-0", ming, "present")
		apptest.Status(t, resp, http.StatusNotFound, out)
		resp, out = mark(teacher, "att-1", ming, "present")
		apptest.Status(t, resp, http.StatusCreated, out)
		if out["hours_consumed"] != float64(1) || out["hours_left"] != float64(47) {
			t.Fatalf("present: %v", out)
		}
		resp, out = mark(teacher, "att-2", hong, "leave")
		apptest.Status(t, resp, http.StatusCreated, out)
		if out["hours_consumed"] != float64(0) || out["hours_left"] != float64(10) {
			t.Fatalf("leave: %v", out)
		}
		resp, out = mark(teacher, "att-3", ming, "present")
		problem(t, resp, out, http.StatusConflict, "attendance-exists")
		resp, out = mark(teacher, "", ming, "present")
		apptest.Status(t, resp, http.StatusUnprocessableEntity, out)

		resp, out = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d", ming), w.token, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if out["balances"].(map[string]any)["class_hours"].(map[string]any)[fmt.Sprint(course)] != float64(47) {
			t.Fatalf("member balances: %v", out["balances"])
		}
		resp, out = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/courses", ming), teacher, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if cs := out["courses"].([]any); len(cs) != 1 || cs[0].(map[string]any)["hours_left"] != float64(47) || len(out["lessons"].([]any)) != 1 {
			t.Fatalf("member courses: %v", out)
		}

		// The purchase refund is refused for a package; the package refund
		// returns 480000 × 47 / 48.
		var purchase int64
		db.R.Raw(`SELECT purchase_id FROM class_hour_packages WHERE id = ?`, pkg).Scan(&purchase)
		resp, out = w.post(t, fmt.Sprintf("/api/v1/purchases/%d/refunds", purchase), "ref-0", map[string]any{"reason": "退班"})
		problem(t, resp, out, http.StatusConflict, "refund-via-package")
		// ¥4,700 is over the approval threshold: the cashier needs the campus
		// manager, as for any other refund.
		resp, out = w.post(t, fmt.Sprintf("/api/v1/packages/%d/refunds", pkg), "ref-1", map[string]any{"reason": "退班"})
		problem(t, resp, out, http.StatusUnprocessableEntity, "refund-approval-required")
		a.Staff(t, "head1", models.RoleCampusManager, w.campus)
		resp, out = w.post(t, fmt.Sprintf("/api/v1/packages/%d/refunds", pkg), "ref-1", map[string]any{"reason": "退班",
			"approver": map[string]string{"username": "head1", "password": "password123"}})
		apptest.Status(t, resp, http.StatusCreated, out)
		if out["amount"] != float64(470000) || out["hours_refunded"] != float64(47) ||
			num(out["stored_value_returned"])+num(out["owed"].(map[string]any)["wechat"]) != 470000 ||
			out["balances"].(map[string]any)["class_hours"].(map[string]any)[fmt.Sprint(course)] != float64(0) {
			t.Fatalf("refund: %v", out)
		}
		// An academic-year plan: the deposit is held, then forfeited on leaving.
		resp, out = w.post(t, fmt.Sprintf("/api/v1/members/%d/plans", hong), "plan-1", map[string]any{"years": 6, "deposit": 300000, "method": "cash"})
		apptest.Status(t, resp, http.StatusCreated, out)
		if out["deposit_held"] != float64(300000) || out["end_on"] != "2032-11-02" {
			t.Fatalf("plan: %v", out)
		}
		plan := num(out["id"])
		resp, out = w.post(t, fmt.Sprintf("/api/v1/plans/%d/complete", plan), "plan-2", map[string]any{})
		problem(t, resp, out, http.StatusConflict, "plan-not-finished")
		resp, out = w.post(t, fmt.Sprintf("/api/v1/plans/%d/leave", plan), "plan-3", map[string]any{"reason": "转学"})
		apptest.Status(t, resp, http.StatusOK, out)
		if out["status"] != "left" || out["deposit_held"] != float64(0) || out["honorary"] != false {
			t.Fatalf("left: %v", out)
		}
		resp, out = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/plans", hong), teacher, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if ps := out["plans"].([]any); len(ps) != 1 || ps[0].(map[string]any)["reason"] != "转学" {
			t.Fatalf("plans: %v", out)
		}
		// A points-exclusive course: a guest's seat, the teacher's list.
		resp, out = a.API(t, http.MethodPost, "/api/v1/exclusive-courses", admin, "", map[string]any{"name": "绘本剧", "hours": 8,
			"capacity": 30, "starts_on": "2026-11-20", "price": 80000, "points_silver": 3000, "points_gold": 2400,
			"points_platinum": 2000, "campus_id": w.campus})
		apptest.Status(t, resp, http.StatusCreated, out)
		if out["min_to_open"] != float64(20) {
			t.Fatalf("default minimum: %v", out)
		}
		resp, out = a.API(t, http.MethodPost, "/api/v1/exclusive-courses", admin, "", map[string]any{"name": "长课", "hours": 31,
			"capacity": 10, "starts_on": "2026-11-20", "price": 1, "points_silver": 1, "points_gold": 1, "points_platinum": 1, "campus_id": w.campus})
		apptest.Status(t, resp, http.StatusUnprocessableEntity, out)
		ex := num(out["id"])
		db.R.Raw(`SELECT MAX(id) FROM exclusive_courses`).Scan(&ex)
		resp, out = w.post(t, fmt.Sprintf("/api/v1/exclusive-courses/%d/enrolments", ex), "ex-1", map[string]any{"guest_name": "王阿姨", "method": "cash"})
		apptest.Status(t, resp, http.StatusCreated, out)
		resp, out = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/exclusive-courses/%d/enrolments", ex), teacher, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if es := out["enrolments"].([]any); len(es) != 1 || es[0].(map[string]any)["name"] != "王阿姨" {
			t.Fatalf("enrolments: %v", out)
		}
		// A trial lesson for a prospect and the funnel.
		resp, out = a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/courses/%d/trials", course), w.token, "", map[string]any{"member_id": ming, "on": "2026-11-02"})
		apptest.Status(t, resp, http.StatusCreated, out)
		resp, out = a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/trials/%d/attendance", num(out["id"])), teacher, "", map[string]any{"attended": true})
		apptest.Status(t, resp, http.StatusOK, out)
		if out["status"] != "attended" {
			t.Fatalf("trial: %v", out)
		}
		resp, out = a.API(t, http.MethodGet, "/api/v1/prospects/funnel", admin, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if out["trials_booked"] != float64(1) || out["trials_attended"] != float64(1) {
			t.Fatalf("funnel: %v", out)
		}
		resp, out = a.API(t, http.MethodGet, "/api/v1/courses/renewals?from=2026-11-01&to=2026-12-01", admin, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if cs := out["courses"].([]any); len(cs) != 1 || cs[0].(map[string]any)["students"] != float64(1) {
			t.Fatalf("renewals: %v", out)
		}
		resp, out = a.API(t, http.MethodGet, "/api/v1/prospects/funnel?from=nope", admin, "", nil)
		apptest.Status(t, resp, http.StatusUnprocessableEntity, out)
		resp, out = a.API(t, http.MethodGet, "/api/v1/prospects/funnel", teacher, "", nil)
		apptest.Status(t, resp, http.StatusForbidden, out)
		rep, err := models.Verify(context.Background(), db)
		if err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	})
}
