package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/demo"
)

var (
	demoNow = time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)
	demoLoc = mustLoc("Asia/Shanghai")
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func count(t *testing.T, db *models.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.R.Raw(q).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// The demo school has what the README promises: members in families with
// cards, classes, consent and a term of check-ins, searchable.
func TestDemoSchoolHasMembersCardsAndCheckins(t *testing.T) {
	db := dbtest.DemoSQLite(t, demoNow, demoLoc)
	members := count(t, db, "SELECT COUNT(*) FROM members")
	classes := count(t, db, "SELECT COUNT(*) FROM classes")
	cards := count(t, db, "SELECT COUNT(*) FROM cards WHERE status = 'active'")
	twoKids := count(t, db, "SELECT COUNT(*) FROM (SELECT family_id FROM members GROUP BY family_id HAVING COUNT(*) > 1) x")
	consent := count(t, db, "SELECT COUNT(DISTINCT guardian_id) FROM consent_grants")
	guardians := count(t, db, "SELECT COUNT(*) FROM guardians")
	checkins := count(t, db, "SELECT COUNT(*) FROM checkins")
	t.Logf("demo: %d members, %d classes, %d families with siblings, %d/%d guardians consented, %d check-ins",
		members, classes, twoKids, consent, guardians, checkins)
	if members != 200 || classes != 10 || cards != 200 || twoKids == 0 || consent < guardians*7/10 || checkins < 10000 {
		t.Fatal("demo school is not as promised")
	}
	ids, _, err := models.SearchMemberIDs(context.Background(), db.R, models.SearchQuery{Q: "z"})
	if err != nil || len(ids) == 0 {
		t.Fatalf("demo members are not searchable: %v", err)
	}
}

// The demo school gets a year of ledger history that verify finds clean,
// with members spread over the tiers.
func TestDemoLedgerHistory(t *testing.T) {
	db := dbtest.DemoSQLite(t, demoNow, demoLoc)
	rep, err := models.Verify(context.Background(), db)
	if err != nil || !rep.Clean() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	var tiers []struct {
		Tier string
		N    int
	}
	db.R.Raw(`SELECT tier, COUNT(*) AS n FROM members GROUP BY tier ORDER BY tier`).Scan(&tiers)
	purchases := count(t, db, `SELECT COUNT(*) FROM purchases`)
	refunds := count(t, db, `SELECT COUNT(*) FROM purchase_refunds`)
	t.Logf("demo: %d journals, %d purchases, %d refunds, tiers %v", rep.Journals, purchases, refunds, tiers)
	if purchases == 0 || len(tiers) < 2 || refunds == 0 {
		t.Fatalf("the history should reach several tiers and include refunds: %v, %d refunds", tiers, refunds)
	}
}

// The demo's past is history: the notices its back-dated events queued are
// never sent, nothing sits in a parent's inbox as new, the school is named
// and set up, and the logins end with the demo parent's phone.
func TestDemoHistoryIsQuietAndLoginsArePrinted(t *testing.T) {
	ctx := context.Background()
	db := dbtest.DemoSQLite(t, demoNow, demoLoc)
	due := count(t, db, "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'failed', 'sending')")
	skipped := count(t, db, "SELECT COUNT(*) FROM outbox WHERE status = 'skipped'")
	inbox := count(t, db, "SELECT COUNT(*) FROM notify_inbox WHERE read_at IS NULL")
	t.Logf("demo outbox: %d skipped, %d due, %d unread", skipped, due, inbox)
	if due != 0 || inbox != 0 || skipped == 0 {
		t.Fatalf("demo history would be sent: %d due, %d unread in inboxes", due, inbox)
	}
	sch, err := models.GetSchool(ctx, db.R)
	if err != nil || sch.Name == "" || !sch.SetupDone() {
		t.Fatalf("demo school not named or set up: %+v %v", sch, err)
	}
	var phone string
	if err := db.R.Raw("SELECT phone FROM guardian_logins WHERE password_hash <> '' ORDER BY phone LIMIT 1").Scan(&phone).Error; err != nil || phone == "" {
		t.Fatalf("no demo parent with a password: %v", err)
	}
	if _, err := models.LoginWithPassword(ctx, db, demoNow, phone, demo.Password, "", ""); err != nil {
		t.Fatalf("demo parent cannot log in: %v", err)
	}
	out := (&demo.School{ParentPhone: phone}).Logins("http://127.0.0.1:8080")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.Contains(out, "cashier1") || !strings.Contains(lines[len(lines)-1], phone) || len(lines) > 10 {
		t.Fatalf("logins should name the staff and end with the demo parent:\n%s", out)
	}
	if again, err := demo.Seed(ctx, db, demoNow, demoLoc); err != nil || again != nil {
		t.Fatalf("a second seed should leave the school alone: %v %v", again, err)
	}
}

// Every area shows something in the demo: families graded, follow-up tasks,
// complaints in several states, a survey answered, and courses whose
// packages were sold and whose lessons consumed hours.
func TestDemoAreasHaveData(t *testing.T) {
	db := dbtest.DemoSQLite(t, demoNow, demoLoc)
	for _, c := range []struct {
		what, q string
		min     int64
	}{
		{"grades other than the lowest", "SELECT COUNT(*) FROM members WHERE grade NOT IN ('', 'general', 'normal')", 1},
		{"follow-up tasks", "SELECT COUNT(*) FROM crm_tasks", 10},
		{"complaint states", "SELECT COUNT(DISTINCT status) FROM complaints", 3},
		{"survey answers", "SELECT COUNT(*) FROM survey_responses", 2},
		{"courses", "SELECT COUNT(*) FROM courses", 4},
		{"class-hour packages", "SELECT COUNT(*) FROM class_hour_packages", 20},
		{"lessons attended", "SELECT COUNT(*) FROM course_attendance WHERE status = 'present'", 20},
		{"arrivals in the report summaries", "SELECT COALESCE(SUM(n), 0) FROM report_daily WHERE metric = 'checkin'", 1000},
		{"days of sales in the report summaries", "SELECT COUNT(DISTINCT day) FROM report_daily WHERE metric = 'sales'", 100},
	} {
		if n := count(t, db, c.q); n < c.min {
			t.Errorf("demo has %d %s, want at least %d", n, c.what, c.min)
		}
	}
}
