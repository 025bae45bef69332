package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"gorm.io/gorm"

	"starcard/handlers/access"
	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// The API additions of issue 20, as an integration uses them: a member's
// profile patched with the page's validation, a lifecycle move, the
// member's coupons a page at a time, classes of the caller's campus, a
// referral registered once, a reward redeemed once per Idempotency-Key,
// stamp cards; another campus's member is unknown.
func TestAPIMemberUpdatesAndLoyalty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newMemberWorld(t, db)
		a := w.a
		ctx := context.Background()
		m := w.create(t, w.cashier, "", child("张小明", "13900000001", w.sun))
		id := int64(m["id"].(float64))
		path := fmt.Sprintf("/api/v1/members/%d", id)

		resp, out := a.API(t, http.MethodPatch, path, w.cashier, "", map[string]any{"name": "张小明明", "tags": []string{"钢琴"}})
		apptest.Status(t, resp, http.StatusOK, out)
		if out["name"] != "张小明明" || fmt.Sprint(out["tags"]) != "[钢琴]" || out["birth_date"] != "2021-05-01" {
			t.Fatalf("patched member %v", out)
		}
		for _, tc := range []struct {
			body   any
			status int
			field  string
		}{
			{map[string]any{"birth_date": "2021-13-45"}, 422, "birth_date"},
			{map[string]any{"name": ""}, 422, "name"},
			{map[string]any{"class_id": 999999}, 422, "class_id"},
			{map[string]any{"campus_id": w.riv}, 422, "campus_id"}, // the cashier does not work there
			{map[string]any{"nickname": "x"}, 400, "nickname"},
		} {
			resp, out := a.API(t, http.MethodPatch, path, w.cashier, "", tc.body)
			errs, _ := out["errors"].(map[string]any)
			if resp.StatusCode != tc.status || errs[tc.field] == nil || strings.Contains(fmt.Sprint(errs[tc.field]), "err.") {
				t.Errorf("PATCH %v: %d %v, want %d with a translated %s message", tc.body, resp.StatusCode, out, tc.status, tc.field)
			}
		}
		other := w.create(t, w.admin, "", child("赵小虎", "13700001111", w.riv))
		resp, out = a.API(t, http.MethodPatch, fmt.Sprintf("/api/v1/members/%v", other["id"]), w.cashier, "", map[string]any{"name": "x"})
		apptest.Status(t, resp, http.StatusNotFound, out)

		resp, out = a.API(t, http.MethodPost, path+"/lifecycle", w.cashier, "", map[string]any{"to": "active", "note": "开学"})
		apptest.Status(t, resp, http.StatusOK, out)
		if out["lifecycle"] != "active" {
			t.Fatalf("lifecycle %v", out["lifecycle"])
		}
		resp, out = a.API(t, http.MethodPost, path+"/lifecycle", w.cashier, "", map[string]any{"to": "sleeping"})
		apptest.Status(t, resp, http.StatusUnprocessableEntity, out)

		// Three coupons, two a page.
		tp, err := models.CreateCouponTemplate(ctx, db, a.Clock.Now(), models.SystemActor, models.NewCouponTemplate{Name: "立减券",
			CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 2000}, ValidDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if err := db.Tx(ctx, func(tx *gorm.DB) error {
				_, err := models.IssueCoupon(ctx, tx, a.Clock.Now(), models.CouponIssue{TemplateID: tp.ID, MemberID: id, Actor: models.SystemActor})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		resp, out = a.API(t, http.MethodGet, path+"/coupons?limit=2", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		first, _ := out["coupons"].([]any)
		cur, _ := out["next_cursor"].(string)
		if len(first) != 2 || cur == "" || first[0].(map[string]any)["amount_off"] != float64(2000) {
			t.Fatalf("coupons page 1: %v", out)
		}
		if _, leak := first[0].(map[string]any)["verify_code"]; leak {
			t.Fatal("a coupon's verification code is in the API")
		}
		resp, out = a.API(t, http.MethodGet, path+"/coupons?limit=2&cursor="+cur, w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if rest, _ := out["coupons"].([]any); len(rest) != 1 || out["next_cursor"] != nil {
			t.Fatalf("coupons page 2: %v", out)
		}
		resp, out = a.API(t, http.MethodGet, path+"/coupons?cursor=zzz", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusUnprocessableEntity, out)

		// Classes: the cashier sees those of their campus only.
		if _, err := models.CreateClass(ctx, db.W, a.Clock.Now(), w.sun, "大一班"); err != nil {
			t.Fatal(err)
		}
		if _, err := models.CreateClass(ctx, db.W, a.Clock.Now(), w.riv, "小二班"); err != nil {
			t.Fatal(err)
		}
		resp, out = a.API(t, http.MethodGet, "/api/v1/classes", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if cls, _ := out["classes"].([]any); len(cls) != 1 || cls[0].(map[string]any)["name"] != "大一班" {
			t.Fatalf("classes %v", out)
		}
		resp, out = a.API(t, http.MethodGet, fmt.Sprintf("/api/v1/classes?campus_id=%d", w.riv), w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusNotFound, out)

		// A referral, once.
		resp, out = a.API(t, http.MethodGet, path+"/referral-code", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		code, _ := out["code"].(string)
		friend := w.create(t, w.cashier, "", child("李小花", "13600002222", w.sun))
		body := map[string]any{"code": code, "member_id": friend["id"]}
		resp, out = a.API(t, http.MethodPost, "/api/v1/referrals", w.cashier, "", body)
		apptest.Status(t, resp, http.StatusCreated, out)
		if out["referrer_member_id"] != float64(id) {
			t.Fatalf("referral %v", out)
		}
		resp, out = a.API(t, http.MethodPost, "/api/v1/referrals", w.cashier, "", body)
		apptest.Status(t, resp, http.StatusConflict, out)

		// A reward redeemed with points; the same key returns the same order.
		if _, err := models.CreateReward(ctx, db, a.Clock.Now(), models.SystemActor, models.NewReward{Name: "绘本", Kind: "gift",
			PointsPrice: 300, Stock: 5}); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.AwardPoints(ctx, tx, a.Clock.Now(), models.Award{MemberID: id, Points: 500, Reason: "manual",
				RefType: "test", RefID: 1, Actor: models.SystemActor})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		resp, out = a.API(t, http.MethodGet, path+"/rewards", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		items, _ := out["rewards"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["affordable"] != true || out["points"] != float64(500) {
			t.Fatalf("rewards %v", out)
		}
		rid := items[0].(map[string]any)["id"]
		resp, red := a.API(t, http.MethodPost, path+"/redemptions", w.cashier, "red-1", map[string]any{"reward_id": rid})
		apptest.Status(t, resp, http.StatusCreated, red)
		resp, again := a.API(t, http.MethodPost, path+"/redemptions", w.cashier, "red-1", map[string]any{"reward_id": rid})
		apptest.Status(t, resp, http.StatusCreated, again)
		if red["status"] != "reserved" || red["id"] != again["id"] || red["points"] != float64(300) {
			t.Fatalf("redemption %v, again %v", red, again)
		}
		resp, out = a.API(t, http.MethodGet, path+"/redemptions", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if rs, _ := out["redemptions"].([]any); len(rs) != 1 {
			t.Fatalf("redemptions %v", out)
		}
		resp, out = a.API(t, http.MethodGet, path+"/stamp-cards", w.cashier, "", nil)
		apptest.Status(t, resp, http.StatusOK, out)
		if cs, ok := out["stamp_cards"].([]any); !ok || len(cs) != 0 {
			t.Fatalf("stamp cards %v", out)
		}
		// A kiosk may not patch a member.
		resp, out = a.API(t, http.MethodPatch, path, w.kiosk, "", map[string]any{"name": "x"})
		apptest.Status(t, resp, http.StatusForbidden, out)
	})
}

// Every API route in the access table is in the OpenAPI document, and the
// routes added for issue 20 carry request and response examples.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	w := newMemberWorld(t, dbtest.SQLite(t))
	have := map[string]bool{}
	for _, p := range w.a.Doc.Paths() {
		have[p] = true
	}
	for _, r := range access.Table {
		if strings.HasPrefix(r.Path, "/api/v1/") && !have[r.Method+" "+r.Path] {
			t.Errorf("OpenAPI lacks %s %s", r.Method, r.Path)
		}
	}
	doc := w.a.Doc.Document()
	paths := doc["paths"].(map[string]map[string]any)
	for _, p := range [][2]string{{"patch", "/api/v1/members/{id}"}, {"post", "/api/v1/members/{id}/redemptions"},
		{"get", "/api/v1/members/{id}/coupons"}, {"post", "/api/v1/referrals"}, {"get", "/api/v1/members/{id}"},
		{"post", "/api/v1/members/{id}/guardians"}, {"patch", "/api/v1/members/{id}/guardians/{gid}"},
		{"put", "/api/v1/members/{id}/tags"}, {"get", "/api/v1/members/{id}/referrals"}} {
		js := fmt.Sprint(paths[p[1]][p[0]])
		if !strings.Contains(js, "example") || !strings.Contains(js, "/problems/") {
			t.Errorf("%s %s has no request/response or error example", p[0], p[1])
		}
	}
}
