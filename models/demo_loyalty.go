package models

import (
	"context"
	"fmt"
	"time"
)

// demoLoyalty fills the demo school's loyalty levers: a rewards catalogue,
// stamp cards, the seed's win-back coupon given to a few families, and a
// referral in progress.
func demoLoyalty(ctx context.Context, d *Demo) error {
	admin := Actor{Type: "staff"}
	if u := d.Staff["admin"]; u != nil {
		admin.ID = u.ID
	}
	for _, r := range []NewReward{
		{Name: "绘本《好饿的毛毛虫》", Kind: RewardGift, Description: "卡尔的经典洞洞书", PointsPrice: 600, Stock: 30, PerMemberLimit: 1},
		{Name: "乐高得宝积木小套装", Kind: RewardGift, PointsPrice: 1500, Stock: 10},
		{Name: "亲子手工课门票", Kind: RewardTicket, Description: "周六上午 · 阳光校区", PointsPrice: 900, Stock: 20},
		{Name: "积分专享：周三乐高机器人课（8 课时）", Kind: RewardCourse, PointsPrice: 2000, PointsGold: 1800,
			PointsPlatinum: 1500, CashPrice: 9900, NormalPrice: 48000, Stock: 20, PerMemberLimit: 1},
		{Name: "儿童平衡车", Kind: RewardGift, PointsPrice: 5000, Stock: 2},
	} {
		if _, err := CreateReward(ctx, d.DB, d.Now, admin, r); err != nil {
			return err
		}
	}
	lessons, err := CreateStampProgram(ctx, d.DB, d.Now, admin, NewStampProgram{Name: "兴趣班上5节送1节", StampsRequired: 5,
		Source: StampFromPurchase, Category: CategoryInterestClass, FirstStampFree: true, RewardTemplateID: 6})
	if err != nil {
		return err
	}
	if _, err := CreateStampProgram(ctx, d.DB, d.Now, admin, NewStampProgram{Name: "按时到校集章（10 次换礼金券）",
		StampsRequired: 10, Source: StampFromAttendance, FirstStampFree: true, RewardTemplateID: 2}); err != nil {
		return err
	}
	winBack, err := CreateCouponTemplate(ctx, d.DB, d.Now, admin, NewCouponTemplate{Name: "¥50 老学员回归券", ValidDays: 30,
		Budget: 5000000, PerMemberLimit: 1,
		CouponTerms: CouponTerms{Kind: CouponAmount, AmountOff: 5000, MinSpend: 20000}})
	if err != nil {
		return err
	}
	if _, err := CreateCouponTemplate(ctx, d.DB, d.Now, admin, NewCouponTemplate{Name: "暑期班八五折", ValidDays: 45,
		CouponTerms: CouponTerms{Kind: CouponPercent, PercentOff: 15, MaxDiscount: 30000, Categories: CategoryTuition}}); err != nil {
		return err
	}
	var ids []int64
	if err := d.DB.R.WithContext(ctx).Raw(`SELECT id FROM members WHERE archived_at IS NULL ORDER BY id LIMIT 12`).
		Scan(&ids).Error; err != nil {
		return fmt.Errorf("models: demo loyalty: %w", err)
	}
	for i, id := range ids {
		if i < 8 {
			if _, err := IssueCouponByHand(ctx, d.DB, d.Now.Add(-time.Duration(i)*time.Hour), admin, winBack.ID, id); err != nil {
				return err
			}
		}
		if i < 4 {
			if _, err := IssueStampCard(ctx, d.DB, d.Now, admin, lessons.ID, id); err != nil {
				return err
			}
		}
	}
	if len(ids) > 0 {
		code, err := ReferralCode(ctx, d.DB, ids[0])
		if err != nil {
			return err
		}
		if _, err := InviteReferral(ctx, d.DB, d.Now, admin, code, "赵女士", "13700001234"); err != nil {
			return err
		}
	}
	return nil
}
