package courses_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"starcard/models"
	"starcard/models/courses"
	"starcard/models/dbtest"
)

// TestExclusiveCourseBelowMinimumRefundsEveryone: members' points are held
// at their tier's price, a guest pays money; on the start date a course
// below its minimum is cancelled and everyone gets back what they paid, while
// a course at its minimum opens and keeps the points.
func TestExclusiveCourseBelowMinimumRefundsEveryone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		ctx := context.Background()
		ming, hong := f.member(t, "张小明", 0), f.member(t, "李小红", 0)
		for i, m := range []int64{ming, hong} {
			if _, err := models.AwardPoints(ctx, db.W, t0, models.Award{MemberID: m, Points: 5000, Reason: "manual",
				RefType: "test", RefID: int64(i + 1), Actor: f.actor}); err != nil {
				t.Fatal(err)
			}
		}
		create := func(name string, min int64) *courses.Exclusive {
			e, err := courses.CreateExclusive(ctx, db.W, t0, shanghai, f.actor, courses.NewExclusive{CampusID: f.campus, Name: name,
				Hours: 8, Sessions: 4, Capacity: 3, MinToOpen: min, StartsOn: "2026-12-10", Price: 80000,
				PointsSilver: 3000, PointsGold: 2400, PointsPlatinum: 2000})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		small, big := create("绘本剧", 3), create("科学实验", 1)
		if _, err := courses.CreateExclusive(ctx, db.W, t0, shanghai, f.actor, courses.NewExclusive{CampusID: f.campus, Name: "长课",
			Hours: 31, Capacity: 3, StartsOn: "2026-12-10", Price: 1, PointsSilver: 1, PointsGold: 1, PointsPlatinum: 1}); err == nil {
			t.Fatal("a 31-hour exclusive course was accepted")
		}
		enrol := func(key string, in courses.EnrolInput) (courses.Enrolment, error) {
			in.Actor = f.actor
			out, err := courses.Enrol(ctx, db, t0, shanghai, f.idem(key), in)
			var e courses.Enrolment
			if err == nil {
				_ = json.Unmarshal(out.Body, &e)
			}
			return e, err
		}
		if e, err := enrol("e1", courses.EnrolInput{CourseID: small.ID, MemberID: ming}); err != nil || e.Points != 3000 {
			t.Fatalf("member seat: %+v %v", e, err)
		}
		if _, err := enrol("e2", courses.EnrolInput{CourseID: small.ID, MemberID: ming}); !errors.Is(err, courses.ErrAlreadyEnrolled) {
			t.Fatalf("twice: %v", err)
		}
		if e, err := enrol("e3", courses.EnrolInput{CourseID: small.ID, GuestName: "王阿姨", Method: "wechat"}); err != nil || e.Amount != 80000 {
			t.Fatalf("guest seat: %+v %v", e, err)
		}
		if _, err := enrol("e4", courses.EnrolInput{CourseID: big.ID, MemberID: hong}); err != nil {
			t.Fatal(err)
		}
		if b := f.pointsOf(t, ming); b != 2000 {
			t.Fatalf("points held: balance %d, want 2000", b)
		}
		f.verify(t)

		// The day before nothing is settled; on the start date both are.
		if r, err := courses.SettleExclusiveCourses(ctx, db, t0.AddDate(0, 0, 8), shanghai); err != nil || r.Opened+r.Cancelled != 0 {
			t.Fatalf("early settle: %+v %v", r, err)
		}
		r, err := courses.SettleExclusiveCourses(ctx, db, t0.AddDate(0, 0, 9), shanghai)
		if err != nil || r.Opened != 1 || r.Cancelled != 1 || r.Refunded != 2 {
			t.Fatalf("settle: %+v %v", r, err)
		}
		if b := f.pointsOf(t, ming); b != 5000 {
			t.Fatalf("points back: %d, want 5000", b)
		}
		if n := f.notices(t, ming, courses.EventExclusiveCancelled); len(n) != 1 || n[0]["points"] != float64(3000) || n[0]["course"] != "绘本剧" {
			t.Fatalf("cancellation notice: %v", n)
		}
		if n := f.notices(t, hong, courses.EventExclusiveCancelled); len(n) != 0 {
			t.Fatalf("the opened course's member was told it was cancelled: %v", n)
		}
		if b := f.pointsOf(t, hong); b != 2000 {
			t.Fatalf("the opened course kept its points: %d, want 2000", b)
		}
		_, ens, err := courses.Enrolments(ctx, db.R, nil, small.ID)
		if err != nil || len(ens) != 2 || ens[0].Status != courses.EnrolRefunded || ens[1].Status != courses.EnrolRefunded ||
			ens[0].Name != "张小明" || ens[1].Name != "王阿姨" {
			t.Fatalf("enrolments: %+v %v", ens, err)
		}
		var owed int64
		db.R.Raw(`SELECT COALESCE(SUM(p.amount), 0) FROM ledger_postings p JOIN ledger_journals j ON j.id = p.journal_id
			WHERE j.kind = ? AND p.account_id = ?`, courses.KindExclusiveRefund, models.SysClearingWechat).Scan(&owed)
		if owed != 80000 {
			t.Fatalf("guest refund owed %d", owed)
		}
		if r, _ := courses.SettleExclusiveCourses(ctx, db, t0.AddDate(0, 0, 9), shanghai); r.Opened+r.Cancelled != 0 {
			t.Fatalf("settled twice: %+v", r)
		}
		if _, err := enrol("e5", courses.EnrolInput{CourseID: big.ID, MemberID: ming}); !errors.Is(err, courses.ErrExclusiveClosed) {
			t.Fatalf("enrolled after the start: %v", err)
		}
		f.verify(t)
	})
}
