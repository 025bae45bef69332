package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers"
	"starcard/handlers/access"
	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/courses"
	"starcard/models/crm"
	"starcard/models/dbtest"
	"starcard/models/security"
)

// matrixActor is one caller of the route × role walk.
type matrixActor struct {
	name   string
	role   models.Role
	web    *apptest.Client // a logged-in browser (nil for the API client)
	token  string          // a bearer token
	campus int64           // the campus it works at (0: every campus)
	client bool            // an API client, not a staff account
}

// matrixFixture is a school of two campuses with one of every object on
// campus 1 and a caller of every role.
type matrixFixture struct {
	a       *apptest.App
	objects map[string]int64 // object kind → id of a campus-1 object
	actors  []matrixActor
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	a := apptest.New(t, dbtest.SQLite(t))
	ctx := context.Background()
	now := a.Clock.Now()
	c1, err := models.CreateCampus(ctx, a.DB.W, now, "C1", "一校区", "")
	if err != nil {
		t.Fatal(err)
	}
	c2, err := models.CreateCampus(ctx, a.DB.W, now, "C2", "二校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, a.DB.W, now, "v1", "家长授权书"); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "m_admin", models.RoleAdmin)
	a.Staff(t, "m_head", models.RoleServiceHead)
	m1 := a.Staff(t, "m_manager1", models.RoleCampusManager, c1.ID)
	a.Staff(t, "m_manager2", models.RoleCampusManager, c2.ID)
	cashier := a.Staff(t, "m_cashier", models.RoleCashier, c1.ID)
	a.Staff(t, "m_teacher", models.RoleTeacher, c1.ID)
	a.Staff(t, "m_kiosk", models.RoleKiosk, c1.ID)
	admin := a.Token(t, "m_admin")

	f := &matrixFixture{a: a, objects: map[string]int64{}}
	resp, m := a.API(t, http.MethodPost, "/api/v1/members", admin, "", map[string]any{"name": "张小明", "campus_id": c1.ID,
		"birth_date": "2021-05-01", "guardians": []map[string]any{{"name": "张妈妈", "phone": "13800138000", "relation": "mother", "consent": true}}})
	apptest.Status(t, resp, http.StatusCreated, m)
	member := int64(m["id"].(float64))
	f.objects[models.ObjectMember] = member
	f.objects[models.ObjectFamily] = int64(m["family_id"].(float64))
	f.objects[models.ObjectGuardian] = int64(m["guardians"].([]any)[0].(map[string]any)["id"].(float64))
	resp, tp := a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/members/%d/topups", member), admin, "fx-topup",
		map[string]any{"amount": 50000, "method": "cash"})
	apptest.Status(t, resp, http.StatusCreated, tp)
	f.objects[models.ObjectTopup] = int64(tp["id"].(float64))
	resp, p := a.API(t, http.MethodPost, "/api/v1/purchases", admin, "fx-purchase", map[string]any{"member_id": member,
		"items": []map[string]any{{"category": "tuition", "amount": 10000}}, "payments": []map[string]any{{"method": "cash", "amount": 10000}}})
	apptest.Status(t, resp, http.StatusCreated, p)
	f.objects[models.ObjectPurchase] = int64(p["id"].(float64))
	class, err := models.CreateClass(ctx, a.DB.W, now, c1.ID, "大一班")
	if err != nil {
		t.Fatal(err)
	}
	f.objects[models.ObjectClass] = class.ID
	sh, err := models.OpenShift(ctx, a.DB, now, models.Actor{Type: "staff", ID: cashier.ID}, cashier, c1.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.objects[models.ObjectShift] = sh.ID
	resp, cp := a.API(t, http.MethodPost, "/api/v1/complaints", admin, "", map[string]any{"member_id": member,
		"kind": "complaint", "category": "service", "body": "接送时老师态度不好", "channel": "phone"})
	apptest.Status(t, resp, http.StatusCreated, cp)
	f.objects[models.ObjectComplaint] = int64(cp["id"].(float64))
	// Courses: a course, a package of its hours, a lesson attended, a trial,
	// an academic-year plan and a points-exclusive course, all on campus 1.
	resp, co := a.API(t, http.MethodPost, "/api/v1/courses", admin, "", map[string]any{"name": "美术", "category": "interest_class",
		"price_per_hour": 10000, "campus_id": c1.ID})
	apptest.Status(t, resp, http.StatusCreated, co)
	course := int64(co["id"].(float64))
	f.objects[courses.ObjectCourse] = course
	resp, pk := a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/members/%d/packages", member), admin, "fx-package", map[string]any{
		"course_id": course, "hours": 10, "amount": 100000, "payments": []map[string]any{{"method": "cash", "amount": 100000}}})
	apptest.Status(t, resp, http.StatusCreated, pk)
	f.objects[courses.ObjectPackage] = int64(pk["id"].(float64))
	resp, at := a.API(t, http.MethodPost, "/api/v1/attendance", admin, "fx-attendance", map[string]any{
		"course_id": course, "member_id": member, "on": "2026-11-02", "status": "present"})
	apptest.Status(t, resp, http.StatusCreated, at)
	f.objects[courses.ObjectAttendance] = int64(at["id"].(float64))
	resp, tr := a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/courses/%d/trials", course), admin, "", map[string]any{
		"member_id": member, "on": "2026-11-09"})
	apptest.Status(t, resp, http.StatusCreated, tr)
	f.objects[courses.ObjectTrial] = int64(tr["id"].(float64))
	resp, pl := a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/members/%d/plans", member), admin, "fx-plan", map[string]any{
		"years": 1, "deposit": 50000, "method": "cash"})
	apptest.Status(t, resp, http.StatusCreated, pl)
	f.objects[courses.ObjectPlan] = int64(pl["id"].(float64))
	resp, ex := a.API(t, http.MethodPost, "/api/v1/exclusive-courses", admin, "", map[string]any{"name": "绘本小课", "hours": 8,
		"capacity": 20, "starts_on": "2026-12-01", "price": 80000, "points_silver": 8000, "points_gold": 7000,
		"points_platinum": 6000, "campus_id": c1.ID})
	apptest.Status(t, resp, http.StatusCreated, ex)
	f.objects[courses.ObjectExclusive] = int64(ex["id"].(float64))
	// A follow-up task: a logged call with a next date opens one.
	resp, ct := a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/members/%d/contacts", member), admin, "", map[string]any{
		"channel": "phone", "content": "开学回访", "outcome": "家长满意", "next_on": "2026-11-20"})
	apptest.Status(t, resp, http.StatusCreated, ct)
	resp, tasks := a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/tasks", member), admin, "", nil)
	apptest.Status(t, resp, http.StatusOK, tasks)
	for _, tk := range tasks["tasks"].([]any) {
		f.objects[crm.ObjectTask] = int64(tk.(map[string]any)["id"].(float64))
	}
	_ = m1

	cl, secret, err := security.CreateClient(ctx, a.DB.W, now, models.Actor{Type: "staff", ID: 1}, security.NewClient{
		Name: "收费系统", Role: string(models.RoleCashier), CampusID: c1.ID})
	if err != nil {
		t.Fatal(err)
	}
	resp, tok := a.API(t, http.MethodPost, "/api/v1/auth/token", "", "", map[string]string{"client_id": cl.ClientID, "client_secret": secret})
	apptest.Status(t, resp, http.StatusOK, tok)

	for _, s := range []struct {
		user   string
		role   models.Role
		campus int64
	}{{"m_kiosk", models.RoleKiosk, c1.ID}, {"m_teacher", models.RoleTeacher, c1.ID}, {"m_cashier", models.RoleCashier, c1.ID},
		{"m_manager1", models.RoleCampusManager, c1.ID}, {"m_manager2", models.RoleCampusManager, c2.ID},
		{"m_head", models.RoleServiceHead, 0}, {"m_admin", models.RoleAdmin, 0}} {
		web := a.Client(t)
		web.Login(s.user, "password123")
		f.actors = append(f.actors, matrixActor{name: s.user, role: s.role, web: web, token: a.Token(t, s.user), campus: s.campus})
	}
	f.actors = append(f.actors, matrixActor{name: "api_client(cashier@C1)", role: models.RoleCashier,
		token: tok["access_token"].(string), campus: c1.ID, client: true})
	return f
}

