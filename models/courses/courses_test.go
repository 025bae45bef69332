package courses_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/courses"
	"starcard/models/dbtest"
)

// t0 is Tuesday 1 December 2026, 16:30 in Shanghai.
var t0 = time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// renewalsDue records what the renewal hook was told (issue 13's task is wired there).
var (
	renewalsMu  sync.Mutex
	renewalsDue []courses.RenewalDue
)

func init() {
	courses.RegisterRenewalHook(func(_ context.Context, _ *gorm.DB, _ time.Time, r courses.RenewalDue) error {
		renewalsMu.Lock()
		defer renewalsMu.Unlock()
		renewalsDue = append(renewalsDue, r)
		return nil
	})
}

type fix struct {
	db     *models.DB
	campus int64
	actor  models.Actor
	course *courses.Course
	n      int
}

func newFix(t *testing.T, db *models.DB) *fix {
	t.Helper()
	ctx := context.Background()
	c, err := models.CreateCampus(ctx, db.W, t0, "C1", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, db.W, t0, "v1", "同意"); err != nil {
		t.Fatal(err)
	}
	f := &fix{db: db, campus: c.ID, actor: models.Actor{Type: "staff", ID: 1, CampusID: c.ID, Device: "test"}}
	f.course, err = courses.CreateCourse(ctx, db.W, t0, f.actor, courses.NewCourse{CampusID: c.ID, Name: "美术",
		Category: models.CategoryInterestClass, PricePerHour: 10000, Weekdays: "2,4", LessonTime: "16:00"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fix) member(t *testing.T, name string, topup int64) int64 {
	t.Helper()
	return f.memberAs(t, name, topup, "")
}

func (f *fix) memberAs(t *testing.T, name string, topup int64, lifecycle string) int64 {
	t.Helper()
	ctx := context.Background()
	var m *models.Member
	err := f.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		m, err = models.CreateMember(ctx, tx, t0, f.actor, models.NewMember{Name: name, CampusID: f.campus, Lifecycle: lifecycle,
			Guardians: []models.NewGuardian{{Name: name + "妈妈", Phone: fmt.Sprintf("1390000%04d", f.n), Relation: "mother", Consent: true}}})
		return err
	})
	f.n++
	if err != nil {
		t.Fatal(err)
	}
	if topup > 0 {
		if _, err := models.RecordTopup(ctx, f.db, t0, f.idem(fmt.Sprintf("topup-%d", f.n)), models.TopupInput{MemberID: m.ID,
			Amount: topup, Method: "cash", Actor: f.actor}); err != nil {
			t.Fatal(err)
		}
	}
	return m.ID
}

func (f *fix) idem(key string) models.Idem {
	return models.Idem{Scope: "test", Key: key, Hash: key}
}

