package staff

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models/crm"
)

// rollCall marks a child the kiosk did not scan: one tap per child.
func (h handler) rollCall(c *fiber.Ctx) error {
	err := crm.RollCall(c.UserContext(), h.DB, h.Now(), h.Loc, render.Actor(c), render.User(c), formID(c, "member_id"),
		c.FormValue("status"))
	if err != nil {
		return err
	}
	return h.section(c, "roster", "")
}
