package handlers_test

import (
	"bytes"
	"context"
	"image"
	pngenc "image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

var campusChooser = regexp.MustCompile(`<select[^>]*name="campus_id"`)

// TestOneCampusSchoolNeverAsksWhichCampus: with one campus no form offers a
// campus chooser, and every create without a campus lands on that campus:
// a class, a family, a member through the API, the cashier's shift.
func TestOneCampusSchoolNeverAsksWhichCampus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := apptest.New(t, db)
		cp, err := models.CreateCampus(ctx, db.W, a.Clock.Now(), "SUN", "阳光校区", "")
		if err != nil {
			t.Fatal(err)
		}
		a.Staff(t, "boss", models.RoleAdmin)
		a.Staff(t, "desk", models.RoleCashier, cp.ID)
		admin := a.Client(t)
		admin.Login("boss", "password123")
		for _, path := range []string{"/admin/members/new", "/admin/classes", "/cashier/shift", "/admin/setup/class",
			"/admin/setup/staff", "/admin/staff"} {
			resp, body := admin.Get(path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			if campusChooser.MatchString(body) {
				t.Errorf("%s asks which campus in a one-campus school", path)
			}
		}
		// A cashier made on the staff page works at the only campus.
		resp, body := admin.PostForm("/admin/staff", url.Values{"username": {"desk2"}, "password": {"password123"}, "role": {"cashier"}})
		apptest.Status(t, resp, http.StatusOK, body)
		if u, err := models.Authenticate(ctx, db.R, "desk2", "password123"); err != nil || len(u.CampusIDs) != 1 || u.CampusIDs[0] != cp.ID {
			t.Fatalf("desk2 works at %v (%v), want the only campus", u, err)
		}
		resp, body = admin.PostForm("/admin/classes", url.Values{"name": {"小一班"}})
		apptest.Status(t, resp, http.StatusSeeOther, body)
		classes, err := models.ListClasses(ctx, db.R, nil)
		if err != nil || len(classes) != 1 || classes[0].CampusID != cp.ID {
			t.Fatalf("class without a campus: %v %v", classes, err)
		}
		admin.Get("/admin/members/new")
		resp, body = admin.PostForm("/admin/members", url.Values{"g0_name": {"王芳"}, "g0_phone": {"13800138000"},
			"g0_relation": {"mother"}, "c0_name": {"张小明"}, "c0_birth": {"2021-05-01"}, "c0_gender": {"male"}})
		apptest.Status(t, resp, http.StatusSeeOther, body)

		tok := a.Token(t, "boss")
		resp, m := a.API(t, http.MethodPost, "/api/v1/members", tok, "", map[string]any{"name": "李小花", "birth_date": "2020-03-01",
			"guardians": []map[string]string{{"name": "李强", "phone": "13900139000", "relation": "father"}}})
		apptest.Status(t, resp, http.StatusCreated, m)
		if m["campus_id"] != float64(cp.ID) {
			t.Fatalf("API member without campus_id went to campus %v, want %d", m["campus_id"], cp.ID)
		}
		// The admin opens a shift at the desk: no campus asked, the only one used.
		admin.Get("/cashier/shift")
		resp, body = admin.PostForm("/cashier/shift/open", url.Values{"opening_cash": {"200"}})
		apptest.Status(t, resp, http.StatusSeeOther, body)
		_, body = admin.Get("/cashier")
		if !strings.Contains(body, "阳光校区") {
			t.Fatal("the admin's shift did not open at the only campus")
		}
	})
}

// TestEmptySchoolSaysCreateACampusFirst: before any campus, the wizard
// greets the admin and every campus-bound create names the real cause.
func TestEmptySchoolSaysCreateACampusFirst(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "boss", models.RoleAdmin)
	admin := a.Client(t)
	admin.Login("boss", "password123")
	resp, _ := admin.Get("/admin")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/admin/setup" {
		t.Fatalf("empty school's /admin: %d → %q, want the wizard", resp.StatusCode, loc)
	}
	_, body := admin.Get("/admin/members/new")
	if !strings.Contains(body, "还没有校区：先创建校区") || !strings.Contains(body, `href="/admin/campuses"`) {
		t.Fatal("the family form does not say to create a campus first")
	}
	resp, p := a.API(t, http.MethodPost, "/api/v1/members", a.Token(t, "boss"), "", map[string]any{"name": "李小花",
		"birth_date": "2020-03-01", "guardians": []map[string]string{{"name": "李强", "phone": "13900139000", "relation": "father"}}})
	apptest.Status(t, resp, http.StatusUnprocessableEntity, p)
	if !strings.Contains(p["title"].(string), "还没有校区") && !strings.Contains(p["title"].(string), "no campus yet") {
		t.Fatalf("problem does not name the cause: %v", p)
	}
	// Finishing the wizard later sends the admin to the back office.
	admin.Get("/admin/setup/school")
	resp, body = admin.PostForm("/admin/setup/done/skip", nil)
	apptest.Status(t, resp, http.StatusSeeOther, body)
	resp, body = admin.Get("/admin")
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, "还没有校区") {
		t.Fatal("the back office of a school without campus does not say so")
	}
}

