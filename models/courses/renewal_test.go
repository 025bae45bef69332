package courses_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/courses"
	"starcard/models/dbtest"
)

// TestRenewals: of the term's two students, the one who bought hours again
// after a lesson of the term renewed (续班); the other did not.
func TestRenewals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		ming, hong := f.member(t, "张小明", 0), f.member(t, "李小红", 0)
		for i, m := range []int64{ming, hong} {
			f.sell(t, "r-sale-"+string(rune('a'+i)), courses.SaleInput{MemberID: m, Hours: 10, Amount: 100000,
				Payments: []models.Payment{{Method: "cash", Amount: 100000}}})
			if _, err := f.mark(t, "r-att-"+string(rune('a'+i)), m, courses.StatusPresent); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := courses.SellPackage(context.Background(), db, t0.Add(time.Hour), f.idem("r-renew"), courses.SaleInput{
			MemberID: ming, CourseID: f.course.ID, Hours: 10, Amount: 100000, Actor: f.actor,
			Payments: []models.Payment{{Method: "cash", Amount: 100000}}}); err != nil {
			t.Fatal(err)
		}
		rows, err := courses.Renewals(context.Background(), db.R, nil, t0.AddDate(0, 0, -1), t0.AddDate(0, 1, 0), shanghai)
		if err != nil || len(rows) != 1 || rows[0].Students != 2 || rows[0].Renewed != 1 || rows[0].Name != "美术" {
			t.Fatalf("renewals: %+v %v", rows, err)
		}
	})
}
