package admin

import (
	"github.com/gofiber/fiber/v2"
)

// registerNotify mounts the notification and scheduling pages: the outbox
// with its dead letters, templates, the holiday calendar, jobs and monthly
// message statistics. They are for admins and the service head (客服负责人),
// who runs greetings and reports them (seed 003).
func (h handler) registerNotify(r fiber.Router) {
	// Who may open them (admins and the service head) is their lines in
	// handlers/access.Table.
	r.Get("/outbox", h.outboxList)
	r.Post("/outbox/:id/resend", h.outboxResend)
	r.Get("/jobs", h.jobsList)
	r.Post("/jobs/:name/run", h.jobsRun)
	r.Get("/notice-templates", h.noticeTemplateList)
	r.Get("/notice-templates/:event/:lang", h.noticeTemplateEdit)
	r.Post("/notice-templates/:event/:lang", h.noticeTemplateSave)
	r.Post("/notice-templates/:event/:lang/preview", h.noticeTemplatePreview)
	r.Get("/holidays", h.holidayList)
	r.Post("/holidays", h.holidaySave)
	r.Post("/holidays/:id/delete", h.holidayDelete)
	r.Get("/message-stats", h.messageStatsShow)
}
