package courses

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"starcard/models"
)

// Academic-year plans (学年制, seed 004): a child enrols for 1–6 years and the
// family pays a deposit (学习保证金) that the ledger holds apart in the
// member's deposit account for the plan. Completing the plan pays it back by
// the method it came in; leaving early forfeits it to the school, with the
// reason. Six completed years make a lifetime honorary member (终身荣誉学员).

// SysDepositForfeited is the system account forfeited deposits go to (migration 0121).
const SysDepositForfeited int64 = 124

// Journal kinds of plan deposits.
const (
	KindDepositIn      = "deposit_in"
	KindDepositReturn  = "deposit_return"
	KindDepositForfeit = "deposit_forfeit"
)

// Plan statuses.
const (
	PlanActive    = "active"
	PlanCompleted = "completed"
	PlanLeft      = "left"
)

// HonoraryYears is how many completed years make a lifetime honorary member.
const HonoraryYears = 6

// Refusals about plans.
var (
	ErrPlanNotFound    = models.NewError(models.KindNotFound, "unknown-plan", "courses.err.unknown_plan")
	ErrPlanClosed      = models.NewError(models.KindConflict, "plan-closed", "courses.err.plan_closed")
	ErrPlanNotFinished = models.NewError(models.KindConflict, "plan-not-finished", "courses.err.plan_not_finished")
	ErrPlanActive      = models.NewError(models.KindConflict, "plan-active", "courses.err.plan_active")
)

// DepositMethods are the ways a deposit is paid (and paid back).
var DepositMethods = []string{"cash", "wechat", "alipay", "bank_card"}

// Plan is an academic-year plan.
type Plan struct {
	ID             int64      `json:"id"`
	MemberID       int64      `json:"member_id"`
	CampusID       int64      `json:"campus_id"`
	Years          int        `json:"years"`
	StartOn        string     `json:"start_on"`
	EndOn          string     `json:"end_on"`
	Deposit        int64      `json:"deposit"`
	Method         string     `json:"method"`
	Status         string     `json:"status"`
	AccountID      int64      `json:"-"`
	JournalID      int64      `json:"-"`
	CloseJournalID *int64     `json:"-"`
	Reason         string     `json:"reason,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	ClosedAt       *time.Time `json:"closed_at,omitempty"`
}

// TableName maps Plan to its table.
func (Plan) TableName() string { return "year_plans" }

// PlanResult is a plan as the API answers it, with the member's honorary standing.
type PlanResult struct {
	Plan
	DepositHeld int64 `json:"deposit_held"` // what the ledger holds for the plan now
	Honorary    bool  `json:"honorary"`
}

// PlanInput enrols a member in a plan.
type PlanInput struct {
	MemberID int64
	Years    int
	StartOn  string // yyyy-mm-dd; "" = today
	Deposit  int64  // fen
	Method   string
	Actor    models.Actor
	User     *models.StaffUser
}

func depositAccountName(planID int64) string { return "deposit:" + strconv.FormatInt(planID, 10) }

var depositClearing = map[string]int64{"cash": models.SysClearingCash, "wechat": models.SysClearingWechat,
	"alipay": models.SysClearingAlipay, "bank_card": models.SysClearingCard}

// PostPlan enrols the member and takes the deposit into the member's deposit
// account for the plan, inside tx.
func PostPlan(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, in PlanInput) (*PlanResult, error) {
	now = now.UTC()
	f := map[string]string{}
	if in.Years < 1 || in.Years > HonoraryYears {
		f["years"] = "courses.err.plan_years"
	}
	if in.Deposit <= 0 || in.Deposit > models.MaxAmount {
		f["deposit"] = "err.ledger_bad_amount"
	}
	if !slices.Contains(DepositMethods, in.Method) {
		f["method"] = "err.topup_bad_method"
	}
	start := now.In(loc)
	if in.StartOn != "" {
		d, err := time.ParseInLocation(time.DateOnly, in.StartOn, loc)
		if err != nil || d.Format(time.DateOnly) != in.StartOn {
			f["start_on"] = "courses.err.bad_day"
		}
		start = d
	}
	if len(f) > 0 {
		return nil, models.Invalid(f)
	}
	if in.User != nil {
		if err := models.CheckMemberAccess(ctx, tx, in.User, in.MemberID); err != nil {
			return nil, models.ErrMemberNotFound
		}
	}
	lock, err := models.LockMember(ctx, tx, now, in.MemberID)
	if err != nil {
		return nil, err
	}
	var open int64
	if err := tx.WithContext(ctx).Raw(`SELECT COUNT(*) FROM year_plans WHERE member_id = ? AND status = ?`,
		in.MemberID, PlanActive).Scan(&open).Error; err != nil {
		return nil, fmt.Errorf("courses: plan: %w", err)
	}
	if open > 0 {
		return nil, ErrPlanActive
	}
	end := time.Date(start.Year()+in.Years, start.Month(), start.Day(), 0, 0, 0, 0, loc)
	campus := in.Actor.CampusID
	if campus == 0 {
		campus = lock.CampusID
	}
	// The plan's row comes first: its id names the deposit account; the
	// journal that fills the account is set on the row after.
	p := Plan{MemberID: in.MemberID, CampusID: lock.CampusID, Years: in.Years, StartOn: start.Format(time.DateOnly),
		EndOn: end.Format(time.DateOnly), Deposit: in.Deposit, Method: in.Method, Status: PlanActive, CreatedAt: now}
	if err := tx.WithContext(ctx).Create(&p).Error; err != nil {
		return nil, fmt.Errorf("courses: plan: %w", err)
	}
	acct, err := models.MemberAccount(ctx, tx, now, in.MemberID, depositAccountName(p.ID), models.AssetCNY)
	if err != nil {
		return nil, err
	}
	jid, err := models.PostJournal(ctx, tx, now, models.JournalSpec{Kind: KindDepositIn, CampusID: campus, Actor: in.Actor,
		RefType: "year_plan", RefID: p.ID, Reason: fmt.Sprintf("%d years", in.Years)},
		models.Entry{Account: acct, Amount: in.Deposit}, models.Entry{System: depositClearing[in.Method], Asset: models.AssetCNY, Amount: -in.Deposit})
	if err != nil {
		return nil, fmt.Errorf("courses: plan: %w", err)
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE year_plans SET journal_id = ?, account_id = ? WHERE id = ?`, jid, acct.ID, p.ID).Error; err != nil {
		return nil, fmt.Errorf("courses: plan: %w", err)
	}
	p.JournalID, p.AccountID = jid, acct.ID
	if _, err := models.AdvanceLifecycle(ctx, tx, now, in.Actor, in.MemberID, []string{models.LifecycleProspect},
		models.LifecycleEnrolled, fmt.Sprintf("year plan #%d", p.ID)); err != nil {
		return nil, err
	}
	if err := models.Audit(ctx, tx, now, in.Actor, "year_plan.create", "year_plan", p.ID,
		fmt.Sprintf("member=%d years=%d deposit=%d method=%s", in.MemberID, in.Years, in.Deposit, in.Method)); err != nil {
		return nil, err
	}
	return planResult(ctx, tx, p, acct.Balance)
}

