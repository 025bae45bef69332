// Package demo fills an empty database with a demo school: two campuses,
// staff for every role, ~200 children in families, a year of ledger history,
// loyalty levers and closed shifts. `starcard -demo` runs it; tests build on
// it through dbtest.DemoSQLite.
//
// The school is built by Steps in order. Another area adds its demo data
// (grades, complaints, courses…) by appending a Step from its own package's
// demo file, or by adding it to Steps here; each step sees what the earlier
// ones made through *School.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"starcard/models"
	"starcard/models/care"
	"starcard/models/crm"
	"starcard/models/reports"
)

// Password is the password of every demo account, staff and the demo parent.
const Password = "starcard123"

// SchoolName is the demo school's name; Existing recognises the demo by it.
const SchoolName = "星卡示范幼儿园"

// School is the state shared by the steps that fill the demo school.
type School struct {
	DB       *models.DB
	Now      time.Time
	Loc      *time.Location
	Rand     *rand.Rand
	Campuses []models.Campus
	Staff    map[string]*models.StaffUser
	// ParentPhone is the demo parent who logs in to the portal with Password.
	ParentPhone string
}

// Step is one part of the demo school.
type Step struct {
	Name string
	Run  func(context.Context, *School) error
}

// Steps build the demo school in order. Append to it (before Seed runs) to
// add an area's demo data.
var Steps = []Step{
	{"school, campuses and staff", demoCampusesAndStaff},
	{"members, classes and check-ins", demoMembers},
	{"rewards, stamps, coupons and referrals", demoLoyalty},
	{"a year of purchases and top-ups", demoLedger},
	{"the parent portal and feedback", demoPortal},
	{"closed shifts", demoShifts},
	{"courses, class-hour packages and roll calls", demoCourses},
	{"grades, follow-up tasks and calls", func(ctx context.Context, d *School) error {
		return crm.SeedDemo(ctx, d.DB, d.Now, d.Loc)
	}},
	{"complaints in every state and a class survey", func(ctx context.Context, d *School) error {
		_, err := care.SeedDemo(ctx, d.DB, d.Now)
		return err
	}},
	// Last: the check-ins above are written in bulk, not through the events
	// the report summaries follow, so the summaries are summed once from
	// everything the steps wrote.
	{"report summaries of the history", func(ctx context.Context, d *School) error {
		_, err := reports.Rebuild(ctx, d.DB, d.Now)
		return err
	}},
}

// Seed fills an empty database with the demo school and returns it; a
// database that already has a campus is left alone (nil, nil). The notices
// its back-dated history queued are marked skipped: the demo's past is not
// texted to anyone, nor shown to parents as new.
func Seed(ctx context.Context, db *models.DB, now time.Time, loc *time.Location) (*School, error) {
	var n int64
	if err := db.R.WithContext(ctx).Raw("SELECT COUNT(*) FROM campuses").Scan(&n).Error; err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if n > 0 {
		return nil, nil
	}
	d := &School{DB: db, Now: now, Loc: loc, Rand: rand.New(rand.NewPCG(2026, 11)), Staff: map[string]*models.StaffUser{}}
	for _, step := range Steps {
		if err := step.Run(ctx, d); err != nil {
			return nil, fmt.Errorf("demo: %s: %w", step.Name, err)
		}
	}
	// The back-dated arrivals were written around the check-in use case.
	if err := models.RecountMemberDays(ctx, db, loc); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := models.SkipPendingNotices(ctx, db.W, now, "demo history"); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return d, nil
}

// Existing returns the demo school a database already holds, so that a
// restarted demo prints its logins again; nil when the database holds
// another school (or none).
func Existing(ctx context.Context, db *models.DB) (*School, error) {
	sch, err := models.GetSchool(ctx, db.R)
	if err != nil || sch.Name != SchoolName {
		return nil, err
	}
	d := &School{DB: db}
	if err := db.R.WithContext(ctx).Raw(`SELECT phone FROM guardian_logins WHERE password_hash <> '' ORDER BY phone LIMIT 1`).
		Scan(&d.ParentPhone).Error; err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return d, nil
}

// Logins is what `starcard -demo` prints last: who can log in, and where.
func (d *School) Logins(baseURL string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Demo logins at %s (password %s):\n", baseURL, Password)
	for _, l := range []struct{ user, who string }{
		{"admin", "管理员 / administrator"},
		{"service", "客服负责人 / service head"},
		{"manager1", "校区负责人 / campus manager (阳光校区)"},
		{"cashier1", "前台收银 / cashier (阳光校区)"},
		{"teacher1", "班主任 / teacher (阳光校区)"},
		{"kiosk1", "签到机 / kiosk device (阳光校区)"},
	} {
		fmt.Fprintf(&b, "  %-10s %s\n", l.user, l.who)
	}
	if d.ParentPhone != "" {
		fmt.Fprintf(&b, "Parent portal %s/portal/: phone %s, password %s\n", baseURL, d.ParentPhone, Password)
	}
	return b.String()
}

func demoCampusesAndStaff(ctx context.Context, d *School) error {
	if _, err := models.SaveSchool(ctx, d.DB.W, d.Now, models.SchoolInput{Name: SchoolName, ShortName: "星卡幼儿园",
		Phone: "021-5888 1200", Address: "上海市浦东新区张杨路 1200 号"}); err != nil {
		return err
	}
	if err := models.SetSetupStep(ctx, d.DB.W, d.Now, "done", true); err != nil {
		return err
	}
	for _, c := range []struct{ code, name, addr string }{
		{"SUN", "阳光校区", "上海市浦东新区张杨路 1200 号"},
		{"RIV", "滨江校区", "上海市徐汇区龙腾大道 2800 号"},
	} {
		cp, err := models.CreateCampus(ctx, d.DB.W, d.Now, c.code, c.name, c.addr)
		if err != nil {
			return err
		}
		d.Campuses = append(d.Campuses, *cp)
	}
	sun, riv := d.Campuses[0].ID, d.Campuses[1].ID
	for _, s := range []struct {
		user, name string
		role       models.Role
		campuses   []int64
	}{
		{"admin", "王校长", models.RoleAdmin, nil},
		{"service", "李主管", models.RoleServiceHead, nil},
		{"manager1", "陈园长", models.RoleCampusManager, []int64{sun}},
		{"manager2", "赵园长", models.RoleCampusManager, []int64{riv}},
		{"cashier1", "刘前台", models.RoleCashier, []int64{sun}},
		{"cashier2", "周前台", models.RoleCashier, []int64{riv}},
		{"teacher1", "张老师", models.RoleTeacher, []int64{sun}},
		{"teacher2", "孙老师", models.RoleTeacher, []int64{riv}},
		{"kiosk1", "阳光校区门口", models.RoleKiosk, []int64{sun}},
		{"kiosk2", "滨江校区门口", models.RoleKiosk, []int64{riv}},
	} {
		u, err := models.CreateStaff(ctx, d.DB.W, d.Now, models.NewStaff{Username: s.user, Name: s.name, Password: Password,
			Role: string(s.role), CampusIDs: s.campuses})
		if err != nil {
			return err
		}
		d.Staff[s.user] = u
	}
	return nil
}
