package portal

import (
	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// redemptionShow is the QR staff scan to hand a reward over.
func (h handler) redemptionShow(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "rewards", "portal.redemption.title")
	if err != nil {
		return err
	}
	r, err := models.PortalRedemption(c.UserContext(), h.DB.R, principal(c), s.Child.ID, c.Params("token"))
	if err != nil {
		return err
	}
	s.Back = "/portal/kids/" + c.Params("id") + "/rewards"
	d := struct {
		shell
		R *models.RedemptionView
	}{s, r}
	return h.Page(c, fiber.StatusOK, "portal/redemption", "", h.view(c, r.RewardName, d))
}

// redemptionQR draws the redemption's QR, for its own child only.
func (h handler) redemptionQR(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "rewards", "")
	if err != nil {
		return err
	}
	r, err := models.PortalRedemption(c.UserContext(), h.DB.R, principal(c), s.Child.ID, c.Params("token"))
	if err != nil {
		return err
	}
	png, err := models.RedemptionQR(r.Token, 320)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400")
	return c.Send(png)
}
