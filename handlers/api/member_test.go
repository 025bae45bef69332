package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// memberWorld is an app with two campuses, a consent text, an admin, a
// cashier of the first campus and a kiosk of the first campus.
type memberWorld struct {
	a        *apptest.App
	sun, riv int64
	admin    string // tokens
	cashier  string
	kiosk    string
}

func newMemberWorld(t *testing.T, db *models.DB) *memberWorld {
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
	if _, err := models.PublishConsent(ctx, db.W, a.Clock.Now().Add(-time.Hour), "2026-09", "家长同意书"); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "boss", models.RoleAdmin)
	a.Staff(t, "desk", models.RoleCashier, sun.ID)
	a.Staff(t, "door", models.RoleKiosk, sun.ID)
	return &memberWorld{a: a, sun: sun.ID, riv: riv.ID, admin: a.Token(t, "boss"), cashier: a.Token(t, "desk"), kiosk: a.Token(t, "door")}
}

func (w *memberWorld) create(t *testing.T, token, key string, body map[string]any) map[string]any {
	t.Helper()
	resp, out := w.a.API(t, http.MethodPost, "/api/v1/members", token, key, body)
	apptest.Status(t, resp, http.StatusCreated, out)
	return out
}

func child(name, phone string, campus int64) map[string]any {
	return map[string]any{"name": name, "birth_date": "2021-05-01", "campus_id": campus,
		"guardians": []map[string]any{{"name": "王芳", "phone": phone, "relation": "mother", "consent": true}}}
}

func TestMemberAPIContract(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newMemberWorld(t, db)
		m := w.create(t, w.admin, "create-1", child("张小明", "13912341234", w.sun))
		for _, k := range []string{"id", "name", "card_no", "status", "tier", "grade", "campus_id", "guardians", "balances"} {
			if _, ok := m[k]; !ok {
				t.Errorf("member lacks %q: %v", k, m)
			}
		}
		if m["status"] != "active" || m["tier"] != "silver" || !models.ValidCardNo(m["card_no"].(string)) {
			t.Fatalf("new member: %v", m)
		}
		bal := m["balances"].(map[string]any)
		if bal["points"] != float64(0) || bal["stored_value_principal"] != float64(0) || bal["stored_value_bonus"] != float64(0) {
			t.Fatalf("balances %v", bal)
		}
		// The same key and body replays; another body with the key is refused.
		resp, again := w.a.API(t, http.MethodPost, "/api/v1/members", w.admin, "create-1", child("张小明", "13912341234", w.sun))
		apptest.Status(t, resp, http.StatusCreated, again)
		if again["id"] != m["id"] || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay gave %v", again)
		}
		resp, prob := w.a.API(t, http.MethodPost, "/api/v1/members", w.admin, "create-1", child("李雷", "13912341234", w.sun))
		apptest.Status(t, resp, http.StatusUnprocessableEntity, prob)
		var n int64
		db.R.Raw("SELECT COUNT(*) FROM members").Scan(&n)
		if n != 1 {
			t.Fatalf("%d members after a replay and a refused reuse", n)
		}
		// Validation speaks Chinese, per field; unknown fields are refused.
		resp, prob = w.a.API(t, http.MethodPost, "/api/v1/members", w.admin, "", map[string]any{"name": "李雷", "campus_id": w.sun,
			"guardians": []map[string]any{{"name": "李爸", "phone": "12345", "relation": "father"}}})
		apptest.Status(t, resp, http.StatusUnprocessableEntity, prob)
		errs, _ := prob["errors"].(map[string]any)
		if !strings.Contains(fmt.Sprint(errs["guardians[0].phone"]), "手机号") {
			t.Fatalf("phone error: %v", prob)
		}
		resp, prob = w.a.API(t, http.MethodPost, "/api/v1/members", w.admin, "", map[string]any{"name": "李雷", "nickname": "x"})
		if resp.StatusCode != http.StatusBadRequest || prob["type"] != "/problems/unknown-field" {
			t.Fatalf("unknown field: %d %v", resp.StatusCode, prob)
		}
		// A cashier sees the phone masked, and the read is audited.
		id := int64(m["id"].(float64))
		resp, got := w.a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d", id), w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, got)
		g := got["guardians"].([]any)[0].(map[string]any)
		if g["phone"] != "139****1234" || g["consent"] != true {
			t.Fatalf("cashier sees guardian %v", g)
		}
		var views int64
		db.R.Raw("SELECT COUNT(*) FROM audit_log WHERE action = 'member.view' AND object_id = ?", id).Scan(&views)
		if views != 1 {
			t.Fatalf("%d audited views", views)
		}
		// A member of another campus does not exist for the cashier.
		other := w.create(t, w.admin, "", child("赵小虎", "13700001111", w.riv))
		resp, _ = w.a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%v", other["id"]), w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusNotFound, nil)
		// Search in one box, with the cashier's campus scope.
		resp, list := w.a.API(t, http.MethodGet, "/api/v1/members?q=zxm", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, list)
		if ms := list["members"].([]any); len(ms) != 1 || ms[0].(map[string]any)["name"] != "张小明" {
			t.Fatalf("search zxm: %v", list)
		}
		resp, list = w.a.API(t, http.MethodGet, "/api/v1/members?q=zxh", w.cashier, "", nil)
		if ms := list["members"].([]any); len(ms) != 0 {
			t.Fatalf("cashier found another campus's child: %v", list)
		}
	})
}

