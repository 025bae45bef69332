package handlers_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"starcard/handlers"
	"starcard/handlers/apptest"
	"starcard/models/dbtest"
)

func TestPortalErrorsUseThePortalLayout(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	cl := a.Client(t)
	resp, body := cl.Get("/portal/icons/nope.png")
	if resp.StatusCode != 404 || !strings.Contains(body, "找不到该页面") || !strings.Contains(body, "回到家长中心首页") {
		t.Fatalf("portal 404: %d", resp.StatusCode)
	}
	if strings.Contains(body, "退出登录") || strings.Contains(body, "管理后台") {
		t.Errorf("the portal 404 shows the staff navigation")
	}
}

// One address may not make the school send code after code to many phones.
func TestPortalCodeRequestsAreLimitedPerAddress(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.App = handlers.New(a.Deps, handlers.Options{LoginRate: 3}) // 6 a minute per address
	cl := a.Client(t)
	cl.Get("/portal/login")
	limited := 0
	for i := 0; i < 8; i++ {
		resp, body := cl.PostForm("/portal/login/code", url.Values{"phone": {"1391234" + strconv.Itoa(1000+i)}})
		if resp.StatusCode == 429 {
			limited++
			if !strings.Contains(body, "尝试次数过多") {
				t.Errorf("429 not explained")
			}
		}
	}
	if limited != 2 {
		t.Errorf("%d of 8 code requests from one address were limited, want 2", limited)
	}
}
