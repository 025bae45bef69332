package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestBrowserAPIClients: an admin creates an integration's client, copies
// the secret shown once, the integration gets a token with it and reads a
// member of its campus; the admin revokes it and the token stops at once.
func TestBrowserAPIClients(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	a := apptest.New(t, db)
	ctx := context.Background()
	sun, err := models.CreateCampus(ctx, db.W, a.Clock.Now(), "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateCampus(ctx, db.W, a.Clock.Now(), "RIV", "滨江校区", ""); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "root", models.RoleAdmin)
	base := a.Serve(t)
	p := apptest.Page(t, b, base+"/login", 1280, 900)
	p.MustElement(`input[name=username]`).MustInput("root")
	p.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	p.MustNavigate(base + "/admin/api-clients").MustWaitLoad()
	p.MustElement("summary").MustClick()
	p.MustElement(`input[name=name]`).MustInput("教务系统对接")
	p.MustElement(`select[name=role]`).MustSelect("前台收银")
	p.MustElement(`select[name=campus_id]`).MustSelect("阳光校区")
	p.MustElement(`#clients-area form button[type=submit]`).MustClick() // htmx: the area is swapped, no navigation
	box := p.Timeout(10 * time.Second).MustElement("#client-secret")
	codes := box.MustElements("code")
	clientID, secret := codes[0].MustText(), codes[1].MustText()
	if !strings.HasPrefix(clientID, "sc_") || !strings.HasPrefix(secret, "scs_") {
		t.Fatalf("id %q secret %q", clientID, secret)
	}
	apptest.Shot(t, p, "admin-api-client-created")

	tokenReq := `{"client_id":"` + clientID + `","client_secret":"` + secret + `"}`
	resp, err := http.Post(base+"/api/v1/auth/token", "application/json", strings.NewReader(tokenReq))
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, tok)
	}
	get := func() int {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/members", nil)
		req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	if st := get(); st != 200 {
		t.Fatalf("list members as the client: %d", st)
	}

	// The secret is not shown again.
	p.MustNavigate(base + "/admin/api-clients").MustWaitLoad()
	if strings.Contains(p.MustElement("body").MustText(), secret) {
		t.Fatal("the secret is shown again")
	}
	waitDialog, handle := p.MustHandleDialog()
	go p.MustElement(`button[hx-post$="/revoke"]`).MustClick()
	waitDialog()
	handle(true, "")
	p.Timeout(10 * time.Second).MustElement(".flash.ok")
	if txt := p.MustElement("#clients-area").MustText(); !strings.Contains(txt, "已停用") || !strings.Contains(txt, "阳光校区") {
		t.Fatalf("after revoke: %s", txt)
	}
	apptest.Shot(t, p, "admin-api-client-revoked")
	if st := get(); st != 401 {
		t.Fatalf("a revoked client's token: %d", st)
	}
	_ = sun
}
