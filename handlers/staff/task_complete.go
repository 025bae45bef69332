package staff

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models/crm"
)

// taskComplete closes a task with the outcome button the teacher tapped.
func (h handler) taskComplete(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	t, err := crm.CompleteTask(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id, c.FormValue("outcome"),
		c.FormValue("note"))
	if err != nil {
		return err
	}
	return h.section(c, "tasks", h.T(c, "crm.ws.task_done", t.Outcome))
}
