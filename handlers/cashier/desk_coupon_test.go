package cashier_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// After a scan the member's usable coupons are listed in the purchase form;
// ticking one takes it off the preview and the purchase, and it is used once.
func TestDeskPurchaseWithCoupon(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newDeskSchool(t, db)
		ctx := context.Background()
		now := s.a.Clock.Now()
		tp, err := models.CreateCouponTemplate(ctx, db, now, models.SystemActor, models.NewCouponTemplate{Name: "学费立减50元",
			ValidDays: 30, CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000, MinSpend: 30000, Categories: "tuition"}})
		if err != nil {
			t.Fatal(err)
		}
		cp, err := models.IssueCouponByHand(ctx, db, now, models.SystemActor, tp.ID, s.m.ID)
		if err != nil {
			t.Fatal(err)
		}
		cl := s.cashierIn(t, "desk")
		path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10)
		resp, page := cl.HX("GET", path+"/purchase", nil)
		apptest.Status(t, resp, 200, page)
		has(t, page, "可用优惠券", "学费立减50元", `value="`+cp.Code+`"`)
		key := formKey(t, page)

		// Below the coupon's minimum spend: explained at the coupon list, not applied.
		f := purchaseForm(key, []string{"200"}, nil, "")
		f.Add("coupon", cp.Code)
		_, body := cl.HX("POST", path+"/purchase/preview", f)
		has(t, body, "需满 ¥300.00 才能使用")
		f = purchaseForm(key, []string{"400"}, nil, "")
		f.Add("coupon", cp.Code)
		_, body = cl.HX("POST", path+"/purchase/preview", f)
		has(t, body, "优惠券", "-¥50.00", "还需收款 ¥350.00")

		final := purchaseForm(key, []string{"400"}, map[string]string{"cash": "350"}, "")
		final.Add("coupon", cp.Code)
		resp, body = cl.HX("POST", path+"/purchases", final)
		apptest.Status(t, resp, 201, body)
		has(t, body, "收款成功", "已用优惠券", cp.Code, "-¥50.00")
		cs, _ := models.MemberCoupons(ctx, db.R, s.m.ID, now)
		for _, c := range cs {
			if c.Code == cp.Code && c.Status != models.CouponUsed {
				t.Fatalf("the coupon is %s after the purchase", c.Status)
			}
		}
		// A second purchase cannot tick it again.
		resp, page = cl.HX("GET", path+"/purchase", nil)
		if resp.StatusCode != 200 || containsCode(page, cp.Code) {
			t.Fatalf("a used coupon is still offered")
		}
	})
}

func containsCode(page, code string) bool {
	return strings.Contains(page, `value="`+code+`"`)
}
