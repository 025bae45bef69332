package admin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestBrowserRulesPage: an admin raises the gold threshold and a top-up
// bonus, sees a mistake marked in Chinese first, then the saved version in
// the history with what it changed.
func TestBrowserRulesPage(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	a := apptest.New(t, db)
	if _, err := models.CreateCampus(context.Background(), db.W, a.Clock.Now(), "SUN", "阳光校区", ""); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "root", models.RoleAdmin)
	base := a.Serve(t)
	p := apptest.Page(t, b, base+"/login", 1280, 900)
	p.MustElement(`input[name=username]`).MustInput("root")
	p.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	p.MustNavigate(base + "/admin/rules").MustWaitLoad()
	apptest.Shot(t, p, "admin-rules")
	p.MustElement(`input[name=threshold_gold]`).MustSelectAllText().MustInput("6000")
	p.MustElement(`input[name=threshold_platinum]`).MustSelectAllText().MustInput("5000")
	apptest.ClickAndWait(t, p, "#save-rules")
	msg := p.Timeout(10 * time.Second).MustElement(`.field-error`).MustText()
	if !strings.Contains(msg, "铂金卡门槛须高于金卡门槛") {
		t.Fatalf("field message %q", msg)
	}
	apptest.Shot(t, p, "admin-rules-error")
	p.MustElement(`input[name=threshold_platinum]`).MustSelectAllText().MustInput("20000")
	p.MustElements(`input[name=band_bonus]`)[0].MustSelectAllText().MustInput("150")
	apptest.ClickAndWait(t, p, "#save-rules")
	flash := p.Timeout(10 * time.Second).MustElement(`.flash.ok`).MustText()
	if !strings.Contains(flash, "规则已保存") {
		t.Fatalf("flash %q", flash)
	}
	hist := p.MustElement(".rules-history").MustText()
	for _, w := range []string{"当前生效", "¥5,000.00 → ¥6,000.00", "¥1,000.00 送 ¥150.00"} {
		if !strings.Contains(hist, w) {
			t.Errorf("history lacks %q: %s", w, hist)
		}
	}
	apptest.Shot(t, p, "admin-rules-saved")
}