func (f *fix) sell(t *testing.T, key string, in courses.SaleInput) courses.SaleResult {
	t.Helper()
	in.Actor = f.actor
	if in.CourseID == 0 {
		in.CourseID = f.course.ID
	}
	out, err := courses.SellPackage(context.Background(), f.db, t0, f.idem(key), in)
	if err != nil {
		t.Fatalf("sell %s: %v", key, err)
	}
	var res courses.SaleResult
	if err := json.Unmarshal(out.Body, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fix) mark(t *testing.T, key string, member int64, status string) (courses.AttendanceResult, error) {
	t.Helper()
	out, err := courses.MarkAttendance(context.Background(), f.db, t0, shanghai, f.idem(key), courses.AttendanceInput{
		CourseID: f.course.ID, MemberID: member, On: "2026-12-01", Status: status, Actor: f.actor})
	var res courses.AttendanceResult
	if err == nil {
		_ = json.Unmarshal(out.Body, &res)
	}
	return res, err
}

func (f *fix) verify(t *testing.T) {
	t.Helper()
	rep, err := models.Verify(context.Background(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Clean() {
		t.Fatalf("verify: %s", strings.Join(rep.Problems, "\n"))
	}
}

func (f *fix) hours(t *testing.T, member int64) int64 {
	t.Helper()
	h, err := models.MemberClassHours(context.Background(), f.db.R, member)
	if err != nil {
		t.Fatal(err)
	}
	return h[member][strconv.FormatInt(f.course.ID, 10)]
}

func (f *fix) notices(t *testing.T, member int64, event string) []map[string]any {
	t.Helper()
	var rows []models.OutboxRow
	if err := f.db.R.Where("member_id = ? AND event = ?", member, event).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, r := range rows {
		m := map[string]any{}
		_ = json.Unmarshal([]byte(r.Data), &m)
		out = append(out, m)
	}
	return out
}

// The "done when", on one course: a 48-hour package paid partly from
// stored value, a roll call that consumes one hour for the child present and
// none for the one on leave, the parent's notice, the refund of the rest, and
// a clean verify throughout.
func TestPackageLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		ctx := context.Background()
		xiaoming := f.member(t, "张小明", 300000) // ¥3,000 cash + ¥400 bonus
		xiaohong := f.memberAs(t, "李小红", 0, models.LifecycleProspect)

		sale := f.sell(t, "sale-1", courses.SaleInput{MemberID: xiaoming, Hours: 48, Amount: 480000,
			Payments: []models.Payment{{Method: "stored_value", Amount: 340000}, {Method: "wechat", Amount: 140000}}})
		if sale.HoursLeft != 48 || sale.Paid != 480000 || sale.Balances.StoredValue() != 0 ||
			sale.Balances.ClassHours[strconv.FormatInt(f.course.ID, 10)] != 48 {
			t.Fatalf("sale: %+v", sale)
		}
		if again := f.sell(t, "sale-1", courses.SaleInput{MemberID: xiaoming, Hours: 48, Amount: 480000,
			Payments: []models.Payment{{Method: "stored_value", Amount: 340000}, {Method: "wechat", Amount: 140000}}}); again.ID != sale.ID || f.hours(t, xiaoming) != 48 {
			t.Fatalf("a retried sale applied twice: %+v, %d hours", again, f.hours(t, xiaoming))
		}
		f.sell(t, "sale-2", courses.SaleInput{MemberID: xiaohong, Hours: 5, Amount: 50000,
			Payments: []models.Payment{{Method: "cash", Amount: 50000}}})
		if lc := f.lifecycle(t, xiaohong); lc != "prospect→enrolled" {
			t.Fatalf("a prospect's first package: %s", lc)
		}

		// The prepaid cap: 48 held + 20 more is over 60.
		_, err := courses.SellPackage(ctx, db, t0, f.idem("sale-3"), courses.SaleInput{MemberID: xiaoming, CourseID: f.course.ID,
			Hours: 20, Amount: 200000, Payments: []models.Payment{{Method: "cash", Amount: 200000}}, Actor: f.actor})
		if e, ok := models.AsError(err); !ok || e.Code != "prepaid-hours-cap" || fmt.Sprint(e.Args) != "[美术 60 48 12]" {
			t.Fatalf("over the cap: %v", err)
		}

		// Roll call: present consumes one hour, leave none.
		got, err := f.mark(t, "att-1", xiaoming, courses.StatusPresent)
		if err != nil || got.HoursConsumed != 1 || got.HoursLeft != 47 {
			t.Fatalf("present: %+v %v", got, err)
		}
		if leave, err := f.mark(t, "att-2", xiaohong, courses.StatusLeave); err != nil || leave.HoursConsumed != 0 || leave.HoursLeft != 5 {
			t.Fatalf("leave: %+v %v", leave, err)
		}
		if replay, err := f.mark(t, "att-1", xiaoming, courses.StatusPresent); err != nil || replay != got {
			t.Fatalf("replay: %+v %v", replay, err)
		}
		if _, err := f.mark(t, "att-3", xiaoming, courses.StatusPresent); !errors.Is(err, courses.ErrAlreadyMarked) {
			t.Fatalf("the same lesson twice: %v", err)
		}
		if f.hours(t, xiaoming) != 47 || f.hours(t, xiaohong) != 5 {
			t.Fatalf("hours %d and %d", f.hours(t, xiaoming), f.hours(t, xiaohong))
		}
		ns := f.notices(t, xiaoming, courses.EventConsumed)
		if len(ns) != 1 || ns[0]["course"] != "美术" || ns[0]["left"] != float64(47) || ns[0]["hours"] != float64(1) {
			t.Fatalf("notice: %v", ns)
		}
		text := models.RenderNoticeText("{{member}}今日{{course}}课消 {{hours}} 课时，剩余 {{left}} 课时", map[string]string{
			"member": "张小明", "course": "美术", "hours": "1", "left": "47"})
		if text != "张小明今日美术课消 1 课时，剩余 47 课时" {
			t.Fatalf("notice text %q", text)
		}
		if n := f.notices(t, xiaohong, courses.EventConsumed); len(n) != 0 {
			t.Fatalf("leave sent a notice: %v", n)
		}
		f.verify(t)

		// A correction is new entries: leave → present consumes, present → leave gives it back.
		var leaveID int64
		db.R.Raw(`SELECT id FROM course_attendance WHERE member_id = ?`, xiaohong).Scan(&leaveID)
		fixd, err := courses.Correct(ctx, db, t0, shanghai, f.actor, nil, leaveID, courses.StatusPresent)
		if err != nil || fixd.HoursLeft != 4 {
			t.Fatalf("correct to present: %+v %v", fixd, err)
		}
		// 5 → 4 crosses the renewal mark (4): the parent hears it once.
		if r := f.notices(t, xiaohong, courses.EventRenewal); len(r) != 1 || r[0]["left"] != float64(4) {
			t.Fatalf("renewal notice: %v", r)
		}
		renewalsMu.Lock()
		last := renewalsDue[len(renewalsDue)-1]
		renewalsMu.Unlock()
		if last.MemberID != xiaohong || last.HoursLeft != 4 || last.Course.ID != f.course.ID {
			t.Fatalf("renewal hook: %+v", last)
		}
		if lc := f.lifecycle(t, xiaohong); lc != "prospect→enrolled→active" {
			t.Fatalf("the first lesson: %s", lc)
		}
		back, err := courses.Correct(ctx, db, t0, shanghai, f.actor, nil, leaveID, courses.StatusLeave)
		if err != nil || back.HoursLeft != 5 || back.HoursConsumed != -1 {
			t.Fatalf("correct back to leave: %+v %v", back, err)
		}
		f.verify(t)

		// The package's purchase cannot be refunded as a plain purchase.
		_, err = models.RecordRefund(ctx, db, t0, f.idem("plain-refund"), models.RefundInput{PurchaseID: sale.PurchaseID,
			Reason: "退班", Actor: f.actor})
		if !errors.Is(err, courses.ErrRefundViaPackage) {
			t.Fatalf("plain refund of a package: %v", err)
		}

		// Refund of the 47 hours left: 480000 × 47 / 48 = 470000, split
		// over stored value and WeChat as they were paid.
		out, err := courses.RefundPackage(ctx, db, t0, f.idem("refund-1"), courses.RefundInput{PackageID: sale.ID,
			Reason: "退班", Actor: f.actor})
		if err != nil {
			t.Fatal(err)
		}
		var rr courses.RefundResult
		_ = json.Unmarshal(out.Body, &rr)
		if rr.Amount != 470000 || rr.HoursRefunded != 47 || rr.StoredValueReturned+rr.Owed["wechat"] != 470000 ||
			rr.StoredValueReturned < 330000 || rr.Balances.StoredValue() != rr.StoredValueReturned || f.hours(t, xiaoming) != 0 {
			t.Fatalf("refund: %+v, %d hours left", rr, f.hours(t, xiaoming))
		}
		if _, err := courses.RefundPackage(ctx, db, t0, f.idem("refund-2"), courses.RefundInput{PackageID: sale.ID,
			Reason: "again", Actor: f.actor}); !errors.Is(err, models.ErrNothingToRefund) {
			t.Fatalf("second refund: %v", err)
		}
		if _, err := f.mark(t, "att-4", xiaoming, courses.StatusPresent); err == nil {
			t.Fatal("a refunded package still consumed")
		}
		f.verify(t)

		// Expiry at the package's end date takes what is left.
		n, err := courses.ExpirePackages(ctx, db, t0.AddDate(1, 0, 2))
		if err != nil || n != 5 || f.hours(t, xiaohong) != 0 {
			t.Fatalf("expire: %d %v, %d left", n, err, f.hours(t, xiaohong))
		}
		if n, _ := courses.ExpirePackages(ctx, db, t0.AddDate(1, 0, 2)); n != 0 {
			t.Fatalf("expired twice: %d", n)
		}
		f.verify(t)
	})
}

