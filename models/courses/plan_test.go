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

// TestYearPlanDeposit: a 6-year plan's deposit returns on completion (and
// makes a lifetime honorary member); a plan left early forfeits it with the
// reason; both are ledger entries and verify stays clean.
func TestYearPlanDeposit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		ctx := context.Background()
		ming, hong := f.member(t, "张小明", 0), f.member(t, "李小红", 0)
		enrol := func(key string, member int64, years int) courses.PlanResult {
			t.Helper()
			out, err := courses.EnrolPlan(ctx, db, t0, shanghai, f.idem(key), courses.PlanInput{MemberID: member, Years: years,
				Deposit: 300000, Method: "wechat", Actor: f.actor})
			if err != nil {
				t.Fatalf("enrol %s: %v", key, err)
			}
			var p courses.PlanResult
			_ = json.Unmarshal(out.Body, &p)
			return p
		}
		six := enrol("plan-1", ming, 6)
		if six.DepositHeld != 300000 || six.EndOn != "2032-12-01" || six.Status != courses.PlanActive {
			t.Fatalf("enrolled: %+v", six)
		}
		if _, err := courses.EnrolPlan(ctx, db, t0, shanghai, f.idem("plan-2"), courses.PlanInput{MemberID: ming, Years: 1,
			Deposit: 1, Method: "cash", Actor: f.actor}); !errors.Is(err, courses.ErrPlanActive) {
			t.Fatalf("a second plan: %v", err)
		}
		for _, bad := range []courses.PlanInput{{MemberID: hong, Years: 7, Deposit: 1, Method: "cash"},
			{MemberID: hong, Years: 1, Deposit: 0, Method: "cash"}, {MemberID: hong, Years: 1, Deposit: 1, Method: "stored_value"}} {
			if _, err := courses.EnrolPlan(ctx, db, t0, shanghai, f.idem("bad"), bad); err == nil {
				t.Fatalf("accepted %+v", bad)
			}
		}
		f.verify(t)

		finish := func(key string, at int, plan int64, status, reason string) (courses.PlanResult, error) {
			out, err := courses.FinishPlan(ctx, db, t0.AddDate(at, 0, 0), shanghai, f.idem(key), f.actor, nil, plan, status, reason)
			var p courses.PlanResult
			if err == nil {
				_ = json.Unmarshal(out.Body, &p)
			}
			return p, err
		}
		if _, err := finish("c-1", 5, six.ID, courses.PlanCompleted, ""); !errors.Is(err, courses.ErrPlanNotFinished) {
			t.Fatalf("completed a year early: %v", err)
		}
		done, err := finish("c-2", 6, six.ID, courses.PlanCompleted, "")
		if err != nil || done.Status != courses.PlanCompleted || done.DepositHeld != 0 || !done.Honorary {
			t.Fatalf("completed: %+v %v", done, err)
		}
		var back int64
		db.R.Raw(`SELECT p.amount FROM ledger_postings p JOIN ledger_journals j ON j.id = p.journal_id
			WHERE j.kind = ? AND j.ref_id = ? AND p.account_id = ?`, courses.KindDepositReturn, six.ID, models.SysClearingWechat).Scan(&back)
		if back != 300000 {
			t.Fatalf("deposit paid back by WeChat: %d", back)
		}

		three := enrol("plan-3", hong, 3)
		if _, err := finish("l-0", 1, three.ID, courses.PlanLeft, ""); err == nil {
			t.Fatal("left without a reason")
		}
		left, err := finish("l-1", 1, three.ID, courses.PlanLeft, "转学")
		if err != nil || left.Status != courses.PlanLeft || left.DepositHeld != 0 || left.Honorary || left.Reason != "转学" {
			t.Fatalf("left: %+v %v", left, err)
		}
		var forfeited int64
		db.R.Raw(`SELECT COALESCE(SUM(amount), 0) FROM ledger_postings WHERE account_id = ?`, courses.SysDepositForfeited).Scan(&forfeited)
		if forfeited != 300000 {
			t.Fatalf("forfeited %d", forfeited)
		}
		if _, err := finish("l-2", 1, three.ID, courses.PlanCompleted, ""); !errors.Is(err, courses.ErrPlanClosed) {
			t.Fatalf("closed twice: %v", err)
		}
		if _, hon, _ := courses.MemberPlans(ctx, db.R, hong); hon {
			t.Fatal("a plan left early made an honorary member")
		}
		f.verify(t)
	})
}
