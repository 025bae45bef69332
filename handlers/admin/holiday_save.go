package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// holidaySave adds a day to the greeting calendar, or changes one (id set).
func (h handler) holidaySave(c *fiber.Ctx) error {
	in := models.Holiday{Day: c.FormValue("day"), Name: c.FormValue("name"), Message: c.FormValue("message"),
		Enabled: c.FormValue("enabled", "1") == "1"}
	in.ID, _ = strconv.ParseInt(c.FormValue("id"), 10, 64)
	form := map[string]string{"day": in.Day, "name": in.Name, "message": in.Message}
	saved, err := models.SaveHoliday(c.UserContext(), h.DB, h.Now(), render.Actor(c), in)
	if _, ok := models.AsError(err); ok && in.ID == 0 {
		return h.holidayPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err)})
	}
	if err != nil {
		return err
	}
	return h.holidayPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "notify.holidays.saved", saved.Day, saved.Name), FlashKind: "ok"})
}
