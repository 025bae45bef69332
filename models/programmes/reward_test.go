package programmes_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

// TestRewardCouponAndPointsPlusCash: a "coupon" reward spends the points and
// issues the coupon at once (nothing to hand over); the cash part of a
// points + cash reward (换购) needs a method at the hand-over, is posted to
// the ledger and shows in the cashier's shift report by its method.
func TestRewardCouponAndPointsPlusCash(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFix(t, db)
		tp, err := models.CreateCouponTemplate(ctx, db, t0, f.actor, models.NewCouponTemplate{Name: "¥20 代金券",
			CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 2000}, ValidDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.CreateReward(ctx, db, t0, f.actor, models.NewReward{Name: "坏券", Kind: models.RewardCoupon,
			PointsPrice: 100, Stock: 5}); err == nil {
			t.Fatal("a coupon reward without a template was accepted")
		}
		cr, err := models.CreateReward(ctx, db, t0, f.actor, models.NewReward{Name: "积分换 ¥20 券", Kind: models.RewardCoupon,
			PointsPrice: 200, Stock: 5, CouponTemplateID: tp.ID})
		if err != nil {
			t.Fatal(err)
		}
		ming := f.member(t, "张小明", 1000)
		red, err := models.RedeemReward(ctx, db, t0, f.actor, ming, cr.ID, "ex-1")
		if err != nil {
			t.Fatal(err)
		}
		if red.Status != models.RedemptionHandedOver || f.points(t, ming) != 800 {
			t.Fatalf("coupon exchange: status %s, points %d", red.Status, f.points(t, ming))
		}
		cs, err := models.MemberCoupons(ctx, db.R, ming, t0)
		if err != nil || len(cs) != 1 {
			t.Fatalf("coupons %d %v", len(cs), err)
		}
		// The same key again: one coupon, one charge.
		if _, err := models.RedeemReward(ctx, db, t0, f.actor, ming, cr.ID, "ex-1"); err != nil {
			t.Fatal(err)
		}
		if cs, _ := models.MemberCoupons(ctx, db.R, ming, t0); len(cs) != 1 || f.points(t, ming) != 800 {
			t.Fatalf("a repeated exchange issued %d coupons, points %d", len(cs), f.points(t, ming))
		}

		gift, err := models.CreateReward(ctx, db, t0, f.actor, models.NewReward{Name: "保温杯", Kind: models.RewardGift,
			PointsPrice: 300, CashPrice: 1990, Stock: 5})
		if err != nil {
			t.Fatal(err)
		}
		red2, err := models.RedeemReward(ctx, db, t0, f.actor, ming, gift.ID, "cup-1")
		if err != nil {
			t.Fatal(err)
		}
		at := t0.Add(time.Hour)
		if _, err := models.HandOverRedemption(ctx, db, at, f.actor, red2.Token, ""); err == nil {
			t.Fatal("a points + cash hand-over without a method was accepted")
		}
		if _, err := models.HandOverRedemption(ctx, db, at, f.actor, red2.Token, "wechat"); err != nil {
			t.Fatal(err)
		}
		rep, err := models.DeskReportFor(ctx, db.R, models.ReportScope{CampusID: f.campus, ActorID: f.actor.ID,
			From: t0, To: at.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		var wechat int64
		for _, l := range rep.Methods {
			if l.Method == "wechat" {
				wechat = l.Net()
			}
		}
		if rep.RewardCash != 1990 || wechat != 1990 {
			t.Fatalf("shift: reward cash %d, wechat %d, want ¥19.90 each", rep.RewardCash, wechat)
		}
		var revenue int64
		db.R.Raw(`SELECT COALESCE(SUM(p.amount), 0) FROM ledger_postings p JOIN ledger_journals j ON j.id = p.journal_id
			WHERE j.kind = ? AND p.account_id = (SELECT id FROM ledger_accounts WHERE owner_type = 'system' AND id = ?)`,
			models.KindRewardCash, models.SysRevenue).Scan(&revenue)
		if revenue != 1990 {
			t.Fatalf("revenue from 换购 %d, want 1990", revenue)
		}
		if f.points(t, ming) != 500 {
			t.Fatalf("points %d, want 500", f.points(t, ming))
		}
		f.verify(t)
	})
}

// TestTopupBonusCoupon: a bonus band may give a coupon as well as bonus
// value and points; the coupon is issued once per top-up (a retried top-up
// with its key gives no second coupon); below the band nothing is given.
func TestTopupBonusCoupon(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFix(t, db)
		tp, err := models.CreateCouponTemplate(ctx, db, t0, f.actor, models.NewCouponTemplate{Name: "充值送 ¥50 券",
			CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000}, ValidDays: 60})
		if err != nil {
			t.Fatal(err)
		}
		r := models.DefaultRules()
		r.TopupBands = []models.TopupBand{{MinAmount: 100000, BonusAmount: 10000, CouponTemplateID: tp.ID}}
		if err := models.SaveRules(ctx, db, t0.Add(-time.Hour), f.actor, r, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		ming := f.member(t, "张小明", 0)
		top := func(key string, amount int64) {
			t.Helper()
			if _, err := models.RecordTopup(ctx, db, t0, models.Idem{Scope: "t", Key: key, Hash: fmt.Sprint(amount)},
				models.TopupInput{MemberID: ming, Amount: amount, Method: "cash", Actor: f.actor}); err != nil {
				t.Fatal(err)
			}
		}
		top("small", 50000)
		if cs, _ := models.MemberCoupons(ctx, db.R, ming, t0); len(cs) != 0 {
			t.Fatalf("¥500 top-up gave %d coupons", len(cs))
		}
		top("big", 100000)
		top("big", 100000) // retried
		cs, err := models.MemberCoupons(ctx, db.R, ming, t0)
		if err != nil || len(cs) != 1 {
			t.Fatalf("¥1000 top-up (retried) gave %d coupons: %v", len(cs), err)
		}
		b, _ := models.MemberBalances(ctx, db.R, ming)
		if b[ming].StoredValuePrincipal != 150000 || b[ming].StoredValueBonus != 10000 {
			t.Fatalf("balances %+v", b[ming])
		}
		f.verify(t)
	})
}
