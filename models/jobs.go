package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Job is a scheduled task: daily at a local time, or every N minutes. Run
// must be safe to run again for the same slot (it enqueues with dedupe keys,
// expires what is due…), because a failed run is retried.
type Job struct {
	Name  string
	Daily string        // "HH:MM" in the school's time zone
	Every time.Duration // or a period that divides an hour (whole minutes)
	Run   func(ctx context.Context, now time.Time) (string, error)
}

// Slot is the scheduled time of the latest run due at or before now.
func (j Job) Slot(now time.Time, loc *time.Location) time.Time {
	if j.Every > 0 {
		return now.UTC().Truncate(j.Every)
	}
	h, m := parseHHMM(j.Daily)
	l := now.In(loc)
	s := time.Date(l.Year(), l.Month(), l.Day(), h, m, 0, 0, loc)
	if s.After(now) {
		s = s.AddDate(0, 0, -1)
	}
	return s.UTC()
}

func parseHHMM(s string) (int, int) {
	hs, ms, _ := strings.Cut(s, ":")
	h, _ := strconv.Atoi(hs)
	m, _ := strconv.Atoi(ms)
	return h, m
}

// JobLease is the row that lets one instance run a job for a slot: claimed
// with a conditional UPDATE (free lease and slot not yet done).
type JobLease struct {
	Name       string `gorm:"primaryKey"`
	Holder     string
	LeaseUntil time.Time
	DoneSlot   time.Time
	UpdatedAt  time.Time
}

// TableName maps JobLease to its table.
func (JobLease) TableName() string { return "job_leases" }

// JobRun is one attempt at one slot of a job.
type JobRun struct {
	ID          int64
	Job         string
	Slot        time.Time
	Attempt     int
	Holder      string
	TriggerKind string // schedule, manual
	Status      string // running, ok, failed
	Result      string
	Error       string
	StartedAt   time.Time
	FinishedAt  *time.Time
}

// TableName maps JobRun to its table.
func (JobRun) TableName() string { return "job_runs" }

// JobRunner runs jobs so that, with several instances on one database, each
// slot of each job runs once; a failed slot is retried with backoff up to
// MaxAttempts; a slot missed while no instance ran is caught up within
// CatchUp.
type JobRunner struct {
	DB           *DB
	Loc          *time.Location
	Now          func() time.Time
	Holder       string
	Jobs         []Job
	MaxAttempts  int           // default 3
	RetryBackoff time.Duration // default 2 min, doubling
	Lease        time.Duration // how long a run may take before another instance may assume it died; default 30 min
	CatchUp      time.Duration // default 12 h
	Sweep        time.Duration // how often to retry failed and catch up missed slots; default each minute on the minute

	ensureOnce sync.Once
}

// NewJobRunner builds a runner with a unique holder name.
func NewJobRunner(db *DB, loc *time.Location, now func() time.Time, jobs []Job) *JobRunner {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	holder := fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	if len(holder) > 60 {
		holder = holder[len(holder)-60:]
	}
	return &JobRunner{DB: db, Loc: loc, Now: now, Holder: holder, Jobs: jobs}
}

func (r *JobRunner) defaults() {
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 3
	}
	if r.RetryBackoff <= 0 {
		r.RetryBackoff = 2 * time.Minute
	}
	if r.Lease <= 0 {
		r.Lease = 30 * time.Minute
	}
	if r.CatchUp <= 0 {
		r.CatchUp = 12 * time.Hour
	}
	if r.Loc == nil {
		r.Loc = time.UTC
	}
}

// ErrUnknownJob is returned for a job name that is not registered.
var ErrUnknownJob = NewError(KindNotFound, "unknown-job", "err.jobs_unknown")

// ErrJobBusy is returned when a manual run finds the job already running.
var ErrJobBusy = NewError(KindConflict, "job-busy", "err.jobs_busy")

var epoch = time.Unix(0, 0).UTC()

