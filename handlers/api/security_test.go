package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/security"
)

// The attacks of issue 11, each refused through the API.
func TestAPIAttacksAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newMemberWorld(t, db)
		ctx := context.Background()
		a := w.a
		a.Staff(t, "mgr", models.RoleCampusManager, w.sun)
		a.Staff(t, "rivdesk", models.RoleCashier, w.riv)
		a.Staff(t, "both", models.RoleCashier, w.sun, w.riv)
		riverDesk, both := a.Token(t, "rivdesk"), a.Token(t, "both")

		sunKid := w.create(t, w.admin, "", child("孙小明", "13900001111", w.sun))
		rivKid := w.create(t, w.admin, "", child("江小红", "13900002222", w.riv))
		sunID, rivID := int64(sunKid["id"].(float64)), int64(rivKid["id"].(float64))
		buy := func(token, key string, member int64, amount int) (*http.Response, map[string]any) {
			return a.API(t, http.MethodPost, "/api/v1/purchases", token, key, map[string]any{"member_id": member,
				"items":    []map[string]any{{"category": "tuition", "amount": amount}},
				"payments": []map[string]any{{"method": "wechat", "amount": amount}}})
		}
		resp, p := buy(w.cashier, "p-5500", sunID, 550000)
		apptest.Status(t, resp, http.StatusCreated, p)
		refundPath := fmt.Sprintf("/api/v1/purchases/%v/refunds", p["id"])

		// A door kiosk cannot refund, top up, buy or read a ledger at all.
		for _, c := range []struct{ method, path string }{
			{http.MethodPost, refundPath}, {http.MethodPost, fmt.Sprintf("/api/v1/members/%d/topups", sunID)},
			{http.MethodPost, "/api/v1/purchases"}, {http.MethodGet, fmt.Sprintf("/api/v1/members/%d/ledger", sunID)},
			{http.MethodPost, fmt.Sprintf("/api/v1/members/%d/card/replace", sunID)},
		} {
			resp, prob := a.API(t, c.method, c.path, w.kiosk, "k-"+c.path, map[string]any{"reason": "x"})
			if resp.StatusCode != http.StatusForbidden || prob["type"] != "/problems/forbidden" {
				t.Errorf("kiosk %s %s: %d %v, want 403", c.method, c.path, resp.StatusCode, prob)
			}
		}
		// Another campus's desk: the purchase does not exist for it.
		resp, prob := a.API(t, http.MethodPost, refundPath, riverDesk, "r-1", map[string]any{"reason": "退学"})
		if resp.StatusCode != http.StatusNotFound || prob["type"] != "/problems/unknown-purchase" {
			t.Fatalf("other campus refund: %d %v", resp.StatusCode, prob)
		}
		// Nor do its members, named in a body.
		resp, prob = buy(riverDesk, "r-2", sunID, 1000)
		if resp.StatusCode != http.StatusNotFound || prob["type"] != "/problems/unknown-member" {
			t.Fatalf("other campus purchase: %d %v", resp.StatusCode, prob)
		}
		resp, prob = a.API(t, http.MethodPost, "/api/v1/coupons/validate", riverDesk, "", map[string]any{"member_id": sunID,
			"coupon_codes": []string{"X"}, "items": []map[string]any{{"category": "tuition", "amount": 100}}})
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("other campus coupon check: %d %v", resp.StatusCode, prob)
		}
		// Above the threshold (¥1,000) a refund needs a manager, as at the desk.
		resp, prob = a.API(t, http.MethodPost, refundPath, w.cashier, "r-3", map[string]any{"reason": "退学"})
		if resp.StatusCode != http.StatusUnprocessableEntity || prob["type"] != "/problems/refund-approval-required" {
			t.Fatalf("no approval: %d %v", resp.StatusCode, prob)
		}
		resp, prob = a.API(t, http.MethodPost, refundPath, w.cashier, "r-4", map[string]any{"reason": "退学",
			"approver": map[string]string{"username": "mgr", "password": "wrong-password"}})
		if resp.StatusCode != http.StatusForbidden || prob["type"] != "/problems/refund-approval-denied" {
			t.Fatalf("wrong approval: %d %v", resp.StatusCode, prob)
		}
		resp, prob = a.API(t, http.MethodPost, refundPath, w.cashier, "r-5", map[string]any{"reason": "退学",
			"approver": map[string]string{"username": "rivdesk", "password": "password123"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a cashier approving: %d %v", resp.StatusCode, prob)
		}
		resp, r := a.API(t, http.MethodPost, refundPath, w.cashier, "r-6", map[string]any{"reason": "退学",
			"approver": map[string]string{"username": "mgr", "password": "password123"}})
		apptest.Status(t, resp, http.StatusCreated, r)
		if r["amount"] != float64(550000) {
			t.Fatalf("refund: %v", r)
		}
		var approvals int64
		db.R.Raw("SELECT COUNT(*) FROM audit_log WHERE action = 'refund.approve' AND detail LIKE '%mgr%'").Scan(&approvals)
		if approvals != 1 {
			t.Fatalf("%d approval audit rows, want 1", approvals)
		}
		// Money moves in the member's campus books, never the caller's: a
		// desk of both campuses (first campus: sun) buys for the river child.
		resp, rp := buy(both, "b-1", rivID, 2000)
		apptest.Status(t, resp, http.StatusCreated, rp)
		var campus int64
		db.R.Raw("SELECT campus_id FROM purchases WHERE id = ?", int64(rp["id"].(float64))).Scan(&campus)
		if campus != w.riv {
			t.Fatalf("purchase recorded at campus %d, want the member's %d", campus, w.riv)
		}
		// A sibling joins only a family the caller can reach.
		sib := child("孙小弟", "13900001111", w.sun)
		sib["family_id"] = rivKid["family_id"]
		delete(sib, "guardians")
		resp, prob = a.API(t, http.MethodPost, "/api/v1/members", w.cashier, "", sib)
		if resp.StatusCode != http.StatusUnprocessableEntity || prob["errors"].(map[string]any)["family_id"] == nil {
			t.Fatalf("another campus's family: %d %v", resp.StatusCode, prob)
		}
		sib["family_id"] = sunKid["family_id"]
		resp, out := a.API(t, http.MethodPost, "/api/v1/members", w.cashier, "", sib)
		apptest.Status(t, resp, http.StatusCreated, out)
		_ = ctx
	})
}

