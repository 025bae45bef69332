package account

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// inboxList shows a staff member's notices (the daily summary, …), newest
// first; the unread ones are marked.
func (h handler) inboxList(c *fiber.Ctx) error {
	u := render.User(c)
	msgs, err := models.ListStaffInbox(c.UserContext(), h.DB.R, u.ID, 100)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "account/inbox", "", render.View{Title: h.T(c, "setup.inbox_title"),
		D: fiber.Map{"Messages": msgs}})
}

// inboxRead marks one notice (id) or all of them read.
func (h handler) inboxRead(c *fiber.Ctx) error {
	u := render.User(c)
	id, _ := strconv.ParseInt(c.FormValue("id"), 10, 64)
	if err := models.MarkStaffInboxRead(c.UserContext(), h.DB.W, h.Now(), u.ID, id); err != nil {
		return err
	}
	return render.Redirect(c, "/inbox")
}
