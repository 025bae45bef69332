package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// registerNotify mounts the notification and scheduling pages: the outbox
// with its dead letters, templates, the holiday calendar, jobs and monthly
// message statistics. They are for admins and the service head (客服负责人),
// who runs greetings and reports them (seed 003).
func (h handler) registerNotify(r fiber.Router) {
	// The role check is per route: a Group("") middleware would also guard
	// every /admin route mounted after these.
	m := requireNotifyAdmin
	r.Get("/outbox", m, h.outboxList)
	r.Post("/outbox/:id/resend", m, h.outboxResend)
	r.Get("/jobs", m, h.jobsList)
	r.Post("/jobs/:name/run", m, h.jobsRun)
	r.Get("/notice-templates", m, h.noticeTemplateList)
	r.Get("/notice-templates/:event/:lang", m, h.noticeTemplateEdit)
	r.Post("/notice-templates/:event/:lang", m, h.noticeTemplateSave)
	r.Post("/notice-templates/:event/:lang/preview", m, h.noticeTemplatePreview)
	r.Get("/holidays", m, h.holidayList)
	r.Post("/holidays", m, h.holidaySave)
	r.Post("/holidays/:id/delete", m, h.holidayDelete)
	r.Get("/message-stats", m, h.messageStatsShow)
}

func requireNotifyAdmin(c *fiber.Ctx) error {
	if u := render.User(c); u == nil || (u.Role != models.RoleAdmin && u.Role != models.RoleServiceHead) {
		return models.ErrForbidden
	}
	return c.Next()
}
