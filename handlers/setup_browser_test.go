package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// noCampusChooser fails when the page offers a campus select.
func noCampusChooser(t *testing.T, p *rod.Page, where string) {
	t.Helper()
	if has, _, _ := p.Has(`select[name=campus_id]`); has {
		t.Fatalf("%s asks which campus in a one-campus school", where)
	}
}

func fill(p *rod.Page, fields map[string]string) {
	for k, v := range fields {
		p.MustElement(`[name=` + k + `]`).MustSelectAllText().MustInput(v)
	}
}

// TestBrowserFirstRunFromAnEmptySchool is issue 12's "done when": from an
// empty database the first admin (made as `starcard create-user` makes it)
// logs in, is greeted by the set-up wizard, names the school, creates one
// campus, a class and a cashier, registers a family without being asked
// for a campus; the cashier opens a shift and records a purchase whose
// receipt carries the school's name and phone instead of 星卡.
func TestBrowserFirstRunFromAnEmptySchool(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	a := apptest.New(t, db)
	a.Clock.T = time.Now().UTC()
	ctx := context.Background()
	if _, err := models.CreateStaff(ctx, db.W, a.Clock.Now(), models.NewStaff{Username: "boss", Name: "王校长",
		Password: "password123", Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	base := a.Serve(t)

	p := apptest.Page(t, b, base+"/login", 1280, 860)
	p.MustElement(`input[name=username]`).MustInput("boss")
	p.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	if u := p.MustInfo().URL; !strings.HasSuffix(u, "/admin/setup/school") {
		t.Fatalf("the first admin of an empty school lands on %s, want the wizard", u)
	}
	apptest.WaitText(t, p, "h1", "开学设置向导")
	apptest.Shot(t, p, "setup-1-school")

	// 1. The school.
	fill(p, map[string]string{"name": "阳光幼儿园", "short_name": "阳光幼儿园", "phone": "021-5888 1234", "address": "上海市浦东新区张杨路 1200 号"})
	apptest.ClickAndWait(t, p, `#setup-form button[type=submit]`)
	apptest.WaitText(t, p, "header.topbar .brand", "阳光幼儿园")

	// 2. One campus.
	apptest.WaitText(t, p, ".setup-card h2", "校区")
	fill(p, map[string]string{"code": "sun", "name": "阳光校区", "address": "张杨路 1200 号"})
	apptest.ClickAndWait(t, p, `#setup-form button[type=submit]`)
	apptest.WaitText(t, p, ".flash.ok", "已创建校区：阳光校区")
	apptest.Shot(t, p, "setup-2-campus")
	apptest.ClickAndWait(t, p, `#setup-next`)

	// 3. A class: with one campus nothing asks which.
	apptest.WaitText(t, p, ".setup-card h2", "班级")
	noCampusChooser(t, p, "the wizard's class step")
	if has, _, _ := p.Has(`a[href="/admin/import/template.xlsx"]`); !has {
		t.Fatal("the class step offers no roster template")
	}
	fill(p, map[string]string{"name": "小一班"})
	apptest.ClickAndWait(t, p, `#setup-form button[type=submit]`)
	apptest.WaitText(t, p, ".flash.ok", "已创建班级：小一班")
	apptest.ClickAndWait(t, p, `#setup-next`)

	// 4. A cashier (the role chooser starts on cashier).
	apptest.WaitText(t, p, ".setup-card h2", "员工账号")
	noCampusChooser(t, p, "the wizard's staff step")
	fill(p, map[string]string{"username": "liu", "name": "刘前台", "password": "password123", "phone": "13912345678"})
	apptest.ClickAndWait(t, p, `#setup-form button[type=submit]`)
	apptest.WaitText(t, p, ".flash.ok", "已创建账号 liu")
	apptest.Shot(t, p, "setup-4-staff")
	apptest.ClickAndWait(t, p, `#setup-next`)

	// 5. SMS and e-mail: a test to the admin's own phone.
	apptest.WaitText(t, p, ".setup-card h2", "短信和邮件")
	apptest.WaitText(t, p, ".setup-delivery", "未开启")
	fill(p, map[string]string{"phone": "13600001111"})
	apptest.ClickAndWait(t, p, `#setup-form button[type=submit]`)
	apptest.WaitText(t, p, ".flash.ok", "测试消息已发出")
	apptest.WaitText(t, p, "#test-results", "待发送")
	apptest.Shot(t, p, "setup-5-notify")
	apptest.ClickAndWait(t, p, `#setup-next`)

	// 6. Review the rules and finish: the back office, no wizard any more.
	apptest.WaitText(t, p, ".setup-card h2", "检查规则")
	apptest.ClickAndWait(t, p, `#setup-form button[type=submit]`)
	apptest.WaitText(t, p, "h1", "管理后台")
	apptest.Shot(t, p, "setup-6-admin-home")

	p.MustNavigate(base + "/admin/campuses").MustWaitLoad()
	apptest.WaitText(t, p, "table", "阳光校区")
	apptest.Shot(t, p, "setup-6b-campuses")
	p.MustNavigate(base + "/inbox").MustWaitLoad()
	apptest.WaitText(t, p, "h1", "消息")
	apptest.Shot(t, p, "setup-6c-inbox")

	// A family, without a campus chooser.
	p.MustNavigate(base + "/admin/members/new").MustWaitLoad()
	noCampusChooser(t, p, "the family form")
	fill(p, map[string]string{"g0_name": "王芳", "g0_phone": "13800138000", "c0_name": "张小明"})
	p.MustElement(`select[name=c0_gender]`).MustSelect("男")
	p.MustElement(`select[name=c0_class]`).MustSelect("小一班")
	p.MustEval(`() => { document.querySelector('input[name=c0_birth]').value = '2021-05-01'; }`)
	apptest.ClickAndWait(t, p, `form.family-form button[type=submit]`)
	apptest.WaitText(t, p, ".child-card a", "张小明")
	apptest.Shot(t, p, "setup-7-family")
	var cardNo string
	if err := db.R.Raw(`SELECT c.card_no FROM cards c JOIN members m ON m.card_id = c.id WHERE m.name = ?`, "张小明").
		Scan(&cardNo).Error; err != nil || cardNo == "" {
		t.Fatalf("the child has no card: %v", err)
	}

	// The cashier opens a shift (no campus asked) and records a purchase.
	apptest.ClickAndWait(t, p, `form[action="/logout"] button`)
	p.MustNavigate(base + "/login").MustWaitLoad()
	p.MustElement(`input[name=username]`).MustInput("liu")
	p.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	apptest.ClickAndWait(t, p, `#open-shift`)
	noCampusChooser(t, p, "the cashier's shift")
	fill(p, map[string]string{"opening_cash": "200"})
	apptest.ClickAndWait(t, p, `#open-shift-submit`)
	apptest.WaitText(t, p, ".shiftbar", "阳光校区")
	p.MustElement("#scan").MustInput(cardNo).MustType(input.Enter)
	apptest.WaitText(t, p, "#card .who", "张小明")
	p.MustElement("#amt0").MustInput("350")
	p.MustElement(`button[name=fill][value=cash]`).MustClick()
	apptest.WaitText(t, p, "#paystate", "收款金额已对上")
	apptest.Shot(t, p, "setup-8-purchase-preview")
	p.MustElement("#confirm").MustClick()
	apptest.WaitText(t, p, "#done", "收款成功")
	apptest.Shot(t, p, "setup-9-purchase-done")
	href := p.MustElement("#print-receipt").MustAttribute("href")
	r := apptest.Page(t, b, base+strings.TrimSuffix(*href, "?print=1"), 420, 900)
	apptest.WaitText(t, r, "#receipt", "阳光幼儿园 · 阳光校区")
	apptest.WaitText(t, r, "#receipt", "021-5888 1234")
	apptest.WaitText(t, r, "#receipt", "¥350.00")
	apptest.Shot(t, r, "setup-10-receipt")
}
