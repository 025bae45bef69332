package cashier_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// deskSchool is a campus with a cashier, its manager, another campus's
// manager, and one child with a card.
type deskSchool struct {
	a      *apptest.App
	db     *models.DB
	campus int64
	other  int64
	m      models.MemberView
}

func newDeskSchool(t *testing.T, db *models.DB) *deskSchool { return newDeskSchoolTB(t, db) }

func newDeskSchoolTB(t testing.TB, db *models.DB) *deskSchool {
	t.Helper()
	a := apptest.New(t, db)
	ctx := context.Background()
	now := a.Clock.Now()
	sun, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "上海市浦东新区张杨路 1200 号")
	if err != nil {
		t.Fatal(err)
	}
	riv, err := models.CreateCampus(ctx, db.W, now, "RIV", "滨江校区", "")
	if err != nil {
		t.Fatal(err)
	}
	cls, err := models.CreateClass(ctx, db.W, now, sun.ID, "大一班")
	if err != nil {
		t.Fatal(err)
	}
	var m *models.Member
	if err := db.Tx(ctx, func(tx *gorm.DB) error {
		m, err = models.CreateMember(ctx, tx, now, models.SystemActor, models.NewMember{Name: "张小明", CampusID: sun.ID,
			ClassID: cls.ID, Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912341234", Relation: "mother"}}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "desk", models.RoleCashier, sun.ID)
	a.Staff(t, "boss", models.RoleCampusManager, sun.ID)
	a.Staff(t, "farboss", models.RoleCampusManager, riv.ID)
	vs, err := models.MemberViews(ctx, db.R, []int64{m.ID})
	if err != nil {
		t.Fatal(err)
	}
	return &deskSchool{a: a, db: db, campus: sun.ID, other: riv.ID, m: vs[0]}
}

// topUp gives the member stored value through the ledger (not the desk).
func (s *deskSchool) topUp(t *testing.T, fen int64) {
	t.Helper()
	_, err := models.RecordTopup(context.Background(), s.db, s.a.Clock.Now(),
		models.Idem{Scope: "test", Key: "seed-" + strconv.FormatInt(time.Now().UnixNano(), 10), Hash: "x"},
		models.TopupInput{MemberID: s.m.ID, Amount: fen, Method: "cash", Actor: models.SystemActor})
	if err != nil {
		t.Fatal(err)
	}
}

func (s *deskSchool) balances(t *testing.T) models.Balances {
	t.Helper()
	b, err := models.MemberBalances(context.Background(), s.db.R, s.m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b[s.m.ID]
}

func (s *deskSchool) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := s.db.R.Raw("SELECT COUNT(*) FROM " + table).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// cashierIn logs the cashier in and opens a shift with a ¥200 float.
func (s *deskSchool) cashierIn(t *testing.T, user string) *apptest.Client {
	t.Helper()
	cl := s.a.Client(t)
	cl.Login(user, "password123")
	cl.Get("/cashier/shift")
	resp, body := cl.PostForm("/cashier/shift/open", url.Values{"opening_cash": {"200"}, "campus_id": {strconv.FormatInt(s.campus, 10)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("open shift: %d %s", resp.StatusCode, body)
	}
	return cl
}

var keyRe = regexp.MustCompile(`name="key" value="([0-9a-f]+)"`)

// form returns the idempotency key of the form on a page.
func formKey(t *testing.T, body string) string {
	t.Helper()
	m := keyRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form key in:\n%s", body)
	}
	return m[1]
}

func purchaseForm(key string, amounts []string, pay map[string]string, points string) url.Values {
	v := url.Values{"key": {key}, "points": {points}}
	for _, a := range amounts {
		v.Add("cat", "tuition")
		v.Add("amt", a)
		v.Add("desc", "")
	}
	for m, a := range pay {
		v.Set("pay_"+m, a)
	}
	return v
}

func has(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", body)
		t.FailNow()
	}
}

func TestDeskScanFindsTheMemberAndShowsThePanel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newDeskSchool(t, db)
		s.topUp(t, 50000)
		cl := s.cashierIn(t, "desk")
		resp, page := cl.Get("/cashier")
		apptest.Status(t, resp, 200, page)
		has(t, page, "data-keep-focus", "当班中 · 阳光校区")
		// Card number, QR token, name, initials and phone tail all find him.
		for _, q := range []string{s.m.CardNo, models.CardToken(s.a.Deps.Secret, s.m.CardNo, 1), "张小明", "zxm", "1234"} {
			resp, body := cl.HX("GET", "/cashier/find?q="+url.QueryEscape(q), nil)
			apptest.Status(t, resp, 200, body)
			has(t, body, "张小明", "大一班", "阳光校区", "银卡", "¥500.00", "139****1234", `name="key"`)
			if strings.Contains(body, "13912341234") {
				t.Fatalf("a cashier sees the full phone number")
			}
		}
		resp, body := cl.HX("GET", "/cashier/find?q=nobody", nil)
		apptest.Status(t, resp, 200, body)
		has(t, body, "没有找到")
		if _, err := models.FreezeCard(context.Background(), db, s.a.Clock.Now(), models.SystemActor, s.m.ID); err != nil {
			t.Fatal(err)
		}
		_, body = cl.HX("GET", "/cashier/find?q="+s.m.CardNo, nil)
		has(t, body, "挂失")
		_, body = cl.HX("GET", "/cashier/find?q=张小明", nil)
		has(t, body, "此卡已挂失")
	})
}

func TestDeskPurchasePreviewConfirmAndReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newDeskSchool(t, db)
		s.topUp(t, 50000) // ¥500 principal
		cl := s.cashierIn(t, "desk")
		_, page := cl.Get("/cashier/members/" + strconv.FormatInt(s.m.ID, 10))
		key := formKey(t, page)
		path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10)
		// Preview: ¥1,280 tuition; fill the rest with stored value, then cash.
		resp, body := cl.HX("POST", path+"/purchase/preview", purchaseForm(key, []string{"1280"}, nil, ""))
		apptest.Status(t, resp, 200, body)
		has(t, body, "¥1,280.00", "还需收款 ¥1,280.00", "+1,280")
		f := purchaseForm(key, []string{"1280"}, nil, "")
		f.Set("fill", "stored_value")
		_, body = cl.HX("POST", path+"/purchase/preview", f)
		has(t, body, `value="500.00"`, "还需收款 ¥780.00")
		f = purchaseForm(key, []string{"1280"}, map[string]string{"stored_value": "500"}, "")
		f.Set("fill", "cash")
		_, body = cl.HX("POST", path+"/purchase/preview", f)
		has(t, body, `value="780.00"`, "收款金额已对上", "确认收款 ¥1,280.00")
		// Confirm twice with the same key: one purchase, charged once.
		final := purchaseForm(key, []string{"1280"}, map[string]string{"stored_value": "500", "cash": "780"}, "")
		resp, body = cl.HX("POST", path+"/purchases", final)
		apptest.Status(t, resp, 201, body)
		has(t, body, "收款成功", "P0000000", "¥1,280.00", "+1,280", `hx-swap-oob="true"`)
		resp, body = cl.HX("POST", path+"/purchases", final)
		apptest.Status(t, resp, 201, body)
		has(t, body, "没有重复扣款")
		if n := s.count(t, "purchases"); n != 1 {
			t.Fatalf("%d purchases, want 1", n)
		}
		if b := s.balances(t); b.StoredValue() != 0 || b.Points != 1280 {
			t.Fatalf("balances after: %+v", b)
		}
		// The same key with another purchase is refused, not applied.
		resp, body = cl.HX("POST", path+"/purchases", purchaseForm(key, []string{"10"}, map[string]string{"cash": "10"}, ""))
		apptest.Status(t, resp, 422, body)
		if n := s.count(t, "purchases"); n != 1 {
			t.Fatalf("%d purchases after a reused key, want 1", n)
		}
		// The receipt prints the items, the payments and the balances after.
		resp, body = cl.Get("/cashier/purchases/1/receipt")
		apptest.Status(t, resp, 200, body)
		has(t, body, "P00000001", "阳光校区", "学费", "现金", "¥780.00", "储值", "¥500.00", "data:image/png;base64,", "1,280")
	})
}

func TestDeskPurchaseRefusalsChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newDeskSchool(t, db)
		s.topUp(t, 10000) // ¥100
		cl := s.cashierIn(t, "desk")
		path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10)
		_, page := cl.Get(path)
		key := formKey(t, page)
		before := s.balances(t)
		cases := []struct {
			name string
			form url.Values
			want []string
		}{
			{"three decimals", purchaseForm(key, []string{"12.345"}, map[string]string{"cash": "12.35"}, ""), []string{"最多两位小数"}},
			{"negative", purchaseForm(key, []string{"-3"}, map[string]string{"cash": "3"}, ""), []string{"不能为负"}},
			{"no lines", purchaseForm(key, []string{""}, nil, ""), []string{"请至少输入一项消费金额"}},
			{"payments short", purchaseForm(key, []string{"100"}, map[string]string{"cash": "50"}, ""), []string{"支付合计 ¥50.00 与应付金额 ¥100.00 不一致"}},
			{"stored value short", purchaseForm(key, []string{"300"}, map[string]string{"stored_value": "300"}, ""), []string{"储值余额不足"}},
			{"points above the cap", purchaseForm(key, []string{"100"}, map[string]string{"cash": "0.5"}, "9950"), []string{"积分抵现最多抵扣账单的 50%"}},
			{"points not owned", purchaseForm(key, []string{"100"}, map[string]string{"cash": "99"}, "100"), []string{"可用积分不足"}},
		}
		for _, c := range cases {
			resp, body := cl.HX("POST", path+"/purchases", c.form)
			if resp.StatusCode != 422 {
				t.Errorf("%s: status %d, want 422", c.name, resp.StatusCode)
			}
			has(t, body, c.want...)
		}
		if n := s.count(t, "purchases"); n != 0 {
			t.Fatalf("%d purchases recorded by refusals", n)
		}
		if b := s.balances(t); b != before {
			t.Fatalf("balances moved: %+v → %+v", before, b)
		}
	})
}

