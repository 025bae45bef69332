package portal_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"
	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// decodeQR reads the QR code in a screenshot with zbarimg, a decoder
// independent of the one that drew it.
func decodeQR(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("zbarimg", "--raw", "-q", path).Output()
	if err != nil {
		t.Fatalf("zbarimg %s: %v", path, err)
	}
	return strings.TrimSpace(string(out))
}

// extras gives family A what makes the pages worth looking at: a coupon, a
// stamp card, a month of check-ins and a page and a half of history.
func extras(t *testing.T, f *fix) {
	t.Helper()
	ctx := context.Background()
	db, now := f.a.DB, f.a.Clock.Now()
	tp, err := models.CreateCouponTemplate(ctx, db, now, models.SystemActor, models.NewCouponTemplate{Name: "兴趣课立减券",
		CouponTerms: models.CouponTerms{Kind: models.CouponAmount, AmountOff: 5000, MinSpend: 30000}, ValidDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.IssueCouponByHand(ctx, db, now, models.SystemActor, tp.ID, f.A1); err != nil {
		t.Fatal(err)
	}
	prog, err := models.CreateStampProgram(ctx, db, now, models.SystemActor, models.NewStampProgram{Name: "美术课集章卡",
		StampsRequired: 6, Source: models.StampSources[0], FirstStampFree: true, RewardTemplateID: tp.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.IssueStampCard(ctx, db, now, models.SystemActor, prog.ID, f.A1); err != nil {
		t.Fatal(err)
	}
	loc := apptest.Shanghai
	today := now.In(loc)
	for d := 1; d < today.Day(); d++ {
		day := time.Date(today.Year(), today.Month(), d, 8, 5+d%20, 0, 0, loc)
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday || d%7 == 3 {
			continue
		}
		ci := models.Checkin{MemberID: f.A1, CampusID: f.campus, Kind: models.CheckinArrival, At: day.UTC(),
			LocalDay: day.Format("2006-01-02"), ActorType: "staff", Device: "kiosk"}
		if err := db.W.Create(&ci).Error; err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 24; i++ {
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.AwardPoints(ctx, tx, now.Add(-time.Duration(30-i)*time.Hour), models.Award{MemberID: f.A1, Points: int64(5 + i),
				Reason: "behaviour", RefType: "test-behaviour", RefID: int64(i), Actor: models.SystemActor})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserPortalOnPhone drives the portal as a parent would on a phone:
// log in with the code from the outbox, show the card (decoded from the
// screenshot), redeem a reward, see a purchase in the history, send a
// complaint, and open the card again with the network cut.
func TestBrowserPortalOnPhone(t *testing.T) {
	b := apptest.Browser(t)
	apptest.NeedBinary(t, "zbarimg")
	db := dbtest.SQLite(t)
	f := newFixAt(t, db, time.Now().UTC())
	extras(t, f)
	base := f.a.Serve(t)
	ctx := context.Background()

	// 1. Log in with a one-time code read from the outbox, as the SMS would bring it.
	p := apptest.Page(t, b, base+"/portal/", 375, 667)
	apptest.WaitText(t, p, "h2", "手机号登录")
	apptest.Shot(t, p, "portal-375-login")
	p.MustElement("#phone").MustInput(f.PhoneA)
	p.MustElement("#agree").MustClick() // the privacy-policy consent the login asks for
	apptest.ClickAndWait(t, p, `form[action="/portal/login/code"] button[type=submit]`)
	apptest.WaitText(t, p, "h2", "输入验证码")
	apptest.Shot(t, p, "portal-375-login-code")
	p.MustElement("#code").MustInput(f.a.OTP(t, f.PhoneA))
	apptest.ClickAndWait(t, p, `form[action="/portal/login"] button[type=submit]`)
	apptest.WaitText(t, p, ".p-hero", "王小明")
	apptest.Shot(t, p, "portal-375-home")

	// 2. The card: the QR decoded from the screenshot is the child's card token.
	apptest.ClickAndWait(t, p, ".p-cardbtn")
	p.MustElement(".p-qr").MustWaitLoad()
	shot := apptest.Shot(t, p, "portal-375-card")
	card, err := models.CurrentCard(ctx, db.R, f.A1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := decodeQR(t, shot), models.CardToken(f.a.Deps.Secret, card.CardNo, card.Version); got != want {
		t.Fatalf("card QR decodes to %q, want %q", got, want)
	}
	if txt := p.MustElement(".p-cardno").MustText(); !strings.Contains(strings.ReplaceAll(txt, " ", ""), card.CardNo) {
		t.Fatalf("card number %q, want %s", txt, card.CardNo)
	}
	// The service worker takes control (it keeps this card for offline use).
	p.MustEval(`() => navigator.serviceWorker.ready.then(() => true)`)

	// 3. Redeem a reward and show its QR.
	p.MustNavigate(fmt.Sprintf("%s/portal/kids/%d/rewards", base, f.A1)).MustWaitLoad()
	apptest.Shot(t, p, "portal-375-rewards")
	p.MustElement(`.p-reward form summary`).MustClick() // asks once before spending the points
	apptest.ClickAndWait(t, p, `.p-reward form details button[type=submit]`)
	apptest.WaitText(t, p, "#flash", "兑换成功")
	p.MustElement(".p-qr").MustWaitLoad()
	shot = apptest.Shot(t, p, "portal-375-redemption")
	var token string
	db.R.Raw("SELECT token FROM reward_redemptions WHERE member_id = ? ORDER BY id DESC LIMIT 1", f.A1).Scan(&token)
	if got := decodeQR(t, shot); got != token || token == "" {
		t.Fatalf("redemption QR %q, want %q", got, token)
	}

	// 4. A purchase at the desk shows up in the history; the list loads more as it scrolls.
	_, err = models.RecordPurchase(ctx, db, f.a.Clock.Now(), models.Idem{Scope: "test", Key: "p1", Hash: "h"}, models.PurchaseInput{
		MemberID: f.A1, Items: []models.PurchaseItem{{Category: "tuition", Amount: 68000, Description: "11月学费"}},
		Payments: []models.Payment{{Method: "wechat", Amount: 68000}}, Actor: models.SystemActor})
	if err != nil {
		t.Fatal(err)
	}
	p.MustNavigate(fmt.Sprintf("%s/portal/kids/%d/history", base, f.A1)).MustWaitLoad()
	apptest.WaitText(t, p, ".p-history li:first-child", "消费")
	if first := p.MustElement(".p-history li:first-child .p-amt").MustText(); !strings.Contains(first, "+680") {
		t.Fatalf("newest history line %q, want the purchase's +680 points", first)
	}
	before := len(p.MustElements(".p-history li.p-row"))
	if before != 20 {
		t.Fatalf("first page of history has %d lines, want 20", before)
	}
	p.MustElement(".p-more").MustScrollIntoView()
	deadline := time.Now().Add(10 * time.Second)
	for len(p.MustElements(".p-history li.p-row")) <= before && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if after := len(p.MustElements(".p-history li.p-row")); after <= before {
		t.Fatalf("scrolling loaded nothing: %d rows", after)
	}
	p.MustElement(".p-history li.p-row").MustScrollIntoView()
	apptest.Shot(t, p, "portal-375-history")

	// 5. A complaint with its status.
	p.MustNavigate(base + "/portal/feedback").MustWaitLoad()
	p.MustElement("#category").MustSelect("教学质量")
	p.MustElement("#body").MustInput("午睡时教室太吵，孩子这周都没睡好，希望老师关注一下。")
	apptest.ClickAndWait(t, p, `form[action="/portal/feedback"] button[type=submit]`)
	apptest.WaitText(t, p, "#flash", "已收到您的反馈")
	apptest.WaitText(t, p, ".p-status", "已受理")
	apptest.Shot(t, p, "portal-375-complaint")

	// The other pages, for people to look at.
	for _, pg := range []struct{ name, path string }{
		{"coupons", fmt.Sprintf("/portal/kids/%d/coupons", f.A1)},
		{"stamps", fmt.Sprintf("/portal/kids/%d/stamps", f.A1)},
		{"checkins", fmt.Sprintf("/portal/kids/%d/checkins", f.A1)},
		{"refer", fmt.Sprintf("/portal/kids/%d/refer", f.A1)},
		{"feedback", "/portal/feedback"},
		{"inbox", "/portal/inbox"},
		{"me", "/portal/me"},
		{"settings", "/portal/settings"},
		{"privacy", "/portal/privacy"},
		{"home-second-child", fmt.Sprintf("/portal/kids/%d", f.A2)},
	} {
		p.MustNavigate(base + pg.path).MustWaitLoad()
		apptest.Shot(t, p, "portal-375-"+pg.name)
	}
	wide := apptest.Page(t, b, base+fmt.Sprintf("/portal/kids/%d", f.A1), 414, 896)
	apptest.Shot(t, wide, "portal-414-home")
	wide.MustNavigate(fmt.Sprintf("%s/portal/kids/%d/card", base, f.A1)).MustWaitLoad()
	wide.MustElement(".p-qr").MustWaitLoad()
	apptest.Shot(t, wide, "portal-414-card")

	// 6. No signal: the browser is offline and the server is gone; the card
	// still opens from the service worker, says how old it is, and scans.
	p.MustNavigate(fmt.Sprintf("%s/portal/kids/%d/card", base, f.A1)).MustWaitLoad()
	p.MustElement(".p-qr").MustWaitLoad()
	if ok := p.MustEval(`() => navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)`).Bool(); !ok {
		t.Fatal("the service worker does not control the card page")
	}
	if err := (proto.NetworkEmulateNetworkConditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}).Call(p); err != nil {
		t.Fatal(err)
	}
	// The server must really be gone: the service worker's own fetches are
	// not covered by the page's network emulation, so a server still
	// answering on a kept-alive connection (a slow shutdown on a busy
	// machine) would hand it the live page instead of the cached card.
	if err := f.a.Fiber.ShutdownWithTimeout(20 * time.Second); err != nil {
		t.Fatalf("the server did not stop: %v", err)
	}
	p.MustReload().MustWaitLoad()
	apptest.WaitText(t, p, ".p-card-name", "王小明")
	apptest.WaitText(t, p, "[data-offline]", "当前无网络")
	p.MustElement(".p-qr").MustWaitLoad()
	shot = apptest.Shot(t, p, "portal-375-card-offline")
	if got, want := decodeQR(t, shot), models.CardToken(f.a.Deps.Secret, card.CardNo, card.Version); got != want {
		t.Fatalf("offline card QR decodes to %q, want %q", got, want)
	}
	// Opening the app from the home screen without signal shows the last card.
	p.MustNavigate(base + "/portal/").MustWaitLoad()
	apptest.WaitText(t, p, ".p-card-name", "王小明")
}