// TestCampusAPI is §4b: admins create campuses, everyone lists the ones
// they work at; a closed campus stays listed, flagged, and takes no members.
func TestCampusAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		a := apptest.New(t, db)
		a.Staff(t, "boss", models.RoleAdmin)
		boss := a.Token(t, "boss")
		resp, c := a.API(t, http.MethodPost, "/api/v1/campuses", boss, "", map[string]string{"code": "sun", "name": "阳光校区", "address": "张杨路 1200 号"})
		apptest.Status(t, resp, http.StatusCreated, c)
		if c["code"] != "SUN" || c["name"] != "阳光校区" || c["address"] != "张杨路 1200 号" || c["id"] == nil {
			t.Fatalf("campus %v", c)
		}
		sun := int64(c["id"].(float64))
		resp, c = a.API(t, http.MethodPost, "/api/v1/campuses", boss, "", map[string]string{"code": "RIV", "name": "滨江校区"})
		apptest.Status(t, resp, http.StatusCreated, c)
		riv := int64(c["id"].(float64))
		for _, tc := range []struct {
			body string
			want int
		}{
			{`{"code":"SUN","name":"又一个"}`, http.StatusConflict},
			{`{"code":"X1"}`, http.StatusUnprocessableEntity},
			{`{"code":"X2","name":"x","colour":"red"}`, http.StatusBadRequest},
		} {
			resp, p := a.API(t, http.MethodPost, "/api/v1/campuses", boss, "", tc.body)
			apptest.Status(t, resp, tc.want, p)
		}
		a.Staff(t, "desk", models.RoleCashier, riv)
		desk := a.Token(t, "desk")
		resp, p := a.API(t, http.MethodPost, "/api/v1/campuses", desk, "", map[string]string{"code": "X3", "name": "x"})
		apptest.Status(t, resp, http.StatusForbidden, p)
		resp, l := a.API(t, http.MethodGet, "/api/v1/campuses", desk, "", nil)
		apptest.Status(t, resp, http.StatusOK, l)
		if cs := l["campuses"].([]any); len(cs) != 1 || cs[0].(map[string]any)["code"] != "RIV" {
			t.Fatalf("a cashier of RIV lists %v", cs)
		}
		if err := models.SetCampusClosed(ctx, db.W, a.Clock.Now(), sun, true); err != nil {
			t.Fatal(err)
		}
		_, l = a.API(t, http.MethodGet, "/api/v1/campuses", boss, "", nil)
		if cs := l["campuses"].([]any); len(cs) != 2 || cs[0].(map[string]any)["closed"] != true {
			t.Fatalf("admin lists %v", cs)
		}
		resp, p = a.API(t, http.MethodPost, "/api/v1/members", boss, "", map[string]any{"name": "李小花", "birth_date": "2020-03-01",
			"campus_id": sun, "guardians": []map[string]string{{"name": "李强", "phone": "13900139000", "relation": "father"}}})
		apptest.Status(t, resp, http.StatusUnprocessableEntity, p)
		// With SUN closed, RIV is the school's only open campus.
		resp, p = a.API(t, http.MethodPost, "/api/v1/members", boss, "", map[string]any{"name": "李小花", "birth_date": "2020-03-01",
			"guardians": []map[string]string{{"name": "李强", "phone": "13900139000", "relation": "father"}}})
		apptest.Status(t, resp, http.StatusCreated, p)
		if p["campus_id"] != float64(riv) {
			t.Fatalf("member went to %v, want the only open campus %d", p["campus_id"], riv)
		}
	})
}

