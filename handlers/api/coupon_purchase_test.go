package api_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"starcard/models"
	"starcard/models/dbtest"
)

// A coupon is taken off the bill at the purchase, a full refund gives it
// back, and the ledger stays balanced throughout.
func TestPurchaseWithCouponAndFullRefund(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newCouponWorld(t, db)
		ctx := context.Background()
		purchase := func(key string, pay int64) (*http.Response, map[string]any) {
			return w.a.API(t, http.MethodPost, "/api/v1/purchases", w.token, key, map[string]any{
				"member_id": w.member, "coupon_codes": []string{w.coupon.Code},
				"items":    []map[string]any{{"category": "tuition", "amount": 30000}},
				"payments": []map[string]any{{"method": "cash", "amount": pay}}})
		}
		// Paying the full price is refused: the coupon took ¥50 off. Nothing is used up.
		resp, out := purchase("p-1", 30000)
		if resp.StatusCode != 422 || out["type"] != "/problems/payments-mismatch" {
			t.Fatalf("full price with a coupon: %d %v", resp.StatusCode, out)
		}
		if c, _ := models.MemberCoupons(ctx, db.R, w.member, w.a.Clock.Now()); len(c) != 1 || c[0].Status != models.CouponActive {
			t.Fatalf("a refused purchase used the coupon: %+v", c)
		}
		resp, out = purchase("p-2", 25000)
		if resp.StatusCode != 201 {
			t.Fatalf("purchase with coupon: %d %v", resp.StatusCode, out)
		}
		if out["coupon_discount"] != float64(5000) || out["discount"] != float64(5000) || out["total"] != float64(30000) ||
			out["points_earned"] != float64(250) {
			t.Fatalf("purchase answer: %v", out)
		}
		if used, _ := out["coupons_used"].([]any); len(used) != 1 || used[0] != w.coupon.Code {
			t.Fatalf("coupons_used: %v", out["coupons_used"])
		}
		// ¥250 paid is over ¥200: the next-visit ¥20 coupon is issued (seed 004).
		if out["coupon_issued"] == nil || out["coupon_issued"] == "" {
			t.Fatalf("no next-visit coupon for a ¥250 purchase: %v", out)
		}
		// The same coupon cannot be spent twice.
		resp, out = purchase("p-3", 25000)
		if resp.StatusCode == 201 {
			t.Fatalf("the coupon was spent twice: %v", out)
		}
		// A full refund returns the money paid and the coupon.
		_, first := purchase("p-2", 25000) // a replay answers with the purchase that went through
		id := int64(first["id"].(float64))
		resp, out = w.a.API(t, http.MethodPost, "/api/v1/purchases/"+strconv.FormatInt(id, 10)+"/refunds", w.token, "r-1",
			map[string]any{"reason": "家长取消报名"})
		if resp.StatusCode != 201 || out["amount"] != float64(25000) {
			t.Fatalf("full refund: %d %v", resp.StatusCode, out)
		}
		cs, err := models.MemberCoupons(ctx, db.R, w.member, w.a.Clock.Now())
		back := false
		for _, c := range cs {
			back = back || (c.Code == w.coupon.Code && c.Status == models.CouponActive)
		}
		if err != nil || !back {
			t.Fatalf("the coupon did not come back after a full refund: %+v %v", cs, err)
		}
		if rep, err := models.Verify(ctx, db); err != nil || len(rep.Problems) > 0 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	})
}