func TestDeskNeedsAnOpenShiftToTakeMoney(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newDeskSchool(t, db)
		cl := s.a.Client(t)
		cl.Login("desk", "password123")
		path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10)
		_, page := cl.Get(path)
		has(t, page, "尚未开班")
		resp, body := cl.HX("POST", path+"/purchases", purchaseForm(formKey(t, page), []string{"10"}, map[string]string{"cash": "10"}, ""))
		apptest.Status(t, resp, 422, body)
		has(t, body, "请先开班")
		if n := s.count(t, "purchases"); n != 0 {
			t.Fatalf("%d purchases without a shift", n)
		}
	})
}

// buy records a purchase through the desk and returns its id.
func (s *deskSchool) buy(t *testing.T, cl *apptest.Client, amount string, pay map[string]string, points string) {
	t.Helper()
	path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10)
	_, page := cl.Get(path)
	resp, body := cl.HX("POST", path+"/purchases", purchaseForm(formKey(t, page), []string{amount}, pay, points))
	apptest.Status(t, resp, 201, body)
}

func TestDeskTopupBonusAndCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newDeskSchool(t, db)
		cl := s.cashierIn(t, "desk")
		path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10)
		resp, page := cl.HX("GET", path+"/topup", nil)
		apptest.Status(t, resp, 200, page)
		has(t, page, "预付费上限 ¥5,000.00", "满 ¥1,000.00 送 ¥100.00")
		key := formKey(t, page)
		resp, body := cl.HX("POST", path+"/topup/preview", url.Values{"key": {key}, "amount": {"1000"}, "method": {"wechat"}})
		apptest.Status(t, resp, 200, body)
		has(t, body, "+¥100.00", "¥1,100.00", "确认充值 ¥1,000.00")
		resp, body = cl.HX("POST", path+"/topups", url.Values{"key": {key}, "amount": {"1000"}, "method": {"wechat"}})
		apptest.Status(t, resp, 201, body)
		has(t, body, "充值成功", "T00000001", "储值 ¥1,100.00")
		// ¥1,100 held, cap ¥5,000: ¥3,900 of room, and a ¥3,900 top-up would
		// earn a ¥400 bonus, so the most that fits is ¥3,500 (+¥400 = ¥3,900).
		_, page = cl.HX("GET", path+"/topup", nil)
		key = formKey(t, page)
		before := s.balances(t)
		resp, body = cl.HX("POST", path+"/topups", url.Values{"key": {key}, "amount": {"4000"}, "method": {"cash"}})
		apptest.Status(t, resp, 422, body)
		has(t, body, "超出预付费上限 ¥5,000.00（当前储值 ¥1,100.00），本次最多还可充值 ¥3,500.00")
		if b := s.balances(t); b != before {
			t.Fatalf("a refused top-up moved balances: %+v → %+v", before, b)
		}
		resp, body = cl.HX("POST", path+"/topups", url.Values{"key": {key}, "amount": {"100"}, "method": {"bitcoin"}})
		apptest.Status(t, resp, 422, body)
		has(t, body, "充值方式只能是现金、微信、支付宝或银行卡")
		if n := s.count(t, "topups"); n != 1 {
			t.Fatalf("%d top-ups, want 1", n)
		}
	})
}

