package reports_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/courses"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// TestRenewalByGroup: of the art course's two students on 1 December, one
// bought again after the lesson (renewed) and one used up her only hour
// (finished): 续班率 50%, 续费率 50%, split by class, teacher and campus;
// a class filter narrows it to the finished one.
func TestRenewalByGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := seed(t, db)
		later := t0.Add(time.Hour)
		if _, err := courses.SellPackage(ctx, db, later, f.idem("sale-2"), courses.SaleInput{MemberID: f.members[1], CourseID: f.course.ID,
			Hours: 10, Amount: 30000, Payments: []models.Payment{{Method: "cash", Amount: 30000}}, Actor: f.actor[0]}); err != nil {
			t.Fatal(err)
		}
		e := f.member(t, 0, "孙小美")
		if err := db.W.Exec("INSERT INTO classes (campus_id, name, created_at) VALUES (?, '大一班', ?)", f.campus[0], t0).Error; err != nil {
			t.Fatal(err)
		}
		var class int64
		if err := db.R.Raw("SELECT id FROM classes WHERE name = '大一班'").Scan(&class).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.W.Exec("UPDATE members SET class_id = ? WHERE id = ?", class, e.ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := courses.SellPackage(ctx, db, t0, f.idem("sale-3"), courses.SaleInput{MemberID: e.ID, CourseID: f.course.ID,
			Hours: 1, Amount: 3333, Payments: []models.Payment{{Method: "cash", Amount: 3333}}, Actor: f.actor[0]}); err != nil {
			t.Fatal(err)
		}
		if _, err := courses.MarkAttendance(ctx, db, t0, shanghai, f.idem("att-2"), courses.AttendanceInput{
			CourseID: f.course.ID, MemberID: e.ID, On: "2026-12-01", Status: courses.StatusPresent, Actor: f.actor[0]}); err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai)
		p := reports.Period{From: day, To: day.AddDate(0, 0, 1), Loc: shanghai, Grain: reports.GrainDay}
		r, err := reports.Build(ctx, db.R, p)
		if err != nil {
			t.Fatal(err)
		}
		g := func(name string, s, rn, fin int64) reports.RenewalGroup {
			return reports.RenewalGroup{Name: name, Students: s, Renewed: rn, Finished: fin}
		}
		if r.Renewal.Total != g("", 2, 1, 1) || r.Renewal.Total.Pct() != 50 || r.Renewal.Total.FeePct() != 50 {
			t.Fatalf("total %+v", r.Renewal.Total)
		}
		if len(r.Renewals) != 1 || r.Renewals[0].Students != 2 || r.Renewals[0].Renewed != 1 || r.Renewals[0].Finished != 1 || r.Renewals[0].FeePct != 50 {
			t.Fatalf("course lines %+v", r.Renewals)
		}
		for name, c := range map[string]struct{ got, want []reports.RenewalGroup }{
			"class":   {r.Renewal.ByClass, []reports.RenewalGroup{g("大一班", 1, 0, 1), g("", 1, 1, 0)}},
			"teacher": {r.Renewal.ByTeacher, []reports.RenewalGroup{g("", 2, 1, 1)}},
			"campus":  {r.Renewal.ByCampus, []reports.RenewalGroup{g("N校区", 2, 1, 1)}},
		} {
			if len(c.got) != len(c.want) {
				t.Errorf("by %s: %+v, want %+v", name, c.got, c.want)
				continue
			}
			for i := range c.want {
				if c.got[i] != c.want[i] {
					t.Errorf("by %s: %+v, want %+v", name, c.got, c.want)
				}
			}
		}
		p.Filter = reports.Filter{ClassID: class}
		if r, err = reports.Build(ctx, db.R, p); err != nil || r.Renewal.Total != g("", 1, 0, 1) {
			t.Fatalf("class filter: %+v %v", r.Renewal.Total, err)
		}
	})
}
