package courses_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/courses"
	"starcard/models/dbtest"
)

// TestKioskConsumesOnLessonDay: a course consumed at the kiosk takes one
// lesson's hours at the child's first arrival on a lesson day, never twice a
// day, not on other days, and a child with no hours left still checks in.
func TestKioskConsumesOnLessonDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		ctx := context.Background()
		english, err := courses.CreateCourse(ctx, db.W, t0, f.actor, courses.NewCourse{CampusID: f.campus, Name: "英语",
			Category: models.CategoryTuition, PricePerHour: 12000, HoursPerLesson: 2, Weekdays: "2", ConsumeOn: courses.ConsumeKiosk})
		if err != nil {
			t.Fatal(err)
		}
		ming, hong := f.member(t, "张小明", 0), f.member(t, "李小红", 0)
		f.course = english
		f.sell(t, "k-sale", courses.SaleInput{MemberID: ming, Hours: 10, Amount: 120000,
			Payments: []models.Payment{{Method: "cash", Amount: 120000}}})
		f.sell(t, "k-sale-2", courses.SaleInput{MemberID: hong, Hours: 1, Amount: 12000,
			Payments: []models.Payment{{Method: "cash", Amount: 12000}}})
		checkIn := func(member int64, at time.Time) {
			t.Helper()
			card, err := models.CurrentCard(ctx, db.R, member)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := models.CheckIn(ctx, db, at, []byte("secret"), shanghai, models.CheckinRequest{
				Input: models.CardInput{CardNo: card.CardNo}, Actor: models.Actor{Type: "staff", ID: 9, Device: "kiosk"}}); err != nil {
				t.Fatalf("check in: %v", err)
			}
		}
		checkIn(ming, t0)                  // Tuesday: a lesson day
		checkIn(ming, t0.Add(2*time.Hour)) // again later that day
		checkIn(ming, t0.AddDate(0, 0, 1)) // Wednesday: no lesson
		checkIn(hong, t0)                  // 1 hour left, the lesson needs 2
		if got := f.hours(t, ming); got != 8 {
			t.Fatalf("hours left %d, want 8 (one lesson of 2)", got)
		}
		if got := f.hours(t, hong); got != 1 {
			t.Fatalf("hours left %d, want 1 (not enough for a lesson)", got)
		}
		if n := f.notices(t, ming, courses.EventConsumed); len(n) != 1 || n[0]["left"] != float64(8) {
			t.Fatalf("notices: %v", n)
		}
		f.verify(t)
	})
}
