package care_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/care"
	"starcard/models/dbtest"
	"starcard/models/demo"
)

// school is one campus (and a second one), staff for every role of the
// workflow, and two families in one class.
type school struct {
	db                            *models.DB
	campus, other, class          int64
	head, manager, admin, teacher *models.StaffUser
	otherManager                  *models.StaffUser
	kids                          []*models.Member
	parents                       []*models.GuardianPrincipal
}

var t0 = time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC) // Monday 09:30 in Shanghai

func newSchool(t *testing.T, db *models.DB) *school {
	t.Helper()
	ctx := context.Background()
	s := &school{db: db}
	c1, err := models.CreateCampus(ctx, db.W, t0, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := models.CreateCampus(ctx, db.W, t0, "MOON", "月亮校区", "")
	s.campus, s.other = c1.ID, c2.ID
	if _, err := models.PublishConsent(ctx, db.W, t0, "2026-09", "家长授权书：学校只在必要范围内使用孩子的信息。"); err != nil {
		t.Fatal(err)
	}
	cl, err := models.CreateClass(ctx, db.W, t0, c1.ID, "大一班")
	if err != nil {
		t.Fatal(err)
	}
	s.class = cl.ID
	mk := func(name string, role models.Role, campus ...int64) *models.StaffUser {
		u, err := models.CreateStaff(ctx, db.W, t0, models.NewStaff{Username: name, Name: name, Password: "password123", Role: string(role), CampusIDs: campus})
		if err != nil {
			t.Fatal(err)
		}
		u, _ = models.GetStaff(ctx, db.R, u.ID)
		return u
	}
	s.head = mk("service", models.RoleServiceHead)
	s.admin = mk("admin", models.RoleAdmin)
	s.manager = mk("manager1", models.RoleCampusManager, c1.ID)
	s.otherManager = mk("manager2", models.RoleCampusManager, c2.ID)
	s.teacher = mk("teacher1", models.RoleTeacher, c1.ID)
	for i, name := range []string{"王小明", "李子涵", "张一一"} {
		var m *models.Member
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			class := cl.ID
			var err error
			m, err = models.CreateMember(ctx, tx, t0, models.SystemActor, models.NewMember{Name: name, BirthDate: "2021-03-04",
				CampusID: c1.ID, ClassID: class, Guardians: []models.NewGuardian{{Name: name + "妈妈", Phone: "1381111000" + string(rune('1'+i)), Relation: "mother", Consent: true}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		s.kids = append(s.kids, m)
		var g models.Guardian
		db.R.Where("family_id = ?", m.FamilyID).Take(&g)
		s.parents = append(s.parents, &models.GuardianPrincipal{Phone: g.Phone, Guardians: []models.Guardian{g}, FamilyIDs: []int64{m.FamilyID}})
	}
	return s
}

func kindOf(err error) models.Kind {
	if e, ok := models.AsError(err); ok {
		return e.Kind
	}
	return 0
}

// TestComplaintLifecycle follows the "done when" path at the model level with
// an injected clock: a portal complaint is owned at once with a 24 h clock,
// becomes overdue one minute past it, is escalated to the campus manager and
// then the principal once each, is answered, resolved, confirmed, archived
// with a cause, and counted in the month's statistics.
func TestComplaintLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := newSchool(t, db)
		c, err := models.SubmitComplaint(ctx, db, t0, t.TempDir(), s.parents[0], "", models.NewComplaint{Category: "teaching",
			Body: "午睡时教室太吵，孩子睡不好。", MemberID: s.kids[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		row, err := care.Get(ctx, db.R, s.head, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if row.OwnerID != s.head.ID || !row.FirstAnswerDueAt.Equal(t0.Add(24*time.Hour)) {
			t.Fatalf("owner %d due %v, want the service head and %v", row.OwnerID, row.FirstAnswerDueAt, t0.Add(24*time.Hour))
		}
		var alerts int64
		db.R.Model(&models.OutboxRow{}).Where("event = ? AND staff_id = ?", care.EventAlert, s.head.ID).Count(&alerts)
		if alerts != 1 {
			t.Fatalf("owner alerts %d, want 1", alerts)
		}
		// The 24 h clock, with injected times.
		for _, tc := range []struct {
			at      time.Time
			overdue bool
			left    string
		}{
			{t0.Add(23*time.Hour + 59*time.Minute), false, "0h 01m"},
			{t0.Add(24 * time.Hour), false, "0h 00m"},
			{t0.Add(24*time.Hour + time.Minute), true, "-0h 01m"},
		} {
			if got := row.Overdue(tc.at); got != tc.overdue {
				t.Errorf("overdue at %v = %v, want %v", tc.at, got, tc.overdue)
			}
			if got := care.Countdown(row.Remaining(tc.at)); got != tc.left {
				t.Errorf("countdown at %v = %q, want %q", tc.at, got, tc.left)
			}
			q, err := care.Queue(ctx, db.R, tc.at, s.head, care.Filter{Overdue: true}, false)
			if err != nil {
				t.Fatal(err)
			}
			if (len(q) == 1) != tc.overdue {
				t.Errorf("overdue filter at %v: %d rows", tc.at, len(q))
			}
		}
		// Escalation: nothing before the deadline; the campus manager after it
		// (once, however often the job runs); the principal 24 h later.
		for _, tc := range []struct {
			at      time.Time
			want    int
			manager int64
			admin   int64
		}{
			{t0.Add(23 * time.Hour), 0, 0, 0},
			{t0.Add(25 * time.Hour), 1, 1, 0},
			{t0.Add(26 * time.Hour), 0, 1, 0},
			{t0.Add(49 * time.Hour), 1, 1, 1},
			{t0.Add(50 * time.Hour), 0, 1, 1},
		} {
			n, err := care.Escalate(ctx, db, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			var m, a, other int64
			db.R.Model(&models.OutboxRow{}).Where("event = ? AND staff_id = ?", care.EventAlert, s.manager.ID).Count(&m)
			db.R.Model(&models.OutboxRow{}).Where("event = ? AND staff_id = ?", care.EventAlert, s.admin.ID).Count(&a)
			db.R.Model(&models.OutboxRow{}).Where("event = ? AND staff_id = ?", care.EventAlert, s.otherManager.ID).Count(&other)
			if n != tc.want || m != tc.manager || a != tc.admin || other != 0 {
				t.Fatalf("escalate at +%v: %d (want %d), manager %d admin %d other campus %d", tc.at.Sub(t0), n, tc.want, m, a, other)
			}
		}
		now := t0.Add(50 * time.Hour)
		// Another campus's manager cannot see it; a teacher cannot move it.
		if _, err := care.Get(ctx, db.R, s.otherManager, c.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other campus: %v", err)
		}
		if _, err := care.Transition(ctx, db, now, s.teacher, c.ID, care.Move{To: "investigating"}); kindOf(err) != models.KindForbidden {
			t.Fatalf("teacher transition: %v", err)
		}
		// An internal note is not the first answer and the family is not told.
		if _, err := care.Reply(ctx, db, now, s.teacher, c.ID, "先了解午睡室情况", false); err != nil {
			t.Fatal(err)
		}
		if _, err := care.Reply(ctx, db, now.Add(time.Minute), s.head, c.ID, "您好，我们已安排老师调整午睡安排。", true); err != nil {
			t.Fatal(err)
		}
		row, _ = care.Get(ctx, db.R, s.head, c.ID)
		if row.FirstAnswerAt == nil || !row.FirstAnswerAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("first answer %v", row.FirstAnswerAt)
		}
		var notices int64
		db.R.Model(&models.OutboxRow{}).Where("event = 'complaint_update'").Count(&notices)
		if notices != 1 {
			t.Fatalf("family notices %d, want 1 (the public reply only)", notices)
		}
		_, _, ups, _ := func() (int, int, []models.ComplaintUpdate, error) {
			_, u, err := models.FamilyComplaint(ctx, db.R, s.parents[0], c.ID)
			return 0, 0, u, err
		}()
		for _, u := range ups {
			if u.Kind == "note" {
				t.Fatal("the family sees an internal note")
			}
		}
		if err := care.FamilyReply(ctx, db, now.Add(2*time.Minute), s.parents[0], "", c.ID, "谢谢，希望尽快改善。"); err != nil {
			t.Fatal(err)
		}
		// Transitions: legal ones, refusals as 409, archive needs a cause.
		steps := []struct {
			mv   care.Move
			kind models.Kind
		}{
			{care.Move{To: "resolved", Note: "x"}, models.KindConflict},
			{care.Move{To: "archived"}, models.KindConflict},
			{care.Move{To: "investigating"}, 0},
			{care.Move{To: "investigating"}, models.KindConflict},
			{care.Move{To: "resolved"}, models.KindInvalid},
			{care.Move{To: "resolved", Note: "午睡室已加装隔音帘，老师巡查。"}, 0},
			{care.Move{To: "confirmed"}, models.KindInvalid},
		}
		for i, st := range steps {
			_, err := care.Transition(ctx, db, now.Add(time.Hour), s.head, c.ID, st.mv)
			if kindOf(err) != st.kind || (st.kind == 0 && err != nil) {
				t.Fatalf("step %d %+v: %v, want kind %d", i, st.mv, err, st.kind)
			}
		}
		if err := models.ConfirmComplaint(ctx, db, now.Add(2*time.Hour), s.parents[0], "", c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := care.Transition(ctx, db, now.Add(3*time.Hour), s.head, c.ID, care.Move{To: "archived", Cause: "facility_safety"}); kindOf(err) != models.KindInvalid {
			t.Fatalf("archive without root cause: %v", err)
		}
		got, err := care.Transition(ctx, db, now.Add(3*time.Hour), s.head, c.ID, care.Move{To: "archived", Cause: "facility_safety",
			RootCause: "午睡室临街，隔音差", CorrectiveAction: "加装隔音帘，调整午睡室"})
		if err != nil || got.Status != "archived" || got.Cause != "facility_safety" {
			t.Fatalf("archive: %+v %v", got, err)
		}
		// The CSAT check went to the family when it was resolved.
		fs, _ := care.FamilySurveys(ctx, db.R, s.parents[0])
		if len(fs) != 1 || fs[0].Kind != care.KindCSAT {
			t.Fatalf("csat surveys %+v", fs)
		}
		st, err := care.MonthStats(ctx, db.R, now, s.head, t0, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if st.Total != 1 || st.ByCause[0].Key != "facility_safety" || st.FirstAnswerOnTimePct != 0 || st.Resolved != 1 ||
			st.FirstAnswerMedianMin != 50*60+1 {
			t.Fatalf("stats %+v", st)
		}
		if b, err := care.StatsXLSX(st, time.UTC, func(s string) string { return s }); err != nil || len(b) < 1000 {
			t.Fatalf("xlsx %d %v", len(b), err)
		}
	})
}

// TestAutoConfirmAndCompensation: a resolved complaint the family leaves is
// confirmed after N days; points and a linked refund are recorded.
func TestAutoConfirmAndCompensation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := newSchool(t, db)
		// An owner rule: service complaints at this campus go to its manager.
		if err := care.SaveRoute(ctx, db, t0, s.manager, care.Route{Category: "service", CampusID: s.campus, OwnerID: s.manager.ID}); kindOf(err) != models.KindForbidden {
			t.Fatalf("a campus manager set a rule: %v", err)
		}
		if err := care.SaveRoute(ctx, db, t0, s.head, care.Route{Category: "service", CampusID: s.campus, OwnerID: s.manager.ID}); err != nil {
			t.Fatal(err)
		}
		c, err := care.Record(ctx, db, t0, s.manager, care.NewCase{MemberID: s.kids[1].ID, Category: "service", Body: "电话投诉：前台态度不好",
			Channel: "phone"})
		if err != nil {
			t.Fatal(err)
		}
		if c.OwnerID != s.manager.ID {
			t.Fatalf("owner %d, want the campus manager %d by the rule", c.OwnerID, s.manager.ID)
		}
		if _, err := care.Record(ctx, db, t0, s.otherManager, care.NewCase{MemberID: s.kids[1].ID, Category: "service", Body: "另一校区不能代录"}); kindOf(err) != models.KindInvalid {
			t.Fatalf("other campus record: %v", err)
		}
		comp, err := care.Compensate(ctx, db, t0, s.manager, c.ID, care.NewCompensation{Kind: "points", Points: 500, Note: "致歉"})
		if err != nil || comp.JournalID == 0 {
			t.Fatalf("points: %+v %v", comp, err)
		}
		if bal, _ := models.MemberBalances(ctx, db.R, s.kids[1].ID); bal[s.kids[1].ID].Points != 500 {
			t.Fatalf("points balance %+v, want 500 from the ledger", bal)
		}
		if _, err := care.Compensate(ctx, db, t0, s.manager, c.ID, care.NewCompensation{Kind: "refund", RefundID: 999}); kindOf(err) != models.KindInvalid {
			t.Fatalf("unknown refund: %v", err)
		}
		// A coupon from a template, through the ledger's coupon issue.
		tp, err := models.CreateCouponTemplate(ctx, db, t0, models.SystemActor, models.NewCouponTemplate{Name: "致歉券 ¥50",
			CouponTerms: models.CouponTerms{Kind: "amount", AmountOff: 5000}, ValidDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		cc, err := care.Compensate(ctx, db, t0, s.manager, c.ID, care.NewCompensation{Kind: "coupon", TemplateID: tp.ID})
		if err != nil || cc.CouponID == 0 || cc.Amount != 5000 {
			t.Fatalf("coupon: %+v %v", cc, err)
		}
		// A refund made at the desk (the normal use case) is linked, once.
		if _, err := models.RecordPurchase(ctx, db, t0, models.Idem{Scope: "t", Key: "p1", Hash: "h"}, models.PurchaseInput{
			MemberID: s.kids[1].ID, Items: []models.PurchaseItem{{Category: "tuition", Amount: 30000}},
			Payments: []models.Payment{{Method: "cash", Amount: 30000}}, Actor: models.SystemActor}); err != nil {
			t.Fatal(err)
		}
		var pid, rid int64
		db.R.Raw("SELECT id FROM purchases WHERE member_id = ?", s.kids[1].ID).Scan(&pid)
		amt := int64(10000)
		if _, err := models.RecordRefund(ctx, db, t0, models.Idem{Scope: "t", Key: "r1", Hash: "h"}, models.RefundInput{PurchaseID: pid,
			Amount: &amt, Reason: "投诉补偿", Actor: models.SystemActor}); err != nil {
			t.Fatal(err)
		}
		db.R.Raw("SELECT id FROM purchase_refunds WHERE purchase_id = ?", pid).Scan(&rid)
		rc, err := care.Compensate(ctx, db, t0, s.manager, c.ID, care.NewCompensation{Kind: "refund", RefundID: rid})
		if err != nil || rc.Amount != 10000 {
			t.Fatalf("refund link: %+v %v", rc, err)
		}
		if _, err := care.Compensate(ctx, db, t0, s.manager, c.ID, care.NewCompensation{Kind: "refund", RefundID: rid}); kindOf(err) != models.KindInvalid {
			t.Fatalf("refund linked twice: %v", err)
		}
		comps, _ := care.Compensations(ctx, db.R, c.ID)
		if len(comps) != 3 || comps[0].Kind != "points" || comps[1].Kind != "coupon" || comps[2].Kind != "refund" {
			t.Fatalf("compensations %+v", comps)
		}
		for _, to := range []care.Move{{To: "investigating"}, {To: "resolved", Note: "已向家长道歉并赠送积分"}} {
			if _, err := care.Transition(ctx, db, t0.Add(time.Hour), s.manager, c.ID, to); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			at   time.Time
			want int
		}{{t0.Add(6 * 24 * time.Hour), 0}, {t0.Add(7*24*time.Hour + time.Hour), 1}, {t0.Add(8 * 24 * time.Hour), 0}} {
			n, err := care.AutoConfirm(ctx, db, tc.at)
			if err != nil || n != tc.want {
				t.Fatalf("auto-confirm at %v: %d %v, want %d", tc.at, n, err, tc.want)
			}
		}
		row, _ := care.Get(ctx, db.R, s.head, c.ID)
		if row.Status != "confirmed" || !row.AutoConfirmed {
			t.Fatalf("after auto-confirm: %s %v", row.Status, row.AutoConfirmed)
		}
	})
}

// TestSurveyNPS sends a survey to one class, takes two answers (a second
// from the same family is refused), pays the points once, and computes NPS.
func TestSurveyNPS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := newSchool(t, db)
		sv, err := care.Send(ctx, db, t0, s.manager, care.NewSurvey{Title: "2026 秋季满意度调查", Dimensions: care.Dimensions, AskNPS: true,
			Points: 50, Segment: care.SurveySegment{ClassID: s.class}})
		if err != nil {
			t.Fatal(err)
		}
		if sv.Sent != 3 {
			t.Fatalf("sent %d, want 3 families", sv.Sent)
		}
		all := map[string]int{"teaching": 5, "teachers": 5, "service": 4, "courses": 4, "results": 4, "price": 3}
		ten, six := 10, 6
		if _, err := care.Respond(ctx, db, t0, s.parents[0], "", sv.ID, care.Answer{Scores: all, NPS: &ten, Comment: "老师很用心"}); err != nil {
			t.Fatal(err)
		}
		if _, err := care.Respond(ctx, db, t0, s.parents[0], "", sv.ID, care.Answer{Scores: all, NPS: &ten}); !errors.Is(err, care.ErrAlreadyAnswered) {
			t.Fatalf("second answer: %v", err)
		}
		if _, err := care.Respond(ctx, db, t0, s.parents[1], "", sv.ID, care.Answer{Scores: map[string]int{"teaching": 6}, NPS: &six}); kindOf(err) != models.KindInvalid {
			t.Fatalf("bad scores: %v", err)
		}
		if _, err := care.Respond(ctx, db, t0, s.parents[1], "", sv.ID, care.Answer{Scores: all, NPS: &six}); err != nil {
			t.Fatal(err)
		}
		// The detractor (NPS 6) gets a follow-up call; the promoter does not.
		var notes []string
		db.R.Raw("SELECT note FROM crm_tasks WHERE period_key = ? AND kind = 'call'", fmt.Sprintf("survey:%d", sv.ID)).Scan(&notes)
		if len(notes) != 1 || !strings.Contains(notes[0], "推荐意愿 6 分") {
			t.Fatalf("follow-up tasks after a low score: %q", notes)
		}
		res, err := care.SurveyResultsFor(ctx, db.R, s.head, sv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Responses != 2 || res.Rate != 66 || res.NPS != 0 || !res.HasNPS || res.Dimensions[0].Average != 5 || len(res.ByClass) != 1 {
			t.Fatalf("results %+v", res)
		}
		if _, err := care.SurveyResultsFor(ctx, db.R, s.otherManager, sv.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other campus results: %v", err)
		}
		var pts int64
		db.R.Raw("SELECT COUNT(*) FROM survey_responses WHERE points_awarded = 50").Scan(&pts)
		if pts != 2 {
			t.Fatalf("responses paid %d, want 2", pts)
		}
		if _, err := care.AddAction(ctx, db, t0, s.head, sv.ID, "价格说明会", s.manager.ID, "2026-12-01"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestNPS(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		want int
	}{{[]int{10, 9, 8, 0}, 25}, {[]int{6, 6, 10}, -33}, {[]int{7, 8}, 0}, {[]int{10}, 100}, {[]int{0, 1, 9}, -33}} {
		if got, _ := care.NPS(tc.in); got != tc.want {
			t.Errorf("NPS(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
	if _, ok := care.NPS(nil); ok {
		t.Error("NPS of nothing is defined")
	}
}

// TestSeedDemo seeds the demo school and the workflow on top: every status
// shows up, one complaint is overdue, the survey has answers and an NPS,
// and a second run changes nothing.
func TestSeedDemo(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	now := time.Now().UTC()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	// The demo school runs care's step itself (models/demo.Steps).
	if _, err := demo.Seed(ctx, db, now, loc); err != nil {
		t.Fatal(err)
	}
	var statuses int64
	db.R.Raw("SELECT COUNT(DISTINCT status) FROM complaints").Scan(&statuses)
	if statuses < 4 {
		t.Fatalf("complaints in %d statuses", statuses)
	}
	var head models.StaffUser
	db.R.Raw("SELECT * FROM staff_users WHERE role = 'service_head' LIMIT 1").Scan(&head)
	q, err := care.Queue(ctx, db.R, now, &head, care.Filter{Overdue: true}, false)
	if err != nil || len(q) == 0 {
		t.Fatalf("overdue %d %v", len(q), err)
	}
	var sid int64
	db.R.Raw("SELECT id FROM surveys WHERE kind = 'survey'").Scan(&sid)
	res, err := care.SurveyResultsFor(ctx, db.R, &head, sid)
	if err != nil || res.Responses < 3 || !res.HasNPS {
		t.Fatalf("survey %+v %v", res, err)
	}
	if again, err := care.SeedDemo(ctx, db, now); err != nil || again {
		t.Fatalf("second seed: %v %v", again, err)
	}
}