func TestDeskRefundHalfThenApprovalAboveThreshold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newDeskSchool(t, db)
		s.topUp(t, 100000) // ¥1,000 principal + ¥100 bonus
		cl := s.cashierIn(t, "desk")
		// ¥600: ¥400 stored value (bonus first: ¥100 bonus + ¥300 principal) + ¥200 cash.
		s.buy(t, cl, "600", map[string]string{"stored_value": "400", "cash": "200"}, "")
		if b := s.balances(t); b.StoredValue() != 70000 || b.Points != 600 {
			t.Fatalf("after the purchase: %+v", b)
		}
		resp, page := cl.HX("GET", "/cashier/purchases/1/refund", nil)
		apptest.Status(t, resp, 200, page)
		has(t, page, "可退金额 ¥600.00")
		key := formKey(t, page)
		// A reason is required; nothing moves without one.
		resp, body := cl.HX("POST", "/cashier/refunds", url.Values{"key": {key}, "kind": {"P"}, "id": {"1"}, "amount": {"300"}})
		apptest.Status(t, resp, 422, body)
		has(t, body, "请填写退费原因")
		resp, body = cl.HX("POST", "/cashier/refunds", url.Values{"key": {key}, "kind": {"P"}, "id": {"1"}, "amount": {"300"}, "reason": {"退班"}})
		apptest.Status(t, resp, 201, body)
		has(t, body, "退费成功", "退回储值", "¥200.00", "需退还现金", "¥100.00", "扣回所得积分")
		if b := s.balances(t); b.StoredValue() != 90000 || b.Points != 300 {
			t.Fatalf("after refunding half: %+v", b)
		}
		// The other ¥300 is within the threshold (¥1,000) too; a bigger
		// purchase's refund needs the manager.
		s.buy(t, cl, "1500", map[string]string{"cash": "1500"}, "")
		_, page = cl.HX("GET", "/cashier/purchases/2/refund", nil)
		has(t, page, "校区负责人审批")
		key = formKey(t, page)
		form := func(user, pass string) url.Values {
			return url.Values{"key": {key}, "kind": {"P"}, "id": {"2"}, "amount": {"1500"}, "reason": {"收错金额"},
				"approver_username": {user}, "approver_password": {pass}}
		}
		before := s.balances(t)
		for _, c := range []struct{ user, pass, want string }{
			{"", "", "需校区负责人输入用户名和密码审批"},
			{"boss", "wrong-password", "审批未通过"},
			{"farboss", "password123", "审批未通过"}, // a manager of another campus
			{"desk", "password123", "审批未通过"},    // the cashier herself
		} {
			resp, body := cl.HX("POST", "/cashier/refunds", form(c.user, c.pass))
			if resp.StatusCode != 422 {
				t.Errorf("approver %q: status %d, want 422", c.user, resp.StatusCode)
			}
			has(t, body, c.want)
		}
		if b := s.balances(t); b != before || s.count(t, "purchase_refunds") != 1 {
			t.Fatalf("a refused refund moved something: %+v → %+v", before, b)
		}
		resp, body = cl.HX("POST", "/cashier/refunds", form("boss", "password123"))
		apptest.Status(t, resp, 201, body)
		has(t, body, "退费成功", "审批人：boss")
		var n int64
		db.R.Raw("SELECT COUNT(*) FROM audit_log WHERE action = 'refund.approve'").Scan(&n)
		if n != 1 {
			t.Fatalf("%d approvals audited, want 1", n)
		}
		db.R.Raw("SELECT COUNT(*) FROM audit_log WHERE action = 'refund.approve_failed'").Scan(&n)
		if n != 3 {
			t.Fatalf("%d failed approvals audited, want 3", n)
		}
	})
}

