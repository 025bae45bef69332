package admin_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/demo"
)

// memberAdmin is an app with two campuses, a class each, a consent text and
// a campus manager of the first campus.
type memberAdmin struct {
	a        *apptest.App
	sun, riv int64
	sunCls   int64
}

func newMemberAdmin(t *testing.T, db *models.DB) *memberAdmin {
	t.Helper()
	a := apptest.New(t, db)
	ctx := context.Background()
	sun, err := models.CreateCampus(ctx, db.W, a.Clock.Now(), "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	riv, err := models.CreateCampus(ctx, db.W, a.Clock.Now(), "RIV", "滨江校区", "")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := models.CreateClass(ctx, db.W, a.Clock.Now(), sun.ID, "小一班")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateClass(ctx, db.W, a.Clock.Now(), riv.ID, "中二班"); err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, db.W, a.Clock.Now().Add(-time.Hour), "2026-09", demo.ConsentText); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "mgr", models.RoleCampusManager, sun.ID)
	return &memberAdmin{a: a, sun: sun.ID, riv: riv.ID, sunCls: cl.ID}
}

var familyLink = regexp.MustCompile(`/admin/families/(\d+)`)

func TestFamilyWithTwoChildrenThenFreezeAndReplace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newMemberAdmin(t, db)
		cl := w.a.Client(t)
		cl.Login("mgr", "password123")
		resp, page := cl.Get("/admin/members/new")
		apptest.Status(t, resp, 200, page)
		form := url.Values{"campus_id": {"1"}, "g0_name": {"王芳"}, "g0_phone": {"139 1234 5678"}, "g0_relation": {"mother"},
			"g0_occupation": {"区财政局"}, "g0_position": {"副处长"}, "g0_consent": {"1"},
			"c0_name": {"张小明"}, "c0_gender": {"male"}, "c0_birth": {"2021-05-01"}, "c0_class": {"1"},
			"c1_name": {"张小红"}, "c1_gender": {"female"}, "c1_birth": {"2023-13-01"}}
		// A wrong birth date re-renders the form with the message at that child.
		resp, body := cl.PostForm("/admin/members", form)
		apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
		if !strings.Contains(body, "出生日期格式不正确") || !strings.Contains(body, `value="张小红"`) {
			t.Fatalf("form errors not shown:\n%s", body)
		}
		form.Set("c1_birth", "2023-03-08")
		resp, body = cl.PostForm("/admin/members", form)
		apptest.Status(t, resp, http.StatusSeeOther, body)
		loc := resp.Header.Get("Location")
		if !familyLink.MatchString(loc) {
			t.Fatalf("redirected to %q", loc)
		}
		resp, fam := cl.Get(loc)
		apptest.Status(t, resp, 200, fam)
		for _, want := range []string{"张小明", "张小红", "2 个孩子已发卡", "13912345678", "已授权（2026-09 版"} {
			if !strings.Contains(fam, want) {
				t.Errorf("family page lacks %q", want)
			}
		}
		// Search by pinyin initials finds both, in one box.
		resp, list := cl.Get("/admin/members?q=zx")
		apptest.Status(t, resp, 200, list)
		if !strings.Contains(list, "张小明") || !strings.Contains(list, "张小红") {
			t.Fatalf("search zx:\n%s", list)
		}
		ids, _, _ := models.SearchMemberIDs(context.Background(), db.R, models.SearchQuery{Q: "zxm"})
		if len(ids) != 1 {
			t.Fatalf("zxm finds %v", ids)
		}
		id := ids[0]
		vs, _ := models.MemberViews(context.Background(), db.R, ids)
		oldCard := vs[0].CardNo
		// The profile is audited and shows the card.
		path := "/admin/members/" + strconv.FormatInt(id, 10)
		resp, prof := cl.Get(path)
		apptest.Status(t, resp, 200, prof)
		if !strings.Contains(prof, oldCard) || !strings.Contains(prof, path+"/card.png") {
			t.Fatal("profile lacks the card")
		}
		resp, png := cl.Get(path + "/card.png")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(png, "\x89PNG") {
			t.Fatalf("card.png: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// Freeze, then replace (the form's key makes a resent form harmless).
		resp, frag := cl.HX("POST", path+"/card/freeze", url.Values{})
		apptest.Status(t, resp, 200, frag)
		if !strings.Contains(frag, "已挂失") {
			t.Fatalf("freeze fragment:\n%s", frag)
		}
		key := url.Values{"idem": {"replace-form-1"}}
		resp, frag = cl.HX("POST", path+"/card/replace", key)
		apptest.Status(t, resp, 200, frag)
		resp, _ = cl.HX("POST", path+"/card/replace", key)
		apptest.Status(t, resp, 200, nil)
		var cards int64
		db.R.Raw("SELECT COUNT(*) FROM cards WHERE member_id = ?", id).Scan(&cards)
		if cards != 2 {
			t.Fatalf("%d cards after one replace resent twice", cards)
		}
		vs, _ = models.MemberViews(context.Background(), db.R, ids)
		if vs[0].CardNo == oldCard || !strings.Contains(frag, vs[0].CardNo) || vs[0].Status != "active" {
			t.Fatalf("after replace: %s %s", vs[0].CardNo, vs[0].Status)
		}
		var viewsAudited int64
		db.R.Raw("SELECT COUNT(*) FROM audit_log WHERE action = 'member.view' AND object_id = ?", id).Scan(&viewsAudited)
		if viewsAudited < 1 {
			t.Fatal("profile views are not audited")
		}
	})
}

