package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Names of the standard jobs.
const (
	JobBirthday       = "notify.birthday"
	JobHoliday        = "notify.holiday"
	JobDailySummary   = "notify.daily_summary"
	JobPointsReminder = "points.expiry_reminder"
	JobCouponReminder = "coupons.expiry_reminder"
	JobPointsExpire   = "points.expire"
	JobTierEvaluate   = "tiers.evaluate"
	JobHoldTimeouts   = "ledger.hold_timeouts"
	JobRedemptions    = "rewards.expire_redemptions"
	JobCampaigns      = "coupons.resume_campaigns"
)

// CouponReminderDays is how long before a coupon runs out its reminder goes.
const CouponReminderDays = 3

// PointsReminderDays is how long before expiry the reminder goes out.
const PointsReminderDays = 30

// StandardJobs returns StarCard's scheduled jobs, bound to db, in the school's
// time zone loc.
func StandardJobs(db *DB, loc *time.Location) []Job {
	jobs := []Job{
		{Name: JobPointsExpire, Daily: "00:30", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := ExpirePoints(ctx, db, now)
			return fmt.Sprintf("%d points expired", n), err
		}},
		{Name: JobTierEvaluate, Daily: "02:00", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := EvaluateTiers(ctx, db, now)
			return fmt.Sprintf("%d tiers changed", n), err
		}},
		{Name: JobHoldTimeouts, Every: 5 * time.Minute, Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := ReleaseExpiredHolds(ctx, db, now)
			return fmt.Sprintf("%d holds released", n), err
		}},
		// Reward orders not collected in time go back (points and stock);
		// the ledger hold outlives the order, so this runs first.
		{Name: JobRedemptions, Every: 30 * time.Minute, Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := ExpireRedemptions(ctx, db, now)
			return fmt.Sprintf("%d redemptions expired", n), err
		}},
		// A bulk coupon issue whose instance died is picked up again from its
		// cursor by whichever instance holds this slot.
		{Name: JobCampaigns, Every: time.Minute, Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := ResumeCouponCampaigns(ctx, db, func() time.Time { return time.Now().UTC() }, NewWorkerID())
			return fmt.Sprintf("%d campaigns resumed", n), err
		}},
		{Name: JobDailySummary, Daily: "07:30", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := QueueDailySummaries(ctx, db, now, loc)
			return fmt.Sprintf("%d summaries queued", n), err
		}},
		// The birthday gift (coupon, when configured) and the greeting are
		// queued together, once per child per year; 09:00 so that parents
		// have the greeting by 10:00 (seed 003).
		{Name: JobBirthday, Daily: "09:00", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := BirthdayGifts(ctx, db, now)
			return fmt.Sprintf("%d birthdays", n), err
		}},
		{Name: JobHoliday, Daily: "09:10", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := QueueHolidayGreetings(ctx, db, now, loc)
			return fmt.Sprintf("%d greetings queued", n), err
		}},
		{Name: JobPointsReminder, Daily: "09:30", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := QueuePointsExpiryReminders(ctx, db, now, loc)
			return fmt.Sprintf("%d reminders queued", n), err
		}},
		{Name: JobCouponReminder, Daily: "09:40", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := QueueCouponExpiryReminders(ctx, db, now, loc)
			return fmt.Sprintf("%d reminders queued", n), err
		}},
	}
	for _, f := range areaJobs {
		jobs = append(jobs, f(db, loc))
	}
	return jobs
}

var areaJobs []func(db *DB, loc *time.Location) Job

// RegisterJob adds an area's scheduled job to StandardJobs (its name needs a
// notify.job.<name> message). Register at init.
func RegisterJob(f func(db *DB, loc *time.Location) Job) { areaJobs = append(areaJobs, f) }

// localDay returns the start of now's day in loc, in UTC, and its date.
func localDay(now time.Time, loc *time.Location) (time.Time, string) {
	l := now.In(loc)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	return d.UTC(), d.Format("2006-01-02")
}

