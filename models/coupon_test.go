package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

// race runs fn n times at once and returns how many succeeded and the
// distinct errors of the rest.
func race(n int, fn func(i int) error) (int, map[string]int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	errs := map[string]int{}
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			err := fn(i)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
				return
			}
			code := err.Error()
			if e, isE := models.AsError(err); isE {
				code = e.Code
			}
			errs[code]++
		}(i)
	}
	close(start)
	wg.Wait()
	return ok, errs
}

func TestCouponQuantityHoldsUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		tp := f.template(t, models.NewCouponTemplate{Name: "限量券", TotalQuantity: 60})
		members := make([]int64, 100)
		for i := range members {
			members[i] = f.member(t, "学员", lyPhone(), "").ID
		}
		for i := 0; i < 50; i++ { // 50 already gone: the last 10 remain
			if _, err := models.IssueCouponByHand(ctx, db, lyNow, f.actor, tp.ID, members[i]); err != nil {
				t.Fatal(err)
			}
		}
		ok, errs := race(50, func(i int) error {
			_, err := models.IssueCouponByHand(ctx, db, lyNow, f.actor, tp.ID, members[50+i])
			return err
		})
		if ok != 10 || errs[models.ErrCouponSoldOut.Code] != 40 {
			t.Fatalf("50 racing for the last 10: %d succeeded, errors %v; want exactly 10 and 40 sold out", ok, errs)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM coupons WHERE template_id = ?`, tp.ID); n != 60 {
			t.Fatalf("%d coupons exist, want 60", n)
		}
		got, _ := models.GetCouponTemplate(ctx, db.R, tp.ID)
		if got.IssuedCount != 60 || got.Remaining() != 0 {
			t.Fatalf("template says issued %d, remaining %d", got.IssuedCount, got.Remaining())
		}
	})
}

func TestCouponBudgetAndMemberLimitUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		budgeted := f.template(t, models.NewCouponTemplate{Name: "¥50 召回券", Budget: 50000,
			CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000}})
		members := make([]int64, 30)
		for i := range members {
			members[i] = f.member(t, "学员", lyPhone(), "").ID
		}
		ok, errs := race(30, func(i int) error {
			_, err := models.IssueCouponByHand(ctx, db, lyNow, f.actor, budgeted.ID, members[i])
			return err
		})
		if ok != 10 {
			t.Fatalf("a ¥500 budget of ¥50 coupons gave %d (errors %v), want 10", ok, errs)
		}
		if v := f.count(t, `SELECT issued_value FROM coupon_templates WHERE id = ?`, budgeted.ID); v != 50000 {
			t.Fatalf("issued value %d, want 50000", v)
		}

		limited := f.template(t, models.NewCouponTemplate{Name: "每人一张", PerMemberLimit: 1})
		ok, errs = race(20, func(int) error {
			_, err := models.IssueCouponByHand(ctx, db, lyNow, f.actor, limited.ID, members[0])
			return err
		})
		if ok != 1 || errs[models.ErrCouponMemberLimit.Code] != 19 {
			t.Fatalf("20 racing issues to one member with a limit of 1: %d succeeded (%v)", ok, errs)
		}
	})
}

func TestCouponSpentOnceUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		m := f.member(t, "张小明", lyPhone(), "")
		tp := f.template(t, models.NewCouponTemplate{})
		c, err := models.IssueCouponByHand(ctx, db, lyNow, f.actor, tp.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		lines := []models.CouponLine{{Category: "tuition", Amount: 50000}}
		ok, errs := race(20, func(int) error {
			return db.Tx(ctx, func(tx *gorm.DB) error {
				_, err := models.ApplyCoupons(ctx, tx, lyNow, models.CouponUse{MemberID: m.ID, Codes: []string{c.Code},
					Lines: lines, PurchaseID: 1})
				return err
			})
		})
		if ok != 1 || errs[models.ErrCouponUsed.Code] != 19 {
			t.Fatalf("20 tills spending one coupon: %d succeeded (%v), want 1", ok, errs)
		}
		if n := f.count(t, `SELECT used_count FROM coupon_templates WHERE id = ?`, tp.ID); n != 1 {
			t.Fatalf("used_count %d, want 1", n)
		}
	})
}

func TestApplyAndRestoreCoupons(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		m := f.member(t, "李小红", lyPhone(), "")
		other := f.member(t, "王小刚", lyPhone(), "")
		tp := f.template(t, models.NewCouponTemplate{Name: "满300减50",
			CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000, MinSpend: 30000}})
		c, err := models.IssueCouponByHand(ctx, db, lyNow, f.actor, tp.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.VerifyCode) != 6 || len(c.Code) != 12 {
			t.Fatalf("coupon code %q verify %q", c.Code, c.VerifyCode)
		}
		lines := []models.CouponLine{{Category: "tuition", Amount: 30000}}
		if _, err := models.ValidateCoupons(ctx, db.R, lyNow, other.ID, []string{c.Code}, lines); !errors.Is(err, models.ErrCouponNotMember) {
			t.Fatalf("another child's coupon: %v", err)
		}
		if _, err := models.ValidateCoupons(ctx, db.R, lyNow, m.ID, []string{"CNOSUCHCODE1"}, lines); !errors.Is(err, models.ErrCouponUnknown) {
			t.Fatalf("unknown code: %v", err)
		}
		apply := func(when time.Time, purchase int64) (models.CouponResult, error) {
			var res models.CouponResult
			err := db.Tx(ctx, func(tx *gorm.DB) error {
				var err error
				res, err = models.ApplyCoupons(ctx, tx, when, models.CouponUse{MemberID: m.ID, Codes: []string{" " + c.Code + " "},
					Lines: lines, PurchaseID: purchase, Actor: f.actor})
				return err
			})
			return res, err
		}
		res, err := apply(lyNow, 42)
		if err != nil || res.Discount != 5000 {
			t.Fatalf("apply: %v discount %d", err, res.Discount)
		}
		if _, err := apply(lyNow, 43); !errors.Is(err, models.ErrCouponUsed) {
			t.Fatalf("second use: %v", err)
		}
		// The purchase is refunded in full while the coupon is still valid: it comes back.
		var n int
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			n, err = models.RestoreCoupons(ctx, tx, lyNow.Add(time.Hour), 42)
			return err
		}); err != nil || n != 1 {
			t.Fatalf("restore: %d, %v", n, err)
		}
		if _, err := apply(lyNow.Add(2*time.Hour), 44); err != nil {
			t.Fatalf("a restored coupon spends again: %v", err)
		}
		// Refunded after it expired: it stays used.
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			n, err = models.RestoreCoupons(ctx, tx, lyNow.AddDate(0, 2, 0), 44)
			return err
		}); err != nil || n != 0 {
			t.Fatalf("restore after expiry: %d, %v", n, err)
		}
		wallet, err := models.MemberCoupons(ctx, db.R, m.ID, lyNow)
		if err != nil || len(wallet) != 1 || wallet[0].Status != models.CouponUsed || wallet[0].Usable {
			t.Fatalf("wallet after use: %+v %v", wallet, err)
		}
		// A coupon_issued notice went to the family when it was issued.
		if k := f.count(t, `SELECT COUNT(*) FROM outbox WHERE event = 'coupon_issued' AND member_id = ?`, m.ID); k != 1 {
			t.Fatalf("%d coupon notices, want 1", k)
		}
	})
}

func TestRedeemByPhoneIsRateLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		phone := lyPhone()
		m := f.member(t, "陈小乐", phone, "")
		tp := f.template(t, models.NewCouponTemplate{Name: "绘本兑换券", CouponTerms: models.CouponTerms{Kind: models.CouponGift, GiftValue: 3000}})
		c, err := models.IssueCouponByHand(ctx, db, lyNow, f.actor, tp.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		desk := models.Actor{Type: "staff", ID: 9, IP: "10.0.0.5"}
		wrong := "000000"
		if c.VerifyCode == wrong {
			wrong = "111111"
		}
		for i := 0; i < 5; i++ {
			if _, err := models.RedeemCouponByPhone(ctx, db, lyNow, desk, phone, wrong); !errors.Is(err, models.ErrCouponCodeWrong) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		// The sixth try within 15 minutes is refused even with the right code.
		if _, err := models.RedeemCouponByPhone(ctx, db, lyNow.Add(time.Minute), desk, phone, c.VerifyCode); !errors.Is(err, models.ErrCouponRateLimited) {
			t.Fatalf("after 5 failures: %v", err)
		}
		// Once the window has passed the right code works, once.
		later := lyNow.Add(16 * time.Minute)
		got, err := models.RedeemCouponByPhone(ctx, db, later, desk, "139 "+phone[3:], c.VerifyCode)
		if err != nil || got.ID != c.ID || got.MemberName != "陈小乐" {
			t.Fatalf("right code: %+v %v", got, err)
		}
		if _, err := models.RedeemCouponByPhone(ctx, db, later, desk, phone, c.VerifyCode); !errors.Is(err, models.ErrCouponUsed) {
			t.Fatalf("redeemed twice: %v", err)
		}
		// Guessing across many phones from one IP is capped too.
		for i := 0; i < 20; i++ {
			models.RedeemCouponByPhone(ctx, db, later, models.Actor{Type: "staff", IP: "10.9.9.9"}, lyPhone(), wrong)
		}
		if _, err := models.RedeemCouponByPhone(ctx, db, later, models.Actor{Type: "staff", IP: "10.9.9.9"}, phone, wrong); !errors.Is(err, models.ErrCouponRateLimited) {
			t.Fatalf("per-IP limit: %v", err)
		}
	})
}