func TestMemberListCursor(t *testing.T) {
	w := newMemberWorld(t, dbtest.SQLite(t))
	for i := 0; i < 5; i++ {
		w.create(t, w.admin, "", child(fmt.Sprintf("王%c", '一'+rune(i)), fmt.Sprintf("1390000%04d", i), w.sun))
	}
	seen := map[float64]bool{}
	path := "/api/v1/members?q=wang&limit=2"
	for pages := 0; path != ""; pages++ {
		resp, out := w.a.API(t, http.MethodGet, path, w.admin, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		for _, m := range out["members"].([]any) {
			seen[m.(map[string]any)["id"].(float64)] = true
		}
		path = ""
		if nc, ok := out["next_cursor"].(string); ok {
			path = "/api/v1/members?q=wang&limit=2&cursor=" + nc
		}
		if pages > 5 {
			t.Fatal("cursor never ends")
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d members, want 5", len(seen))
	}
}

// zbar decodes a PNG with Debian's zbarimg, an independent QR decoder.
func zbar(t *testing.T, png []byte) string {
	t.Helper()
	bin := apptest.NeedBinary(t, "zbarimg")
	p := filepath.Join(t.TempDir(), "card.png")
	if err := os.WriteFile(p, png, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--raw", "-q", p).Output()
	if err != nil {
		t.Fatalf("zbarimg could not read the card: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func cardPNG(t *testing.T, w *memberWorld, id any, token string) ([]byte, *http.Response) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/members/%v/card.png", id), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.a.Fiber.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b, resp
}

func TestCardQRDecodedByZbarChecksIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newMemberWorld(t, db)
		m := w.create(t, w.admin, "", child("张小明", "13912341234", w.sun))
		png, resp := cardPNG(t, w, m["id"], w.admin)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("card.png: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		etag := resp.Header.Get("ETag")
		qr := zbar(t, png)
		if !strings.HasPrefix(qr, "SC1:"+m["card_no"].(string)+":") || len(qr) > 38 {
			t.Fatalf("QR payload %q: want a short signed card token", qr)
		}
		// The kiosk checks in with exactly what the decoder read.
		resp, out := w.a.API(t, http.MethodPost, "/api/v1/checkins", w.kiosk, "", map[string]string{"qr": qr})
		apptest.Status(t, resp, http.StatusCreated, out)
		if out["status"] != "checked_in" || out["member_id"] != m["id"] || out["at"] != "2026-11-02T01:30:00Z" || out["points_earned"] != float64(0) {
			t.Fatalf("check-in: %v", out)
		}
		// Three minutes later the same card counts once.
		w.a.Clock.T = w.a.Clock.T.Add(3 * time.Minute)
		resp, out = w.a.API(t, http.MethodPost, "/api/v1/checkins", w.kiosk, "", map[string]string{"card_no": m["card_no"].(string)})
		apptest.Status(t, resp, http.StatusCreated, out)
		if out["status"] != "duplicate" || out["at"] != "2026-11-02T01:30:00Z" {
			t.Fatalf("duplicate: %v", out)
		}
		// Report lost: the same QR is refused at once with when, and nothing is recorded.
		resp, fm := w.a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/members/%v/card/freeze", m["id"]), w.admin, "", nil)
		apptest.Status(t, resp, http.StatusOK, fm)
		if fm["status"] != "frozen" {
			t.Fatalf("after freeze: %v", fm)
		}
		resp, again := w.a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/members/%v/card/freeze", m["id"]), w.admin, "", nil)
		apptest.Status(t, resp, http.StatusOK, again)
		w.a.Clock.T = w.a.Clock.T.Add(20 * time.Minute)
		resp, prob := w.a.API(t, http.MethodPost, "/api/v1/checkins", w.kiosk, "", map[string]string{"qr": qr})
		apptest.Status(t, resp, http.StatusConflict, prob)
		if prob["type"] != "/problems/card-frozen" || !strings.Contains(prob["detail"].(string), "2026-11-02 09:33") {
			t.Fatalf("frozen: %v", prob)
		}
		// Replace: the key is optional (DOMAIN.md §4); a repeat with a key changes nothing.
		rp := fmt.Sprintf("/api/v1/members/%v/card/replace", m["id"])
		resp, nk := w.a.API(t, http.MethodPost, rp, w.admin, "", nil)
		apptest.Status(t, resp, http.StatusOK, nk)
		if nk["card_no"] == m["card_no"] {
			t.Fatalf("replace without a key kept the card number %v", nk["card_no"])
		}
		resp, nm := w.a.API(t, http.MethodPost, rp, w.admin, "replace-1", nil)
		apptest.Status(t, resp, http.StatusOK, nm)
		resp, nm2 := w.a.API(t, http.MethodPost, rp, w.admin, "replace-1", nil)
		apptest.Status(t, resp, http.StatusOK, nm2)
		if nm["card_no"] == m["card_no"] || nm["status"] != "active" || nm2["card_no"] != nm["card_no"] {
			t.Fatalf("replace: %v then %v (old %v)", nm["card_no"], nm2["card_no"], m["card_no"])
		}
		resp, prob = w.a.API(t, http.MethodPost, "/api/v1/checkins", w.kiosk, "", map[string]string{"qr": qr})
		if resp.StatusCode != http.StatusConflict || prob["type"] != "/problems/card-replaced" || !strings.Contains(prob["detail"].(string), "2026-11-02 09:53") {
			t.Fatalf("replaced: %d %v", resp.StatusCode, prob)
		}
		// The new image is a new QR (new ETag), and it checks in.
		png2, resp := cardPNG(t, w, m["id"], w.admin)
		if resp.Header.Get("ETag") == etag {
			t.Fatal("ETag unchanged after replace")
		}
		resp, out = w.a.API(t, http.MethodPost, "/api/v1/checkins", w.kiosk, "", map[string]string{"qr": zbar(t, png2)})
		apptest.Status(t, resp, http.StatusCreated, out)
		if out["status"] != "checked_in" {
			t.Fatalf("new card: %v", out)
		}
		// Forged and tampered QRs: 404, nothing recorded.
		forged := models.CardToken([]byte("someone-elses-secret-someone-else"), nm["card_no"].(string), 1)
		for _, q := range []string{forged, qr[:len(qr)-3] + "AAA", "SC1:" + nm["card_no"].(string)} {
			resp, prob = w.a.API(t, http.MethodPost, "/api/v1/checkins", w.kiosk, "", map[string]string{"qr": q})
			if resp.StatusCode != http.StatusNotFound || prob["type"] != "/problems/unknown-card" {
				t.Fatalf("forged %q: %d %v", q, resp.StatusCode, prob)
			}
		}
		var rows int64
		db.R.Raw("SELECT COUNT(*) FROM checkins").Scan(&rows)
		if rows != 2 {
			t.Fatalf("%d check-in rows, want 2 (first arrival and the new card)", rows)
		}
		// A kiosk of one campus refuses a child of another.
		o := w.create(t, w.admin, "", child("赵小虎", "13700001111", w.riv))
		resp, prob = w.a.API(t, http.MethodPost, "/api/v1/checkins", w.kiosk, "", map[string]string{"card_no": o["card_no"].(string)})
		if resp.StatusCode != http.StatusConflict || prob["type"] != "/problems/wrong-campus" || !strings.Contains(prob["detail"].(string), "滨江校区") {
			t.Fatalf("wrong campus: %d %v", resp.StatusCode, prob)
		}
	})
}

func TestOpenAPIDocumentsMemberRoutes(t *testing.T) {
	w := newMemberWorld(t, dbtest.SQLite(t))
	have := strings.Join(w.a.Doc.Paths(), "\n")
	for _, p := range []string{"POST /api/v1/members", "GET /api/v1/members", "GET /api/v1/members/:id",
		"GET /api/v1/members/:id/card.png", "POST /api/v1/members/:id/card/freeze", "POST /api/v1/members/:id/card/replace",
		"POST /api/v1/checkins"} {
		if !strings.Contains(have, p+"\n") && !strings.HasSuffix(have, p) {
			t.Errorf("OpenAPI lacks %s", p)
		}
	}
}