// QueueHolidayGreetings queues today's holiday greetings (from the calendar
// the admin edits) to every guardian of a current member, once per guardian.
func QueueHolidayGreetings(ctx context.Context, db *DB, now time.Time, loc *time.Location) (int, error) {
	_, today := localDay(now, loc)
	var hs []Holiday
	if err := db.R.WithContext(ctx).Where("day = ? AND enabled = ?", today, true).Order("id").Find(&hs).Error; err != nil {
		return 0, fmt.Errorf("models: holiday greetings: %w", err)
	}
	if len(hs) == 0 {
		return 0, nil
	}
	var gids []int64
	err := db.R.WithContext(ctx).Raw(`SELECT DISTINCT g.id FROM guardians g JOIN members m ON m.family_id = g.family_id
		WHERE m.archived_at IS NULL ORDER BY g.id`).Scan(&gids).Error
	if err != nil {
		return 0, fmt.Errorf("models: holiday greetings: %w", err)
	}
	n := 0
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		n = 0
		for _, h := range hs {
			for _, g := range gids {
				if err := EnqueueNotice(ctx, tx, now, Notice{Event: "holiday", GuardianID: g,
					Data:      map[string]any{"holiday": h.Name, "message": h.Message},
					DedupeKey: fmt.Sprintf("holiday:%d", h.ID)}); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("models: holiday greetings: %w", err)
	}
	return n, nil
}

// QueuePointsExpiryReminders tells the guardians of each member whose points
// lots expire PointsReminderDays from today how many points will go.
func QueuePointsExpiryReminders(ctx context.Context, db *DB, now time.Time, loc *time.Location) (int, error) {
	l := now.In(loc)
	day := time.Date(l.Year(), l.Month(), l.Day()+PointsReminderDays, 0, 0, 0, 0, loc)
	var rows []struct {
		MemberID int64
		Points   int64
	}
	err := db.R.WithContext(ctx).Raw(`SELECT a.owner_id AS member_id, SUM(l.remaining) AS points
		FROM points_lots l JOIN ledger_accounts a ON a.id = l.account_id
		WHERE a.owner_type = 'member' AND a.name = 'points' AND l.remaining > 0
		AND l.expires_at >= ? AND l.expires_at < ? GROUP BY a.owner_id ORDER BY a.owner_id`,
		day.UTC(), day.AddDate(0, 0, 1).UTC()).Scan(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("models: points expiry reminders: %w", err)
	}
	date := day.Format("2006-01-02")
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		for _, r := range rows {
			if err := EnqueueNotice(ctx, tx, now, Notice{Event: "points_expiring", MemberID: r.MemberID,
				Data:      map[string]any{"points": r.Points, "expires": date},
				DedupeKey: fmt.Sprintf("points_expiring:%d:%s", r.MemberID, date)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("models: points expiry reminders: %w", err)
	}
	return len(rows), nil
}

// QueueCouponExpiryReminders reminds the guardians of each unused coupon
// whose last valid day is CouponReminderDays from today.
func QueueCouponExpiryReminders(ctx context.Context, db *DB, now time.Time, loc *time.Location) (int, error) {
	l := now.In(loc)
	// valid_until is exclusive: a coupon whose last day is D runs until D+1 00:00.
	from := time.Date(l.Year(), l.Month(), l.Day()+CouponReminderDays, 0, 0, 1, 0, loc)
	var cs []struct {
		ID         int64
		MemberID   int64
		Name       string
		ValidUntil time.Time
	}
	err := db.R.WithContext(ctx).Raw(`SELECT id, member_id, name, valid_until FROM coupons
		WHERE status = ? AND valid_until >= ? AND valid_until < ? ORDER BY id`,
		CouponActive, from.UTC(), from.AddDate(0, 0, 1).UTC()).Scan(&cs).Error
	if err != nil {
		return 0, fmt.Errorf("models: coupon expiry reminders: %w", err)
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		for _, c := range cs {
			last := c.ValidUntil.Add(-time.Nanosecond).In(loc).Format("2006-01-02")
			if err := EnqueueNotice(ctx, tx, now, Notice{Event: "coupon_expiring", MemberID: c.MemberID,
				Data:      map[string]any{"coupon": c.Name, "expires": last},
				DedupeKey: fmt.Sprintf("coupon_expiring:%d", c.ID)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("models: coupon expiry reminders: %w", err)
	}
	return len(cs), nil
}

// DailySummary is one campus's numbers for one day.
type DailySummary struct {
	CampusID   int64
	Campus     string
	Date       string
	Checkins   int64
	Sales      int64 // fen: revenue of purchases
	Topups     int64 // fen: money paid in for stored value
	Refunds    int64 // fen: purchase and top-up refunds
	NewMembers int64
}

// CampusDailySummary counts a campus's check-ins, sales, top-ups, refunds
// and new members on the local day containing day.
func CampusDailySummary(ctx context.Context, db *gorm.DB, campus Campus, day time.Time, loc *time.Location) (DailySummary, error) {
	start, date := localDay(day, loc)
	end := start.AddDate(0, 0, 1)
	s := DailySummary{CampusID: campus.ID, Campus: campus.Name, Date: date}
	var c struct{ Checkins, NewMembers int64 }
	err := db.WithContext(ctx).Raw(`SELECT
		(SELECT COUNT(*) FROM checkins WHERE campus_id = ? AND local_day = ? AND kind = 'arrival') AS checkins,
		(SELECT COUNT(*) FROM members WHERE campus_id = ? AND created_at >= ? AND created_at < ?) AS new_members`,
		campus.ID, date, campus.ID, start, end).Scan(&c).Error
	if err != nil {
		return s, fmt.Errorf("models: daily summary: %w", err)
	}
	s.Checkins, s.NewMembers = c.Checkins, c.NewMembers
	// Money from the ledger: revenue postings of purchases (credits, so
	// negated), cash-side postings of top-ups, and the money side of refunds.
	var m struct{ Sales, Topups, Refunds int64 }
	err = db.WithContext(ctx).Raw(`SELECT
		COALESCE(SUM(CASE WHEN j.kind = 'purchase' AND p.account_id = ? THEN -p.amount ELSE 0 END), 0) AS sales,
		COALESCE(SUM(CASE WHEN j.kind = 'topup' AND p.account_id IN ? THEN p.amount ELSE 0 END), 0) AS topups,
		COALESCE(SUM(CASE WHEN (j.kind = 'refund' AND p.account_id = ?) OR (j.kind = 'topup_refund' AND p.account_id IN ?)
			THEN ABS(p.amount) ELSE 0 END), 0) AS refunds
		FROM ledger_journals j JOIN ledger_postings p ON p.journal_id = j.id
		WHERE j.campus_id = ? AND j.at >= ? AND j.at < ? AND j.kind IN ('purchase', 'topup', 'refund', 'topup_refund')`,
		SysRevenue, clearingIDs(), SysRevenue, clearingIDs(), campus.ID, start, end).Scan(&m).Error
	if err != nil {
		return s, fmt.Errorf("models: daily summary: %w", err)
	}
	s.Sales, s.Topups, s.Refunds = m.Sales, m.Topups, m.Refunds
	return s, nil
}

func clearingIDs() []int64 {
	return []int64{SysClearingCash, SysClearingWechat, SysClearingAlipay, SysClearingCard}
}

// QueueDailySummaries queues yesterday's summary of each campus to each of
// its (enabled) campus managers.
func QueueDailySummaries(ctx context.Context, db *DB, now time.Time, loc *time.Location) (int, error) {
	campuses, err := ListCampuses(ctx, db.R)
	if err != nil {
		return 0, err
	}
	l := now.In(loc)
	yesterday := time.Date(l.Year(), l.Month(), l.Day()-1, 12, 0, 0, 0, loc)
	n := 0
	for _, c := range campuses {
		var managers []int64
		err := db.R.WithContext(ctx).Raw(`SELECT u.id FROM staff_users u JOIN staff_campuses sc ON sc.user_id = u.id
			WHERE sc.campus_id = ? AND u.role = ? AND u.disabled_at IS NULL ORDER BY u.id`, c.ID, RoleCampusManager).Scan(&managers).Error
		if err != nil {
			return n, fmt.Errorf("models: daily summaries: %w", err)
		}
		if len(managers) == 0 {
			continue
		}
		s, err := CampusDailySummary(ctx, db.R, c, yesterday, loc)
		if err != nil {
			return n, err
		}
		data := map[string]any{"campus": s.Campus, "date": s.Date, "checkins": s.Checkins, "sales": s.Sales,
			"topups": s.Topups, "refunds": s.Refunds, "new_members": s.NewMembers}
		err = db.Tx(ctx, func(tx *gorm.DB) error {
			for _, m := range managers {
				if err := EnqueueStaffNotice(ctx, tx, now, m, "daily_summary",
					fmt.Sprintf("daily_summary:%d:%s", c.ID, s.Date), data); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("models: daily summaries: %w", err)
		}
		n += len(managers)
	}
	return n, nil
}
