package cashier_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestDeskWebApprovalPINFamilyCardShift drives the desk's issue-17 forms
// over HTTP: a manager sets an approval PIN (password checked, weak PINs
// refused), the cashier's refund above the threshold is approved by picking
// the manager and typing the PIN (a wrong one refused and nothing moves), a
// walk-in family needs the guardian's consent, a card is reported lost and
// replaced, and a drawer that does not match closes only with a reason.
func TestDeskWebApprovalPINFamilyCardShift(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newDeskSchool(t, db)

	mgr := s.a.Client(t)
	mgr.Login("boss", "password123")
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"pin": {"2580"}, "pin_again": {"2580"}, "password": {"nope"}}, "登录密码不正确"},
		{url.Values{"pin": {"1234"}, "pin_again": {"1234"}, "password": {"password123"}}, "不能是同一数字或连号"},
		{url.Values{"pin": {"2580"}, "pin_again": {"2581"}, "password": {"password123"}}, "两次输入的审批码不一致"},
	} {
		resp, body := mgr.PostForm("/cashier/pin", c.form)
		apptest.Status(t, resp, 422, body)
		has(t, body, c.want)
	}
	resp, body := mgr.PostForm("/cashier/pin", url.Values{"pin": {"2580"}, "pin_again": {"2580"}, "password": {"password123"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set PIN: %d %s", resp.StatusCode, body)
	}
	cl := s.cashierIn(t, "desk")
	resp, _ = cl.Get("/cashier/pin")
	apptest.Status(t, resp, 403, "") // a cashier has no PIN to set

	s.buy(t, cl, "1500", map[string]string{"cash": "1500"}, "")
	_, page := cl.HX("GET", "/cashier/purchases/1/refund", nil)
	has(t, page, `name="approver_pick"`, `<option value="boss"`, "负责人审批码", "退款 ¥1,500.00 将退回", "线下退现金")
	key := formKey(t, page)
	refund := func(pin string) (int, string) {
		resp, body := cl.HX("POST", "/cashier/refunds", url.Values{"key": {key}, "kind": {"P"}, "id": {"1"}, "amount": {""},
			"reason": {"收错金额"}, "approver_pick": {"boss"}, "approver_pin": {pin}})
		return resp.StatusCode, body
	}
	if st, body := refund("0000"); st != 422 || s.count(t, "purchase_refunds") != 0 {
		t.Fatalf("wrong PIN: %d %s", st, body)
	} else {
		has(t, body, "审批码不正确")
	}
	st, body := refund("2580")
	if st != 201 {
		t.Fatalf("right PIN: %d %s", st, body)
	}
	has(t, body, "退费成功", "打印退款小票")
	resp, body = cl.Get("/cashier/refunds/1/receipt")
	apptest.Status(t, resp, 200, body)
	has(t, body, "退款小票", "P00000001", "¥1,500.00", "线下退现金")

	path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10)
	resp, body = cl.HX("POST", path+"/card/lost", url.Values{})
	apptest.Status(t, resp, 200, body)
	has(t, body, "已挂失，此卡已停用")
	_, page = cl.HX("GET", path+"/card", nil)
	resp, body = cl.HX("POST", path+"/card/replace", url.Values{"key": {formKey(t, page)}})
	apptest.Status(t, resp, 200, body)
	has(t, body, "新卡已补办")
	var active int64
	db.R.Raw("SELECT COUNT(*) FROM cards WHERE member_id = ? AND status = ?", s.m.ID, models.CardActive).Scan(&active)
	if active != 1 || s.count(t, "cards") != 2 {
		t.Fatalf("after replacing: %d active of %d cards", active, s.count(t, "cards"))
	}

	if _, err := models.PublishConsent(context.Background(), db.W, s.a.Clock.Now(), "v1", "家长授权书"); err != nil {
		t.Fatal(err)
	}
	_, page = cl.Get("/cashier/families/new")
	fam := url.Values{"key": {formKey(t, page)}, "child": {"赵小乐"}, "guardian": {"赵爸爸"}, "phone": {"13700001111"},
		"relation": {"father"}}
	resp, body = cl.PostForm("/cashier/families", fam)
	apptest.Status(t, resp, 422, body)
	has(t, body, "请先征得家长同意")
	fam.Set("consent", "1")
	resp, body = cl.PostForm("/cashier/families", fam)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register family: %d %s", resp.StatusCode, body)
	}
	resp, _ = cl.PostForm("/cashier/families", fam) // the same form again: one family
	if resp.StatusCode != http.StatusSeeOther || s.count(t, "members") != 2 {
		t.Fatalf("a resent registration: %d, %d members", resp.StatusCode, s.count(t, "members"))
	}

	resp, body = cl.PostForm("/cashier/shift/close", url.Values{"counted_cash": {"0"}})
	apptest.Status(t, resp, 422, body)
	has(t, body, "钱箱有差额，请填写原因")
	resp, _ = cl.PostForm("/cashier/shift/close", url.Values{"counted_cash": {"0"}, "note": {"现金已交财务"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("close with a reason: %d", resp.StatusCode)
	}
	_, body = cl.Get(resp.Header.Get("Location"))
	has(t, body, `class="cash-diff"`, "差额原因：现金已交财务")
}
