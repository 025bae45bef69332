package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// jobsRun runs a job now under the same lease as the scheduler, so it never
// overlaps a scheduled run on any instance.
func (h handler) jobsRun(c *fiber.Ctx) error {
	name := c.Params("name")
	r := models.NewJobRunner(h.DB, h.Loc, h.Now, models.StandardJobs(h.DB, h.Loc))
	run, err := r.RunNow(c.UserContext(), name)
	if err != nil {
		return err
	}
	if err := models.Audit(c.UserContext(), h.DB.W, h.Now(), render.Actor(c), "job.run", "job", run.ID, name); err != nil {
		return err
	}
	v := render.View{Flash: h.T(c, "notify.jobs.ran", h.T(c, jobKey(name)), run.Result), FlashKind: "ok"}
	if run.Status != "ok" {
		v = render.View{Flash: h.T(c, "notify.jobs.run_failed", h.T(c, jobKey(name))), FlashKind: "error"}
	}
	return h.jobsPage(c, fiber.StatusOK, v)
}

// jobKey is the message id of a job's name.
func jobKey(name string) string { return "notify.job." + name }
