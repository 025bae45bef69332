package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// members serves the member, family, class, card and import pages. It
// keeps the progress of running imports (see importJobs).
type members struct {
	handler
	jobs *importJobs
}

// registerMembers mounts the member pages under /admin.
func (h handler) registerMembers(r fiber.Router) {
	m := members{handler: h, jobs: newImportJobs()}
	r.Get("/members", m.memberList)
	r.Get("/members/new", m.familyNew)
	r.Post("/members", m.familyCreate)
	r.Get("/members/export.csv", m.memberExport)
	r.Get("/members/:id", m.memberShow)
	r.Get("/members/:id/card.png", m.cardImage)
	r.Post("/members/:id/card/freeze", m.cardFreeze)
	r.Post("/members/:id/card/unfreeze", m.cardUnfreeze)
	r.Post("/members/:id/card/replace", m.cardReplace)
	r.Post("/members/:id/lifecycle", m.memberLifecycle)
	r.Get("/members/:id/edit", m.memberEditForm)
	r.Post("/members/:id/edit", m.memberEditSave)
	r.Post("/members/:id/archive", m.memberArchive)
	r.Get("/families/:id", m.familyShow)
	r.Post("/families/:id/children", m.familyChildAdd)
	r.Post("/families/:id/guardians", m.familyGuardianAdd)
	r.Post("/guardians/:id/consent", m.guardianConsent)
	r.Get("/classes", m.classList)
	r.Post("/classes", m.classCreate)
	r.Get("/classes/:id/cards", m.cardsPrint)
	r.Get("/import", m.importForm)
	r.Post("/import/preview", m.importPreview)
	r.Post("/import/commit", m.importCommit)
	r.Get("/import/jobs/:id", m.importJob)
}

func paramID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// memberParam parses :id and checks that the user may see the member.
func (m members) memberParam(c *fiber.Ctx) (int64, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return 0, err
	}
	return id, models.CheckMemberAccess(c.UserContext(), m.DB.R, render.User(c), id)
}

// webScope is the idempotency scope of a staff user's forms.
func webScope(u *models.StaffUser) string { return "web:" + strconv.FormatInt(u.ID, 10) }

// campusesFor lists the campuses a user works at (every campus for admins).
func (m members) campusesFor(c *fiber.Ctx) ([]models.Campus, error) {
	all, err := models.ListCampuses(c.UserContext(), m.DB.R)
	if err != nil {
		return nil, err
	}
	u := render.User(c)
	var out []models.Campus
	for _, cp := range all {
		if u.CanSeeCampus(cp.ID) {
			out = append(out, cp)
		}
	}
	return out, nil
}