// TestCampusAndSchoolPages: the back office creates, edits and closes a
// campus, and the school's name replaces 星卡 in the top bar.
func TestCampusAndSchoolPages(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "boss", models.RoleAdmin)
	a.Staff(t, "mgr", models.RoleCampusManager)
	admin := a.Client(t)
	admin.Login("boss", "password123")
	admin.Get("/admin/campuses")
	resp, body := admin.PostForm("/admin/campuses", url.Values{"code": {"SUN"}, "name": {""}})
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "必填") {
		t.Fatal("missing name not shown on the form")
	}
	resp, body = admin.PostForm("/admin/campuses", url.Values{"code": {"SUN"}, "name": {"阳光校区"}})
	apptest.Status(t, resp, http.StatusOK, body)
	cs, _ := models.ListAllCampuses(context.Background(), a.DB.R)
	if len(cs) != 1 {
		t.Fatalf("campuses %v", cs)
	}
	id := itoa(cs[0].ID)
	admin.Get("/admin/campuses/" + id + "/edit")
	resp, body = admin.PostForm("/admin/campuses/"+id, url.Values{"code": {"SUN"}, "name": {"阳光总园"}, "address": {"张杨路"}})
	apptest.Status(t, resp, http.StatusSeeOther, body)
	resp, body = admin.HX(http.MethodPost, "/admin/campuses/"+id+"/close", nil)
	apptest.Status(t, resp, http.StatusNoContent, body)
	_, body = admin.Get("/admin/campuses")
	if !strings.Contains(body, "阳光总园") || !strings.Contains(body, "停用") {
		t.Fatal("the closed campus is not listed as closed")
	}
	admin.Get("/admin/school")
	resp, body = admin.PostForm("/admin/school", url.Values{"name": {"阳光幼儿园"}, "phone": {"021-5888 1234"}})
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, `class="brand"`) || !strings.Contains(body, "阳光幼儿园</a>") {
		t.Fatal("the top bar does not show the school's name")
	}
	mgr := a.Client(t)
	mgr.Login("mgr", "password123")
	for _, path := range []string{"/admin/campuses", "/admin/school", "/admin/setup/school"} {
		if resp, _ := mgr.Get(path); resp.StatusCode != http.StatusForbidden {
			t.Errorf("campus manager %s: %d, want 403", path, resp.StatusCode)
		}
	}
}

// TestWizardTestSendAndStaffInbox: the wizard's "send a test" keeps the
// admin's phone and queues a notice to them; once delivered it is in their
// inbox, counted in the top bar of every staff page until read.
func TestWizardTestSendAndStaffInbox(t *testing.T) {
	ctx := context.Background()
	db := dbtest.SQLite(t)
	a := apptest.New(t, db)
	if err := models.EnsureNoticeTemplates(ctx, db.W, a.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	u := a.Staff(t, "boss", models.RoleAdmin)
	admin := a.Client(t)
	admin.Login("boss", "password123")
	_, body := admin.Get("/admin/setup/notify")
	if !strings.Contains(body, "短信和邮件") {
		t.Fatal("no notify step")
	}
	resp, body := admin.PostForm("/admin/setup/notify", url.Values{"phone": {"123"}})
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	resp, body = admin.PostForm("/admin/setup/notify", url.Values{"phone": {"13600001111"}, "email": {"boss@school.cn"}})
	apptest.Status(t, resp, http.StatusOK, body)
	me, err := models.GetStaff(ctx, db.R, u.ID)
	if err != nil || me.Phone != "13600001111" || me.Email != "boss@school.cn" {
		t.Fatalf("contact not kept: %+v %v", me, err)
	}
	sms := &recordingSMS{}
	w := models.NewWorker(db, models.NotifyConfig{SMS: sms, Loc: apptest.Shanghai}, a.Clock.Now)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(sms.to) != 1 || sms.to[0] != "13600001111" {
		t.Fatalf("test SMS went to %v", sms.to)
	}
	for _, path := range []string{"/admin/campuses", "/cashier", "/staff"} {
		_, body = admin.Get(path)
		if !strings.Contains(body, `<span class="badge unread">1</span>`) {
			t.Fatalf("%s does not show one unread notice", path)
		}
	}
	_, body = admin.Get("/inbox")
	if !strings.Contains(body, "这是一条测试消息") {
		t.Fatal("the inbox does not show the test")
	}
	resp, body = admin.PostForm("/inbox/read", nil)
	apptest.Status(t, resp, http.StatusSeeOther, body)
	_, body = admin.Get("/inbox")
	if strings.Contains(body, `badge unread`) {
		t.Fatal("still unread after reading all")
	}
}

type recordingSMS struct{ to []string }

func (r *recordingSMS) Send(_ context.Context, m models.Message) error {
	r.to = append(r.to, m.To)
	return nil
}

// TestKioskWithoutCampusSaysSo: a door tablet's account with no campus gets
// a clear message instead of a scanner that would record nowhere.
func TestKioskWithoutCampusSaysSo(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "door", models.RoleKiosk)
	k := a.Client(t)
	k.Login("door", "password123")
	resp, body := k.Get("/kiosk")
	apptest.Status(t, resp, http.StatusConflict, body)
	if !strings.Contains(body, "这台签到机还没有分配校区") || strings.Contains(body, "kiosk-video") {
		t.Fatal("a kiosk with no campus shows the scanner")
	}
}

