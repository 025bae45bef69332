package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestBrowserLoginEachRole logs in through a real browser as every role,
// lands on that role's home in Chinese, and saves a screenshot of each.
func TestBrowserLoginEachRole(t *testing.T) {
	b := apptest.Browser(t)
	a := apptest.New(t, dbtest.SQLite(t))
	a.Clock.T = time.Now().UTC()
	campus, err := models.CreateCampus(context.Background(), a.DB.W, a.Clock.Now(), "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	base := a.Serve(t)

	p := apptest.Page(t, b, base+"/login", 1280, 800)
	if title := p.MustElement("h1").MustText(); title != "登录" {
		t.Fatalf("login heading %q, want 登录", title)
	}
	apptest.Shot(t, p, "login")
	// A wrong password is refused in Chinese on the same page.
	p.MustElement(`input[name=username]`).MustInput("nobody")
	p.MustElement(`input[name=password]`).MustInput("wrong-password")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	if msg := p.MustElement(".flash.error").MustText(); !strings.Contains(msg, "用户名或密码不正确") {
		t.Errorf("wrong password message %q", msg)
	}

	cases := []struct {
		role    models.Role
		home    string
		heading string
	}{
		{models.RoleAdmin, "/admin", "管理后台"},
		{models.RoleServiceHead, "/admin", "管理后台"},
		{models.RoleCampusManager, "/admin", "管理后台"},
		{models.RoleCashier, "/cashier", "前台收银"},
		{models.RoleTeacher, "/staff", "教师工作台"},
		{models.RoleKiosk, "/kiosk", "签到"},
	}
	for _, c := range cases {
		user := "b_" + string(c.role)
		a.Staff(t, user, c.role, campus.ID)
		// A fresh browser context per role: its own cookies, like another desk.
		pg := apptest.Page(t, b.MustIncognito(), base+"/login", 1280, 800)
		pg.MustElement(`input[name=username]`).MustInput(user)
		pg.MustElement(`input[name=password]`).MustInput("password123")
		apptest.ClickAndWait(t, pg, `button[type=submit]`)
		if err := pg.Timeout(10*time.Second).WaitElementsMoreThan("main", 0); err != nil {
			t.Fatal(err)
		}
		info := pg.MustInfo()
		if !strings.HasSuffix(strings.TrimRight(info.URL, "/"), c.home) {
			t.Errorf("%s landed on %s, want %s", c.role, info.URL, c.home)
		}
		body := pg.MustElement("body").MustText()
		if !strings.Contains(body, c.heading) {
			t.Errorf("%s home lacks %q", c.role, c.heading)
		}
		apptest.Shot(t, pg, "home-"+string(c.role))
		pg.MustClose()
	}
}
