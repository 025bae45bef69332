package crm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/crm"
	"starcard/models/dbtest"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// t0 is Monday 2026-11-02 09:30 in Shanghai.
var t0 = time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)

type world struct {
	db      *models.DB
	campus  int64
	class   int64
	teacher *models.StaffUser
	head    *models.StaffUser
	actor   models.Actor
	n       int
}

func newWorld(t *testing.T, db *models.DB) *world {
	t.Helper()
	ctx := context.Background()
	c, err := models.CreateCampus(ctx, db.W, t0, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := models.CreateClass(ctx, db.W, t0, c.ID, "大一班")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, campus: c.ID, class: cl.ID}
	mk := func(name string, role models.Role) *models.StaffUser {
		u, err := models.CreateStaff(ctx, db.W, t0, models.NewStaff{Username: name, Name: name, Password: "password123",
			Role: string(role), CampusIDs: []int64{c.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	w.teacher, w.head = mk("teacher1", models.RoleTeacher), mk("service", models.RoleServiceHead)
	w.actor = models.Actor{Type: "staff", ID: w.head.ID, CampusID: c.ID, Device: "test"}
	if err := crm.SetClassTeacher(ctx, db, t0, w.actor, cl.ID, w.teacher.ID); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) member(t *testing.T, g models.NewGuardian, enrolled string) int64 {
	t.Helper()
	w.n++
	g.Name, g.Relation = "家长", "mother"
	g.Phone = fmt.Sprintf("139%08d", w.n)
	var m *models.Member
	err := w.db.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		m, err = models.CreateMember(context.Background(), tx, t0, w.actor, models.NewMember{Name: fmt.Sprintf("孩子%d", w.n),
			BirthDate: "2021-06-15", CampusID: w.campus, ClassID: w.class, Guardians: []models.NewGuardian{g}, EnrolledOn: enrolled})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func (w *world) buy(t *testing.T, now time.Time, member, fen int64) int64 {
	t.Helper()
	out, err := models.RecordPurchase(context.Background(), w.db, now, models.Idem{Scope: "t", Key: fmt.Sprintf("p%d-%d-%d", member, fen, now.Unix()),
		Hash: "h"}, models.PurchaseInput{MemberID: member, Items: []models.PurchaseItem{{Category: "tuition", Amount: fen}},
		Payments: []models.Payment{{Method: "cash", Amount: fen}}, Actor: w.actor})
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ ID int64 }
	if err := json.Unmarshal(out.Body, &res); err != nil {
		t.Fatal(err)
	}
	return res.ID
}

func grade(t *testing.T, db *models.DB, id int64) (string, []string) {
	t.Helper()
	vs, err := models.MemberViews(context.Background(), db.R, []int64{id})
	if err != nil || len(vs) != 1 {
		t.Fatal(err)
	}
	return vs[0].Grade, vs[0].GradeReasons
}

// The "done when", in the models: a purchase that takes a family
// with a middle-manager guardian past ¥8,000 makes the child 重点 in the
// same transaction, with its first call task at once; the next day's plan
// has the next call in 15 days; a logged call closes the task; the board
// shows the completion rate; a refund back to ¥8,000 moves the grade down.
func TestPurchaseMakesKeyAndPlansCalls(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		id := w.member(t, models.NewGuardian{PositionLevel: "middle", EmployerType: "private"}, "2026-10-01")
		if g, _ := grade(t, db, id); g != "general" {
			t.Fatalf("new member grade %q, want general", g)
		}
		w.buy(t, t0, id, 800000)
		if g, _ := grade(t, db, id); g != "general" {
			t.Fatalf("after exactly ¥8,000: grade %q, want general (not over ¥8,000)", g)
		}
		pid := w.buy(t, t0.Add(time.Minute), id, 1)
		g, reasons := grade(t, db, id)
		if g != "key" || !slices.Equal(reasons, []string{"key.paid", "key.position"}) {
			t.Fatalf("after ¥8,000.01: %s %v, want key [key.paid key.position]", g, reasons)
		}
		hist, err := crm.History(ctx, db.R, id, 10)
		if err != nil || len(hist) < 2 || hist[0].ToGrade != "key" || hist[0].Cause != "purchase" {
			t.Fatalf("history %+v %v", hist, err)
		}
		all, err := crm.MemberTasks(ctx, db.R, nil, id, 10)
		if err != nil {
			t.Fatal(err)
		}
		// 一般's monthly call, planned at enrolment, gives way to 重点's.
		if len(all) != 2 || all[0].Status != "skipped" || all[0].Outcome != "superseded" {
			t.Fatalf("the old cadence's call %+v", all)
		}
		tasks := openCalls(all)
		if len(tasks) != 1 || tasks[0].Kind != "call" || tasks[0].DueOn != "2026-11-02" || tasks[0].AssigneeID == nil ||
			*tasks[0].AssigneeID != w.teacher.ID {
			t.Fatalf("first call task %+v", tasks)
		}
		first := tasks[0].ID

		// The next morning's plan: the next call 15 days after the first.
		next := t0.Add(24 * time.Hour)
		if _, err := crm.GenerateTasks(ctx, db, next); err != nil {
			t.Fatal(err)
		}
		if _, err := crm.GenerateTasks(ctx, db, next); err != nil { // twice is once
			t.Fatal(err)
		}
		all, _ = crm.MemberTasks(ctx, db.R, nil, id, 10)
		tasks = openCalls(all)
		if len(tasks) != 2 || tasks[0].DueOn != "2026-11-17" || tasks[0].Kind != "call" || *tasks[0].AssigneeID != w.teacher.ID {
			t.Fatalf("after the next day's plan %+v", tasks)
		}
		my, err := crm.TasksFor(ctx, db.R, next, shanghai, w.teacher.ID)
		if err != nil || len(my.Overdue) != 1 || my.Overdue[0].ID != first {
			t.Fatalf("teacher's overdue %+v %v", my, err)
		}

		// The teacher logs the call from the task: it closes.
		tact := models.Actor{Type: "staff", ID: w.teacher.ID, CampusID: w.campus}
		c, err := crm.LogContact(ctx, db, next, shanghai, tact, w.teacher, id, crm.NewContact{Channel: "phone",
			Content: "聊了孩子的适应情况", Outcome: "家长满意", TaskID: first})
		if err != nil {
			t.Fatal(err)
		}
		tr, err := crm.GetTask(ctx, db.R, w.teacher, first)
		if err != nil || tr.Status != "done" || tr.Outcome != "家长满意" || c.TaskID == nil {
			t.Fatalf("task after the call %+v %v", tr, err)
		}
		if _, err := crm.CompleteTask(ctx, db, next, tact, w.teacher, first, "again", ""); !isKind(err, models.KindConflict) {
			t.Fatalf("completing a closed task: %v, want conflict", err)
		}
		// Another teacher may not close it.
		other, _ := models.CreateStaff(ctx, db.W, t0, models.NewStaff{Username: "teacher2", Name: "t2", Password: "password123",
			Role: "teacher", CampusIDs: []int64{w.campus}})
		if _, err := crm.CompleteTask(ctx, db, next, tact, other, tasks[0].ID, "x", ""); !isKind(err, models.KindForbidden) {
			t.Fatalf("another teacher completing: %v, want forbidden", err)
		}

		board, err := crm.Board(ctx, db.R, next, shanghai, w.head, crm.WeekStart(next, shanghai))
		if err != nil {
			t.Fatal(err)
		}
		var line *crm.StaffStats
		for i := range board {
			if board[i].StaffID == w.teacher.ID {
				line = &board[i]
			}
		}
		if line == nil || line.Due != 1 || line.Done != 1 || line.RatePct != 100 || line.OnTime != 0 {
			t.Fatalf("board line %+v (due Mon, done Tue: done late)", line)
		}

		// A refund of 2 fen takes paid back under ¥8,000: 一般 again.
		if _, err := models.RecordRefund(ctx, db, next, models.Idem{Scope: "t", Key: "r1", Hash: "h"}, models.RefundInput{
			PurchaseID: pid, Amount: ptr(1), Reason: "test", Actor: w.actor}); err != nil {
			t.Fatal(err)
		}
		if g, _ := grade(t, db, id); g != "general" {
			t.Fatalf("after the refund grade %q, want general", g)
		}
	})
}

// A service head's override holds until it expires; the nightly run then
// grades by the rules again; both changes are history.
func TestOverrideAndNightly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		id := w.member(t, models.NewGuardian{}, "2026-10-01")
		if err := crm.SetOverride(ctx, db, t0, w.actor, w.head, id, "key", "", t0.Add(48*time.Hour)); !isKind(err, models.KindInvalid) {
			t.Fatalf("override without a reason: %v", err)
		}
		if err := crm.SetOverride(ctx, db, t0, w.actor, w.head, id, "key", "校长的朋友，需要重点跟进", t0.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if g, r := grade(t, db, id); g != "key" || !slices.Equal(r, []string{"override"}) {
			t.Fatalf("overridden grade %s %v", g, r)
		}
		if n, err := crm.RecomputeAll(ctx, db, t0.Add(24*time.Hour), crm.CauseNightly); err != nil || n != 0 {
			t.Fatalf("nightly inside the override changed %d (%v)", n, err)
		}
		if n, err := crm.RecomputeAll(ctx, db, t0.Add(72*time.Hour), crm.CauseNightly); err != nil || n != 1 {
			t.Fatalf("nightly after the expiry changed %d (%v)", n, err)
		}
		hist, _ := crm.History(ctx, db.R, id, 10)
		if len(hist) < 3 || hist[0].Cause != "nightly" || hist[0].ToGrade != "general" || hist[1].Cause != "override" {
			t.Fatalf("history %+v", hist)
		}
		// Tenure: five months and a day after enrolment with a public
		// employer and a senior position… seed 003 makes a senior cadre 重点 once
		// enrolled over 5 months, on the nightly run.
		id2 := w.member(t, models.NewGuardian{PositionLevel: "senior"}, "2026-06-02")
		if g, _ := grade(t, db, id2); g != "general" {
			t.Fatalf("exactly 5 months: %s", g)
		}
		if _, err := crm.RecomputeAll(ctx, db, t0.Add(24*time.Hour), crm.CauseNightly); err != nil {
			t.Fatal(err)
		}
		if g, r := grade(t, db, id2); g != "key" || !slices.Equal(r, []string{"key.position", "key.tenure"}) {
			t.Fatalf("5 months and a day: %s %v", g, r)
		}
	})
}