func planResult(ctx context.Context, tx *gorm.DB, p Plan, held int64) (*PlanResult, error) {
	var n int64
	if err := tx.WithContext(ctx).Raw(`SELECT COUNT(*) FROM honorary_members WHERE member_id = ?`, p.MemberID).Scan(&n).Error; err != nil {
		return nil, fmt.Errorf("courses: plan: %w", err)
	}
	return &PlanResult{Plan: p, DepositHeld: held, Honorary: n > 0}, nil
}

// ClosePlan ends a plan inside tx: completed (on or after its end date) pays
// the deposit back by the method it came in and, after six years, makes the
// member a lifetime honorary member; left (early) forfeits the deposit to the
// school with the reason.
func ClosePlan(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, actor models.Actor, u *models.StaffUser,
	planID int64, status, reason string) (*PlanResult, error) {
	now = now.UTC()
	if status == PlanLeft && reason == "" {
		return nil, models.Invalid(map[string]string{"reason": "err.required"})
	}
	var p Plan
	if res := tx.WithContext(ctx).Where("id = ?", planID).Limit(1).Find(&p); res.Error != nil {
		return nil, fmt.Errorf("courses: close plan: %w", res.Error)
	} else if res.RowsAffected == 0 {
		return nil, ErrPlanNotFound
	}
	if u != nil {
		if err := models.CheckMemberAccess(ctx, tx, u, p.MemberID); err != nil {
			return nil, ErrPlanNotFound
		}
	}
	lock, err := models.LockMember(ctx, tx, now, p.MemberID)
	if err != nil {
		return nil, err
	}
	if err := tx.WithContext(ctx).Where("id = ?", planID).Take(&p).Error; err != nil { // under the lock
		return nil, fmt.Errorf("courses: close plan: %w", err)
	}
	if p.Status != PlanActive {
		return nil, ErrPlanClosed
	}
	today := now.In(loc).Format(time.DateOnly)
	if status == PlanCompleted && today < p.EndOn {
		return nil, ErrPlanNotFinished.With(p.EndOn)
	}
	acct, err := models.MemberAccount(ctx, tx, now, p.MemberID, depositAccountName(p.ID), models.AssetCNY)
	if err != nil {
		return nil, err
	}
	campus := actor.CampusID
	if campus == 0 {
		campus = lock.CampusID
	}
	spec := models.JournalSpec{Kind: KindDepositReturn, CampusID: campus, Actor: actor, RefType: "year_plan", RefID: p.ID,
		Reason: reason, ReversesID: &p.JournalID}
	other := models.Entry{System: depositClearing[p.Method], Asset: models.AssetCNY, Amount: acct.Balance}
	if status == PlanLeft {
		spec.Kind = KindDepositForfeit
		other.System = SysDepositForfeited
	}
	jid, err := models.PostJournal(ctx, tx, now, spec, models.Entry{Account: acct, Amount: -acct.Balance}, other)
	if err != nil {
		return nil, fmt.Errorf("courses: close plan: %w", err)
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE year_plans SET status = ?, close_journal_id = ?, reason = ?, closed_at = ? WHERE id = ?`,
		status, jid, reason, now, p.ID).Error; err != nil {
		return nil, fmt.Errorf("courses: close plan: %w", err)
	}
	p.Status, p.CloseJournalID, p.Reason, p.ClosedAt = status, &jid, reason, &now
	if status == PlanCompleted {
		var years int64
		if err := tx.WithContext(ctx).Raw(`SELECT COALESCE(SUM(years), 0) FROM year_plans WHERE member_id = ? AND status = ?`,
			p.MemberID, PlanCompleted).Scan(&years).Error; err != nil {
			return nil, fmt.Errorf("courses: close plan: %w", err)
		}
		if years >= HonoraryYears {
			row := struct {
				MemberID int64
				PlanID   int64
				Since    time.Time
			}{p.MemberID, p.ID, now}
			if err := tx.WithContext(ctx).Table("honorary_members").Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
				return nil, fmt.Errorf("courses: close plan: %w", err)
			}
		}
	}
	if err := models.Audit(ctx, tx, now, actor, "year_plan."+status, "year_plan", p.ID, reason); err != nil {
		return nil, err
	}
	return planResult(ctx, tx, p, acct.Balance)
}

// EnrolPlan runs PostPlan once per idempotency key.
func EnrolPlan(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, id models.Idem, in PlanInput) (models.Outcome, error) {
	return models.RunIdempotent(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := PostPlan(ctx, tx, now, loc, in)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 201, b, err
	})
}

// FinishPlan runs ClosePlan once per idempotency key.
func FinishPlan(ctx context.Context, db *models.DB, now time.Time, loc *time.Location, id models.Idem, actor models.Actor,
	u *models.StaffUser, planID int64, status, reason string) (models.Outcome, error) {
	return models.RunIdempotent(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		res, err := ClosePlan(ctx, tx, now, loc, actor, u, planID, status, reason)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(res)
		return 200, b, err
	})
}

// MemberPlans lists a member's plans, newest first, and whether the member is a lifetime honorary member.
func MemberPlans(ctx context.Context, db *gorm.DB, memberID int64) ([]Plan, bool, error) {
	var ps []Plan
	if err := db.WithContext(ctx).Where("member_id = ?", memberID).Order("id DESC").Find(&ps).Error; err != nil {
		return nil, false, fmt.Errorf("courses: member plans: %w", err)
	}
	var n int64
	if err := db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM honorary_members WHERE member_id = ?`, memberID).Scan(&n).Error; err != nil {
		return nil, false, fmt.Errorf("courses: member plans: %w", err)
	}
	return ps, n > 0, nil
}

// GetPlan loads a plan.
func GetPlan(ctx context.Context, db *gorm.DB, id int64) (*Plan, error) {
	var p Plan
	if res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&p); res.Error != nil {
		return nil, fmt.Errorf("courses: get plan: %w", res.Error)
	} else if res.RowsAffected == 0 {
		return nil, ErrPlanNotFound
	}
	return &p, nil
}
