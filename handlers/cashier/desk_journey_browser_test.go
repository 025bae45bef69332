package cashier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/input"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestBrowserDeskTileSaleLineRefund walks the desk at 1366×768: two
// price-list tiles make the bill, the confirm button is on screen without
// scrolling, the receipt lists every line and adds up, the 教材 line alone
// is refunded with the split shown before confirming, and the refund
// receipt prints.
func TestBrowserDeskTileSaleLineRefund(t *testing.T) {
	b := apptest.Browser(t)
	s := newDeskSchool(t, dbtest.SQLite(t))
	ctx, now := context.Background(), s.a.Clock.Now()
	admin := models.Actor{Type: "staff", ID: 1}
	for _, it := range []models.PriceItemInput{{Category: "tuition", Name: "秋季学费", Amount: 60000},
		{Category: "materials", Name: "绘本教材", Amount: 8000, SortOrder: 1}} {
		if _, err := models.SavePriceItem(ctx, s.db, now, admin, it); err != nil {
			t.Fatal(err)
		}
	}
	s.topUp(t, 30000)
	u, err := models.Authenticate(ctx, s.db.R, "desk", "password123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.OpenShift(ctx, s.db, now, models.Actor{Type: "staff", ID: u.ID}, u, s.campus, 20000); err != nil {
		t.Fatal(err)
	}
	base := s.a.Serve(t)
	p := apptest.Page(t, b, base+"/login", 1366, 768)
	p.MustElement(`input[name=username]`).MustInput("desk")
	p.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	p.MustNavigate(base + "/cashier").MustWaitLoad()
	scan(t, p, s.m.CardNo)

	p.Timeout(10 * time.Second).MustElement(`[data-tile="秋季学费"]`).MustClick()
	apptest.WaitText(t, p, "#paystate", "¥600.00")
	p.MustElement(`[data-tile="绘本教材"]`).MustClick()
	apptest.WaitText(t, p, "#paystate", "¥680.00")
	if v := p.MustElement("#amt0").MustProperty("value").String(); v != "600.00" {
		t.Fatalf("the tuition tile filled %q", v)
	}
	p.MustElement(`button[name=fill][value=stored_value]`).MustClick()
	apptest.WaitText(t, p, "#paystate", "¥380.00")
	p.MustElement(`button[name=fill][value=wechat]`).MustClick()
	apptest.WaitText(t, p, "#paystate", "收款金额已对上")
	waitFocus(t, p, "confirm")
	apptest.Shot(t, p, "desk-tiles-1366")
	if fit := p.MustEval(`() => { const r = document.getElementById("confirm").getBoundingClientRect();
		return [r.bottom, window.innerHeight, window.scrollY] }`).Arr(); fit[0].Num() > fit[1].Num() || fit[2].Num() != 0 {
		t.Fatalf("the confirm button is below the fold at 1366×768: bottom %v of %v, scrolled %v", fit[0], fit[1], fit[2])
	}
	p.Keyboard.MustType(input.Enter)
	apptest.WaitText(t, p, "#done", "收款成功")

	r := apptest.Page(t, b, base+"/cashier/purchases/1/receipt", 420, 900)
	body := text(r, "#receipt-lines")
	for _, w := range []string{"学费 秋季学费", "¥600.00", "教材 绘本教材", "¥80.00", "实收", "¥680.00", "储值", "¥300.00", "微信", "¥380.00"} {
		if !strings.Contains(body, w) {
			t.Errorf("receipt lacks %q: %s", w, body)
		}
	}
	apptest.Shot(t, r, "desk-receipt-lines")
	r.MustClose() // a background tab gets no animation frames: clicks on the desk would wait
	p.MustActivate()

	p.MustNavigate(base + "/cashier/purchases/1/refund").MustWaitLoad()
	apptest.WaitText(t, p, "#refund-split", "¥680.00") // everything left, before any pick
	p.MustElement(`input[name=line][value="1"]`).MustClick()
	split := apptest.WaitText(t, p, "#refund-split", "¥80.00")
	for _, w := range []string{"退回储值", "线下退微信"} {
		if !strings.Contains(split, w) {
			t.Errorf("split lacks %q: %s", w, split)
		}
	}
	p.MustElement("#reason").MustInput("教材退回")
	apptest.Shot(t, p, "desk-line-refund-split")
	p.MustElement("#confirm").MustClick()
	done := apptest.WaitText(t, p, "#done", "退费成功")
	if !strings.Contains(done, "¥80.00") {
		t.Fatalf("refund result: %s", done)
	}
	var rid int64
	s.db.R.Raw("SELECT MAX(id) FROM purchase_refunds").Scan(&rid)
	rr := apptest.Page(t, b, base+"/cashier/refunds/1/receipt", 420, 900)
	rb := text(rr, "#receipt")
	for _, w := range []string{"退款小票", "P00000001", "教材 绘本教材", "-¥80.00", "退款合计", "退回储值", "线下退微信"} {
		if !strings.Contains(rb, w) {
			t.Errorf("refund receipt lacks %q: %s", w, rb)
		}
	}
	apptest.Shot(t, rr, "desk-refund-receipt")
	rr.MustClose()
	p.MustActivate()
	// The same line cannot be picked again.
	p.MustNavigate(base + "/cashier/purchases/1/refund").MustWaitLoad()
	if !p.Timeout(5 * time.Second).MustElement(`input[name=line][value="1"]`).MustProperty("disabled").Bool() {
		t.Fatal("the refunded line can be picked again")
	}
	if rid != 1 {
		t.Fatalf("refund id %d", rid)
	}
}
