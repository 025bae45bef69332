package admin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// demoNow is when the browser tests' demo school is seeded: once per run,
// shared by every test through dbtest.DemoSQLite.
var demoNow = time.Now().UTC().Truncate(time.Second)

func adminBrowser(t *testing.T) (*apptest.App, *rod.Page, string) {
	t.Helper()
	b := apptest.Browser(t)
	now := demoNow
	db := dbtest.DemoSQLite(t, now, apptest.Shanghai)
	a := apptest.New(t, db)
	a.Clock.T = now
	a.Staff(t, "boss", models.RoleAdmin)
	base := a.Serve(t)
	p := apptest.Page(t, b, base+"/login?next=/admin/members", 1280, 900)
	p.MustElement(`input[name=username]`).MustInput("boss")
	p.MustElement(`input[name=password]`).MustInput("password123")
	wait := p.MustWaitNavigation()
	p.MustElement(`button[type=submit]`).MustClick()
	wait()
	return a, p, base
}

func waitText(t *testing.T, p *rod.Page, selector, text string) *rod.Element {
	t.Helper()
	el, err := p.Timeout(10*time.Second).ElementR(selector, text)
	if err != nil {
		body, _ := p.MustElement("body").Text()
		t.Fatalf("no %s with %q: %v\n%s", selector, text, err, body)
	}
	return el
}

func TestBrowserSearchByPinyin(t *testing.T) {
	a, p, base := adminBrowser(t)
	var name string
	a.DB.R.Raw("SELECT name FROM members WHERE name LIKE '张%' ORDER BY id LIMIT 1").Scan(&name)
	if name == "" {
		a.DB.R.Raw("SELECT name FROM members ORDER BY id LIMIT 1").Scan(&name)
	}
	_, initials := models.NamePinyin(name)
	p.MustNavigate(base + "/admin/members").MustWaitLoad()
	apptest.Shot(t, p, "admin-members-list")
	p.MustElement(`input[name=q]`).MustInput(initials)
	waitText(t, p, "#results a.member-name", name)
	apptest.Shot(t, p, "admin-members-search-"+initials)
	// Full pinyin works in the same box.
	full, _ := models.NamePinyin(name)
	p.MustElement(`input[name=q]`).MustSelectAllText().MustInput(full)
	waitText(t, p, "#results a.member-name", name)
}

func TestBrowserFamilyWithTwoChildrenFreezeAndReplace(t *testing.T) {
	_, p, base := adminBrowser(t)
	p.MustNavigate(base + "/admin/members/new").MustWaitLoad()
	fill := map[string]string{"g0_name": "林静", "g0_phone": "13988887777", "g0_occupation": "区财政局", "g0_position": "副处长",
		"g1_name": "周强", "g1_phone": "15866665555", "c0_name": "周一诺", "c1_name": "周可馨"}
	for k, v := range fill {
		p.MustElement(`input[name=` + k + `]`).MustInput(v)
	}
	p.MustElement(`select[name=g1_relation]`).MustSelect("爸爸")
	p.MustElement(`input[name=g0_consent]`).MustClick()
	p.MustElement(`select[name=c0_gender]`).MustSelect("男")
	p.MustElement(`select[name=c1_gender]`).MustSelect("女")
	p.MustEval(`() => { document.querySelector('input[name=c0_birth]').value = '2021-04-18'; document.querySelector('input[name=c1_birth]').value = '2023-02-09'; }`)
	apptest.Shot(t, p, "admin-family-new")
	wait := p.MustWaitNavigation()
	p.MustElement(`form.family-form button[type=submit]`).MustClick()
	wait()
	waitText(t, p, ".flash.ok", "2 个孩子已发卡")
	waitText(t, p, ".child-card a", "周一诺")
	waitText(t, p, ".child-card a", "周可馨")
	apptest.Shot(t, p, "admin-family-two-children")

	wait = p.MustWaitNavigation()
	waitText(t, p, ".child-card a", "周一诺").MustClick()
	wait()
	oldNo := p.MustElement(".card-no").MustText()
	apptest.Shot(t, p, "admin-member-profile")
	waitDialog, handle := p.MustHandleDialog()
	go p.MustElementR("button", "挂失").MustClick()
	waitDialog()
	handle(true, "")
	waitText(t, p, "#card-area .badge", "已挂失")
	apptest.Shot(t, p, "admin-member-frozen")
	waitDialog, handle = p.MustHandleDialog()
	go p.MustElementR("button", "换卡").MustClick()
	waitDialog()
	handle(true, "")
	waitText(t, p, "#card-area .flash", "已换新卡")
	if newNo := p.MustElement(".card-no").MustText(); newNo == oldNo || !models.ValidCardNo(newNo) {
		t.Fatalf("card %s → %s", oldNo, newNo)
	}
	apptest.Shot(t, p, "admin-member-replaced")
}

