package admin

import (
	"regexp"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) jobsPage(c *fiber.Ctx, status int, v render.View) error {
	jobs, err := models.ListJobStatus(c.UserContext(), h.DB.R, models.StandardJobs(h.DB, h.Loc), 5)
	if err != nil {
		return err
	}
	for i := range jobs {
		for k := range jobs[i].Runs {
			jobs[i].Runs[k].Result = h.jobResult(c, jobs[i].Name, jobs[i].Runs[k].Result)
		}
	}
	v.Title = h.T(c, "notify.jobs.title")
	v.D = fiber.Map{"Jobs": jobs}
	return h.Page(c, status, "admin/jobs", "jobs", v)
}

func (h handler) jobsList(c *fiber.Ctx) error { return h.jobsPage(c, fiber.StatusOK, render.View{}) }

var resultCounts = regexp.MustCompile(`-?\d+`)

// jobResult says what a run did in the reader's language. A job records its
// result as a short English phrase around its counts ("12 points expired");
// the message reports.jobresult.<job> words the same counts, in order, for
// each language. A job without that message, or a result whose counts do not
// fit it, keeps its recorded words.
func (h handler) jobResult(c *fiber.Ctx, job, result string) string {
	id := "reports.jobresult." + job
	if result == "" || !h.Views.Catalog.Has(id) {
		return result
	}
	var args []any
	for _, s := range resultCounts.FindAllString(result, -1) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return result
		}
		args = append(args, n)
	}
	if len(args) != jobResultArgs[job] {
		return result
	}
	return h.T(c, id, args...)
}

// jobResultArgs is how many counts each job's result carries (see
// reports.jobresult.* in views/i18n/reports.toml).
var jobResultArgs = map[string]int{
	"points.expire": 1, "tiers.evaluate": 1, "ledger.hold_timeouts": 1, "rewards.expire_redemptions": 1,
	"coupons.resume_campaigns": 1, "notify.daily_summary": 1, "notify.birthday": 1, "notify.holiday": 1,
	"points.expiry_reminder": 1, "coupons.expiry_reminder": 1, "crm.grades": 1, "crm.tasks": 1, "crm.feedback": 1,
	"care.escalate": 1, "care.auto_confirm": 1, "courses.expire_packages": 1, "courses.settle_exclusive": 3,
	"reports.backfill": 4, "security.prune_rate_slots": 1, "messaging.send_broadcasts": 1, "programmes.close_due": 2,
	"programmes.settle_parties": 1, "webhooks.deliver": 1,
}