// TestStaffSetOwnContactOnInbox: any member of staff sets where else their
// notices go from the inbox page; a wrong number is shown on the form.
func TestStaffSetOwnContactOnInbox(t *testing.T) {
	ctx := context.Background()
	a := apptest.New(t, dbtest.SQLite(t))
	cp, err := models.CreateCampus(ctx, a.DB.W, a.Clock.Now(), "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	u := a.Staff(t, "mgr", models.RoleCampusManager, cp.ID)
	c := a.Client(t)
	c.Login("mgr", "password123")
	c.Get("/inbox")
	resp, body := c.PostForm("/inbox/contact", url.Values{"phone": {"12345"}})
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "请填写 11 位手机号") {
		t.Fatal("bad phone not explained")
	}
	resp, body = c.PostForm("/inbox/contact", url.Values{"phone": {"13712345678"}, "email": {"mgr@school.cn"}})
	apptest.Status(t, resp, http.StatusOK, body)
	me, err := models.GetStaff(ctx, a.DB.R, u.ID)
	if err != nil || me.Phone != "13712345678" || me.Email != "mgr@school.cn" {
		t.Fatalf("contact %+v %v", me, err)
	}
}

// TestRosterTemplate: the import page and the wizard offer an .xlsx roster
// with the import's columns, pre-filled with the school's campus and class,
// that the import reads back.
func TestRosterTemplate(t *testing.T) {
	ctx := context.Background()
	a := apptest.New(t, dbtest.SQLite(t))
	cp, err := models.CreateCampus(ctx, a.DB.W, a.Clock.Now(), "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateClass(ctx, a.DB.W, a.Clock.Now(), cp.ID, "小一班"); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "boss", models.RoleAdmin)
	c := a.Client(t)
	c.Login("boss", "password123")
	_, body := c.Get("/admin/import")
	if !strings.Contains(body, `href="/admin/import/template.xlsx"`) {
		t.Fatal("the import page offers no template")
	}
	resp, raw := c.Get("/admin/import/template.xlsx")
	apptest.Status(t, resp, http.StatusOK, "")
	rows, err := models.ReadImportFile("roster.xlsx", []byte(raw))
	if err != nil || len(rows) != 2 {
		t.Fatalf("template rows %v: %v", rows, err)
	}
	p, err := models.PreviewImport(ctx, a.DB.R, a.Clock.Now(), rows)
	if err != nil || len(p.Rows) != 1 || p.Invalid != 0 || p.Rows[0].Member.CampusID != cp.ID || p.Rows[0].Member.ClassID == 0 {
		t.Fatalf("the template's example row does not import cleanly: %+v %v", p, err)
	}
}

// TestSchoolLogoUpload: a PNG logo is kept and served to anyone at
// /school/logo (login page, receipts, portal); a text file is refused on
// the form.
func TestSchoolLogoUpload(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "boss", models.RoleAdmin)
	c := a.Client(t)
	c.Login("boss", "password123")
	c.Get("/admin/school")
	post := func(filename string, content []byte) (*http.Response, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("_csrf", c.CSRF)
		mw.WriteField("name", "阳光幼儿园")
		fw, _ := mw.CreateFormFile("logo", filename)
		fw.Write(content)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, "/admin/school", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return c.Do(req)
	}
	resp, body := post("logo.txt", []byte("not an image"))
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "Logo 须为 PNG") {
		t.Fatal("a text logo is not refused on the form")
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var png bytes.Buffer
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	resp, body = post("logo.png", png.Bytes())
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, `src="/school/logo"`) {
		t.Fatal("the saved logo is not shown")
	}
	anon := a.Client(t)
	resp, got := anon.Get("/school/logo")
	apptest.Status(t, resp, http.StatusOK, "")
	if resp.Header.Get("Content-Type") != "image/png" || got != png.String() {
		t.Fatalf("logo served as %q, %d bytes", resp.Header.Get("Content-Type"), len(got))
	}
	_, login := anon.Get("/login")
	if !strings.Contains(login, "阳光幼儿园") || !strings.Contains(login, `src="/school/logo"`) {
		t.Fatal("the login page does not carry the school's name and logo")
	}
}
