package cashier_test

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/input"
	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// deskBrowser starts the app with the desk school, logs the cashier in at
// 1024×768 and (when open) opens her shift with a ¥200 float.
func deskBrowser(t *testing.T, open bool) (*deskSchool, *rod.Page, string) {
	t.Helper()
	b := apptest.Browser(t)
	s := newDeskSchool(t, dbtest.SQLite(t))
	base := s.a.Serve(t)
	if open {
		u, err := models.Authenticate(context.Background(), s.db.R, "desk", "password123")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.OpenShift(context.Background(), s.db, s.a.Clock.Now(), models.Actor{Type: "staff", ID: u.ID}, u,
			s.campus, 20000); err != nil {
			t.Fatal(err)
		}
	}
	p := apptest.Page(t, b, base+"/login", 1024, 768)
	p.MustElement(`input[name=username]`).MustInput("desk")
	p.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, p, `button[type=submit]`)
	p.MustNavigate(base + "/cashier").MustWaitLoad()
	return s, p, base
}

// scan types a code into the focused scan box and presses Enter, as a
// scanner gun does, and waits for the member card.
func scan(t *testing.T, p *rod.Page, code string) {
	t.Helper()
	if id := activeID(p); id != "scan" {
		t.Fatalf("the scan box does not have the focus (%q has)", id)
	}
	p.MustElement("#scan").MustInput(code).MustType(input.Enter)
	p.Timeout(10 * time.Second).MustElement("#card .who")
	waitFocus(t, p, "amt0")
}

func activeID(p *rod.Page) string {
	return p.MustEval(`() => document.activeElement ? document.activeElement.id : ""`).String()
}

