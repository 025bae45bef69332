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
)

// ledgerWorld is an app with one campus, a cashier with a token, and members.
type ledgerWorld struct {
	a      *apptest.App
	db     *models.DB
	campus int64
	token  string
}

func newLedgerWorld(t *testing.T, db *models.DB) *ledgerWorld {
	t.Helper()
	a := apptest.New(t, db)
	c, err := models.CreateCampus(context.Background(), db.W, a.Clock.Now(), "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "desk", models.RoleCashier, c.ID)
	return &ledgerWorld{a: a, db: db, campus: c.ID, token: a.Token(t, "desk")}
}

// member inserts a family and a child directly: the ledger API only needs the rows.
func (w *ledgerWorld) member(t *testing.T) int64 {
	t.Helper()
	now := w.a.Clock.Now()
	if err := w.db.W.Exec(`INSERT INTO families (name, shared_wallet, created_at, updated_at) VALUES ('王家', 0, ?, ?)`, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.db.W.Exec(`INSERT INTO members (family_id, campus_id, name, notes, created_at, updated_at)
		VALUES ((SELECT MAX(id) FROM families), ?, '王小明', '', ?, ?)`, w.campus, now, now).Error; err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := w.db.W.Raw(`SELECT MAX(id) FROM members`).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func (w *ledgerWorld) balances(t *testing.T, member int64) models.Balances {
	t.Helper()
	b, err := models.MemberBalances(context.Background(), w.db.R, member)
	if err != nil {
		t.Fatal(err)
	}
	return b[member]
}

func (w *ledgerWorld) post(t *testing.T, path, key string, body any) (*http.Response, map[string]any) {
	t.Helper()
	return w.a.API(t, http.MethodPost, path, w.token, key, body)
}

// problem asserts a refusal's status and problem type.
func problem(t *testing.T, resp *http.Response, out map[string]any, status int, typ string) {
	t.Helper()
	apptest.Status(t, resp, status, out)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want problem+json", ct)
	}
	if out["type"] != "/problems/"+typ {
		t.Fatalf("problem type %v, want /problems/%s: %v", out["type"], typ, out)
	}
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func TestLedgerAPIMoneyFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newLedgerWorld(t, db)
		m := w.member(t)

		// Top-up ¥1,000 by WeChat earns the ¥100 bonus band.
		resp, out := w.post(t, fmt.Sprintf("/api/v1/members/%d/topups", m), "t-1", map[string]any{"amount": 100000, "method": "wechat"})
		apptest.Status(t, resp, http.StatusCreated, out)
		if num(out["amount"]) != 100000 || num(out["bonus"]) != 10000 {
			t.Fatalf("top-up answer %v", out)
		}
		first := fmt.Sprint(out)
		// The same key and body replays the first answer, changing nothing.
		resp, out = w.post(t, fmt.Sprintf("/api/v1/members/%d/topups", m), "t-1", `{"method":"wechat",  "amount":100000}`)
		apptest.Status(t, resp, http.StatusCreated, out)
		if fmt.Sprint(out) != first || resp.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay %v, want %s", out, first)
		}
		// The same key with another body is refused.
		resp, out = w.post(t, fmt.Sprintf("/api/v1/members/%d/topups", m), "t-1", map[string]any{"amount": 100001, "method": "wechat"})
		problem(t, resp, out, http.StatusUnprocessableEntity, "idempotency-key-reused")
		if b := w.balances(t, m); b.StoredValuePrincipal != 100000 || b.StoredValueBonus != 10000 {
			t.Fatalf("balances after replays %+v", b)
		}

		// A purchase of ¥600 tuition + ¥50 meals: 300 points pay ¥3, stored value ¥500, cash the rest.
		body := map[string]any{"member_id": m,
			"items":    []map[string]any{{"category": "tuition", "amount": 60000}, {"category": "meals", "amount": 5000, "description": "午餐"}},
			"payments": []map[string]any{{"method": "stored_value", "amount": 50000}, {"method": "cash", "amount": 15000}},
		}
		resp, out = w.post(t, "/api/v1/purchases", "p-1", body)
		apptest.Status(t, resp, http.StatusCreated, out)
		if num(out["total"]) != 65000 || num(out["points_earned"]) != 650 || num(out["discount"]) != 0 {
			t.Fatalf("purchase answer %v", out)
		}
		pid := num(out["id"])
		b := w.balances(t, m)
		// Bonus is spent first: ¥100 bonus + ¥400 principal.
		if b.StoredValueBonus != 0 || b.StoredValuePrincipal != 60000 || b.Points != 650 {
			t.Fatalf("balances after purchase %+v", b)
		}
		// Redeem 300 points for ¥3 on a second purchase.
		resp, out = w.post(t, "/api/v1/purchases", "p-2", map[string]any{"member_id": m, "points_to_redeem": 300,
			"items":    []map[string]any{{"category": "materials", "amount": 1000}},
			"payments": []map[string]any{{"method": "alipay", "amount": 700}}})
		apptest.Status(t, resp, http.StatusCreated, out)
		if num(out["discount"]) != 300 || num(out["points_redeemed"]) != 300 || num(out["points_earned"]) != 7 {
			t.Fatalf("redeeming purchase %v", out)
		}
		if b := w.balances(t, m); b.Points != 650-300+7 {
			t.Fatalf("points after redeeming %+v", b)
		}

		// Refund half of the first purchase: half the stored value back, half the points reversed.
		resp, out = w.post(t, fmt.Sprintf("/api/v1/purchases/%d/refunds", pid), "r-1", map[string]any{"amount": 32500, "reason": "退半个月学费"})
		apptest.Status(t, resp, http.StatusCreated, out)
		if num(out["amount"]) != 32500 || num(out["points_reversed"]) != 325 || num(out["stored_value_returned"]) != 25000 {
			t.Fatalf("refund answer %v", out)
		}
		if owed := out["owed"].(map[string]any); num(owed["cash"]) != 7500 {
			t.Fatalf("owed %v", out["owed"])
		}
		// More than is left is refused, saying how much is left.
		resp, out = w.post(t, fmt.Sprintf("/api/v1/purchases/%d/refunds", pid), "r-2", map[string]any{"amount": 32501, "reason": "x"})
		problem(t, resp, out, http.StatusUnprocessableEntity, "refund-too-large")
		if !strings.Contains(fmt.Sprint(out["detail"]), "¥325.00") {
			t.Fatalf("detail %v should say ¥325.00 is left", out["detail"])
		}
		// A refund needs a reason.
		resp, out = w.post(t, fmt.Sprintf("/api/v1/purchases/%d/refunds", pid), "r-3", map[string]any{})
		problem(t, resp, out, http.StatusUnprocessableEntity, "validation")
		// No amount refunds the rest. The member spent 300 of those points
		// meanwhile: only 32 are left to take back, the 293 short are recorded.
		resp, out = w.post(t, fmt.Sprintf("/api/v1/purchases/%d/refunds", pid), "r-4", map[string]any{"reason": "退学"})
		apptest.Status(t, resp, http.StatusCreated, out)
		if num(out["amount"]) != 32500 || num(out["points_reversed"]) != 32 || num(out["points_shortfall"]) != 293 {
			t.Fatalf("refund of the rest %v", out)
		}
		resp, out = w.post(t, fmt.Sprintf("/api/v1/purchases/%d/refunds", pid), "r-5", map[string]any{"reason": "again"})
		problem(t, resp, out, http.StatusConflict, "nothing-to-refund")
		b = w.balances(t, m)
		if b.StoredValuePrincipal+b.StoredValueBonus != 110000 || b.Points != 0 {
			t.Fatalf("balances after full refund %+v (stored value back to ¥1,100, points 0)", b)
		}

		// The statement, newest first, two at a time.
		resp, out = w.a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/ledger?asset=points&limit=2", m), w.token, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		es := out["entries"].([]any)
		if len(es) != 2 || out["next_cursor"] == nil {
			t.Fatalf("first page %v", out)
		}
		e0 := es[0].(map[string]any)
		if e0["kind"] != "refund" || num(e0["amount"]) != -32 || num(e0["balance_after"]) != 0 ||
			e0["reference"] != fmt.Sprintf("purchase:%d", pid) || e0["asset"] != "points" {
			t.Fatalf("newest entry %v", e0)
		}
		seen := len(es)
		for cur := out["next_cursor"]; cur != nil; cur = out["next_cursor"] {
			resp, out = w.a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/ledger?asset=points&limit=2&cursor=%s", m, cur), w.token, "", nil)
			apptest.Status(t, resp, http.StatusOK, out)
			seen += len(out["entries"].([]any))
		}
		if seen != 5 { // earn 650, redeem 300, earn 7, reverse 325, reverse 32
			t.Fatalf("%d points entries, want 5", seen)
		}
		resp, out = w.a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/ledger?asset=stored_value", m), w.token, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if n := len(out["entries"].([]any)); n != 8 { // principal+bonus for the top-up, the purchase and each of two refunds
			t.Fatalf("%d stored value entries: %v", n, out)
		}
		resp, out = w.a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/members/%d/ledger?cursor=nonsense", m), w.token, "", nil)
		problem(t, resp, out, http.StatusUnprocessableEntity, "bad-cursor")

		rep, err := models.Verify(context.Background(), db)
		if err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	})
}

func TestLedgerAPIRefusalsChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newLedgerWorld(t, db)
		m := w.member(t)
		resp, out := w.post(t, fmt.Sprintf("/api/v1/members/%d/topups", m), "seed", map[string]any{"amount": 20000, "method": "cash"})
		apptest.Status(t, resp, http.StatusCreated, out)
		before := w.balances(t, m)
		purchase := func(pays ...map[string]any) map[string]any {
			return map[string]any{"member_id": m, "items": []map[string]any{{"category": "tuition", "amount": 30000}}, "payments": pays}
		}
		cases := []struct {
			name   string
			path   string
			token  string
			key    string
			body   any
			status int
			typ    string
			field  string
		}{
			{"payments do not add up", "/api/v1/purchases", w.token, "k1",
				purchase(map[string]any{"method": "cash", "amount": 29999}), 422, "payments-mismatch", "payments"},
			{"stored value short", "/api/v1/purchases", w.token, "k2",
				purchase(map[string]any{"method": "stored_value", "amount": 30000}), 409, "insufficient-balance", ""},
			{"points short", "/api/v1/purchases", w.token, "k3",
				map[string]any{"member_id": m, "points_to_redeem": 100, "items": []map[string]any{{"category": "meals", "amount": 1000}},
					"payments": []map[string]any{{"method": "cash", "amount": 900}}}, 409, "insufficient-points", ""},
			{"points over the cap", "/api/v1/purchases", w.token, "k4",
				map[string]any{"member_id": m, "points_to_redeem": 600, "items": []map[string]any{{"category": "meals", "amount": 1000}},
					"payments": []map[string]any{{"method": "cash", "amount": 400}}}, 422, "points-cap-exceeded", "points_to_redeem"},
			{"coupon codes (none exist yet)", "/api/v1/purchases", w.token, "k5",
				map[string]any{"member_id": m, "coupon_codes": []string{"SUMMER50"}, "items": []map[string]any{{"category": "meals", "amount": 1000}},
					"payments": []map[string]any{{"method": "cash", "amount": 1000}}}, 422, "unknown-coupon", "coupon_codes"},
			{"bad category", "/api/v1/purchases", w.token, "k6",
				map[string]any{"member_id": m, "items": []map[string]any{{"category": "toys", "amount": 1000}},
					"payments": []map[string]any{{"method": "cash", "amount": 1000}}}, 422, "validation", "items[0].category"},
			{"unknown member", "/api/v1/purchases", w.token, "k7",
				map[string]any{"member_id": 99999, "items": []map[string]any{{"category": "meals", "amount": 1000}},
					"payments": []map[string]any{{"method": "cash", "amount": 1000}}}, 404, "unknown-member", ""},
			{"unknown field", "/api/v1/purchases", w.token, "k8",
				`{"member_id":1,"items":[],"payments":[],"tip":5}`, 400, "unknown-field", "tip"},
			{"no idempotency key", "/api/v1/purchases", w.token, "",
				purchase(map[string]any{"method": "cash", "amount": 30000}), 422, "bad-idempotency-key", ""},
			{"bad token", "/api/v1/purchases", "forged.token.here", "k9",
				purchase(map[string]any{"method": "cash", "amount": 30000}), 401, "bad-token", ""},
			{"top-up over the prepaid cap", fmt.Sprintf("/api/v1/members/%d/topups", m), w.token, "k10",
				map[string]any{"amount": 490000, "method": "cash"}, 409, "prepaid-cap-exceeded", ""},
			{"top-up bad method", fmt.Sprintf("/api/v1/members/%d/topups", m), w.token, "k11",
				map[string]any{"amount": 100, "method": "cheque"}, 422, "validation", "method"},
			{"top-up unknown member", "/api/v1/members/99999/topups", w.token, "k12",
				map[string]any{"amount": 100, "method": "cash"}, 404, "unknown-member", ""},
			{"ledger of an unknown member", "/api/v1/members/99999/ledger", w.token, "", nil, 404, "unknown-member", ""},
			{"refund of an unknown purchase", "/api/v1/purchases/99999/refunds", w.token, "k13",
				map[string]any{"reason": "x"}, 404, "unknown-purchase", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				method := http.MethodPost
				if c.body == nil {
					method = http.MethodGet
				}
				resp, out := w.a.API(t, method, c.path, c.token, c.key, c.body)
				if c.status == 401 {
					apptest.Status(t, resp, 401, out)
				} else {
					problem(t, resp, out, c.status, c.typ)
				}
				if c.field != "" {
					errs, _ := out["errors"].(map[string]any)
					if errs[c.field] == nil || errs[c.field] == "" {
						t.Fatalf("no message for field %s: %v", c.field, out)
					}
				}
				if after := w.balances(t, m); after != before {
					t.Fatalf("balances changed %+v → %+v", before, after)
				}
			})
		}
		// The cap refusal says how much can still be added: cap ¥5,000, held
		// ¥200: ¥4,800 of room, and ¥4,400 earns the ≥ ¥3,000 band's ¥400 bonus.
		resp, out = w.post(t, fmt.Sprintf("/api/v1/members/%d/topups", m), "k14", map[string]any{"amount": 490000, "method": "cash"})
		if d := fmt.Sprint(out["detail"]); !strings.Contains(d, "¥4,400.00") {
			t.Fatalf("cap detail %q should offer ¥4,400.00", d)
		}
		resp, out = w.post(t, fmt.Sprintf("/api/v1/members/%d/topups", m), "k15", map[string]any{"amount": 440000, "method": "cash"})
		apptest.Status(t, resp, http.StatusCreated, out)
		if after := w.balances(t, m); after.StoredValue() != 500000 {
			t.Fatalf("filled to the cap: %+v", after)
		}
	})
}

func TestLedgerAPIIsDocumented(t *testing.T) {
	db := dbtest.SQLite(t)
	w := newLedgerWorld(t, db)
	paths := strings.Join(w.a.Doc.Paths(), "\n")
	for _, p := range []string{"GET /api/v1/members/:id/ledger", "POST /api/v1/members/:id/topups", "POST /api/v1/purchases",
		"POST /api/v1/purchases/:id/refunds", "POST /api/v1/topups/:id/refunds"} {
		if !strings.Contains(paths, p) {
			t.Errorf("%s is not in the OpenAPI document", p)
		}
	}
}
