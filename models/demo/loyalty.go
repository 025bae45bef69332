package demo

import (
	"context"
	"fmt"
	"time"

	"starcard/models"
)

// demoLoyalty fills the demo school's loyalty levers: a rewards catalogue,
// stamp cards, the seed's win-back coupon given to a few families, and a
// referral in progress.
func demoLoyalty(ctx context.Context, d *School) error {
	admin := models.Actor{Type: "staff"}
	if u := d.Staff["admin"]; u != nil {
		admin.ID = u.ID
	}
	for _, r := range []models.NewReward{
		{Name: "绘本《好饿的毛毛虫》", Kind: models.RewardGift, Description: "卡尔的经典洞洞书", PointsPrice: 600, Stock: 30, PerMemberLimit: 1},
		{Name: "乐高得宝积木小套装", Kind: models.RewardGift, PointsPrice: 1500, Stock: 10},
		{Name: "亲子手工课门票", Kind: models.RewardTicket, Description: "周六上午 · 阳光校区", PointsPrice: 900, Stock: 20},
		{Name: "积分专享：周三乐高机器人课（8 课时）", Kind: models.RewardCourse, PointsPrice: 2000, PointsGold: 1800,
			PointsPlatinum: 1500, CashPrice: 9900, NormalPrice: 48000, Stock: 20, PerMemberLimit: 1},
		{Name: "儿童平衡车", Kind: models.RewardGift, PointsPrice: 5000, Stock: 2},
	} {
		if _, err := models.CreateReward(ctx, d.DB, d.Now, admin, r); err != nil {
			return err
		}
	}
	lessons, err := models.CreateStampProgram(ctx, d.DB, d.Now, admin, models.NewStampProgram{Name: "兴趣班上5节送1节", StampsRequired: 5,
		Source: models.StampFromPurchase, Category: models.CategoryInterestClass, FirstStampFree: true, RewardTemplateID: 6})
	if err != nil {
		return err
	}
	if _, err := models.CreateStampProgram(ctx, d.DB, d.Now, admin, models.NewStampProgram{Name: "按时到校集章（10 次换礼金券）",
		StampsRequired: 10, Source: models.StampFromAttendance, FirstStampFree: true, RewardTemplateID: 2}); err != nil {
		return err
	}
	winBack, err := models.CreateCouponTemplate(ctx, d.DB, d.Now, admin, models.NewCouponTemplate{Name: "¥50 老学员回归券", ValidDays: 30,
		Budget: 5000000, PerMemberLimit: 1,
		CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000, MinSpend: 20000}})
	if err != nil {
		return err
	}
	if _, err := models.CreateCouponTemplate(ctx, d.DB, d.Now, admin, models.NewCouponTemplate{Name: "暑期班八五折", ValidDays: 45,
		CouponTerms: models.CouponTerms{Kind: models.CouponPercent, PercentOff: 15, MaxDiscount: 30000, Categories: models.CategoryTuition}}); err != nil {
		return err
	}
	var ids []int64
	if err := d.DB.R.WithContext(ctx).Raw(`SELECT id FROM members WHERE archived_at IS NULL ORDER BY id LIMIT 12`).
		Scan(&ids).Error; err != nil {
		return fmt.Errorf("demo loyalty: %w", err)
	}
	for i, id := range ids {
		if i < 8 {
			if _, err := models.IssueCouponByHand(ctx, d.DB, d.Now.Add(-time.Duration(i)*time.Hour), admin, winBack.ID, id); err != nil {
				return err
			}
		}
		if i < 4 {
			if _, err := models.IssueStampCard(ctx, d.DB, d.Now, admin, lessons.ID, id); err != nil {
				return err
			}
		}
	}
	if len(ids) > 0 {
		code, err := models.ReferralCode(ctx, d.DB, ids[0])
		if err != nil {
			return err
		}
		if _, err := models.InviteReferral(ctx, d.DB, d.Now, admin, code, "赵女士", "13700001234"); err != nil {
			return err
		}
	}
	return nil
}