// Referral terms follow the referrer's grade: 重点 → ¥300 and 20% off.
func TestReferralTermsByGrade(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	w := newWorld(t, db)
	keyID := w.member(t, models.NewGuardian{PositionLevel: "senior"}, "2026-01-01")
	if g, _ := grade(t, db, keyID); g != "key" {
		t.Fatalf("grade %s", g)
	}
	code, err := models.ReferralCode(ctx, db, keyID)
	if err != nil {
		t.Fatal(err)
	}
	newID := w.member(t, models.NewGuardian{}, "")
	r, err := models.RegisterReferralByCode(ctx, db, t0, w.actor, code, newID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Grade != "key" || r.ReferrerGift != 30000 || r.DiscountPercent != 20 {
		t.Fatalf("referral terms %+v", r)
	}
}

// Behaviour points stay within the teacher's monthly budget, all or none,
// and a double tap gives once.
func TestBehaviourBudget(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		a, b := w.member(t, models.NewGuardian{}, ""), w.member(t, models.NewGuardian{}, "")
		tact := models.Actor{Type: "staff", ID: w.teacher.ID, CampusID: w.campus}
		if err := crm.SetBudget(ctx, db, t0, w.actor, w.teacher.ID, 25); err != nil {
			t.Fatal(err)
		}
		if n, err := crm.GivePoints(ctx, db, t0, shanghai, tact, w.teacher, []int64{a, b}, 10, "主动收拾玩具", "b1"); err != nil || n != 2 {
			t.Fatalf("give: %d %v", n, err)
		}
		if n, err := crm.GivePoints(ctx, db, t0, shanghai, tact, w.teacher, []int64{a, b}, 10, "主动收拾玩具", "b1"); err != nil || n != 2 {
			t.Fatalf("replay: %d %v", n, err)
		}
		if _, err := crm.GivePoints(ctx, db, t0, shanghai, tact, w.teacher, []int64{a, b}, 5, "帮助同学", "b2"); !isKind(err, models.KindConflict) {
			t.Fatalf("over budget: %v", err)
		}
		bal, _ := models.MemberBalances(ctx, db.R, a)
		if bal[a].Points != 10 {
			t.Fatalf("points %d, want 10", bal[a].Points)
		}
		bu, _ := crm.BudgetFor(ctx, db.R, t0, shanghai, w.teacher.ID)
		if bu.Used != 20 || bu.Left != 5 {
			t.Fatalf("budget %+v", bu)
		}
		// Next month the budget is fresh.
		if _, err := crm.GivePoints(ctx, db, t0.AddDate(0, 1, 0), shanghai, tact, w.teacher, []int64{a, b}, 5, "帮助同学", "b3"); err != nil {
			t.Fatal(err)
		}
	})
}

