package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) jobsPage(c *fiber.Ctx, status int, v render.View) error {
	jobs, err := models.ListJobStatus(c.UserContext(), h.DB.R, models.StandardJobs(h.DB, h.Loc), 5)
	if err != nil {
		return err
	}
	v.Title = h.T(c, "notify.jobs.title")
	v.D = fiber.Map{"Jobs": jobs}
	return h.Page(c, status, "admin/jobs", "jobs", v)
}

func (h handler) jobsList(c *fiber.Ctx) error { return h.jobsPage(c, fiber.StatusOK, render.View{}) }
