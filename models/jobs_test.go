package models_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"starcard/migrations"
	"starcard/models"
	"starcard/models/dbtest"
)

func openSpec(t *testing.T, spec string) *models.DB {
	t.Helper()
	db, err := models.Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := migrations.Up(context.Background(), db.SQL(), string(db.Dialect)); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestJobSlot(t *testing.T) {
	daily := models.Job{Daily: "10:00"}
	if s := daily.Slot(at(2026, 11, 2, 10, 0), shanghai); !s.Equal(at(2026, 11, 2, 10, 0)) {
		t.Errorf("at 10:00: %s", s.In(shanghai))
	}
	if s := daily.Slot(at(2026, 11, 2, 9, 59), shanghai); !s.Equal(at(2026, 11, 1, 10, 0)) {
		t.Errorf("at 09:59: %s", s.In(shanghai))
	}
	every := models.Job{Every: 5 * time.Minute}
	if s := every.Slot(at(2026, 11, 2, 10, 7), shanghai); !s.Equal(at(2026, 11, 2, 10, 5)) {
		t.Errorf("every 5 min at 10:07: %s", s.In(shanghai))
	}
}

func TestJobRunsOnceRetriesAndRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := at(2026, 11, 2, 10, 0)
		var calls atomic.Int32
		fail := atomic.Bool{}
		fail.Store(true)
		job := models.Job{Name: "test.greet", Daily: "10:00", Run: func(ctx context.Context, _ time.Time) (string, error) {
			calls.Add(1)
			if fail.Load() {
				return "", errors.New("smtp down")
			}
			return "42 queued", nil
		}}
		r := models.NewJobRunner(db, shanghai, func() time.Time { return now }, []models.Job{job})
		r.RetryBackoff = time.Minute
		r.RunDue(ctx)
		r.RunDue(ctx) // within the backoff: no second attempt
		if calls.Load() != 1 {
			t.Fatalf("%d calls, want 1", calls.Load())
		}
		now = now.Add(61 * time.Second)
		fail.Store(false)
		r.RunDue(ctx)
		r.RunDue(ctx)
		now = now.Add(time.Hour)
		r.RunDue(ctx) // the slot is done: nothing until tomorrow
		if calls.Load() != 2 {
			t.Fatalf("%d calls, want 2 (a failure and its retry)", calls.Load())
		}
		st, err := models.ListJobStatus(ctx, db.R, []models.Job{job}, 5)
		if err != nil {
			t.Fatal(err)
		}
		runs := st[0].Runs
		if len(runs) != 2 || runs[0].Status != "ok" || runs[0].Result != "42 queued" || runs[0].Attempt != 2 ||
			runs[1].Status != "failed" || runs[1].Error != "smtp down" || runs[1].FinishedAt == nil {
			t.Fatalf("runs %+v", runs)
		}
		now = at(2026, 11, 3, 10, 0)
		r.RunDue(ctx)
		if calls.Load() != 3 {
			t.Fatalf("next day's slot did not run")
		}
	})
}

// Two schedulers on one MySQL database fire the same job at the same time:
// it runs once.
func TestTwoSchedulersOnMySQLRunOnce(t *testing.T) {
	spec := dbtest.MySQLSpec(t)
	if spec == "" {
		t.Skip("MySQL not configured")
	}
	a, b := openSpec(t, spec), openSpec(t, spec)
	ctx := context.Background()
	now := at(2026, 11, 2, 10, 0)
	var calls atomic.Int32
	job := models.Job{Name: "test.birthday", Daily: "10:00", Run: func(ctx context.Context, _ time.Time) (string, error) {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		return "ok", nil
	}}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		db := a
		if i%2 == 1 {
			db = b
		}
		r := models.NewJobRunner(db, shanghai, func() time.Time { return now }, []models.Job{job})
		wg.Add(1)
		go func() { defer wg.Done(); r.RunDue(ctx) }()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("job ran %d times across two instances", calls.Load())
	}
}

func TestGreetingAndSummaryJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		bday := addFamily(t, db, "SUN", "钱多多", "13300005555", "钱小满", "2021-09-25")
		other := addFamily(t, db, "SUN", "吴静", "13300006666", "吴小乐", "2020-03-14")
		leap := addFamily(t, db, "SUN", "郑爽", "13300007777", "郑二九", "2020-02-29")
		// Mid-Autumn 2026 (seeded in the calendar) falls on 25 September.
		now := at(2026, 9, 25, 8, 30)
		for i := 0; i < 2; i++ { // a rerun queues nothing new
			if n, err := models.BirthdayGifts(ctx, db, now); err != nil || n != 1-i {
				t.Fatalf("birthdays = %d, %v", n, err)
			}
			if n, err := models.QueueHolidayGreetings(ctx, db, now, shanghai); err != nil || n != 3 {
				t.Fatalf("holiday greetings = %d, %v", n, err)
			}
		}
		count := map[string]int{}
		for _, r := range outboxRows(t, db) {
			count[r.Event]++
			if r.Event == "birthday" && r.MemberID != bday.MemberID {
				t.Errorf("birthday greeting for member %d", r.MemberID)
			}
		}
		if count["birthday"] != 1 || count["holiday"] != 3 {
			t.Fatalf("queued %v", count)
		}
		// 29 February birthdays are greeted on 28 February in common years.
		if n, _ := models.BirthdayGifts(ctx, db, at(2027, 2, 28, 8, 30)); n != 1 {
			t.Fatalf("leap-day birthday in 2027: %d", n)
		}
		_ = other
		_ = leap

		// The daily summary goes to the campus manager with yesterday's numbers.
		mgr, err := models.CreateStaff(ctx, db.W, now, models.NewStaff{Username: "mgr", Name: "陈园长", Password: "password123",
			Role: string(models.RoleCampusManager), CampusIDs: []int64{bday.CampusID}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.W.Exec(`INSERT INTO checkins (member_id, campus_id, kind, at, local_day, actor_type) VALUES
			(?, ?, 'arrival', ?, '2026-09-24', 'system'), (?, ?, 'arrival', ?, '2026-09-24', 'system'), (?, ?, 'arrival', ?, '2026-09-25', 'system')`,
			bday.MemberID, bday.CampusID, at(2026, 9, 24, 8, 0), other.MemberID, bday.CampusID, at(2026, 9, 24, 8, 5),
			bday.MemberID, bday.CampusID, at(2026, 9, 25, 8, 0)).Error; err != nil {
			t.Fatal(err)
		}
		var jid int64
		if err := db.W.Exec(`INSERT INTO ledger_journals (kind, campus_id, actor_type, at) VALUES ('purchase', ?, 'staff', ?)`,
			bday.CampusID, at(2026, 9, 24, 15, 0)).Error; err != nil {
			t.Fatal(err)
		}
		db.W.Raw("SELECT MAX(id) FROM ledger_journals").Scan(&jid)
		if err := db.W.Exec(`INSERT INTO ledger_postings (journal_id, account_id, asset, amount, at) VALUES
			(?, ?, 'cny', -128000, ?), (?, ?, 'cny', 128000, ?)`, jid, models.SysRevenue, at(2026, 9, 24, 15, 0),
			jid, models.SysClearingCash, at(2026, 9, 24, 15, 0)).Error; err != nil {
			t.Fatal(err)
		}
		summaryAt := at(2026, 9, 25, 7, 30)
		if n, err := models.QueueDailySummaries(ctx, db, summaryAt, shanghai); err != nil || n != 1 {
			t.Fatalf("summaries = %d, %v", n, err)
		}
		sms := &countingChannel{}
		w := newWorker(db, &summaryAt, models.NotifyConfig{SMS: sms})
		for {
			if k, _ := w.RunOnce(ctx); k == 0 {
				break
			}
		}
		inbox, err := models.ListStaffInbox(ctx, db.R, mgr.ID, 5)
		if err != nil || len(inbox) != 1 {
			t.Fatalf("manager inbox %+v %v", inbox, err)
		}
		want := "陈园长您好，阳光校区SUN 2026-09-24：签到2人次，消费¥1,280.00，充值¥0.00，退费¥0.00，新会员0名。"
		if inbox[0].Body != want || inbox[0].Title != "阳光校区SUN昨日简报 2026-09-24" {
			t.Fatalf("summary %q / %q\nwant %q", inbox[0].Title, inbox[0].Body, want)
		}
	})
}

// Every standard job's SQL runs on both databases (on an empty school) and
// its run is recorded on the jobs page.
func TestStandardJobsRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		now := at(2026, 11, 2, 10, 0)
		jobs := models.StandardJobs(db, shanghai)
		r := models.NewJobRunner(db, shanghai, func() time.Time { return now }, jobs)
		for _, j := range jobs {
			run, err := r.RunNow(context.Background(), j.Name)
			if err != nil || run.Status != "ok" {
				t.Errorf("%s: %+v %v", j.Name, run, err)
			}
		}
	})
}
