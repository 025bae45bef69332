package render

import (
	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// CardPNG answers with the QR image of a member's current card, cached by
// the browser per card version (ETag) and on disk by models.CardImages. The
// caller has checked that the user may see the member.
func (d *Deps) CardPNG(c *fiber.Ctx, memberID int64) error {
	card, err := models.CurrentCard(c.UserContext(), d.DB.R, memberID)
	if err != nil {
		return err
	}
	imgs := models.CardImages{Dir: d.DataDir, Secret: d.Secret}
	etag := imgs.ETag(card.CardNo, card.Version)
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	png, err := imgs.PNG(card.CardNo, card.Version)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}