// Every text and list field has a limit (422 naming the field), and JSON
// names match exactly (400).
func TestAPISizeLimitsAndExactNames(t *testing.T) {
	w := newMemberWorld(t, dbtest.SQLite(t))
	kid := w.create(t, w.admin, "", child("孙小明", "13900001111", w.sun))
	id := int64(kid["id"].(float64))
	resp, p := w.a.API(t, http.MethodPost, "/api/v1/purchases", w.admin, "p-1", map[string]any{"member_id": id,
		"items": []map[string]any{{"category": "tuition", "amount": 100}}, "payments": []map[string]any{{"method": "cash", "amount": 100}}})
	apptest.Status(t, resp, http.StatusCreated, p)
	long := strings.Repeat("长", 81)
	items := make([]map[string]any, 51)
	for i := range items {
		items[i] = map[string]any{"category": "tuition", "amount": 1}
	}
	cases := []struct {
		name, path string
		body       any
		field      string
	}{
		{"member name", "/api/v1/members", map[string]any{"name": strings.Repeat("名", 51), "campus_id": w.sun}, "name"},
		{"guardian name", "/api/v1/members", map[string]any{"name": "孙", "campus_id": w.sun,
			"guardians": []map[string]any{{"name": strings.Repeat("名", 51), "phone": "13900001111"}}}, "guardians[0].name"},
		{"tags", "/api/v1/members", map[string]any{"name": "孙", "campus_id": w.sun, "tags": make([]string, 21)}, "tags"},
		{"notes", "/api/v1/members", map[string]any{"name": "孙", "campus_id": w.sun, "notes": strings.Repeat("x", 2001)}, "notes"},
		{"items", "/api/v1/purchases", map[string]any{"member_id": id, "items": items, "payments": []any{}}, "items"},
		{"description", "/api/v1/purchases", map[string]any{"member_id": id, "payments": []any{},
			"items": []map[string]any{{"category": "tuition", "amount": 1, "description": long + long}}}, "items[0].description"},
		{"coupon codes", "/api/v1/purchases", map[string]any{"member_id": id, "items": []any{}, "payments": []any{},
			"coupon_codes": make([]string, 11)}, "coupon_codes"},
		{"refund reason", fmt.Sprintf("/api/v1/purchases/%v/refunds", p["id"]), map[string]any{"reason": long}, "reason"},
	}
	var prob map[string]any
	for _, c := range cases {
		resp, prob = w.a.API(t, http.MethodPost, c.path, w.admin, "size-"+c.name, c.body)
		errs, _ := prob["errors"].(map[string]any)
		if resp.StatusCode != http.StatusUnprocessableEntity || errs[c.field] == nil ||
			resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %v, want 422 naming %s", c.name, resp.StatusCode, prob, c.field)
		}
	}
	resp, prob = w.a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/members/%d/topups", id), w.admin, "t-AMOUNT",
		map[string]any{"AMOUNT": 100, "method": "cash"})
	if resp.StatusCode != http.StatusBadRequest || prob["type"] != "/problems/unknown-field" {
		t.Fatalf(`"AMOUNT": %d %v, want 400 unknown-field`, resp.StatusCode, prob)
	}
	resp, prob = w.a.API(t, http.MethodPost, "/api/v1/purchases", w.admin, "p-Category", map[string]any{"member_id": id,
		"items": []map[string]any{{"Category": "tuition", "amount": 100}}, "payments": []map[string]any{{"method": "cash", "amount": 100}}})
	if resp.StatusCode != http.StatusBadRequest || prob["type"] != "/problems/unknown-field" {
		t.Fatalf(`nested "Category": %d %v, want 400 unknown-field`, resp.StatusCode, prob)
	}
}

