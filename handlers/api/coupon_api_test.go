package api_test

import (
	"context"
	"net/http"
	"testing"

	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// couponWorld is an app with a campus, a cashier token and a child holding
// a "满300减50" coupon.
type couponWorld struct {
	a      *apptest.App
	token  string
	member int64
	phone  string
	coupon *models.Coupon
}

func newCouponWorld(t *testing.T, db *models.DB) *couponWorld {
	t.Helper()
	a := apptest.New(t, db)
	ctx := context.Background()
	now := a.Clock.Now()
	campus, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "desk", models.RoleCashier, campus.ID)
	w := &couponWorld{a: a, token: a.Token(t, "desk"), phone: "13912345678"}
	actor := models.Actor{Type: "staff", ID: 1}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		m, err := models.CreateMember(ctx, tx, now, actor, models.NewMember{Name: "张小明", CampusID: campus.ID,
			Guardians: []models.NewGuardian{{Name: "王芳", Phone: w.phone, Relation: "mother"}}})
		w.member = m.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := models.CreateCouponTemplate(ctx, db, now, actor, models.NewCouponTemplate{Name: "满300减50", ValidDays: 30,
		CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000, MinSpend: 30000, Categories: "tuition"}})
	if err != nil {
		t.Fatal(err)
	}
	if w.coupon, err = models.IssueCouponByHand(ctx, db, now, actor, tp.ID, w.member); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestCouponValidateAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newCouponWorld(t, db)
		body := func(codes []string, amount int64, category string) map[string]any {
			return map[string]any{"member_id": w.member, "coupon_codes": codes,
				"items": []map[string]any{{"category": category, "amount": amount}}}
		}
		resp, out := w.a.API(t, http.MethodPost, "/api/v1/coupons/validate", w.token, "", body([]string{w.coupon.Code}, 30000, "tuition"))
		apptest.Status(t, resp, http.StatusOK, out)
		if out["discount"] != float64(5000) || out["valid"] != true {
			t.Fatalf("validate: %v", out)
		}
		cases := []struct {
			name   string
			body   any
			status int
			typ    string
		}{
			{"below the minimum spend", body([]string{w.coupon.Code}, 29999, "tuition"), 422, "/problems/coupon-min-spend"},
			{"wrong category", body([]string{w.coupon.Code}, 50000, "meals"), 422, "/problems/coupon-category"},
			{"unknown code", body([]string{"CNOSUCHCOUPN"}, 50000, "tuition"), 422, "/problems/unknown-coupon"},
			{"an unknown member", map[string]any{"member_id": w.member + 999, "coupon_codes": []string{w.coupon.Code},
				"items": []map[string]any{{"category": "tuition", "amount": 50000}}}, 404, "/problems/unknown-member"},
			{"unknown field", map[string]any{"member_id": w.member, "coupon_codes": []string{w.coupon.Code}, "itemz": 1}, 400, "/problems/unknown-field"},
			{"nothing to price", map[string]any{"member_id": w.member}, 422, "/problems/validation"},
		}
		for _, tc := range cases {
			resp, out := w.a.API(t, http.MethodPost, "/api/v1/coupons/validate", w.token, "", tc.body)
			if resp.StatusCode != tc.status || out["type"] != tc.typ {
				t.Errorf("%s: %d %v, want %d %s", tc.name, resp.StatusCode, out, tc.status, tc.typ)
			}
			if resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: content type %q", tc.name, resp.Header.Get("Content-Type"))
			}
		}
		// No token: 401.
		if resp, _ := w.a.API(t, http.MethodPost, "/api/v1/coupons/validate", "", "", body([]string{w.coupon.Code}, 30000, "tuition")); resp.StatusCode != 401 {
			t.Fatalf("no token: %d", resp.StatusCode)
		}
	})
}

func TestCouponRedeemAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newCouponWorld(t, db)
		wrong := "000000"
		if w.coupon.VerifyCode == wrong {
			wrong = "111111"
		}
		// The key is required.
		resp, out := w.a.API(t, http.MethodPost, "/api/v1/coupons/redeem", w.token, "", map[string]any{"phone": w.phone, "verify_code": wrong})
		if resp.StatusCode != 422 || out["type"] != "/problems/bad-idempotency-key" {
			t.Fatalf("no key: %d %v", resp.StatusCode, out)
		}
		resp, out = w.a.API(t, http.MethodPost, "/api/v1/coupons/redeem", w.token, "k-bad", map[string]any{"phone": "12345", "verify_code": "12"})
		if resp.StatusCode != 422 || out["errors"] == nil {
			t.Fatalf("malformed: %d %v", resp.StatusCode, out)
		}
		for i := 0; i < 5; i++ {
			resp, out = w.a.API(t, http.MethodPost, "/api/v1/coupons/redeem", w.token, "k-wrong-"+string(rune('a'+i)),
				map[string]any{"phone": w.phone, "verify_code": wrong})
			if resp.StatusCode != 404 || out["type"] != "/problems/coupon-code-wrong" {
				t.Fatalf("wrong code %d: %d %v", i, resp.StatusCode, out)
			}
		}
		resp, out = w.a.API(t, http.MethodPost, "/api/v1/coupons/redeem", w.token, "k-right", map[string]any{"phone": w.phone, "verify_code": w.coupon.VerifyCode})
		if resp.StatusCode != 429 || out["type"] != "/problems/coupon-redeem-limited" {
			t.Fatalf("after 5 wrong codes: %d %v", resp.StatusCode, out)
		}
		if detail, _ := out["detail"].(string); detail != "验证码输错次数太多，为保护家长的优惠券，请 15 分钟后再试" {
			t.Fatalf("the refusal must say why, in Chinese: %q", detail)
		}
		// By member and code it goes through, once per key; a replay answers the same.
		redeem := map[string]any{"member_id": w.member, "code": w.coupon.Code}
		resp, out = w.a.API(t, http.MethodPost, "/api/v1/coupons/redeem", w.token, "k-code", redeem)
		apptest.Status(t, resp, http.StatusOK, out)
		if out["status"] != "used" || out["member_name"] != "张小明" || out["value"] != float64(5000) {
			t.Fatalf("redeemed: %v", out)
		}
		resp2, out2 := w.a.API(t, http.MethodPost, "/api/v1/coupons/redeem", w.token, "k-code", redeem)
		if resp2.StatusCode != 200 || resp2.Header.Get("Idempotent-Replayed") != "true" || out2["used_at"] != out["used_at"] {
			t.Fatalf("replay: %d %v", resp2.StatusCode, out2)
		}
		resp, out = w.a.API(t, http.MethodPost, "/api/v1/coupons/redeem", w.token, "k-code-2", redeem)
		if resp.StatusCode != 409 || out["type"] != "/problems/coupon-used" {
			t.Fatalf("second redemption: %d %v", resp.StatusCode, out)
		}
		// The endpoints are in the OpenAPI document.
		paths := w.a.Doc.Paths()
		found := 0
		for _, p := range paths {
			if p == "POST /api/v1/coupons/validate" || p == "POST /api/v1/coupons/redeem" {
				found++
			}
		}
		if found != 2 {
			t.Fatalf("openapi paths: %v", paths)
		}
	})
}
