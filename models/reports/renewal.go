package reports

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Renewal in the reports, read by SQL from the courses area's tables:
//
//   - 续班率 = renewed / students: of the students who attended a lesson of a
//     course in the period, the share who bought the course's hours again in
//     the period after their first lesson of it (models/courses.Renewals).
//   - 续费率 = renewed / (renewed + finished): "finished" are the students who
//     attended, did not renew and now hold no hours of the course — those
//     who came to the end of their hours; students still holding hours are
//     left out.
//
// The figures are kept per course, and summed per class (the child's
// class), teacher (the course's) and campus (the course's).

// RenewalGroup is a class's, teacher's or campus's renewal.
type RenewalGroup struct {
	Name     string
	Students int64
	Renewed  int64
	Finished int64
}

// Pct is the 续班率 in percent.
func (g RenewalGroup) Pct() int64 { return Pct(g.Renewed, g.Students) }

// FeePct is the 续费率 in percent.
func (g RenewalGroup) FeePct() int64 { return Pct(g.Renewed, g.Renewed+g.Finished) }

// Renewals is the renewal section.
type Renewals struct {
	ByClass, ByTeacher, ByCampus []RenewalGroup
	Total                        RenewalGroup
}

type renewalStudent struct {
	CourseID, CampusID, TeacherID, ClassID int64
	Course, Teacher, Class                 string
	Renewed, Holding                       int64
}

// renewalStudents reads one row per (course, student) who attended a
// lesson in the period: bounded by the period's attendance.
func renewalStudents(ctx context.Context, db *gorm.DB, p Period) ([]renewalStudent, error) {
	fromDay, toDay := p.From.In(p.Loc).Format(time.DateOnly), p.To.In(p.Loc).Format(time.DateOnly)
	cond, args := p.Filter.where(p.CampusIDs)
	cond2, args2 := campusFilter("c.campus_id", p.CampusIDs)
	var rows []renewalStudent
	err := db.WithContext(ctx).Raw(`SELECT s.course_id, c.campus_id, c.teacher_id, COALESCE(m.class_id, 0) AS class_id,
		c.name AS course, COALESCE(u.name, '') AS teacher, COALESCE(k.name, '') AS class, s.renewed,
		CASE WHEN EXISTS (SELECT 1 FROM class_hour_packages h WHERE h.member_id = s.member_id AND h.course_id = s.course_id
			AND h.status = 'active' AND h.remaining > 0) THEN 1 ELSE 0 END AS holding
		FROM (SELECT a.course_id, a.member_id, MAX(CASE WHEN EXISTS (
				SELECT 1 FROM class_hour_packages pk WHERE pk.member_id = a.member_id AND pk.course_id = a.course_id
				AND pk.created_at > a.at AND pk.created_at < ?) THEN 1 ELSE 0 END) AS renewed
			FROM course_attendance a WHERE a.status = 'present' AND a.on_day >= ? AND a.on_day < ?
			GROUP BY a.course_id, a.member_id) s
		JOIN courses c ON c.id = s.course_id JOIN members m ON m.id = s.member_id
		LEFT JOIN staff_users u ON u.id = c.teacher_id LEFT JOIN classes k ON k.id = m.class_id
		WHERE 1 = 1`+cond2+cond, append(append([]any{p.To.UTC(), fromDay, toDay}, args2...), args...)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("reports: renewals: %w", err)
	}
	return rows, nil
}

// renewalsFor sums the students per course (the lines) and per class,
// teacher and campus. Students without a class and courses without a
// teacher group under the name "" (the page says which).
func renewalsFor(rows []renewalStudent, campusName map[int64]string) ([]RenewalLine, Renewals) {
	type acc struct{ g RenewalGroup }
	group := func(m map[string]*acc, name string, r renewalStudent) {
		a := m[name]
		if a == nil {
			a = &acc{g: RenewalGroup{Name: name}}
			m[name] = a
		}
		a.g.Students++
		a.g.Renewed += r.Renewed
		if r.Renewed == 0 && r.Holding == 0 {
			a.g.Finished++
		}
	}
	list := func(m map[string]*acc) []RenewalGroup {
		out := make([]RenewalGroup, 0, len(m))
		for _, a := range m {
			out = append(out, a.g)
		}
		sort.Slice(out, func(i, j int) bool { // the unnamed group last
			if (out[i].Name == "") != (out[j].Name == "") {
				return out[j].Name == ""
			}
			return out[i].Name < out[j].Name
		})
		return out
	}
	courses := map[int64]*RenewalLine{}
	var order []int64
	classes, teachers, campuses := map[string]*acc{}, map[string]*acc{}, map[string]*acc{}
	var out Renewals
	for _, r := range rows {
		l := courses[r.CourseID]
		if l == nil {
			l = &RenewalLine{Campus: campusName[r.CampusID]}
			l.CourseID, l.Name, l.CampusID, l.TeacherID = r.CourseID, r.Course, r.CampusID, r.TeacherID
			courses[r.CourseID] = l
			order = append(order, r.CourseID)
		}
		l.Students++
		l.Renewed += r.Renewed
		if r.Renewed == 0 && r.Holding == 0 {
			l.Finished++
		}
		group(classes, r.Class, r)
		group(teachers, r.Teacher, r)
		group(campuses, campusName[r.CampusID], r)
		out.Total.Students++
		out.Total.Renewed += r.Renewed
		if r.Renewed == 0 && r.Holding == 0 {
			out.Total.Finished++
		}
	}
	lines := make([]RenewalLine, 0, len(order))
	for _, id := range order {
		l := courses[id]
		l.Pct, l.FeePct = Pct(l.Renewed, l.Students), Pct(l.Renewed, l.Renewed+l.Finished)
		lines = append(lines, *l)
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].CampusID != lines[j].CampusID {
			return lines[i].CampusID < lines[j].CampusID
		}
		return lines[i].Name < lines[j].Name
	})
	out.ByClass, out.ByTeacher, out.ByCampus = list(classes), list(teachers), list(campuses)
	return lines, out
}

// RenewalStudents reads the renewal section's rows (for the benchmark's
// timing of each section).
func RenewalStudents(ctx context.Context, db *gorm.DB, p Period) (int, error) {
	rows, err := renewalStudents(ctx, db, p)
	return len(rows), err
}
