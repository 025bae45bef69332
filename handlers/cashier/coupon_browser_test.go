package cashier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestBrowserCashierRedeemsCouponByPhoneAndCode: a parent reads out the
// phone number and the coupon's 6-digit code; a wrong code is refused
// plainly, the right one is redeemed; then the cashier scans a card and
// redeems a second coupon from the child's wallet.
func TestBrowserCashierRedeemsCouponByPhoneAndCode(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	a := apptest.New(t, db)
	ctx := context.Background()
	now := a.Clock.Now()
	campus, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "desk", models.RoleCashier, campus.ID)
	actor := models.Actor{Type: "staff", ID: 1}
	var kid int64
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		m, err := models.CreateMember(ctx, tx, now, actor, models.NewMember{Name: "李小红", CampusID: campus.ID,
			Guardians: []models.NewGuardian{{Name: "李妈妈", Phone: "13800138000", Relation: "mother"}}})
		kid = m.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	gift, _ := models.CreateCouponTemplate(ctx, db, now, actor, models.NewCouponTemplate{Name: "绘本兑换券", ValidDays: 30,
		CouponTerms: models.CouponTerms{Kind: models.CouponGift, GiftValue: 3000}})
	cash, _ := models.CreateCouponTemplate(ctx, db, now, actor, models.NewCouponTemplate{Name: "¥20 代金券", ValidDays: 30,
		CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 2000}})
	c1, err := models.IssueCouponByHand(ctx, db, now, actor, gift.ID, kid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.IssueCouponByHand(ctx, db, now, actor, cash.ID, kid); err != nil {
		t.Fatal(err)
	}
	views, _ := models.MemberViews(ctx, db.R, []int64{kid})
	base := a.Serve(t)

	p := apptest.Page(t, b, base+"/login?next=/cashier/coupons", 1280, 900)
	p.MustElement(`input[name=username]`).MustInput("desk")
	p.MustElement(`input[name=password]`).MustInput("password123")
	wait := p.MustWaitNavigation()
	p.MustElement(`button[type=submit]`).MustClick()
	wait()
	p.MustNavigate(base + "/cashier/coupons").MustWaitLoad()

	wrong := "000000"
	if c1.VerifyCode == wrong {
		wrong = "111111"
	}
	p.MustElement(`#phone-area input[name=phone]`).MustInput("138 0013 8000")
	p.MustElement(`#phone-area input[name=verify_code]`).MustInput(wrong)
	p.MustElement(`#phone-ask summary`).MustClick() // no sale attached: the desk asks once
	p.MustElement(`#phone-redeem-yes`).MustClick()
	msg := p.Timeout(10 * time.Second).MustElement(`#phone-area .flash.error`).MustText()
	if !strings.Contains(msg, "手机号或验证码不正确") {
		t.Fatalf("wrong code: %q", msg)
	}
	apptest.Shot(t, p, "cashier-coupon-wrong-code")
	p.MustElement(`#phone-area input[name=phone]`).MustSelectAllText().MustInput("13800138000")
	p.MustElement(`#phone-area input[name=verify_code]`).MustInput(c1.VerifyCode)
	p.MustElement(`#phone-ask summary`).MustClick() // no sale attached: the desk asks once
	p.MustElement(`#phone-redeem-yes`).MustClick()
	ok := p.Timeout(10 * time.Second).MustElement(`#phone-area .flash.ok`).MustText()
	if !strings.Contains(ok, "已兑换") || !strings.Contains(ok, "绘本兑换券") || !strings.Contains(ok, "李小红") {
		t.Fatalf("redeemed: %q", ok)
	}
	apptest.Shot(t, p, "cashier-coupon-redeemed-by-phone")

	// By card: the wallet lists the ¥20 coupon as usable and the gift as used.
	p.MustElement(`input[name=card]`).MustInput(views[0].CardNo)
	p.MustElement(`form[hx-post="/cashier/coupons/scan"] button`).MustClick()
	p.Timeout(10 * time.Second).MustElement(`.ly-wallet li.usable`)
	wait2, handle := p.MustHandleDialog()
	go p.MustElement(`.ly-wallet li.usable button`).MustClick()
	wait2()
	handle(true, "")
	done := p.Timeout(10 * time.Second).MustElement(`#wallet-area .flash.ok`).MustText()
	if !strings.Contains(done, "¥20 代金券") {
		t.Fatalf("redeemed from the wallet: %q", done)
	}
	apptest.Shot(t, p, "cashier-coupon-wallet")
	if n := len(p.MustElements(`.ly-wallet li.usable`)); n != 0 {
		t.Fatalf("%d coupons still usable", n)
	}
}
