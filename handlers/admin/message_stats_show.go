package admin

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// messageStatsShow is the monthly report of messages by event and channel,
// delivered and failed, that the SP administrator files each month (seed 003).
func (h handler) messageStatsShow(c *fiber.Ctx) error {
	month := h.Now().In(h.Loc)
	if m, err := time.ParseInLocation("2006-01", c.Query("month"), h.Loc); err == nil {
		month = m
	}
	st, err := models.MonthlyMessageStats(c.UserContext(), h.DB.R, month, h.Loc)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "admin/message_stats", "", render.View{
		Title: h.T(c, "notify.stats.title"),
		D: fiber.Map{"Stats": st, "Month": st.Month.Format("2006-01"),
			"Prev": st.Month.AddDate(0, -1, 0).Format("2006-01"), "Next": st.Month.AddDate(0, 1, 0).Format("2006-01")}})
}
