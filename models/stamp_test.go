package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

func (f *lyFix) afterPurchase(t testing.TB, id, member, paid int64, lines ...models.CouponLine) models.AfterPurchaseResult {
	t.Helper()
	var res models.AfterPurchaseResult
	err := f.db.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		res, err = models.AfterPurchase(context.Background(), tx, lyNow, models.PurchaseFacts{PurchaseID: id, MemberID: member,
			Paid: paid, Lines: lines, Actor: f.actor})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestStampCardFiveLessonsSixthFree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		kid := f.member(t, "周小雨", lyPhone(), "")
		// Seed 004 case 7: five stamps fill the card, the first one given with it.
		p, err := models.CreateStampProgram(ctx, db, lyNow, f.actor, models.NewStampProgram{Name: "上5节课送1节",
			StampsRequired: 5, Source: models.StampFromPurchase, Category: "interest_class", FirstStampFree: true, RewardTemplateID: 6})
		if err != nil {
			t.Fatal(err)
		}
		card, err := models.IssueStampCard(ctx, db, lyNow, f.actor, p.ID, kid.ID)
		if err != nil || card.Stamps != 1 {
			t.Fatalf("new card: %+v %v", card, err)
		}
		lesson := models.CouponLine{Category: "interest_class", Amount: 12000}
		// A meals-only purchase does not count; the same purchase twice counts once.
		f.afterPurchase(t, 100, kid.ID, 1500, models.CouponLine{Category: "meals", Amount: 1500})
		f.afterPurchase(t, 101, kid.ID, 12000, lesson)
		f.afterPurchase(t, 101, kid.ID, 12000, lesson)
		f.afterPurchase(t, 102, kid.ID, 12000, lesson)
		res := f.afterPurchase(t, 103, kid.ID, 12000, lesson)
		if len(res.Stamps) != 1 || res.Stamps[0].Stamps != 4 || res.Stamps[0].Completed {
			t.Fatalf("after 3 lessons: %+v", res.Stamps)
		}
		res = f.afterPurchase(t, 104, kid.ID, 12000, lesson)
		if !res.Stamps[0].Completed || res.Stamps[0].Coupon == nil || res.Stamps[0].Coupon.Kind != models.CouponGift {
			t.Fatalf("the 5th stamp fills the card and gives the free lesson: %+v", res.Stamps)
		}
		cards, err := models.MemberStampCards(ctx, db.R, kid.ID)
		if err != nil || len(cards) != 1 || cards[0].CompletedAt == nil || len(cards[0].Dots) != 5 {
			t.Fatalf("cards: %+v %v", cards, err)
		}
		// The next lesson starts a new card (no free first stamp the second time).
		res = f.afterPurchase(t, 105, kid.ID, 12000, lesson)
		if res.Stamps[0].Stamps != 1 || res.Stamps[0].CardID == card.ID {
			t.Fatalf("second card: %+v", res.Stamps)
		}
		// Attendance programs stamp on check-in.
		att, _ := models.CreateStampProgram(ctx, db, lyNow, f.actor, models.NewStampProgram{Name: "签到集章",
			StampsRequired: 3, Source: models.StampFromAttendance, RewardTemplateID: 6})
		var outs []models.StampOutcome
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			outs, err = models.AfterCheckin(ctx, tx, lyNow, kid.ID, 555)
			return err
		}); err != nil || len(outs) != 1 || outs[0].ProgramID != att.ID || outs[0].Stamps != 1 {
			t.Fatalf("check-in stamp: %+v %v", outs, err)
		}
	})
}