// path fills a route's parameters: the campus-1 object its line names for
// :id, a number that names nothing for any other id (so that no walk step
// disables an account or resends a notice), a word for the rest.
func (f *matrixFixture) path(rule access.Rule, route string) string {
	segs := strings.Split(route, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") {
			continue
		}
		switch {
		case s == ":id" && rule.Object != "":
			segs[i] = fmt.Sprint(f.objects[rule.Object])
		case strings.HasSuffix(s, "id"):
			segs[i] = "999999"
		default:
			segs[i] = "zz"
		}
	}
	return strings.Join(segs, "/")
}

// TestEveryRouteAnswersEveryRoleAsTheTableSays walks every mounted route
// (from Fiber's own list, so a new route is walked without editing this
// test) × every role and checks the answer the table promises: 403 to a
// role not on the line; 404 to a manager of campus 2 for a campus-1
// object; never 401 or 403 (nor a 500) to a role on the line.
func TestEveryRouteAnswersEveryRoleAsTheTableSays(t *testing.T) {
	f := newMatrixFixture(t)
	seen := map[string]bool{}
	walked := 0
	for _, rt := range f.a.Fiber.GetRoutes(true) {
		if rt.Method == fiber.MethodHead || seen[access.Key(rt.Method, rt.Path)] {
			continue
		}
		seen[access.Key(rt.Method, rt.Path)] = true
		rule, ok := f.a.Guard.Rule(rt.Method, rt.Path)
		if !ok {
			t.Errorf("%s %s: no line in access.Table", rt.Method, rt.Path)
			continue
		}
		if rule.Roles.Open() {
			continue // public and guardian routes: no staff role to check
		}
		if rule.Object != "" && f.objects[rule.Object] == 0 {
			t.Errorf("%s %s: the fixture has no %s to walk it with: add one to newMatrixFixture", rt.Method, rt.Path, rule.Object)
			continue
		}
		path := f.path(rule, rt.Path)
		api := strings.HasPrefix(rt.Path, "/api/")
		for _, ac := range f.actors {
			if !api && ac.client {
				// An API client has no web session: every staff page asks it to log in.
				resp, _ := f.a.Client(t).Get(path)
				if rt.Method == fiber.MethodGet && (resp.StatusCode != http.StatusSeeOther ||
					!strings.HasPrefix(resp.Header.Get("Location"), "/login")) {
					t.Errorf("%s %s as %s: %d, want a redirect to /login", rt.Method, path, ac.name, resp.StatusCode)
				}
				continue
			}
			status := f.call(t, ac, rt.Method, path, api)
			walked++
			allowed := rule.Roles.Allows(ac.role)
			switch {
			case !allowed && status != http.StatusForbidden:
				t.Errorf("%s %s as %s: %d, want 403 (line allows %s)", rt.Method, path, ac.name, status, rule.Roles)
			case allowed && rule.Object != "" && ac.campus != 0 && ac.campus != f.campusOf(rule.Object):
				if status != http.StatusNotFound {
					t.Errorf("%s %s as %s: %d, want 404 (a %s of another campus)", rt.Method, path, ac.name, status, rule.Object)
				}
			case allowed && (status == http.StatusUnauthorized || status == http.StatusForbidden || status >= 500):
				t.Errorf("%s %s as %s: %d, want an answer (line allows %s)", rt.Method, path, ac.name, status, rule.Roles)
			}
		}
	}
	if walked < 500 {
		t.Fatalf("walked only %d route × role calls", walked)
	}
	t.Logf("walked %d route × role calls over %d routes", walked, len(seen))
}

