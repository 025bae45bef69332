package admin_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"starcard/models"
	"starcard/models/dbtest"
)

// TestReportsPageAndExport: a campus manager opens the dashboard and the
// reports of their campus; the Excel export carries the page's totals;
// another campus is refused (403), a cashier may not open reports, and a
// bad campus id is a field error, not a 500.
func TestReportsPageAndExport(t *testing.T) {
	db := dbtest.SQLite(t)
	w := newMemberAdmin(t, db)
	ctx := context.Background()
	now := w.a.Clock.Now()
	_, kids, err := models.CreateFamily(ctx, db, now, models.SystemActor, models.NewFamily{CampusID: w.sun,
		Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912345678", Relation: "mother"}},
		Children:  []models.NewMember{{Name: "张小明"}, {Name: "张小红"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, rivKids, err := models.CreateFamily(ctx, db, now, models.SystemActor, models.NewFamily{CampusID: w.riv,
		Guardians: []models.NewGuardian{{Name: "李强", Phone: "13912345679", Relation: "father"}},
		Children:  []models.NewMember{{Name: "李小龙"}}})
	if err != nil {
		t.Fatal(err)
	}
	idem := func(k string) models.Idem { return models.Idem{Scope: "t", Key: k, Hash: k} }
	if _, err := models.RecordTopup(ctx, db, now, idem("t1"), models.TopupInput{MemberID: kids[0], Amount: 123456, Method: "cash", Actor: models.SystemActor}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.RecordTopup(ctx, db, now, idem("t2"), models.TopupInput{MemberID: rivKids[0], Amount: 50000, Method: "cash", Actor: models.SystemActor}); err != nil {
		t.Fatal(err)
	}
	buy := func(key string, member, amount int64) {
		if _, err := models.RecordPurchase(ctx, db, now, idem(key), models.PurchaseInput{MemberID: member,
			Items:    []models.PurchaseItem{{Category: models.CategoryMeals, Amount: amount}},
			Payments: []models.Payment{{Method: "wechat", Amount: amount}}, Actor: models.SystemActor}); err != nil {
			t.Fatal(err)
		}
	}
	buy("p1", kids[1], 8800)
	buy("p2", rivKids[0], 99900)

	mgr := w.a.Client(t)
	mgr.Login("mgr", "password123")
	_, home := mgr.Get("/admin")
	for _, want := range []string{`href="/admin/reports#money"`, "¥88.00", `class="spark"`} {
		if !strings.Contains(home, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	resp, body := mgr.Get("/admin/reports")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reports: %d %s", resp.StatusCode, body)
	}
	// Only the manager's campus: 滨江's ¥999 purchase and ¥500 top-up are not here.
	for _, want := range []string{`id="members-total">2<`, `id="money-sales">¥88.00<`, `id="money-topups">¥1,234.56<`,
		`id="liab-principal">¥1,234.56<`, "续班率 = ", "餐费", "微信", `data-inline="{`, "入园人次", `id="money-arrivals">0<`} {
		if !strings.Contains(body, want) {
			t.Errorf("reports page lacks %q", want)
		}
	}
	if strings.Contains(body, "¥999.00") || strings.Contains(body, "滨江校区") {
		t.Error("the manager sees another campus's money")
	}
	// Activity: both children are new, one bought (active); the cohort of
	// this month holds two, half of them seen in their first month.
	for _, want := range []string{`id="act-new">2<`, `id="act-active">1<`, `id="act-churned">0<`, `<td class="num">2</td><td class="num">50%</td>`, `id="loy-per-buyer">¥88.00<`, `id="loy-repeat">0%<`} {
		if !strings.Contains(body, want) {
			t.Errorf("reports page lacks %q", want)
		}
	}
	// The 打印 link opens the same report in print mode (no inline script:
	// reports.js reads the marker).
	if !strings.Contains(body, `id="report-print"`) || !strings.Contains(body, "print=1") || strings.Contains(body, "data-autoprint") {
		t.Error("the print link is missing or the page prints unasked")
	}
	if _, pb := mgr.Get("/admin/reports?print=1"); !strings.Contains(pb, `data-autoprint="1"`) || !strings.Contains(pb, `id="members-total">2<`) {
		t.Error("print mode lacks its marker or the figures")
	}
	// The filters narrow the member sections and ride into the export link.
	_, body = mgr.Get("/admin/reports?tier=gold")
	if !strings.Contains(body, `id="members-total">0<`) || !strings.Contains(body, `id="act-new">0<`) ||
		!strings.Contains(body, `/admin/reports.xlsx?`) || !strings.Contains(body, `&amp;tier=gold`) {
		t.Error("the tier filter does not narrow the members or is not carried into the export")
	}
	for _, bad := range []string{"tier=diamond", "class_id=x", "course_id=-3"} {
		if resp, _ := mgr.Get("/admin/reports?" + bad); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", bad, resp.StatusCode)
		}
	}
	resp, body = mgr.Get(fmt.Sprintf("/admin/reports?campus_id=%d", w.riv))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("another campus: %d", resp.StatusCode)
	}
	resp, _ = mgr.Get("/admin/reports?campus_id=abc&from=nonsense")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad campus id: %d", resp.StatusCode)
	}
	resp, body = mgr.Get("/admin/reports.xlsx?grain=month")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "PK") {
		t.Fatalf("export: %d", resp.StatusCode)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	money, err := f.GetRows("收入")
	if err != nil {
		t.Fatal(err)
	}
	var total []string
	for _, r := range money {
		if len(r) > 0 && r[0] == "合计" {
			total = r
		}
	}
	if len(total) < 8 || total[1] != "88" || total[3] != "1234.56" || total[6] != "0" {
		t.Fatalf("export totals %v, the page says ¥88.00 sales and ¥1,234.56 top-ups", total)
	}
	mem, err := f.GetRows("会员")
	if err != nil {
		t.Fatal(err)
	}
	acts := map[string]string{}
	for _, r := range mem {
		if len(r) > 1 {
			acts[r[0]] = r[1]
		}
	}
	if acts["新增会员"] != "2" || acts["活跃会员"] != "1" || acts["流失会员"] != "0" {
		t.Fatalf("export activity %v, the page says 2 new, 1 active, 0 churned", acts)
	}
	coh, err := f.GetRows("按建档月份的留存")
	if err != nil || len(coh) < 3 || coh[len(coh)-1][1] != "2" || coh[len(coh)-1][2] != "50" {
		t.Fatalf("export cohorts %v %v", coh, err)
	}
	loy, err := f.GetRows("忠诚度")
	if err != nil || len(loy) < 3 || loy[0][0] != "消费会员" || loy[0][1] != "1" || loy[2][1] != "88" {
		t.Fatalf("export loyalty %v %v, the page says 1 buyer paying ¥88.00 on average", loy, err)
	}
	liab, err := f.GetRows("负债（预收）")
	if err != nil || len(liab) != 3 || liab[2][2] != "1234.56" {
		t.Fatalf("export liabilities %v %v", liab, err)
	}

	w.a.Staff(t, "desk", models.RoleCashier, w.sun)
	desk := w.a.Client(t)
	desk.Login("desk", "password123")
	if resp, _ := desk.Get("/admin/reports"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a cashier opened the reports: %d", resp.StatusCode)
	}
}

// TestAuditLogReadable: names instead of "staff #5", actions in words, ¥
// amounts, local times; routine profile views hidden until asked for; the
// filters narrow the list; a campus manager reads only their campus.
func TestAuditLogReadable(t *testing.T) {
	db := dbtest.SQLite(t)
	w := newMemberAdmin(t, db)
	ctx := context.Background()
	now := w.a.Clock.Now() // Monday 09:30 in Shanghai
	_, kids, err := models.CreateFamily(ctx, db, now, models.SystemActor, models.NewFamily{CampusID: w.sun,
		Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912345678", Relation: "mother"}},
		Children:  []models.NewMember{{Name: "张小明"}}})
	if err != nil {
		t.Fatal(err)
	}
	bossID := w.a.Staff(t, "boss", models.RoleAdmin).ID
	if err := db.W.Exec("UPDATE staff_users SET name = '陈校长' WHERE id = ?", bossID).Error; err != nil {
		t.Fatal(err)
	}
	act := models.Actor{Type: "staff", ID: bossID, CampusID: w.sun}
	for _, e := range []struct {
		action, detail string
		campus         int64
	}{{"purchase.refund", "amount=15000 points_reversed=0 shortfall=0 reason=家长 退课", w.sun}, {"member.view", "", w.sun}, {"card.freeze", "", w.riv},
		{"complaint.compensate", "kind=points points=300 coupon=0 refund=0", w.sun}} {
		act.CampusID = e.campus
		if err := models.Audit(ctx, db.W, now, act, e.action, "member", kids[0], e.detail); err != nil {
			t.Fatal(err)
		}
	}
	mgr := w.a.Client(t)
	mgr.Login("mgr", "password123")
	resp, body := mgr.Get("/admin/audit")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audit: %d", resp.StatusCode)
	}
	for _, want := range []string{"陈校长", "消费退款", "金额 ¥150.00", "原因 家长 退课", "张小明", "09:30", "类型 积分"} {
		if !strings.Contains(body, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
	for _, not := range []string{"staff #", "amount=15000", "查看学员档案", "冻结会员卡", "类型 points"} {
		if strings.Contains(body, not) {
			t.Errorf("audit log shows %q (raw, routine, or another campus)", not)
		}
	}
	_, body = mgr.Get("/admin/audit?routine=1")
	if !strings.Contains(body, "查看学员档案") {
		t.Error("routine views are not shown when asked for")
	}
	_, body = mgr.Get("/admin/audit?what=card&routine=1")
	if strings.Contains(body, "消费退款") || strings.Contains(body, "查看学员档案") {
		t.Error("the what filter does not narrow the list")
	}
	_, body = mgr.Get("/admin/audit?member=李")
	if strings.Contains(body, "消费退款") {
		t.Error("the member filter does not narrow the list")
	}
	_, body = mgr.Get("/admin/audit?from=2026-10-01&to=2026-10-31")
	if strings.Contains(body, "消费退款") {
		t.Error("the date filter does not narrow the list")
	}
}
