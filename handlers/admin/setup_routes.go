package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// registerSetup mounts the school's own settings, its campuses and the
// first-run wizard; all of them are for admins only.
//
//	GET  /admin/setup                  admin   the wizard, at the step reached
//	GET  /admin/setup/:step            admin   one step (school, campus, class, staff, rules)
//	POST /admin/setup/:step            admin   save the step's form
//	POST /admin/setup/:step/skip       admin   go on without saving
//	GET  /admin/school                 admin   school settings
//	POST /admin/school                 admin   save them (multipart: logo)
//	GET  /admin/campuses               admin   campuses, open and closed
//	POST /admin/campuses               admin   create one
//	GET  /admin/campuses/:id/edit      admin   edit form
//	POST /admin/campuses/:id           admin   save it
//	POST /admin/campuses/:id/close     admin   close (history kept)
//	POST /admin/campuses/:id/reopen    admin   reopen
//	GET  /admin/import/template.xlsx   back office  an empty roster to fill in
func (h handler) registerSetup(r fiber.Router) {
	a := r // admins only: handlers/access.Table
	a.Get("/setup", h.setupShow)
	a.Get("/setup/:step", h.setupShow)
	a.Post("/setup/:step", h.setupSave)
	a.Post("/setup/:step/skip", h.setupSkip)
	a.Get("/school", h.schoolEdit)
	a.Post("/school", h.schoolSave)
	a.Get("/campuses", h.campusList)
	a.Post("/campuses", h.campusCreate)
	a.Get("/campuses/:id/edit", h.campusEdit)
	a.Post("/campuses/:id", h.campusSave)
	a.Post("/campuses/:id/close", h.campusClose)
	a.Post("/campuses/:id/reopen", h.campusReopen)
	r.Get("/import/template.xlsx", h.importTemplate)
}

// SchoolLogo serves the school's logo to anyone (the login page, receipts
// and the portal show it): GET /school/logo.
func SchoolLogo(d *render.Deps) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s, err := models.GetSchool(c.UserContext(), d.DB.R)
		if err != nil {
			return err
		}
		if len(s.Logo) == 0 {
			return models.ErrNotFound
		}
		c.Set(fiber.HeaderContentType, s.LogoType)
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
		return c.Send(s.Logo)
	}
}

func (h handler) importTemplate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	campuses, err := models.CampusChoices(ctx, h.DB.R, render.User(c))
	if err != nil {
		return err
	}
	campus, class := "", ""
	if len(campuses) > 0 {
		campus = campuses[0].Name
		classes, err := models.ListClasses(ctx, h.DB.R, []int64{campuses[0].ID})
		if err != nil {
			return err
		}
		if len(classes) > 0 {
			class = classes[0].Name
		}
	}
	b, err := models.ImportTemplateXLSX(campus, class)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="roster-template.xlsx"; filename*=UTF-8''%E5%AD%A6%E5%91%98%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx`)
	return c.Send(b)
}
