package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) holidayDelete(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	if err := models.DeleteHoliday(c.UserContext(), h.DB, h.Now(), render.Actor(c), id); err != nil {
		return err
	}
	return h.holidayPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "notify.holidays.deleted"), FlashKind: "ok"})
}