// DOMAIN.md §4b: a member created without campus_id in a one-campus school.
func TestAPIMemberWithoutCampusInOneCampusSchool(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	ctx := context.Background()
	c, err := models.CreateCampus(ctx, a.DB.W, a.Clock.Now(), "ONE", "总校", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, a.DB.W, a.Clock.Now(), "v1", "同意书"); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "boss", models.RoleAdmin)
	resp, m := a.API(t, http.MethodPost, "/api/v1/members", a.Token(t, "boss"), "", map[string]any{"name": "唯一",
		"guardians": []map[string]any{{"name": "妈妈", "phone": "13900003333", "relation": "mother", "consent": true}}})
	apptest.Status(t, resp, http.StatusCreated, m)
	if m["campus_id"] != float64(c.ID) {
		t.Fatalf("campus %v, want %d", m["campus_id"], c.ID)
	}
}

// An integration's own client: a token from client_id/client_secret, its
// role and campus, every call audited with its name, revocation at once.
func TestAPIClientsActAsTheirRoleAndCampus(t *testing.T) {
	w := newMemberWorld(t, dbtest.SQLite(t))
	a := w.a
	ctx := context.Background()
	sunKid := w.create(t, w.admin, "", child("孙小明", "13900001111", w.sun))
	rivKid := w.create(t, w.admin, "", child("江小红", "13900002222", w.riv))
	cl, secret, err := security.CreateClient(ctx, a.DB.W, a.Clock.Now(), models.Actor{Type: "staff", ID: 1},
		security.NewClient{Name: "教务系统", Role: string(models.RoleTeacher), CampusID: w.sun})
	if err != nil {
		t.Fatal(err)
	}
	resp, bad := a.API(t, http.MethodPost, "/api/v1/auth/token", "", "", map[string]string{"client_id": cl.ClientID, "client_secret": secret + "x"})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d %v", resp.StatusCode, bad)
	}
	resp, tok := a.API(t, http.MethodPost, "/api/v1/auth/token", "", "", map[string]string{"client_id": cl.ClientID, "client_secret": secret})
	apptest.Status(t, resp, http.StatusOK, tok)
	token := tok["access_token"].(string)
	resp, m := a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%v", sunKid["id"]), token, "", nil)
	apptest.Status(t, resp, http.StatusOK, m)
	if g := m["guardians"].([]any)[0].(map[string]any); g["phone"] == "13900001111" {
		t.Fatalf("a teacher client sees the full phone: %v", g)
	}
	resp, _ = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%v", rivKid["id"]), token, "", nil)
	apptest.Status(t, resp, http.StatusNotFound, nil)
	resp, _ = a.API(t, http.MethodPost, fmt.Sprintf("/api/v1/members/%v/topups", sunKid["id"]), token, "c-t",
		map[string]any{"amount": 100, "method": "cash"})
	apptest.Status(t, resp, http.StatusForbidden, nil)
	var rows []string
	a.DB.R.Raw("SELECT detail FROM audit_log WHERE action = 'api.call' AND object_id = ? ORDER BY id", cl.ID).Scan(&rows)
	if len(rows) != 3 || !strings.Contains(rows[0], "client=教务系统 GET /api/v1/members/") || !strings.Contains(rows[0], "status=200") ||
		!strings.Contains(rows[2], "status=403") {
		t.Fatalf("audit rows: %q", rows)
	}
	if err := security.RevokeClient(ctx, a.DB.W, a.Clock.Now(), models.Actor{Type: "staff", ID: 1}, cl.ID); err != nil {
		t.Fatal(err)
	}
	resp, _ = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%v", sunKid["id"]), token, "", nil)
	apptest.Status(t, resp, http.StatusUnauthorized, nil)
	resp, _ = a.API(t, http.MethodPost, "/api/v1/auth/token", "", "", map[string]string{"client_id": cl.ClientID, "client_secret": secret})
	apptest.Status(t, resp, http.StatusUnauthorized, nil)
}
