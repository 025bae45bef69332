package portal

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

func (h handler) checkinCalendar(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "checkins", "portal.checkins.title")
	if err != nil {
		return err
	}
	now := h.Now().In(h.Loc)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, h.Loc)
	if m, err := time.ParseInLocation("2006-01", c.Query("month"), h.Loc); err == nil && m.Year() > 2000 && !m.After(now) {
		month = m
	}
	cal, err := models.PortalCheckinMonth(c.UserContext(), h.DB.R, principal(c), s.Child.ID, month.Year(), month.Month(), h.Loc, h.Now())
	if err != nil {
		return err
	}
	d := struct {
		shell
		Cal      *models.CalendarMonth
		HasNext  bool
		Weekdays []string
	}{s, cal, cal.Next <= now.Format("2006-01"), nil}
	for _, id := range weekdayIDs {
		d.Weekdays = append(d.Weekdays, h.T(c, id))
	}
	return h.Page(c, fiber.StatusOK, "portal/checkins", "", h.view(c, s.Heading, d))
}

// weekdayIDs head the calendar, Monday first as in China.
var weekdayIDs = []string{"portal.weekday.1", "portal.weekday.2", "portal.weekday.3", "portal.weekday.4",
	"portal.weekday.5", "portal.weekday.6", "portal.weekday.7"}