func (r *JobRunner) ensureLeases(ctx context.Context) error {
	var err error
	r.ensureOnce.Do(func() {
		now := r.Now()
		rows := make([]JobLease, 0, len(r.Jobs))
		for _, j := range r.Jobs {
			rows = append(rows, JobLease{Name: j.Name, LeaseUntil: epoch, DoneSlot: epoch, UpdatedAt: now})
		}
		if len(rows) > 0 {
			err = r.DB.W.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
		}
	})
	if err != nil {
		r.ensureOnce = sync.Once{}
		return fmt.Errorf("models: job leases: %w", err)
	}
	return nil
}

// RunDue runs every job whose latest slot is due and not done (first run,
// retry after failure, or catch-up after downtime).
func (r *JobRunner) RunDue(ctx context.Context) {
	r.defaults()
	for _, j := range r.Jobs {
		if ctx.Err() != nil {
			return
		}
		if _, err := r.RunSlot(ctx, j, j.Slot(r.Now(), r.Loc), "schedule"); err != nil {
			slog.Error("jobs: run", "job", j.Name, "err", err)
		}
	}
}

// RunNow runs a job at once (an admin's "run now"), unless it is running.
func (r *JobRunner) RunNow(ctx context.Context, name string) (JobRun, error) {
	r.defaults()
	for _, j := range r.Jobs {
		if j.Name == name {
			run, err := r.RunSlot(ctx, j, r.Now().UTC().Truncate(time.Second), "manual")
			if err == nil && run == nil {
				return JobRun{}, ErrJobBusy
			}
			if err != nil {
				return JobRun{}, err
			}
			return *run, nil
		}
	}
	return JobRun{}, ErrUnknownJob
}