// campusOf is the campus of the fixture's objects: all on campus 1.
func (f *matrixFixture) campusOf(string) int64 { return f.actors[0].campus }

func (f *matrixFixture) call(t *testing.T, ac matrixActor, method, path string, api bool) int {
	t.Helper()
	if api {
		var body any
		if method != fiber.MethodGet {
			body = map[string]any{}
		}
		resp, _ := f.a.API(t, method, path, ac.token, "walk-"+ac.name+"-"+path, body)
		return resp.StatusCode
	}
	if method == fiber.MethodGet {
		resp, _ := ac.web.Get(path)
		return resp.StatusCode
	}
	resp, _ := ac.web.HX(method, path, url.Values{})
	return resp.StatusCode
}

// TestARouteWithoutALineDoesNotStart: the app refuses to build when a
// mounted route has no line, and when a line has no route.
func TestARouteWithoutALineDoesNotStart(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	var short []access.Rule
	for _, r := range access.Table {
		if r.Path != "/api/v1/purchases" {
			short = append(short, r)
		}
	}
	_, err := handlers.Build(a.Deps, handlers.Options{Table: short})
	if err == nil || !strings.Contains(err.Error(), "no line in the access table for POST /api/v1/purchases") {
		t.Fatalf("missing line: %v", err)
	}
	extra := append(append([]access.Rule{}, access.Table...), access.Rule{Method: "GET", Path: "/admin/nowhere", Op: "x", Roles: access.Admin})
	_, err = handlers.Build(a.Deps, handlers.Options{Table: extra})
	if err == nil || !strings.Contains(err.Error(), "a line with no route: GET /admin/nowhere") {
		t.Fatalf("dead line: %v", err)
	}
	bad := append(append([]access.Rule{}, access.Table...), access.Rule{Method: "GET", Path: "/admin/x/:cid", Op: "x", Roles: access.Admin, Object: "member"})
	if _, err := handlers.Build(a.Deps, handlers.Options{Table: bad}); err == nil || !strings.Contains(err.Error(), "needs a known kind and an :id") {
		t.Fatalf("object without :id: %v", err)
	}
}