func isKind(err error, k models.Kind) bool {
	e, ok := models.AsError(err)
	return ok && e.Kind == k
}

func ptr(v int64) *int64 { return &v }

func openCalls(ts []crm.Task) []crm.Task {
	var out []crm.Task
	for _, t := range ts {
		if t.Kind == "call" && t.Status == "open" {
			out = append(out, t)
		}
	}
	return out
}

// SeedDemo grades everyone from the guardians' work facts it fills in,
// plans the tasks and logs a few calls. (A small school here: the full demo
// takes minutes under -race, and models.SeedDemo is tested in models.)
func TestSeedDemo(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	w := newWorld(t, db)
	for i := 0; i < 5; i++ {
		w.member(t, models.NewGuardian{}, "2026-01-01")
	}
	now := t0.AddDate(0, 0, 20)
	if err := crm.SeedDemo(ctx, db, now, shanghai); err != nil {
		t.Fatal(err)
	}
	dist, _, err := crm.Distribution(ctx, db.R, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	grades := map[string]int64{}
	for _, d := range dist {
		grades[d.Grade] = d.N
	}
	// The middle manager's child, enrolled ten months, is 重点; civil
	// servants with ten months are not 关注 (3–5 months), so 一般, as are the
	// self-employed and the family who never said.
	if grades["key"] != 1 || grades["general"] != 4 {
		t.Fatalf("demo grades %v", grades)
	}
	var contacts, done int64
	db.R.Raw("SELECT COUNT(*) FROM crm_contacts").Scan(&contacts)
	db.R.Raw("SELECT COUNT(*) FROM crm_tasks WHERE status = 'done'").Scan(&done)
	if contacts != 3 || done != 3 {
		t.Fatalf("%d demo contacts and %d done tasks, want 3 and 3", contacts, done)
	}
}

// A class that changes homeroom teacher takes its open follow-ups along; a
// piece of feedback awaiting an answer opens a reply task due within 24 h.
func TestReassignAndFeedbackTasks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		id := w.member(t, models.NewGuardian{}, "")
		t2, err := models.CreateStaff(ctx, db.W, t0, models.NewStaff{Username: "teacher2", Name: "t2", Password: "password123",
			Role: "teacher", CampusIDs: []int64{w.campus}})
		if err != nil {
			t.Fatal(err)
		}
		var famID int64
		db.R.Raw("SELECT family_id FROM members WHERE id = ?", id).Scan(&famID)
		if err := db.W.Exec(`INSERT INTO complaints (family_id, guardian_id, member_id, campus_id, kind, category, body, status,
			first_answer_due_at, created_at, updated_at) VALUES (?, 1, ?, ?, 'complaint', 'service', '接送时没人', 'received', ?, ?, ?)`,
			famID, id, w.campus, t0.Add(24*time.Hour), t0, t0).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := crm.GenerateTasks(ctx, db, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		ts, _ := crm.MemberTasks(ctx, db.R, nil, id, 10)
		var reply *crm.Task
		for i := range ts {
			if ts[i].Kind == "feedback_reply" {
				reply = &ts[i]
			}
		}
		if reply == nil || reply.DueOn != "2026-11-03" || reply.DueTime != "09:30" || *reply.AssigneeID != w.teacher.ID {
			t.Fatalf("feedback task %+v in %+v", reply, ts)
		}
		// Another area (courses) opens a renewal task in its own transaction, once.
		for i := 0; i < 2; i++ {
			err := db.Tx(ctx, func(tx *gorm.DB) error {
				ok, err := crm.OpenTask(ctx, tx, t0, id, "renewal", "2026-11-09", "package:7", "美术课还剩 4 课时")
				if ok != (i == 0) {
					t.Errorf("OpenTask #%d created=%v", i, ok)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := crm.SetClassTeacher(ctx, db, t0, w.actor, w.class, t2.ID); err != nil {
			t.Fatal(err)
		}
		ts, _ = crm.MemberTasks(ctx, db.R, nil, id, 10)
		for _, x := range ts {
			if x.Status == "open" && (x.AssigneeID == nil || *x.AssigneeID != t2.ID) {
				t.Fatalf("task %+v did not move to the new teacher", x)
			}
		}
	})
}
