package portal

import (
	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

func (h handler) stampList(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "stamps", "portal.stamps.title")
	if err != nil {
		return err
	}
	cards, err := models.MemberStampCards(c.UserContext(), h.DB.R, s.Child.ID)
	if err != nil {
		return err
	}
	d := struct {
		shell
		Cards []models.StampCardView
	}{s, cards}
	return h.Page(c, fiber.StatusOK, "portal/stamps", "", h.view(c, s.Heading, d))
}