func TestQuoteRefund(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		hours, bonus, left, paid  int64
		wantPaidLeft, wantForfeit int64
		wantAmount                int64
	}{
		{"untouched", 48, 0, 48, 480000, 48, 0, 480000},
		{"one used", 48, 0, 47, 480000, 47, 0, 470000},
		{"bonus goes first", 10, 2, 9, 100000, 7, 2, 70000},
		{"only bonus left", 10, 2, 2, 100000, 0, 2, 0},
		{"floor, never more than paid", 3, 0, 1, 10000, 1, 0, 3333},
		{"discounted price is what counts", 48, 4, 52, 432000, 48, 4, 432000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := courses.QuoteRefund(courses.Package{Hours: tc.hours, BonusHours: tc.bonus, Remaining: tc.left, Paid: tc.paid})
			if q.PaidHoursLeft != tc.wantPaidLeft || q.BonusForfeited != tc.wantForfeit || q.Amount != tc.wantAmount {
				t.Fatalf("%+v", q)
			}
		})
	}
}

func TestCourseValidationAndSchedule(t *testing.T) {
	c := courses.Course{Weekdays: "2,4", LessonTime: "16:00"}
	// Tuesday 16:30: today's lesson has begun, the next is Thursday 16:00.
	if got := courses.NextLesson(c, t0, shanghai); got.Format("2006-01-02 15:04") != "2026-12-03 16:00" {
		t.Fatalf("next lesson %v", got)
	}
	if !c.MeetsOn(t0.In(shanghai)) || c.MeetsOn(t0.In(shanghai).AddDate(0, 0, 1)) {
		t.Fatal("meets on")
	}
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		for _, tc := range []struct {
			name  string
			in    courses.NewCourse
			field string
		}{
			{"no name", courses.NewCourse{CampusID: f.campus, Category: "tuition", PricePerHour: 1}, "name"},
			{"bad category", courses.NewCourse{CampusID: f.campus, Name: "x", Category: "art", PricePerHour: 1}, "category"},
			{"no price", courses.NewCourse{CampusID: f.campus, Name: "x", Category: "tuition"}, "price_per_hour"},
			{"bad weekday", courses.NewCourse{CampusID: f.campus, Name: "x", Category: "tuition", PricePerHour: 1, Weekdays: "1,8"}, "weekdays"},
			{"unknown campus", courses.NewCourse{CampusID: 999, Name: "x", Category: "tuition", PricePerHour: 1}, "campus_id"},
		} {
			_, err := courses.CreateCourse(context.Background(), db.W, t0, f.actor, tc.in)
			if e, ok := models.AsError(err); !ok || e.Fields[tc.field] == "" {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		_, err := courses.CreateCourse(context.Background(), db.W, t0, f.actor, courses.NewCourse{CampusID: f.campus,
			Name: "美术", Category: "tuition", PricePerHour: 1})
		if !errors.Is(err, courses.ErrCourseExists) {
			t.Fatalf("duplicate: %v", err)
		}
	})
}

func (f *fix) pointsOf(t *testing.T, member int64) int64 {
	t.Helper()
	b, err := models.MemberBalances(context.Background(), f.db.R, member)
	if err != nil {
		t.Fatal(err)
	}
	return b[member].Points
}

// lifecycle is the member's lifecycle history, oldest first: "prospect→enrolled→active".
func (f *fix) lifecycle(t *testing.T, member int64) string {
	t.Helper()
	es, err := models.LifecycleHistory(context.Background(), f.db.R, member)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for i := len(es) - 1; i >= 0; i-- {
		parts = append(parts, es[i].ToStatus)
	}
	return strings.Join(parts, "→")
}
