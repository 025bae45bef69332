package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// DemoPassword is the password of every demo account.
const DemoPassword = "starcard123"

// DemoLogins is printed when the demo school starts.
const DemoLogins = `Demo logins (password ` + DemoPassword + `):
  admin      管理员 / administrator
  service    客服负责人 / service head
  manager1   校区负责人 / campus manager (阳光校区)
  cashier1   前台收银 / cashier (阳光校区)
  teacher1   班主任 / teacher (阳光校区)
  kiosk1     签到机 / kiosk device (阳光校区)
`

// Demo is the state shared by the steps that fill the demo school.
type Demo struct {
	DB       *DB
	Now      time.Time
	Loc      *time.Location
	Rand     *rand.Rand
	Campuses []Campus
	Staff    map[string]*StaffUser
}

// SeedDemo fills an empty database with a demo school and reports whether it
// did; a database that already has a campus is left alone.
func SeedDemo(ctx context.Context, db *DB, now time.Time, loc *time.Location) (bool, error) {
	var n int64
	if err := db.R.WithContext(ctx).Raw("SELECT COUNT(*) FROM campuses").Scan(&n).Error; err != nil {
		return false, fmt.Errorf("models: seed demo: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	d := &Demo{DB: db, Now: now, Loc: loc, Rand: rand.New(rand.NewPCG(2026, 11)), Staff: map[string]*StaffUser{}}
	steps := []func(context.Context, *Demo) error{
		demoCampusesAndStaff,
		demoMembers,
		demoLoyalty,
		demoLedger,
		demoPortal,
		demoShifts,
	}
	for _, step := range steps {
		if err := step(ctx, d); err != nil {
			return false, fmt.Errorf("models: seed demo: %w", err)
		}
	}
	return true, nil
}

func demoCampusesAndStaff(ctx context.Context, d *Demo) error {
	for _, c := range []struct{ code, name, addr string }{
		{"SUN", "阳光校区", "上海市浦东新区张杨路 1200 号"},
		{"RIV", "滨江校区", "上海市徐汇区龙腾大道 2800 号"},
	} {
		cp, err := CreateCampus(ctx, d.DB.W, d.Now, c.code, c.name, c.addr)
		if err != nil {
			return err
		}
		d.Campuses = append(d.Campuses, *cp)
	}
	sun, riv := d.Campuses[0].ID, d.Campuses[1].ID
	for _, s := range []struct {
		user, name string
		role       Role
		campuses   []int64
	}{
		{"admin", "王校长", RoleAdmin, nil},
		{"service", "李主管", RoleServiceHead, nil},
		{"manager1", "陈园长", RoleCampusManager, []int64{sun}},
		{"manager2", "赵园长", RoleCampusManager, []int64{riv}},
		{"cashier1", "刘前台", RoleCashier, []int64{sun}},
		{"cashier2", "周前台", RoleCashier, []int64{riv}},
		{"teacher1", "张老师", RoleTeacher, []int64{sun}},
		{"teacher2", "孙老师", RoleTeacher, []int64{riv}},
		{"kiosk1", "阳光校区门口", RoleKiosk, []int64{sun}},
		{"kiosk2", "滨江校区门口", RoleKiosk, []int64{riv}},
	} {
		u, err := CreateStaff(ctx, d.DB.W, d.Now, NewStaff{Username: s.user, Name: s.name, Password: DemoPassword,
			Role: string(s.role), CampusIDs: s.campuses})
		if err != nil {
			return err
		}
		d.Staff[s.user] = u
	}
	return nil
}