func TestPurchaseOver200GivesNextOrderCoupon(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		kid := f.member(t, "赵小天", lyPhone(), "")
		if res := f.afterPurchase(t, 200, kid.ID, 19999, models.CouponLine{Category: "tuition", Amount: 19999}); res.Coupon != nil {
			t.Fatalf("¥199.99 earned a coupon")
		}
		res := f.afterPurchase(t, 201, kid.ID, 20000, models.CouponLine{Category: "tuition", Amount: 20000})
		if res.Coupon == nil || res.Coupon.AmountOff != 2000 {
			t.Fatalf("¥200 purchase: %+v", res.Coupon)
		}
		again := f.afterPurchase(t, 201, kid.ID, 20000, models.CouponLine{Category: "tuition", Amount: 20000})
		if again.Coupon == nil || again.Coupon.ID != res.Coupon.ID {
			t.Fatalf("the same purchase twice gave a second coupon")
		}
		// It is for the next visit: not today.
		lines := []models.CouponLine{{Category: "tuition", Amount: 20000}}
		if _, err := models.ValidateCoupons(ctx, db.R, lyNow, kid.ID, []string{res.Coupon.Code}, lines); !errors.Is(err, models.ErrCouponNotYetValid) {
			t.Fatalf("same day: %v", err)
		}
		if r, err := models.ValidateCoupons(ctx, db.R, lyNow.Add(24*time.Hour), kid.ID, []string{res.Coupon.Code}, lines); err != nil || r.Discount != 2000 {
			t.Fatalf("next day: %+v %v", r, err)
		}
		// Tier upgrade gives its coupon once.
		var c1, c2 *models.Coupon
		db.Tx(ctx, func(tx *gorm.DB) error {
			c1, _ = models.AfterTierUpgrade(ctx, tx, lyNow, kid.ID, "silver", "gold")
			c2, _ = models.AfterTierUpgrade(ctx, tx, lyNow, kid.ID, "silver", "gold")
			return nil
		})
		if c1 == nil || c2 == nil || c1.ID != c2.ID {
			t.Fatalf("tier upgrade coupons: %v %v", c1, c2)
		}
	})
}

