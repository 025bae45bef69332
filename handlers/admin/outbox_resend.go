package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) outboxResend(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	if err := models.ResendNotice(c.UserContext(), h.DB, h.Now(), render.Actor(c), id); err != nil {
		return err
	}
	if !render.IsFragmentRequest(c) {
		return render.Redirect(c, "/admin/outbox?status=pending")
	}
	return h.outboxPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "notify.outbox.resent", id), FlashKind: "ok"})
}