// RunSlot runs one slot of a job if this instance wins its lease and the
// slot is neither done nor out of retries; it returns the run, or nil when
// it did not run.
func (r *JobRunner) RunSlot(ctx context.Context, j Job, slot time.Time, trigger string) (*JobRun, error) {
	r.defaults()
	if err := r.ensureLeases(ctx); err != nil {
		return nil, err
	}
	now := r.Now()
	if trigger == "schedule" && now.Sub(slot) > r.CatchUp {
		return nil, nil
	}
	var last JobRun
	err := r.DB.W.WithContext(ctx).Where("job = ? AND slot = ?", j.Name, slot).Order("attempt DESC").Limit(1).Find(&last).Error
	if err != nil {
		return nil, fmt.Errorf("models: job %s: %w", j.Name, err)
	}
	if last.ID != 0 {
		if last.Attempt >= r.MaxAttempts && trigger == "schedule" {
			return nil, nil
		}
		end := last.StartedAt
		if last.FinishedAt != nil {
			end = *last.FinishedAt
		}
		if trigger == "schedule" && now.Before(end.Add(NoticeBackoff(r.RetryBackoff, last.Attempt))) {
			return nil, nil
		}
	}
	res := r.DB.W.WithContext(ctx).Model(&JobLease{}).
		Where("name = ? AND lease_until <= ? AND done_slot < ?", j.Name, now, slot).
		Updates(map[string]any{"holder": r.Holder, "lease_until": now.Add(r.Lease), "updated_at": now})
	if res.Error != nil {
		return nil, fmt.Errorf("models: job %s: claim: %w", j.Name, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	run := JobRun{Job: j.Name, Slot: slot, Attempt: last.Attempt + 1, Holder: r.Holder, TriggerKind: trigger,
		Status: "running", StartedAt: now}
	if err := r.DB.W.WithContext(ctx).Create(&run).Error; err != nil {
		r.releaseLease(j.Name, nil)
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, nil
		}
		return nil, fmt.Errorf("models: job %s: record run: %w", j.Name, err)
	}
	result, runErr := r.call(ctx, j, now)
	end := r.Now()
	run.FinishedAt = &end
	run.Result = clipTo(result, 490)
	run.Status = "ok"
	if runErr != nil {
		run.Status = "failed"
		run.Error = clipTo(runErr.Error(), 990)
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.DB.W.WithContext(bg).Model(&JobRun{}).Where("id = ?", run.ID).Updates(map[string]any{
		"status": run.Status, "result": run.Result, "error": run.Error, "finished_at": end}).Error; err != nil {
		return &run, fmt.Errorf("models: job %s: record result: %w", j.Name, err)
	}
	if runErr == nil {
		r.releaseLease(j.Name, &slot)
	} else {
		r.releaseLease(j.Name, nil)
		slog.Warn("jobs: run failed", "job", j.Name, "attempt", run.Attempt, "err", runErr)
	}
	return &run, nil
}

// call runs the job, turning a panic into an error.
func (r *JobRunner) call(ctx context.Context, j Job, now time.Time) (res string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return j.Run(ctx, now)
}

func (r *JobRunner) releaseLease(name string, done *time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	now := r.Now()
	up := map[string]any{"holder": "", "lease_until": now, "updated_at": now}
	if done != nil {
		up["done_slot"] = *done
	}
	if err := r.DB.W.WithContext(ctx).Model(&JobLease{}).Where("name = ? AND holder = ?", name, r.Holder).
		Updates(up).Error; err != nil {
		slog.Error("jobs: release lease", "job", name, "err", err)
	}
}

func clipTo(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// Start schedules every job with gocron in the school's time zone, plus a
// sweep each minute that retries failed slots and catches up missed ones.
// The returned function stops the scheduler and waits for running jobs.
func (r *JobRunner) Start(ctx context.Context) (func(), error) {
	r.defaults()
	s, err := gocron.NewScheduler(gocron.WithLocation(r.Loc))
	if err != nil {
		return nil, fmt.Errorf("models: scheduler: %w", err)
	}
	for _, j := range r.Jobs {
		j := j
		var def gocron.JobDefinition
		if j.Every > 0 {
			def = gocron.CronJob(fmt.Sprintf("*/%d * * * *", int(j.Every/time.Minute)), false)
		} else {
			h, m := parseHHMM(j.Daily)
			def = gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(uint(h), uint(m), 0)))
		}
		task := gocron.NewTask(func() {
			if _, err := r.RunSlot(ctx, j, j.Slot(r.Now(), r.Loc), "schedule"); err != nil {
				slog.Error("jobs: run", "job", j.Name, "err", err)
			}
		})
		if _, err := s.NewJob(def, task, gocron.WithName(j.Name),
			gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
			return nil, fmt.Errorf("models: schedule %s: %w", j.Name, err)
		}
	}
	sweep := gocron.JobDefinition(gocron.CronJob("* * * * *", false))
	if r.Sweep > 0 {
		sweep = gocron.DurationJob(r.Sweep)
	}
	if _, err := s.NewJob(sweep, gocron.NewTask(func() { r.RunDue(ctx) }),
		gocron.WithName("jobs.sweep"), gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
		return nil, fmt.Errorf("models: schedule sweep: %w", err)
	}
	s.Start()
	return func() {
		if err := s.Shutdown(); err != nil {
			slog.Error("jobs: shutdown", "err", err)
		}
	}, nil
}

// JobStatus is a job with its schedule and latest runs, for the jobs page.
type JobStatus struct {
	Name  string
	Daily string
	Every time.Duration
	Runs  []JobRun
}

// ListJobStatus returns each job's schedule and its latest runs.
func ListJobStatus(ctx context.Context, db *gorm.DB, jobs []Job, runsEach int) ([]JobStatus, error) {
	out := make([]JobStatus, 0, len(jobs))
	for _, j := range jobs {
		st := JobStatus{Name: j.Name, Daily: j.Daily, Every: j.Every}
		if err := db.WithContext(ctx).Where("job = ?", j.Name).Order("id DESC").Limit(runsEach).Find(&st.Runs).Error; err != nil {
			return nil, fmt.Errorf("models: job status: %w", err)
		}
		out = append(out, st)
	}
	return out, nil
}
