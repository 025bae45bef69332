package admin

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models/care"
)

// statsMonth reads ?month=YYYY-MM (default: this month in the school's zone).
func (h handler) statsMonth(c *fiber.Ctx) time.Time {
	if m, err := time.ParseInLocation("2006-01", c.Query("month"), h.Loc); err == nil {
		return m
	}
	return h.Now().In(h.Loc)
}

func (h handler) monthStats(c *fiber.Ctx) (*care.Stats, error) {
	return care.MonthStats(c.UserContext(), h.DB.R, h.Now(), render.User(c), h.statsMonth(c), h.Loc)
}

// complaintStats is the month's statistics: counts by category, cause,
// campus and channel, answer and resolution times, a chart and the export.
func (h handler) complaintStats(c *fiber.Ctx) error {
	st, err := h.monthStats(c)
	if err != nil {
		return err
	}
	m, _ := time.ParseInLocation("2006-01", st.Month, h.Loc)
	return h.Page(c, fiber.StatusOK, "admin/complaint_stats", "", render.View{Title: h.T(c, "care.stats.title"),
		D: fiber.Map{"S": st, "Prev": m.AddDate(0, -1, 0).Format("2006-01"), "Next": m.AddDate(0, 1, 0).Format("2006-01")}})
}

// complaintStatsJSON feeds the chart (static/js/care.js): labels translated.
func (h handler) complaintStatsJSON(c *fiber.Ctx) error {
	st, err := h.monthStats(c)
	if err != nil {
		return err
	}
	series := func(prefix string, cs []care.Count) fiber.Map {
		var labels []string
		var values []int
		for _, x := range cs {
			l := x.Label
			if prefix != "" {
				l = h.T(c, prefix+x.Key)
			}
			labels, values = append(labels, l), append(values, x.N)
		}
		return fiber.Map{"labels": labels, "values": values}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"month": st.Month,
		"category": series("portal.category.", st.ByCategory), "cause": series("care.cause.", st.ByCause),
		"campus": series("", st.ByCampus), "channel": series("care.channel.", st.ByChannel)})
}

func (h handler) complaintStatsXLSX(c *fiber.Ctx) error {
	st, err := h.monthStats(c)
	if err != nil {
		return err
	}
	b, err := care.StatsXLSX(st, h.Loc, func(id string) string { return h.T(c, id) })
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="complaints-%s.xlsx"`, st.Month))
	return c.Send(b)
}
