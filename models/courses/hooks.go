package courses

import (
	"context"
	"fmt"
	"time"

	"starcard/models"
)

// Scheduled jobs of this package.
const (
	// JobExpire expires what is left of packages past their end date.
	JobExpire = "courses.expire_packages"
	// JobSettleExclusive opens or cancels (refunding everyone) the
	// points-exclusive courses that start today.
	JobSettleExclusive = "courses.settle_exclusive"
)

// Notice events of this package.
const (
	EventConsumed = "class_hours"   // after each lesson: hours consumed and left
	EventRenewal  = "class_renewal" // the hours left reached the course's renewal mark
	// EventExclusiveCancelled: a points-exclusive course did not open; the points are back.
	EventExclusiveCancelled = "exclusive_cancelled"
)

// The core learns about class hours here, at init: the notices, the refund
// guard and verify's invariants for the hours asset (the generic ones —
// balances equal postings, journals balance per asset, no negative balance —
// already cover it).
func init() {
	models.RegisterNoticeEvent(models.NoticeEvent{Name: EventConsumed, Vars: []string{"course", "hours", "left"}},
		map[string][2]string{
			"zh-CN": {"课消通知", "【{{school}}】{{member}}今日{{course}}课消 {{hours}} 课时，剩余 {{left}} 课时。"},
			"zh-TW": {"課消通知", "【{{school}}】{{member}}今日{{course}}課消 {{hours}} 課時，剩餘 {{left}} 課時。"},
			"en":    {"Lesson attended", "[{{school}}] {{member}} attended {{course}} today: {{hours}} hour(s) used, {{left}} left."},
		})
	models.RegisterNoticeEvent(models.NoticeEvent{Name: EventRenewal, Vars: []string{"course", "left"}},
		map[string][2]string{
			"zh-CN": {"续费提醒", "【{{school}}】{{guardian}}您好，{{member}}的{{course}}课仅剩 {{left}} 课时，为不影响上课，请及时续费。"},
			"zh-TW": {"續費提醒", "【{{school}}】{{guardian}}您好，{{member}}的{{course}}課僅剩 {{left}} 課時，為不影響上課，請及時續費。"},
			"en":    {"Time to renew", "[{{school}}] Dear {{guardian}}, {{member}} has only {{left}} hour(s) of {{course}} left. Please renew in time."},
		})
	models.RegisterNoticeEvent(models.NoticeEvent{Name: EventExclusiveCancelled, Vars: []string{"course", "minimum", "points"}},
		map[string][2]string{
			"zh-CN": {"课程未开班", "【{{school}}】{{guardian}}您好，{{member}}报名的「{{course}}」未满 {{minimum}} 人开班，已取消，冻结的 {{points}} 积分已全部退回。"},
			"zh-TW": {"課程未開班", "【{{school}}】{{guardian}}您好，{{member}}報名的「{{course}}」未滿 {{minimum}} 人開班，已取消，凍結的 {{points}} 積分已全部退回。"},
			"en":    {"Course cancelled", "[{{school}}] Dear {{guardian}}, {{course}} did not reach {{minimum}} students and is cancelled: {{member}}'s {{points}} points are back."},
		})
	models.RegisterRefundGuard(guardRefund)
	models.RegisterArrivalHook(consumeOnArrival)
	models.RegisterJobs(func(db *models.DB, loc *time.Location) []models.Job {
		return []models.Job{
			{Name: JobExpire, Daily: "00:40", Run: func(ctx context.Context, now time.Time) (string, error) {
				n, err := ExpirePackages(ctx, db, now)
				return fmt.Sprintf("%d class hours expired", n), err
			}},
			{Name: JobSettleExclusive, Daily: "00:20", Run: func(ctx context.Context, now time.Time) (string, error) {
				r, err := SettleExclusiveCourses(ctx, db, now, loc)
				return fmt.Sprintf("%d opened, %d cancelled, %d refunded", r.Opened, r.Cancelled, r.Refunded), err
			}},
		}
	})
	models.RegisterVerifyCheck("class hours held differ from the packages' hours left",
		`SELECT a.id AS a, a.balance AS b, COALESCE(SUM(p.remaining), 0) AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM ledger_accounts a LEFT JOIN class_hour_packages p ON p.account_id = a.id
		WHERE a.owner_type <> 'system' AND a.asset = 'hours'
		GROUP BY a.id, a.balance HAVING a.balance <> COALESCE(SUM(p.remaining), 0)`,
		"hours account %[1]d: balance %[2]d, packages hold %[3]d")
	models.RegisterVerifyCheck("package's hours left differ from its hours minus its draws, or are out of range",
		`SELECT p.id AS a, p.hours + p.bonus_hours AS b, p.remaining AS c, COALESCE(SUM(d.hours), 0) AS d, 0 AS e, 0 AS f, 0 AS g
		FROM class_hour_packages p LEFT JOIN class_hour_draws d ON d.package_id = p.id
		GROUP BY p.id, p.hours, p.bonus_hours, p.remaining
		HAVING p.remaining <> p.hours + p.bonus_hours - COALESCE(SUM(d.hours), 0) OR p.remaining < 0
			OR p.remaining > p.hours + p.bonus_hours`,
		"package %[1]d: %[2]d hours, %[3]d left, draws %[4]d")
	models.RegisterVerifyCheck("year plan's deposit account differs from its deposit (held while active, empty once closed)",
		`SELECT p.id AS a, p.deposit AS b, COALESCE(a.balance, -1) AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM year_plans p LEFT JOIN ledger_accounts a ON a.id = p.account_id
		WHERE a.id IS NULL OR (p.status = 'active' AND a.balance <> p.deposit) OR (p.status <> 'active' AND a.balance <> 0)`,
		"year plan %[1]d: deposit %[2]d, account holds %[3]d")
	models.RegisterVerifyCheck("package refunded more than was paid for it",
		`SELECT id AS a, paid AS b, refunded AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g
		FROM class_hour_packages WHERE refunded < 0 OR refunded > paid`,
		"package %[1]d: paid %[2]d, refunded %[3]d")
}
