package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) outboxPage(c *fiber.Ctx, status int, v render.View) error {
	ctx := c.UserContext()
	f := models.OutboxFilter{Status: c.Query("status"), Event: c.Query("event"), Limit: 100}
	f.Before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	rows, err := models.ListOutbox(ctx, h.DB.R, f)
	if err != nil {
		return err
	}
	counts, err := models.OutboxCounts(ctx, h.DB.R)
	if err != nil {
		return err
	}
	var next int64
	if len(rows) == f.Limit {
		next = rows[len(rows)-1].ID
	}
	v.Title = h.T(c, "notify.outbox.title")
	v.D = fiber.Map{"Rows": rows, "Counts": counts, "Filter": f, "Statuses": models.OutboxStatuses,
		"Events": models.NoticeEvents, "Next": next}
	return h.Page(c, status, "admin/outbox", "outbox", v)
}

func (h handler) outboxList(c *fiber.Ctx) error {
	return h.outboxPage(c, fiber.StatusOK, render.View{})
}