func uploadForm(t *testing.T, cl *apptest.Client, name, content string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("_csrf", cl.CSRF)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "/admin/import/preview", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return cl.Do(req)
}

func TestImportPageShowsLineErrorsInChinese(t *testing.T) {
	w := newMemberAdmin(t, dbtest.SQLite(t))
	cl := w.a.Client(t)
	cl.Login("mgr", "password123")
	cl.Get("/admin/import")
	csv := "学员姓名,出生日期,校区,班级,家长姓名,家长手机,关系\n" +
		"张小明,2021-05-01,阳光校区,小一班,王芳,13912341234,妈妈\n" +
		"李雷,2021-05-01,阳光校区,小一班,李强,1391234,爸爸\n" +
		",2021-05-01,阳光校区,小一班,赵敏,13700001111,妈妈\n"
	resp, body := uploadForm(t, cl, "名单.csv", csv)
	apptest.Status(t, resp, 200, body)
	for _, want := range []string{"第3行：手机号格式不正确", "第4行：请填写学员姓名", "只导入正确的 1 行"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q:\n%s", want, body)
		}
	}
	upload := regexp.MustCompile(`name="upload" value="([0-9a-f]+\.csv)"`).FindStringSubmatch(body)
	if upload == nil {
		t.Fatal("no upload token in the preview")
	}
	// All-or-nothing by default.
	resp, body = cl.HX("POST", "/admin/import/commit", url.Values{"upload": {upload[1]}, "idem": {"imp-1"}, "mode": {"all"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "未导入任何数据") {
		t.Fatalf("all-or-nothing: %d %s", resp.StatusCode, body)
	}
	resp, body = cl.HX("POST", "/admin/import/commit", url.Values{"upload": {upload[1]}, "idem": {"imp-2"}, "mode": {"valid"}})
	apptest.Status(t, resp, 200, body)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(body, "导入完成") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_, body = cl.HX("GET", "/admin/import/jobs/imp-2", nil)
	}
	if !strings.Contains(body, "导入完成：新增 1 名学员") {
		t.Fatalf("import result:\n%s", body)
	}
	resp, out := cl.Get("/admin/members/export.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(out, "\ufeff学员姓名") || !strings.Contains(out, "张小明") {
		t.Fatalf("export: %d %q", resp.StatusCode, out)
	}
}

func TestClassCardSheet(t *testing.T) {
	db := dbtest.DemoSQLite(t, demoNow, apptest.Shanghai) // the browser tests' demo: seeded once per process
	a := apptest.New(t, db)
	a.Staff(t, "boss", models.RoleAdmin)
	cl := a.Client(t)
	cl.Login("boss", "password123")
	resp, page := cl.Get("/admin/classes/1/cards")
	apptest.Status(t, resp, 200, page)
	if n := strings.Count(page, `class="print-card"`); n < 5 || !strings.Contains(page, "data:image/png;base64,") || !strings.Contains(page, "小一班") {
		t.Fatalf("sheet has %d cards", n)
	}
}
