package portal

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) inboxList(c *fiber.Ctx) error {
	s, err := h.load(c, 0, "inbox", "", h.T(c, "portal.inbox.title"))
	if err != nil {
		return err
	}
	ms, err := models.PortalInbox(c.UserContext(), h.DB.R, principal(c), 100)
	if err != nil {
		return err
	}
	d := struct {
		shell
		Messages []models.InboxMessage
	}{s, ms}
	return h.Page(c, fiber.StatusOK, "portal/inbox", "", h.view(c, s.Heading, d))
}

// inboxRead marks a message read as it scrolls into view (htmx, no swap).
func (h handler) inboxRead(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	if err := models.PortalMarkRead(c.UserContext(), h.DB.W, h.Now(), principal(c), id); err != nil {
		return err
	}
	if render.IsFragmentRequest(c) {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return render.Redirect(c, "/portal/inbox")
}
