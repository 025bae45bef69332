package portal_test

import (
	"fmt"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestBrowserPortalConsentAndCardLost, on a 390×844 phone: the login will
// not text a code until the privacy policy is accepted (the policy page is
// a tap away), then the parent reports the card lost, is asked once, and
// the card is frozen at once (no QR, the desk and kiosk refuse it).
func TestBrowserPortalConsentAndCardLost(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	f := newFixAt(t, db, time.Now().UTC())
	base := f.a.Serve(t)

	p := apptest.Page(t, b, base+"/portal/", 390, 844)
	apptest.WaitText(t, p, "h2", "手机号登录")
	apptest.WaitText(t, p, ".p-consent", "隐私政策")
	p.MustElement("#phone").MustInput(f.PhoneA)
	// The box is required: the browser keeps the form until it is ticked.
	p.MustElement(`form[action="/portal/login/code"] button[type=submit]`).MustClick()
	if valid := p.MustEval(`() => document.getElementById("agree").checkValidity()`).Bool(); valid {
		t.Fatal("the consent box is not required")
	}
	apptest.Shot(t, p, "portal-390-login-consent")
	pol := apptest.Page(t, b, base+"/portal/privacy-policy", 390, 844)
	apptest.WaitText(t, pol, "#policy", "个人信息保护法")
	apptest.Shot(t, pol, "portal-390-privacy-policy")
	pol.MustClose() // back to the login tab, which must be in front to take clicks
	p.MustActivate()

	p.Timeout(15 * time.Second).MustElement("#agree").MustClick()
	apptest.ClickAndWait(t, p, `form[action="/portal/login/code"] button[type=submit]`)
	apptest.WaitText(t, p, "h2", "输入验证码")
	p.Timeout(15 * time.Second).MustElement("#code").MustInput(f.a.OTP(t, f.PhoneA))
	apptest.ClickAndWait(t, p, `form[action="/portal/login"] button[type=submit]`)

	p.MustNavigate(fmt.Sprintf("%s/portal/kids/%d/card", base, f.A1)).MustWaitLoad()
	p.Timeout(15 * time.Second).MustElement(".p-qr")
	apptest.ClickAndWait(t, p, "#lost-link")
	apptest.WaitText(t, p, "#lost-ask", "确定要挂失")
	if st := cardStatus(t, f); st != models.CardActive {
		t.Fatalf("asking froze the card already: %s", st)
	}
	apptest.Shot(t, p, "portal-390-card-lost-ask")
	// Centred first: at the bottom edge the fixed tab bar would cover it.
	p.MustElement("#lost-confirm").MustEval(`() => this.scrollIntoView({block: "center"})`)
	apptest.ClickAndWait(t, p, "#lost-confirm")
	apptest.WaitText(t, p, "#lost-done", "已挂失")
	apptest.WaitText(t, p, ".p-frozen", "挂失")
	if n := len(p.MustElements(".p-qr")); n != 0 {
		t.Fatal("a frozen card still shows its QR")
	}
	if st := cardStatus(t, f); st != models.CardFrozen {
		t.Fatalf("card status after the report: %s", st)
	}
	apptest.Shot(t, p, "portal-390-card-lost-done")
}

func cardStatus(t *testing.T, f *fix) string {
	t.Helper()
	var st string
	if err := f.a.DB.R.Raw(`SELECT status FROM cards WHERE member_id = ? ORDER BY id DESC LIMIT 1`, f.A1).Scan(&st).Error; err != nil {
		t.Fatal(err)
	}
	return st
}
