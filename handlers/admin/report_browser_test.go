package admin_test

import (
	"strings"
	"testing"
	"time"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestBrowserReports is issue 16's walk on the demo school: a campus
// manager opens the dashboard, follows the sales figure into the reports,
// sees the charts drawn, changes the date range and grain; an admin picks
// one campus of several.
func TestBrowserReports(t *testing.T) {
	b := apptest.Browser(t)
	now := demoNow
	db := dbtest.DemoSQLite(t, now, apptest.Shanghai)
	a := apptest.New(t, db)
	a.Clock.T = now
	var campus struct {
		ID   int64
		Name string
	}
	if err := db.R.Raw("SELECT id, name FROM campuses ORDER BY id LIMIT 1").Scan(&campus).Error; err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "rmgr", models.RoleCampusManager, campus.ID)
	a.Staff(t, "rboss", models.RoleAdmin)
	base := a.Serve(t)

	mgr := desk(t, b, base, "rmgr", "/admin")
	waitText(t, mgr, "section.dashboard h2", "经营概览")
	if _, err := mgr.Timeout(10 * time.Second).Element(".spark[data-drawn]"); err != nil {
		t.Fatalf("the sparkline was not drawn: %v", err)
	}
	apptest.Shot(t, mgr, "reports-1280-1-dashboard")
	click(t, mgr, "#dash-sales")
	waitText(t, mgr, "h1", "经营报表")
	for _, sel := range []string{"#members .report-chart[data-drawn]", "#money .report-chart[data-drawn]"} {
		if _, err := mgr.Timeout(10 * time.Second).Element(sel); err != nil {
			t.Fatalf("chart %s not drawn: %v", sel, err)
		}
	}
	if got := mgr.MustElement("#members-total").MustText(); got == "0" {
		t.Fatalf("the demo campus has no members on the report")
	}
	apptest.Shot(t, mgr, "reports-1280-2-reports")

	// A longer range by month.
	from := now.In(apptest.Shanghai).AddDate(0, -3, 0).Format("2006-01-02")
	mgr.MustElement(`input[name=from]`).MustEval(`function (v) { this.value = v }`, from)
	mgr.MustElement(`select[name=grain]`).MustSelect("月")
	click(t, mgr, `.report-filters button[type=submit]`)
	waitText(t, mgr, "hgroup p", from)
	if href := mgr.MustElement("#report-export").MustProperty("href").String(); !strings.Contains(href, "grain=month") || !strings.Contains(href, "from="+from) {
		t.Fatalf("the export does not follow the filters: %s", href)
	}
	mgr.MustElement("#money").MustScrollIntoView()
	apptest.Shot(t, mgr, "reports-1280-3-by-month")
	mgr.MustElement("#renewal").MustScrollIntoView()
	apptest.Shot(t, mgr, "reports-1280-4-renewal-service")
	for _, sec := range []string{"activity", "cohort", "loyalty"} {
		mgr.MustElement("#" + sec).MustScrollIntoView()
		apptest.Shot(t, mgr, "reports-1280-7-"+sec)
	}

	// The audit log reads in words; routine views behind the checkbox.
	goTo(mgr, base+"/admin/audit")
	waitText(t, mgr, "h1", "操作日志")
	if body := mgr.MustElement("#audit-table").MustText(); strings.Contains(body, "staff #") {
		t.Fatalf("the audit log shows raw actors:\n%s", body)
	}
	apptest.Shot(t, mgr, "reports-1280-6-audit")

	boss := desk(t, b, base, "rboss", "/admin/reports")
	boss.MustElement(`select[name=campus_id]`).MustSelect(campus.Name)
	click(t, boss, `.report-filters button[type=submit]`)
	waitText(t, boss, "#liab-table tbody tr", campus.Name)
	if n := len(boss.MustElements("#liab-table tbody tr")); n != 1 {
		t.Fatalf("one campus picked, %d liability lines", n)
	}
	boss.MustElement("#liabilities").MustScrollIntoView()
	apptest.Shot(t, boss, "reports-1280-5-admin-one-campus")
}
