package admin

import (
	"github.com/gofiber/fiber/v2"
)

// registerCare mounts complaints and surveys (issue 14). The /admin group
// already admits admin, service_head and campus_manager; the models scope a
// campus manager to their own campuses (another campus's complaint is 404).
//
//	GET  /admin/complaints                       queue (filters, SLA countdown)       admin, service_head, campus_manager
//	GET  /admin/complaints/new                   record form (+ member search)        same
//	POST /admin/complaints                       record on the family's behalf        same
//	GET  /admin/complaints/stats                 monthly statistics + chart           same
//	GET  /admin/complaints/stats.xlsx            Excel export                         same
//	GET  /admin/complaints/stats.json            chart data                           same
//	GET  /admin/complaints/settings              SLA limits and owner rules           admin, service_head
//	POST /admin/complaints/settings              save limits                          admin, service_head
//	POST /admin/complaints/routes                save an owner rule                   admin, service_head
//	GET  /admin/complaints/:id                   one complaint, thread, actions       admin, service_head, campus_manager
//	POST /admin/complaints/:id/assign            reassign                             same
//	POST /admin/complaints/:id/replies           public reply or internal note        same
//	POST /admin/complaints/:id/transitions       move (409 when illegal)              same
//	POST /admin/complaints/:id/compensations     points, coupon, or link a refund     same
//	GET  /admin/surveys                          surveys, NPS trend, send form        same
//	POST /admin/surveys                          send a survey to a segment           same
//	GET  /admin/surveys/:id                      results                              same
//	GET  /admin/surveys/:id/export.xlsx          Excel export                         same
//	POST /admin/surveys/:id/close                stop taking answers                  same
//	POST /admin/surveys/:id/actions              add an improvement action            same
//	POST /admin/surveys/actions/:aid/status      move an improvement action           same
func (h handler) registerCare(r fiber.Router) {
	r.Get("/complaints", h.complaintList)
	r.Get("/complaints/new", h.complaintNew)
	r.Post("/complaints", h.complaintCreate)
	r.Get("/complaints/stats", h.complaintStats)
	r.Get("/complaints/stats.xlsx", h.complaintStatsXLSX)
	r.Get("/complaints/stats.json", h.complaintStatsJSON)
	// Settings and owner rules: admin and service_head (handlers/access.Table).
	r.Get("/complaints/settings", h.complaintSettings)
	r.Post("/complaints/settings", h.complaintSettingsSave)
	r.Post("/complaints/routes", h.complaintRouteSave)
	r.Get("/complaints/:id", h.complaintShow)
	r.Post("/complaints/:id/assign", h.complaintAssign)
	r.Post("/complaints/:id/replies", h.complaintReply)
	r.Post("/complaints/:id/transitions", h.complaintTransition)
	r.Post("/complaints/:id/compensations", h.complaintCompensate)
	r.Get("/surveys", h.surveyList)
	r.Post("/surveys", h.surveyCreate)
	r.Post("/surveys/actions/:aid/status", h.surveyActionStatus)
	r.Get("/surveys/:id", h.surveyShow)
	r.Get("/surveys/:id/export.xlsx", h.surveyExport)
	r.Post("/surveys/:id/close", h.surveyClose)
	r.Post("/surveys/:id/actions", h.surveyActionAdd)
}

// requireHead admits the roles that see every campus (service head, admin).
