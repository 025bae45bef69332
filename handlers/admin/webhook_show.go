package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/webhooks"
)

// webhookPage shows one endpoint: its settings form, delivery counts, the
// deliveries (newest first, a cursor for more) and the latest attempts
// with their status codes and timings.
func (h handler) webhookPage(c *fiber.Ctx, status int, id int64, v render.View, extra fiber.Map) error {
	ctx := c.UserContext()
	ep, err := webhooks.GetEndpoint(ctx, h.DB.R, id)
	if err != nil {
		return err
	}
	f := webhooks.DeliveryFilter{EndpointID: id, Status: c.Query("status"), Limit: 50}
	f.Before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	ds, err := webhooks.ListDeliveries(ctx, h.DB.R, f)
	if err != nil {
		return err
	}
	attempts, err := webhooks.ListAttempts(ctx, h.DB.R, id, 30)
	if err != nil {
		return err
	}
	counts, err := webhooks.Counts(ctx, h.DB.R, id)
	if err != nil {
		return err
	}
	campuses, names, err := h.webhookCampuses(c)
	if err != nil {
		return err
	}
	var next int64
	if len(ds) == f.Limit {
		next = ds[len(ds)-1].ID
	}
	if v.Form == nil {
		v.Form = map[string]string{"url": ep.URL, "description": ep.Description, "campus_id": strconv.FormatInt(ep.CampusID, 10)}
		for _, e := range ep.EventList() {
			v.Form["ev:"+e] = "1"
		}
	}
	v.Title = h.T(c, "hook.endpoint_title", ep.ID)
	d := fiber.Map{"E": ep, "Deliveries": ds, "Attempts": attempts, "Counts": counts, "Filter": f, "Next": next,
		"Statuses": webhooks.DeliveryStatuses, "Campuses": campuses, "CampusNames": names, "Events": webhooks.Events,
		"Now": h.Now()}
	for k, x := range extra {
		d[k] = x
	}
	v.D = d
	return h.Page(c, status, "admin/webhook", "hook", v)
}

func (h handler) webhookShow(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return h.webhookPage(c, fiber.StatusOK, id, render.View{}, nil)
}

func (h handler) webhookUpdate(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in, form := webhookForm(c)
	err = webhooks.UpdateEndpoint(c.UserContext(), h.DB, h.Now(), render.Actor(c), id, in)
	if e, ok := models.AsError(err); ok && len(e.Fields) > 0 {
		return h.webhookPage(c, fiber.StatusUnprocessableEntity, id, render.View{Form: form, Errors: h.FieldErrors(c, err)}, nil)
	}
	if err != nil {
		return err
	}
	return h.webhookPage(c, fiber.StatusOK, id, render.View{Flash: h.T(c, "hook.saved"), FlashKind: "ok"}, nil)
}

// webhookAction runs a button's use case and shows the endpoint again with
// a message.
func (h handler) webhookAction(c *fiber.Ctx, run func(id int64) (string, fiber.Map, error)) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	msg, extra, err := run(id)
	if err != nil {
		return err
	}
	return h.webhookPage(c, fiber.StatusOK, id, render.View{Flash: msg, FlashKind: "ok"}, extra)
}

func (h handler) webhookRotate(c *fiber.Ctx) error {
	return h.webhookAction(c, func(id int64) (string, fiber.Map, error) {
		secret, err := webhooks.RotateSecret(c.UserContext(), h.DB, h.Now(), render.Actor(c), id)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return h.T(c, "hook.rotated"), fiber.Map{"Secret": secret}, err
	})
}

func (h handler) webhookPause(c *fiber.Ctx) error {
	return h.webhookAction(c, func(id int64) (string, fiber.Map, error) {
		return h.T(c, "hook.paused_ok"), nil, webhooks.SetPaused(c.UserContext(), h.DB, h.Now(), render.Actor(c), id, true)
	})
}

func (h handler) webhookResume(c *fiber.Ctx) error {
	return h.webhookAction(c, func(id int64) (string, fiber.Map, error) {
		return h.T(c, "hook.resumed"), nil, webhooks.SetPaused(c.UserContext(), h.DB, h.Now(), render.Actor(c), id, false)
	})
}

func (h handler) webhookTest(c *fiber.Ctx) error {
	return h.webhookAction(c, func(id int64) (string, fiber.Map, error) {
		evID, err := webhooks.SendTest(c.UserContext(), h.DB, h.Now(), render.Actor(c), id)
		return h.T(c, "hook.test_queued", evID), nil, err
	})
}

func (h handler) webhookRedeliver(c *fiber.Ctx) error {
	did, err := paramID(c, "did")
	if err != nil {
		return err
	}
	return h.webhookAction(c, func(id int64) (string, fiber.Map, error) {
		return h.T(c, "hook.redelivered", did), nil, webhooks.Redeliver(c.UserContext(), h.DB, h.Now(), render.Actor(c), id, did)
	})
}

func (h handler) webhookDelete(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := webhooks.DeleteEndpoint(c.UserContext(), h.DB, h.Now(), render.Actor(c), id); err != nil {
		return err
	}
	if !render.IsFragmentRequest(c) {
		return render.Redirect(c, "/admin/webhooks")
	}
	return h.webhookListPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "hook.deleted"), FlashKind: "ok"}, nil)
}