func TestReferralFromCodeToReward(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		referrer := f.member(t, "王小明", lyPhone(), "")
		code, err := models.ReferralCode(ctx, db, referrer.ID)
		if err != nil || len(code) != 6 {
			t.Fatalf("code %q %v", code, err)
		}
		if again, _ := models.ReferralCode(ctx, db, referrer.ID); again != code {
			t.Fatalf("code changed: %s → %s", code, again)
		}
		friendPhone := lyPhone()
		inv, err := models.InviteReferral(ctx, db, lyNow, f.actor, code, "刘女士", friendPhone)
		if err != nil || inv.Status != models.ReferralInvited {
			t.Fatalf("invite: %+v %v", inv, err)
		}
		newKid := f.member(t, "刘小宝", friendPhone, "")
		if _, err := models.RegisterReferralByCode(ctx, db, lyNow, f.actor, "ZZZZZZ", newKid.ID); !errors.Is(err, models.ErrReferralCode) {
			t.Fatalf("bad code: %v", err)
		}
		r, err := models.RegisterReferralByCode(ctx, db, lyNow, f.actor, code, newKid.ID)
		if err != nil || r.ID != inv.ID || r.Status != models.ReferralRegistered || r.DiscountPercent != 15 || r.ReferrerGift != 20000 {
			t.Fatalf("register (grading not built: everyone 一般 → ¥200 and 15%%): %+v %v", r, err)
		}
		if _, err := models.RegisterReferralByCode(ctx, db, lyNow, f.actor, code, newKid.ID); !errors.Is(err, models.ErrReferralTaken) {
			t.Fatalf("registered twice: %v", err)
		}
		sibling := f.member(t, "王小红", lyPhone(), "")
		_ = sibling
		if _, err := models.RegisterReferralByCode(ctx, db, lyNow, f.actor, code, referrer.ID); !errors.Is(err, models.ErrReferralSelf) {
			t.Fatalf("self referral: %v", err)
		}
		// The new family's 15% tuition coupon can pay for the first enrolment.
		wallet, _ := models.MemberCoupons(ctx, db.R, newKid.ID, lyNow)
		if len(wallet) != 1 || wallet[0].PercentOff != 15 || wallet[0].Categories != "tuition" {
			t.Fatalf("new family's wallet: %+v", wallet)
		}
		// A meals purchase is not an enrolment.
		if res := f.afterPurchase(t, 300, newKid.ID, 2000, models.CouponLine{Category: "meals", Amount: 2000}); res.Referral != nil {
			t.Fatal("meals counted as enrolment")
		}
		res := f.afterPurchase(t, 301, newKid.ID, 255000, models.CouponLine{Category: "tuition", Amount: 255000})
		if res.Referral == nil || res.Referral.Status != models.ReferralRewarded {
			t.Fatalf("first enrolment: %+v", res.Referral)
		}
		gifts, _ := models.MemberCoupons(ctx, db.R, referrer.ID, lyNow)
		if len(gifts) != 1 || gifts[0].Kind != models.CouponGift || gifts[0].GiftValue != 20000 {
			t.Fatalf("referrer's gift: %+v", gifts)
		}
		list, err := models.ListReferrals(ctx, db.R, "", 10)
		if err != nil || len(list) != 1 || list[0].ReferrerName != "王小明" || list[0].ReferredName != "刘小宝" || list[0].PaidAt == nil {
			t.Fatalf("list: %+v %v", list, err)
		}
		// The amounts are configurable.
		rules := models.DefaultLoyaltyRules()
		rules.ReferralGift["normal"] = 25000
		if err := models.SaveLoyaltyRules(ctx, db, lyNow, f.actor, rules); err != nil {
			t.Fatal(err)
		}
		other := f.member(t, "新同学", lyPhone(), "")
		r2, err := models.RegisterReferralByCode(ctx, db, lyNow.Add(time.Minute), f.actor, code, other.ID)
		if err != nil || r2.ReferrerGift != 25000 {
			t.Fatalf("configured gift: %+v %v", r2, err)
		}
		png, err := models.ReferralQR(models.ReferralLink("https://school.example", code), 256)
		if err != nil || len(png) < 100 {
			t.Fatalf("poster qr: %v", err)
		}
	})
}

func TestBirthdayGiftsOncePerYear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		bday := f.member(t, "孙小美", lyPhone(), "2020-03-10")
		leap := f.member(t, "闰闰", lyPhone(), "2020-02-29")
		f.member(t, "别人", lyPhone(), "2020-03-11")
		n, err := models.BirthdayGifts(ctx, db, lyNow) // 10 March, 10:00 Shanghai
		if err != nil || n != 1 {
			t.Fatalf("birthdays today: %d %v", n, err)
		}
		if n, _ := models.BirthdayGifts(ctx, db, lyNow.Add(time.Hour)); n != 0 {
			t.Fatalf("second run gave %d more", n)
		}
		wallet, _ := models.MemberCoupons(ctx, db.R, bday.ID, lyNow)
		if len(wallet) != 1 || wallet[0].Name != "生日礼金券" || wallet[0].AmountOff != 2000 {
			t.Fatalf("birthday coupon: %+v", wallet)
		}
		if k := f.count(t, `SELECT COUNT(*) FROM outbox WHERE event = 'birthday' AND member_id = ?`, bday.ID); k != 1 {
			t.Fatalf("%d greetings, want 1", k)
		}
		// 2026 is not a leap year: a 29 February child celebrates on the 28th.
		feb28 := time.Date(2026, 2, 28, 2, 0, 0, 0, time.UTC)
		if n, _ := models.BirthdayGifts(ctx, db, feb28); n != 1 {
			t.Fatalf("29 Feb child on 28 Feb: %d", n)
		}
		if k := f.count(t, `SELECT COUNT(*) FROM birthday_gifts WHERE member_id = ?`, leap.ID); k != 1 {
			t.Fatal("leap-day child not greeted")
		}
	})
}
