package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) holidayPage(c *fiber.Ctx, status int, v render.View) error {
	from := h.Now().In(h.Loc).AddDate(0, -1, 0).Format("2006-01-02")
	hs, err := models.ListHolidays(c.UserContext(), h.DB.R, from)
	if err != nil {
		return err
	}
	v.Title = h.T(c, "notify.holidays.title")
	v.D = fiber.Map{"Holidays": hs, "Today": h.Now().In(h.Loc).Format("2006-01-02")}
	return h.Page(c, status, "admin/holidays", "holidays", v)
}

func (h handler) holidayList(c *fiber.Ctx) error {
	return h.holidayPage(c, fiber.StatusOK, render.View{})
}
