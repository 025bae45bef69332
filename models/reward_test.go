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

func (f *lyFix) points(t testing.TB, memberID, pts int64) {
	t.Helper()
	err := f.db.Tx(context.Background(), func(tx *gorm.DB) error {
		_, err := models.AwardPoints(context.Background(), tx, lyNow, models.Award{MemberID: memberID, Points: pts,
			Reason: "manual", Actor: f.actor})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *lyFix) balance(t testing.TB, memberID int64) int64 {
	t.Helper()
	b, err := models.MemberBalances(context.Background(), f.db.R, memberID)
	if err != nil {
		t.Fatal(err)
	}
	return b[memberID].Points
}

func TestRewardStockNeverOversold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		rw, err := models.CreateReward(ctx, db, lyNow, f.actor, models.NewReward{Name: "乐高积木", Kind: models.RewardGift,
			PointsPrice: 500, Stock: 5})
		if err != nil {
			t.Fatal(err)
		}
		kids := make([]int64, 30)
		for i := range kids {
			kids[i] = f.member(t, "学员", lyPhone(), "").ID
			f.points(t, kids[i], 800)
		}
		ok, errs := race(30, func(i int) error {
			_, err := models.RedeemReward(ctx, db, lyNow, f.actor, kids[i], rw.ID, "")
			return err
		})
		if ok != 5 || errs[models.ErrRewardOutOfStock.Code] != 25 {
			t.Fatalf("30 children racing for 5 in stock: %d got one (%v)", ok, errs)
		}
		got, _ := models.GetReward(ctx, db.R, rw.ID)
		if got.Stock != 0 || got.Redeemed != 5 {
			t.Fatalf("stock %d redeemed %d", got.Stock, got.Redeemed)
		}
		// Exactly the five winners have 500 points held; the others keep 800.
		held := 0
		for _, k := range kids {
			switch f.balance(t, k) {
			case 300:
				held++
			case 800:
			default:
				t.Fatalf("member %d has %d points", k, f.balance(t, k))
			}
		}
		if held != 5 {
			t.Fatalf("%d members have points held, want 5", held)
		}
	})
}

func TestRewardRedeemHandOverAndCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newLyFix(t, db)
		kid := f.member(t, "张小明", lyPhone(), "")
		f.points(t, kid.ID, 1280)
		book, err := models.CreateReward(ctx, db, lyNow, f.actor, models.NewReward{Name: "绘本《好饿的毛毛虫》", Kind: models.RewardGift,
			PointsPrice: 600, Stock: 3, PerMemberLimit: 1})
		if err != nil {
			t.Fatal(err)
		}
		pricey, _ := models.CreateReward(ctx, db, lyNow, f.actor, models.NewReward{Name: "平衡车", Kind: models.RewardGift,
			PointsPrice: 5000, Stock: 1})
		cat, err := models.RewardCatalogue(ctx, db.R, kid.ID, lyNow)
		if err != nil || cat.Points != 1280 || len(cat.Items) != 2 || !cat.Items[0].Affordable || cat.Items[1].Affordable ||
			cat.Items[1].Short != 3720 {
			t.Fatalf("catalogue: %+v %v", cat, err)
		}
		if _, err := models.RedeemReward(ctx, db, lyNow, f.actor, kid.ID, pricey.ID, ""); !errors.Is(err, models.ErrRewardPoints) {
			t.Fatalf("too dear: %v", err)
		}
		red, err := models.RedeemReward(ctx, db, lyNow, f.actor, kid.ID, book.ID, "tap-1")
		if err != nil {
			t.Fatal(err)
		}
		again, err := models.RedeemReward(ctx, db, lyNow, f.actor, kid.ID, book.ID, "tap-1")
		if err != nil || again.ID != red.ID {
			t.Fatalf("a double tap made a second order: %v %v", again, err)
		}
		if b := f.balance(t, kid.ID); b != 680 {
			t.Fatalf("points after reserving: %d, want 680 (600 held)", b)
		}
		if _, err := models.RedeemReward(ctx, db, lyNow, f.actor, kid.ID, book.ID, ""); !errors.Is(err, models.ErrRewardLimit) {
			t.Fatalf("limit 1: %v", err)
		}
		// Staff cancel: points come back, stock too.
		if _, err := models.CancelRedemption(ctx, db, lyNow, f.actor, red.Token); err != nil {
			t.Fatal(err)
		}
		if b := f.balance(t, kid.ID); b != 1280 {
			t.Fatalf("points after cancel: %d", b)
		}
		if _, err := models.HandOverRedemption(ctx, db, lyNow, f.actor, red.Token, "cash"); !errors.Is(err, models.ErrRedemptionClosed) {
			t.Fatalf("hand over a cancelled order: %v", err)
		}
		// Redeem again (the limit counts live orders) and hand over.
		red2, err := models.RedeemReward(ctx, db, lyNow, f.actor, kid.ID, book.ID, "tap-2")
		if err != nil {
			t.Fatal(err)
		}
		v, err := models.HandOverRedemption(ctx, db, lyNow.Add(time.Hour), f.actor, " "+red2.Token+" ", "cash")
		if err != nil || v.Status != models.RedemptionHandedOver || v.MemberName != "张小明" {
			t.Fatalf("hand over: %+v %v", v, err)
		}
		if b := f.balance(t, kid.ID); b != 680 {
			t.Fatalf("points after hand over: %d, want 680", b)
		}
		got, _ := models.GetReward(ctx, db.R, book.ID)
		if got.Stock != 2 || got.Redeemed != 1 {
			t.Fatalf("stock %d redeemed %d, want 2 and 1", got.Stock, got.Redeemed)
		}
		// An order nobody collects is cancelled by the hourly job.
		f.points(t, kid.ID, 5000)
		red3, err := models.RedeemReward(ctx, db, lyNow, f.actor, kid.ID, pricey.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		n, err := models.ExpireRedemptions(ctx, db, lyNow.AddDate(0, 0, 8))
		if err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		if _, err := models.HandOverRedemption(ctx, db, lyNow.AddDate(0, 0, 8), f.actor, red3.Token, "cash"); !errors.Is(err, models.ErrRedemptionClosed) {
			t.Fatalf("hand over an expired order: %v", err)
		}
		if b := f.balance(t, kid.ID); b != 5680 {
			t.Fatalf("points after expiry: %d, want 5680", b)
		}
	})
}

func TestRewardMemberPriceByTier(t *testing.T) {
	r := models.Reward{PointsPrice: 1000, PointsGold: 800, PointsPlatinum: 600}
	for tier, want := range map[string]int64{"silver": 1000, "gold": 800, "platinum": 600} {
		if got := r.PointsFor(tier); got != want {
			t.Errorf("%s pays %d, want %d", tier, got, want)
		}
	}
	r.PointsPlatinum = 0
	if got := r.PointsFor("platinum"); got != 800 {
		t.Errorf("platinum without its own price pays the gold price, got %d", got)
	}
}

func TestRewardImageIsSniffed(t *testing.T) {
	dir := t.TempDir()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	name, err := models.SaveRewardImage(dir, 3, png)
	if err != nil {
		t.Fatal(err)
	}
	if p, ct, err := models.RewardImagePath(dir, name); err != nil || ct != "image/png" || p == "" {
		t.Fatalf("path %q %q %v", p, ct, err)
	}
	if _, err := models.SaveRewardImage(dir, 3, []byte("<html><script>alert(1)</script>")); !errors.Is(err, models.ErrRewardImage) {
		t.Fatalf("html accepted as an image: %v", err)
	}
	if _, err := models.SaveRewardImage(dir, 3, append(png, make([]byte, models.MaxRewardImage)...)); !errors.Is(err, models.ErrRewardImage) {
		t.Fatalf("oversized image accepted: %v", err)
	}
	if _, _, err := models.RewardImagePath(dir, "../../etc/passwd"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("path escape: %v", err)
	}
}
