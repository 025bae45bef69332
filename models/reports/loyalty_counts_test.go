package reports_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// The loyalty section counts a stamp card filled by purchases, the coupon it
// gives, and a hand-issued coupon used on a purchase with its discount and
// the sale it was used on — read by the date-range indexes of migration 0203.
func TestLoyaltyStampCardsAndCouponsUsed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := seed(t, db)
		kid := f.members[3] // south campus
		day := time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai)
		p := reports.Period{From: day, To: day.AddDate(0, 0, 1), Loc: shanghai, Grain: reports.GrainDay}
		before, err := reports.LoyaltyFor(ctx, db.R, p) // the seed's purchases issue a spend-back coupon
		if err != nil {
			t.Fatal(err)
		}
		prog, err := models.CreateStampProgram(ctx, db, t0, f.actor[1], models.NewStampProgram{Name: "买二送一",
			StampsRequired: 2, Source: models.StampFromPurchase, Category: models.CategoryInterestClass, RewardTemplateID: 6})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.IssueStampCard(ctx, db, t0, f.actor[1], prog.ID, kid); err != nil {
			t.Fatal(err)
		}
		tpl, err := models.CreateCouponTemplate(ctx, db, t0, f.actor[1], models.NewCouponTemplate{Name: "满减券",
			CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 1500}, ValidDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		cp, err := models.IssueCouponByHand(ctx, db, t0, f.actor[1], tpl.ID, kid)
		if err != nil {
			t.Fatal(err)
		}
		for i, codes := range [][]string{nil, {cp.Code}} {
			if _, err := models.RecordPurchase(ctx, db, t0.Add(time.Duration(i+1)*time.Minute), f.idem("lesson-"+string(rune('a'+i))),
				models.PurchaseInput{MemberID: kid, CouponCodes: codes,
					Items:    []models.PurchaseItem{{Category: models.CategoryInterestClass, Amount: 12000}},
					Payments: []models.Payment{{Method: "cash", Amount: 12000 - 1500*int64(i)}}, Actor: f.actor[1]}); err != nil {
				t.Fatalf("purchase %d: %v", i, err)
			}
		}
		l, err := reports.LoyaltyFor(ctx, db.R, p)
		if err != nil {
			t.Fatal(err)
		}
		// Issued: the hand-issued coupon and the stamp card's reward.
		if l.StampsComplete != 1 || l.CouponsUsed != 1 || l.CouponCost != 1500 || l.CouponSales != 10500 ||
			l.CouponsIssued != before.CouponsIssued+2 {
			t.Errorf("school loyalty: stamps %d, coupons used %d (cost %d, sales %d), issued %d (%d before)",
				l.StampsComplete, l.CouponsUsed, l.CouponCost, l.CouponSales, l.CouponsIssued, before.CouponsIssued)
		}
		p.CampusIDs = []int64{f.campus[0]}
		if l, err = reports.LoyaltyFor(ctx, db.R, p); err != nil || l.StampsComplete != 0 || l.CouponsUsed != 0 || l.CouponsIssued != 0 {
			t.Errorf("north campus sees the south's loyalty: %+v %v", l, err)
		}
		next := reports.Period{From: day.AddDate(0, 0, 1), To: day.AddDate(0, 0, 2), Loc: shanghai, Grain: reports.GrainDay}
		if l, err = reports.LoyaltyFor(ctx, db.R, next); err != nil || l.StampsComplete != 0 || l.CouponsUsed != 0 || l.CouponsIssued != 0 {
			t.Errorf("the next day counts the same cards and coupons again: %+v %v", l, err)
		}
	})
}
