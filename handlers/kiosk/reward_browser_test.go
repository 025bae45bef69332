package kiosk_test

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

// TestBrowserStudentRedeemsRewardAndStaffHandsItOver: a child scans their
// card at the rewards kiosk, sees "你有 1,280 积分" and what they can
// afford, redeems a picture book, gets a QR; the front desk scans the QR
// and hands the book over, and the held points are spent.
func TestBrowserStudentRedeemsRewardAndStaffHandsItOver(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	a := apptest.New(t, db)
	ctx := context.Background()
	now := a.Clock.Now()
	campus, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "door", models.RoleKiosk, campus.ID)
	a.Staff(t, "desk", models.RoleCashier, campus.ID)
	actor := models.Actor{Type: "staff", ID: 1}
	var kid int64
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		m, err := models.CreateMember(ctx, tx, now, actor, models.NewMember{Name: "张小明", CampusID: campus.ID,
			Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912345678", Relation: "mother"}}})
		if err != nil {
			return err
		}
		kid = m.ID
		_, err = models.AwardPoints(ctx, tx, now, models.Award{MemberID: m.ID, Points: 1280, Reason: "manual", Actor: actor})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []models.NewReward{
		{Name: "绘本《好饿的毛毛虫》", Kind: models.RewardGift, PointsPrice: 600, Stock: 5},
		{Name: "亲子手工课门票", Kind: models.RewardTicket, PointsPrice: 900, Stock: 10},
		{Name: "积分专享：周三乐高课", Kind: models.RewardCourse, PointsPrice: 2000, Stock: 20, NormalPrice: 48000},
		{Name: "平衡车", Kind: models.RewardGift, PointsPrice: 5000, Stock: 1},
	} {
		if _, err := models.CreateReward(ctx, db, now, actor, r); err != nil {
			t.Fatal(err)
		}
	}
	views, err := models.MemberViews(ctx, db.R, []int64{kid})
	if err != nil || len(views) != 1 {
		t.Fatal(err)
	}
	card := views[0].CardNo
	base := a.Serve(t)

	kiosk := apptest.Page(t, b, base+"/login?next=/kiosk/rewards", 1280, 900)
	browserLogin(t, kiosk, "door")
	kiosk.MustNavigate(base + "/kiosk/rewards").MustWaitLoad()
	kiosk.MustElement(`#reward-card`).MustInput(card)
	kiosk.MustElement(`.ly-scan button[type=submit]`).MustClick()
	hello := kiosk.Timeout(15 * time.Second).MustElement(`.ly-hello-points`).MustText()
	if !strings.Contains(hello, "你有") || !strings.Contains(hello, "1,280") {
		t.Fatalf("greeting: %q", hello)
	}
	cards := kiosk.MustElements(`.ly-card`)
	if len(cards) != 4 || len(kiosk.MustElements(`.ly-card.can`)) != 2 {
		t.Fatalf("want 4 rewards, 2 affordable")
	}
	if why := kiosk.MustElements(`.ly-card.cannot .ly-card-why`)[0].MustText(); !strings.Contains(why, "还差 720 积分") {
		t.Fatalf("what is missing: %q", why)
	}
	apptest.Shot(t, kiosk, "rewards-kiosk-catalogue")

	wait, handle := kiosk.MustHandleDialog()
	go kiosk.MustElement(`.ly-card.can .ly-redeem`).MustClick()
	wait()
	handle(true, "")
	ticket := kiosk.Timeout(15 * time.Second).MustElement(`.ly-ticket`)
	if txt := ticket.MustText(); !strings.Contains(txt, "兑换成功") || !strings.Contains(txt, "绘本") {
		t.Fatalf("ticket: %q", txt)
	}
	token := kiosk.MustElement(`.ly-ticket-code`).MustText()
	kiosk.MustElement(`.ly-ticket-qr`).MustWaitLoad()
	apptest.Shot(t, kiosk, "rewards-kiosk-qr")
	if b := balance(t, db, kid); b != 680 {
		t.Fatalf("points after redeeming: %d, want 680 (600 held)", b)
	}

	// The front desk, in its own session.
	desk := b.MustIncognito()
	dp := apptest.Page(t, desk, base+"/login?next=/cashier/redemptions", 1280, 900)
	browserLogin(t, dp, "desk")
	dp.MustNavigate(base + "/cashier/redemptions").MustWaitLoad()
	dp.MustElement(`#redemption-token`).MustInput(token)
	dp.MustElement(`.ly-scanbar button[type=submit]`).MustClick()
	order := dp.Timeout(15 * time.Second).MustElement(`.ly-order[data-status=reserved]`)
	if txt := order.MustText(); !strings.Contains(txt, "张小明") || !strings.Contains(txt, "600 积分") {
		t.Fatalf("order at the desk: %q", txt)
	}
	apptest.Shot(t, dp, "redemption-desk-scanned")
	dp.MustElement(`#handover`).MustClick()
	done := dp.Timeout(15 * time.Second).MustElement(`.ly-order[data-status=handed_over]`)
	_ = done
	flash := dp.MustElement(`#desk .flash.ok`).MustText()
	if !strings.Contains(flash, "已交给张小明") {
		t.Fatalf("hand-over message: %q", flash)
	}
	apptest.Shot(t, dp, "redemption-desk-handed-over")
	if b := balance(t, db, kid); b != 680 {
		t.Fatalf("points after hand-over: %d", b)
	}
	v, _ := models.GetRedemption(ctx, db.R, token)
	if v.Status != models.RedemptionHandedOver {
		t.Fatalf("status %s", v.Status)
	}
}

func balance(t *testing.T, db *models.DB, id int64) int64 {
	t.Helper()
	b, err := models.MemberBalances(context.Background(), db.R, id)
	if err != nil {
		t.Fatal(err)
	}
	return b[id].Points
}