// waitFocus waits until the element with id has the keyboard focus.
func waitFocus(t *testing.T, p *rod.Page, id string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for activeID(p) != id {
		if time.Now().After(deadline) {
			t.Fatalf("focus is on %q, want %q", activeID(p), id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func text(p *rod.Page, sel string) string {
	return p.Timeout(10 * time.Second).MustElement(sel).MustText()
}

func (s *deskSchool) awardPoints(t *testing.T, n int64) {
	t.Helper()
	ctx := context.Background()
	if err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		_, err := models.AwardPoints(ctx, tx, s.a.Clock.Now(), models.Award{MemberID: s.m.ID, Points: n, Reason: "manual",
			Actor: models.SystemActor})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserDeskPurchaseStoredValueAndPoints: a scanner gun finds the
// child, the cashier types ¥350 of tuition, pays 5,000 points (¥50) and the
// rest from stored value with the keyboard, previews and confirms; the card
// shows the new balances and the receipt prints with a QR that decodes to
// its number.
func TestBrowserDeskPurchaseStoredValueAndPoints(t *testing.T) {
	s, p, base := deskBrowser(t, true)
	s.topUp(t, 30000)
	s.awardPoints(t, 5000)
	apptest.Shot(t, p, "desk-idle")
	scan(t, p, s.m.CardNo)
	card := text(p, "#card")
	for _, w := range []string{"张小明", "银卡", "5,000", "¥300.00", "大一班", "139****1234"} {
		if !strings.Contains(card, w) {
			t.Errorf("member card lacks %q: %s", w, card)
		}
	}
	apptest.Shot(t, p, "desk-panel")
	p.Keyboard.MustType(input.Digit3, input.Digit5, input.Digit0)
	p.MustElement("#points").MustInput("5000").MustType(input.Enter)
	apptest.WaitText(t, p, "#paystate", "还需收款 ¥300.00")
	p.MustElement(`button[name=fill][value=stored_value]`).MustClick()
	apptest.WaitText(t, p, "#paystate", "收款金额已对上")
	waitFocus(t, p, "confirm")
	if v := p.MustElement("#pay_stored_value").MustProperty("value").String(); v != "300.00" {
		t.Fatalf("stored value filled with %q", v)
	}
	apptest.Shot(t, p, "desk-purchase-preview")
	p.Keyboard.MustType(input.Enter) // Confirm has the focus
	done := apptest.WaitText(t, p, "#done", "收款成功")
	for _, w := range []string{"P00000001", "¥350.00", "¥300.00", "-5,000", "+300"} {
		if !strings.Contains(done, w) {
			t.Errorf("result lacks %q: %s", w, done)
		}
	}
	apptest.WaitText(t, p, "#bal-points", "300")
	if sv := text(p, "#bal-sv"); sv != "¥0.00" {
		t.Fatalf("stored value on the card after: %q", sv)
	}
	if b := s.balances(t); b.Points != 300 || b.StoredValue() != 0 {
		t.Fatalf("balances: %+v", b)
	}
	waitFocus(t, p, "scan") // ready for the next family's card
	apptest.Shot(t, p, "desk-purchase-done")

	r := apptest.Page(t, p.Browser(), base+"/cashier/purchases/1/receipt", 400, 900)
	body := text(r, "#receipt")
	for _, w := range []string{"阳光校区", "消费小票", "P00000001", "学费", "¥350.00", "积分抵现（5,000 分）", "储值", "+300", "张小明"} {
		if !strings.Contains(body, w) {
			t.Errorf("receipt lacks %q: %s", w, body)
		}
	}
	shot := apptest.Shot(t, r, "receipt-58mm")
	src := r.MustElement(".r-qr img").MustProperty("src").String()
	if zbar, err := exec.LookPath("zbarimg"); err == nil {
		png, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
		f := filepath.Join(t.TempDir(), "qr.png")
		if err := os.WriteFile(f, png, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "--raw", "-q", f).Output()
		if err != nil || strings.TrimSpace(string(out)) != "P00000001" {
			t.Fatalf("receipt QR decodes to %q (%v)", out, err)
		}
	}
	r.MustElement(`input[data-paper][value="80"]`).MustClick()
	apptest.Shot(t, r, "receipt-80mm")
	_ = shot
}

// TestBrowserDeskDoubleClickChargesOnce double-clicks Confirm, then replays
// the same form as a flaky network would: one purchase, charged once.
func TestBrowserDeskDoubleClickChargesOnce(t *testing.T) {
	s, p, _ := deskBrowser(t, true)
	s.topUp(t, 100000) // ¥1,000 + ¥100 bonus
	scan(t, p, "张小明")
	p.Keyboard.MustType(input.Digit2, input.Digit0, input.Digit0)
	p.MustElement(`button[name=fill][value=stored_value]`).MustClick()
	apptest.WaitText(t, p, "#paystate", "收款金额已对上")
	waitFocus(t, p, "confirm")
	p.MustEval(`() => { window.__form = new URLSearchParams(new FormData(document.getElementById("purchase-form"))).toString() }`)
	p.MustElement("#confirm").MustDoubleClick()
	apptest.WaitText(t, p, "#done", "收款成功")
	time.Sleep(500 * time.Millisecond) // let a second request land, if one went
	path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10) + "/purchases"
	replay := p.MustEval(`async (path) => {
		const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
		const r = await fetch(path, {method: "POST", body: window.__form,
			headers: {"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": token, "HX-Request": "true"}});
		return r.status + " " + (await r.text());
	}`, path).String()
	if !strings.HasPrefix(replay, "201 ") || !strings.Contains(replay, "没有重复扣款") {
		t.Fatalf("replayed confirm: %.300s", replay)
	}
	if n := s.count(t, "purchases"); n != 1 {
		t.Fatalf("%d purchases after a double click and a replay, want 1", n)
	}
	if b := s.balances(t); b.StoredValue() != 90000 {
		t.Fatalf("stored value %d after one ¥200 purchase from ¥1,100, want 90000", b.StoredValue())
	}
	if sv := text(p, "#bal-sv"); sv != "¥900.00" {
		t.Fatalf("card shows %q", sv)
	}
	apptest.Shot(t, p, "desk-double-click")
}

// TestBrowserDeskRefundHalf refunds half of a purchase paid by stored value
// and cash: stored value comes back to the wallet, cash is shown as owed,
// points are taken back in proportion, and the card shows it.
func TestBrowserDeskRefundHalf(t *testing.T) {
	s, p, _ := deskBrowser(t, true)
	s.topUp(t, 100000)
	_, err := models.RecordPurchase(context.Background(), s.db, s.a.Clock.Now(), models.Idem{Scope: "test", Key: "buy", Hash: "h"},
		models.PurchaseInput{MemberID: s.m.ID, Items: []models.PurchaseItem{{Category: "tuition", Amount: 60000}},
			Payments: []models.Payment{{Method: "stored_value", Amount: 40000}, {Method: "cash", Amount: 20000}},
			Actor:    models.Actor{Type: "staff", ID: 1, CampusID: s.campus}})
	if err != nil {
		t.Fatal(err)
	}
	scan(t, p, s.m.CardNo)
	apptest.WaitText(t, p, "#bal-sv", "¥700.00")
	p.Keyboard.MustType(input.F4)
	p.Timeout(10 * time.Second).MustElement(`[data-refund="1"]`).MustClick()
	apptest.WaitText(t, p, "#refund-form", "可退金额 ¥600.00")
	waitFocus(t, p, "amount")
	p.MustElement("#amount").MustSelectAllText().MustInput("300")
	p.MustElement("#reason").MustInput("退班").MustType(input.Enter)
	done := apptest.WaitText(t, p, "#done", "退费成功")
	for _, w := range []string{"¥300.00", "退回储值", "¥200.00", "需退还现金", "¥100.00", "扣回所得积分", "-300"} {
		if !strings.Contains(done, w) {
			t.Errorf("refund result lacks %q: %s", w, done)
		}
	}
	apptest.WaitText(t, p, "#bal-sv", "¥900.00")
	if pts := text(p, "#bal-points"); pts != "300" {
		t.Fatalf("points on the card: %q", pts)
	}
	if b := s.balances(t); b.StoredValue() != 90000 || b.Points != 300 {
		t.Fatalf("balances after refunding half: %+v", b)
	}
	apptest.Shot(t, p, "desk-refund-half")
}

// TestBrowserDeskTopupOverCap: ¥4,400 held of a ¥5,000 cap; ¥1,000 is
// refused with the ¥600 that may still be added, and ¥600 goes through.
func TestBrowserDeskTopupOverCap(t *testing.T) {
	s, p, _ := deskBrowser(t, true)
	s.topUp(t, 400000) // ¥4,000 + ¥400 bonus
	scan(t, p, s.m.CardNo)
	p.Keyboard.MustType(input.F3)
	waitFocus(t, p, "amount")
	p.Keyboard.MustType(input.Digit1, input.Digit0, input.Digit0, input.Digit0, input.Enter)
	msg := apptest.WaitText(t, p, "#topup-form .flash.error", "本次最多还可充值 ¥600.00")
	if !strings.Contains(msg, "超出预付费上限 ¥5,000.00") {
		t.Fatalf("refusal: %q", msg)
	}
	if !p.MustElement("#confirm").MustProperty("disabled").Bool() {
		t.Fatal("Confirm is enabled for a top-up over the cap")
	}
	apptest.Shot(t, p, "desk-topup-over-cap")
	if n := s.count(t, "topups"); n != 1 {
		t.Fatalf("%d top-ups, want only the seed", n)
	}
	p.MustElement("#amount").MustSelectAllText().MustInput("600").MustType(input.Enter)
	waitFocus(t, p, "confirm")
	p.Keyboard.MustType(input.Enter)
	apptest.WaitText(t, p, "#done", "充值成功")
	apptest.WaitText(t, p, "#bal-sv", "¥5,000.00")
	apptest.Shot(t, p, "desk-topup-done")
}

// TestBrowserDeskShiftReport opens a shift from the desk, takes money, reads
// the shift report and closes it with the cash counted.
func TestBrowserDeskShiftReport(t *testing.T) {
	s, p, base := deskBrowser(t, false)
	apptest.WaitText(t, p, ".shiftbar", "尚未开班")
	apptest.ClickAndWait(t, p, "#open-shift")
	p.MustElement("#opening_cash").MustInput("200")
	apptest.ClickAndWait(t, p, "#open-shift-submit")
	apptest.WaitText(t, p, ".shiftbar", "当班中 · 阳光校区")
	waitFocus(t, p, "scan")
	scan(t, p, s.m.CardNo)
	// A ¥1,000 cash top-up (+¥100 bonus), then ¥300 tuition: ¥100 stored value + ¥200 WeChat.
	p.Keyboard.MustType(input.F3)
	waitFocus(t, p, "amount")
	p.Keyboard.MustType(input.Digit1, input.Digit0, input.Digit0, input.Digit0, input.Enter)
	waitFocus(t, p, "confirm")
	p.Keyboard.MustType(input.Enter)
	apptest.WaitText(t, p, "#done", "充值成功")
	p.Keyboard.MustType(input.F2)
	waitFocus(t, p, "amt0")
	p.Keyboard.MustType(input.Digit3, input.Digit0, input.Digit0)
	p.MustElement("#pay_stored_value").MustInput("100")
	p.MustElement(`button[name=fill][value=wechat]`).MustClick()
	waitFocus(t, p, "confirm")
	p.Keyboard.MustType(input.Enter)
	apptest.WaitText(t, p, "#done", "收款成功")

	p.MustNavigate(base + "/cashier/shift").MustWaitLoad()
	apptest.WaitText(t, p, "#n-purchases", "1")
	cash := text(p, `#by-method tr[data-method="cash"]`)
	if !strings.Contains(cash, "¥1,000.00") {
		t.Fatalf("cash line: %q", cash)
	}
	if w := text(p, `#by-method tr[data-method="wechat"]`); !strings.Contains(w, "¥200.00") {
		t.Fatalf("wechat line: %q", w)
	}
	apptest.WaitText(t, p, "#cash-line", "钱箱应有 ¥1,200.00")
	apptest.WaitText(t, p, "#points-given", "300")
	apptest.Shot(t, p, "shift-report-open")
	p.MustElement("#counted_cash").MustInput("1200")
	apptest.ClickAndWait(t, p, "#close-shift")
	apptest.WaitText(t, p, "#cash-line", "交班点钞 ¥1,200.00")
	apptest.WaitText(t, p, "#cash-line", "差额 ¥0.00")
	apptest.Shot(t, p, "shift-report-closed")
	p.MustNavigate(base + "/cashier").MustWaitLoad()
	apptest.WaitText(t, p, ".shiftbar", "尚未开班")
}
