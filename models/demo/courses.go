package demo

import (
	"context"
	"fmt"
	"time"

	"starcard/models"
	"starcard/models/courses"
)

// demoCourses gives each campus two interest courses with their teacher,
// sells a dozen children a 24-hour package each (cash at the desk) and takes
// the roll call of the last two lesson days, so the desk, the teacher's
// roll call and the parents' class hours have something to show.
func demoCourses(ctx context.Context, d *School) error {
	sys := models.Actor{Type: "system", Device: "demo"}
	for i, cp := range d.Campuses {
		teacher := d.Staff[fmt.Sprintf("teacher%d", i+1)]
		var tid int64
		if teacher != nil {
			tid = teacher.ID
		}
		var kids []int64
		if err := d.DB.R.WithContext(ctx).Raw(`SELECT id FROM members WHERE campus_id = ? AND archived_at IS NULL
			ORDER BY id LIMIT 12`, cp.ID).Scan(&kids).Error; err != nil {
			return err
		}
		for _, spec := range []struct {
			name, weekdays, at string
			price              int64
		}{{"少儿美术", "3,6", "16:30", 10000}, {"英语绘本", "2,4", "17:00", 12000}} {
			c, err := courses.CreateCourse(ctx, d.DB.W, d.Now, sys, courses.NewCourse{CampusID: cp.ID, Name: spec.name,
				Category: models.CategoryInterestClass, PricePerHour: spec.price, TeacherID: tid, Weekdays: spec.weekdays,
				LessonTime: spec.at})
			if err != nil {
				return err
			}
			days := pastLessons(*c, d.Now, d.Loc, 2)
			for _, kid := range kids {
				amount := 24 * spec.price
				_, err := courses.SellPackage(ctx, d.DB, d.Now, models.Idem{Scope: "demo", Key: fmt.Sprintf("pkg-%d-%d", c.ID, kid)},
					courses.SaleInput{MemberID: kid, CourseID: c.ID, Hours: 24, Amount: amount, Actor: sys,
						Payments: []models.Payment{{Method: "cash", Amount: amount}}})
				if _, expected := models.AsError(err); expected {
					continue // e.g. a tier discount changed the total: this child buys no package
				}
				if err != nil {
					return err
				}
				for _, day := range days {
					if _, err := courses.Mark(ctx, d.DB, d.Now, d.Loc, courses.AttendanceInput{CourseID: c.ID, MemberID: kid,
						On: day, Status: courses.StatusPresent, Actor: sys}); err != nil {
						if _, expected := models.AsError(err); !expected {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

// pastLessons are the course's last n lesson days before today, oldest first.
func pastLessons(c courses.Course, now time.Time, loc *time.Location, n int) []string {
	var out []string
	l := now.In(loc)
	for i := 1; i <= 28 && len(out) < n; i++ {
		day := time.Date(l.Year(), l.Month(), l.Day()-i, 12, 0, 0, 0, loc)
		if c.MeetsOn(day) {
			out = append([]string{day.Format(time.DateOnly)}, out...)
		}
	}
	return out
}
