package admin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/webhooks"
)

// TestBrowserWebhooks: an admin's loopback URL is refused with the reason;
// once private addresses are allowed the endpoint is added and its secret
// shown once; "send test event" reaches the receiver signed with that
// secret, and the delivery log shows the status code and timing.
func TestBrowserWebhooks(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	a := apptest.New(t, db)
	ctx := context.Background()
	if _, err := models.CreateCampus(ctx, db.W, a.Clock.Now(), "SUN", "阳光校区", ""); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "root", models.RoleAdmin)

	var mu sync.Mutex
	var secret string
	var verified []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if webhooks.Verify(secret, r.Header, body, time.Now(), 5*time.Minute) {
			verified = append(verified, r.Header.Get(webhooks.HeaderEventType))
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()

	base := a.Serve(t)
	p := apptest.Page(t, b, base+"/login", 1366, 768)
	p.MustElement(`input[name=username]`).MustInput("root")
	p.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	p.MustNavigate(base + "/admin/webhooks").MustWaitLoad()
	p.MustElement("details.hook-new summary").MustClick()
	p.MustElement(`input[name=url]`).MustInput(rcv.URL + "/starcard")
	p.MustElement(`input[name=events][value="purchase.created"]`).MustEval(`() => this.click()`)
	p.MustElement(`input[name=events][value="member.created"]`).MustEval(`() => this.click()`)
	p.MustElement(`#hooks-area form button[type=submit]`).MustClick()
	apptest.WaitText(t, p, "#hooks-area .field-error", "内网")
	apptest.Shot(t, p, "admin-webhooks-refused")

	p.MustElement(`input[name=allow_private]`).MustEval(`() => this.click()`)
	p.MustElement(`.hook-settings button[type=submit]`).MustClick()
	apptest.WaitText(t, p, "#hooks-area .flash.ok", "设置已保存")
	p.MustElement("details.hook-new summary").MustClick()
	p.MustElement(`input[name=url]`).MustInput(rcv.URL + "/starcard")
	p.MustElement(`input[name=description]`).MustInput("家长小程序")
	p.MustElement(`input[name=events][value="purchase.created"]`).MustEval(`() => this.click()`)
	p.MustElement(`#hooks-area form button[type=submit]`).MustClick()
	box := p.Timeout(10 * time.Second).MustElement("#hook-secret")
	mu.Lock()
	secret = box.MustElement("code").MustText()
	mu.Unlock()
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	apptest.Shot(t, p, "admin-webhooks-created")

	apptest.ClickAndWait(t, p, `#hooks-area table a[role=button]`)
	p.MustElement(`button[hx-post$="/test"]`).MustClick()
	apptest.WaitText(t, p, "#hook-area .flash.ok", "测试事件")
	if _, err := webhooks.NewWorker(db, time.Now).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	p.MustReload().MustWaitLoad()
	apptest.WaitText(t, p, "#hook-area", "已送达")
	if txt := p.MustElement("#hook-area").MustText(); !strings.Contains(txt, "204") || !strings.Contains(txt, "测试事件") {
		t.Fatalf("delivery log: %s", txt)
	}
	if strings.Contains(p.MustElement("body").MustText(), secret) {
		t.Fatal("the secret is shown again")
	}
	mu.Lock()
	got := strings.Join(verified, ",")
	mu.Unlock()
	if got != webhooks.EventTest {
		t.Fatalf("receiver verified %q, want one %s", got, webhooks.EventTest)
	}
	apptest.Shot(t, p, "admin-webhooks-log")
}