func TestDeskShiftReportAndClose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newDeskSchool(t, db)
		cl := s.cashierIn(t, "desk")
		path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10)
		_, page := cl.HX("GET", path+"/topup", nil)
		resp, body := cl.HX("POST", path+"/topups", url.Values{"key": {formKey(t, page)}, "amount": {"1000"}, "method": {"cash"}})
		apptest.Status(t, resp, 201, body)
		s.buy(t, cl, "300", map[string]string{"stored_value": "100", "wechat": "200"}, "")
		s.buy(t, cl, "50", map[string]string{"cash": "50"}, "")
		resp, body = cl.Get("/cashier/shift")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("open shift page: %d", resp.StatusCode)
		}
		resp, body = cl.Get(resp.Header.Get("Location"))
		apptest.Status(t, resp, 200, body)
		// Cash: ¥1,000 top-up + ¥50 sale on a ¥200 float = ¥1,250 in the drawer.
		has(t, body, "班次报表", `<strong id="n-purchases">2</strong>`, `<strong id="n-topups">1</strong>`,
			"备用金 ¥200.00", "现金净收 ¥1,050.00 = 钱箱应有 ¥1,250.00", `<strong id="points-given">350</strong>`)
		resp, body = cl.PostForm("/cashier/shift/close", url.Values{"counted_cash": {"1,249.50"}, "note": {"少五毛"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("close: %d %s", resp.StatusCode, body)
		}
		_, body = cl.Get(resp.Header.Get("Location"))
		has(t, body, "交班点钞 ¥1,249.50", "差额 -¥0.50", "少五毛")
		if strings.Contains(body, `id="close-shift"`) {
			t.Fatal("a closed shift still offers the close form")
		}
		// Closed: the desk refuses money until a new shift.
		_, page = cl.Get(path)
		resp, body = cl.HX("POST", path+"/purchases", purchaseForm(formKey(t, page), []string{"10"}, map[string]string{"cash": "10"}, ""))
		apptest.Status(t, resp, 422, body)
		// The campus manager sees the day.
		mgr := s.a.Client(t)
		mgr.Login("boss", "password123")
		resp, body = mgr.Get("/cashier/daily")
		apptest.Status(t, resp, 200, body)
		has(t, body, "校区日报", "阳光校区", `<strong id="n-purchases">2</strong>`, "desk")
		// A cashier may not read the daily report.
		resp, _ = cl.Get("/cashier/daily")
		apptest.Status(t, resp, 403, "")
	})
}

func TestDeskPurchaseThatCrossesGoldSaysSo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newDeskSchool(t, db)
		cl := s.cashierIn(t, "desk")
		path := "/cashier/members/" + strconv.FormatInt(s.m.ID, 10)
		_, page := cl.Get(path)
		has(t, page, "再消费 ¥5,000.00 即可升级金卡")
		f := purchaseForm(formKey(t, page), []string{"5000"}, map[string]string{"wechat": "5000"}, "")
		_, body := cl.HX("POST", path+"/purchase/preview", f)
		has(t, body, "本单完成后将升级为金卡")
		resp, body := cl.HX("POST", path+"/purchases", f)
		apptest.Status(t, resp, 201, body)
		has(t, body, "恭喜，会员已升级为金卡", `class="tier tier-gold"`)
	})
}
