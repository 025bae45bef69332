package courses_test

import (
	"context"
	"errors"
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

// TestLeaveRequest: a parent's leave marks a lesson ahead (so the roll call
// and the kiosk consume nothing that day) within 30 days, on lesson days of a
// course the child is on.
func TestLeaveRequest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db) // 美术 meets on Tuesdays and Thursdays; t0 is a Tuesday
		ctx := context.Background()
		ming, hong := f.member(t, "张小明", 0), f.member(t, "李小红", 0)
		f.sell(t, "l-sale", courses.SaleInput{MemberID: ming, Hours: 10, Amount: 100000,
			Payments: []models.Payment{{Method: "cash", Amount: 100000}}})
		parent := models.Actor{Type: "guardian", ID: 1}
		for _, tc := range []struct {
			name   string
			member int64
			on     string
			code   string
		}{
			{"thursday", ming, "2026-12-03", ""},
			{"twice", ming, "2026-12-03", "attendance-exists"},
			{"wednesday", ming, "2026-12-02", "not-a-lesson-day"},
			{"yesterday", ming, "2026-11-30", "validation"},
			{"too far ahead", ming, "2027-01-05", "validation"},
			{"not on the course", hong, "2026-12-03", "unknown-course"},
		} {
			_, err := courses.RequestLeave(ctx, db, t0, shanghai, parent, tc.member, f.course.ID, tc.on)
			if e, ok := models.AsError(err); (tc.code == "" && err != nil) || (tc.code != "" && (!ok || e.Code != tc.code)) {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		// Thursday's roll call finds the leave already there.
		_, err := courses.Mark(ctx, db, t0.AddDate(0, 0, 2), shanghai, courses.AttendanceInput{CourseID: f.course.ID,
			MemberID: ming, Status: courses.StatusPresent, Actor: f.actor})
		if !errors.Is(err, courses.ErrAlreadyMarked) || f.hours(t, ming) != 10 {
			t.Fatalf("present on a day on leave: %v, %d hours", err, f.hours(t, ming))
		}
	})
}