func TestBrowserImportWithErrors(t *testing.T) {
	_, p, base := adminBrowser(t)
	csv := "\ufeff学员姓名,性别,出生日期,校区,班级,家长姓名,家长手机,关系,职业,职务,已授权\n" +
		"郑浩然,男,2021-03-03,阳光校区,小一班,郑伟,13511112222,爸爸,国企集团,部门总监,是\n" +
		"郑欣怡,女,2022-06-06,阳光校区,小一班,郑伟,13511112222,爸爸,,,是\n" +
		"冯子墨,男,2021-13-01,阳光校区,小一班,冯敏,1351111,妈妈,,,否\n" +
		"宋雨桐,女,2021-02-02,火星校区,,宋杰,13522223333,爸爸,,,是\n" +
		",女,2021-02-02,阳光校区,小一班,唐娟,13533334444,妈妈,,,是\n"
	path := filepath.Join(t.TempDir(), "新生名单.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	p.MustNavigate(base + "/admin/import").MustWaitLoad()
	p.MustElement(`input[type=file]`).MustSetFiles(path)
	wait := p.MustWaitNavigation()
	p.MustElement(`form.import-upload button[type=submit]`).MustClick()
	wait()
	issues := p.MustElement(".import-issues").MustText()
	for _, want := range []string{"第4行：出生日期格式不正确", "第4行：手机号格式不正确", "第5行：没有名为“火星校区”的校区", "第6行：请填写学员姓名"} {
		if !strings.Contains(issues, want) {
			t.Errorf("issues lack %q:\n%s", want, issues)
		}
	}
	apptest.Shot(t, p, "admin-import-preview-errors")
	p.MustElement(`input[name=mode][value=valid]`).MustClick()
	p.MustElement(`form.import-commit button[type=submit]`).MustClick()
	waitText(t, p, "#import-progress .flash", "导入完成：新增 2 名学员")
	apptest.Shot(t, p, "admin-import-done")
	p.MustNavigate(base + "/admin/members?q=zhenghaoran").MustWaitLoad()
	waitText(t, p, "#results a.member-name", "郑浩然")
}

func TestBrowserClassCardSheet(t *testing.T) {
	_, p, base := adminBrowser(t)
	p.MustNavigate(base + "/admin/classes").MustWaitLoad()
	apptest.Shot(t, p, "admin-classes")
	p.MustNavigate(base + "/admin/classes/1/cards").MustWaitLoad()
	if n := len(p.MustElements(".print-card")); n < 4 {
		t.Fatalf("%d cards on the sheet", n)
	}
	apptest.Shot(t, p, "admin-class-card-sheet")
	pdf, err := p.PDF(&proto.PagePrintToPDF{PreferCSSPageSize: true, PrintBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(apptest.ScreenshotDir(), "admin-class-card-sheet.pdf")
	if f, err := os.Create(out); err == nil {
		f.ReadFrom(pdf)
		f.Close()
		t.Logf("print PDF: %s", out)
	}
}
