// Package staff serves the teachers' workspace at /staff (phone and tablet
// first): my classes with today's arrivals and a one-tap roll call, this
// week's birthdays, my follow-up tasks, logging a call, behaviour points
// within a monthly budget, and family feedback awaiting an answer.
package staff

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

type handler struct{ *render.Deps }

// Register mounts the surface; the group already checks the role (teacher,
// campus manager, admin). Every route works on the caller's campuses only,
// and a teacher only on their own homeroom classes and tasks.
func Register(r fiber.Router, d *render.Deps) {
	h := handler{d}
	r.Get("/", h.home)                               // the workspace
	r.Post("/rollcall", h.rollCall)                  // one tap: present / leave / absent for a child not scanned
	r.Post("/tasks/:id/complete", h.taskComplete)    // close a task with an outcome (second tap)
	r.Get("/tasks/:id/call", h.callForm)             // log a call from a task
	r.Post("/members/:id/contacts", h.contactCreate) // the contact log (closes the task, next date → task)
	r.Post("/points", h.pointsGive)                  // behaviour points within the monthly budget
	h.registerCare(r)                                // complaint replies (models/care)
}

func idParam(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

func formID(c *fiber.Ctx, name string) int64 {
	id, _ := strconv.ParseInt(c.FormValue(name), 10, 64)
	return id
}
