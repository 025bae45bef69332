package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/webhooks"
)

// registerWebhooks mounts the webhook endpoints page (issue 20): admins add
// URLs, see each one's delivery log, rotate secrets, send a test event and
// redeliver dead deliveries. Who may open it is its lines in
// handlers/access.Table (admins only: the secrets and the school's data
// leaving it are theirs to decide).
func (h handler) registerWebhooks(r fiber.Router) {
	r.Get("/webhooks", h.webhookList)
	r.Post("/webhooks", h.webhookCreate)
	r.Post("/webhooks/settings", h.webhookSettings)
	r.Get("/webhooks/:id", h.webhookShow)
	r.Post("/webhooks/:id", h.webhookUpdate)
	r.Post("/webhooks/:id/rotate", h.webhookRotate)
	r.Post("/webhooks/:id/pause", h.webhookPause)
	r.Post("/webhooks/:id/resume", h.webhookResume)
	r.Post("/webhooks/:id/test", h.webhookTest)
	r.Post("/webhooks/:id/delete", h.webhookDelete)
	r.Post("/webhooks/:id/deliveries/:did/redeliver", h.webhookRedeliver)
}

// webhookForm reads the endpoint form; events are checkboxes.
func webhookForm(c *fiber.Ctx) (webhooks.NewEndpoint, map[string]string) {
	in := webhooks.NewEndpoint{URL: c.FormValue("url"), Description: c.FormValue("description")}
	for _, b := range c.Request().PostArgs().PeekMulti("events") {
		in.Events = append(in.Events, string(b))
	}
	form := map[string]string{"url": in.URL, "description": in.Description, "campus_id": c.FormValue("campus_id")}
	if v := c.FormValue("campus_id"); v != "" && v != "0" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			in.CampusID = -1
		} else {
			in.CampusID = id
		}
	}
	for _, e := range in.Events {
		form["ev:"+e] = "1"
	}
	return in, form
}

func (h handler) webhookCampuses(c *fiber.Ctx) ([]models.Campus, map[int64]string, error) {
	campuses, err := models.ListCampuses(c.UserContext(), h.DB.R)
	if err != nil {
		return nil, nil, err
	}
	names := map[int64]string{}
	for _, cp := range campuses {
		names[cp.ID] = cp.Name
	}
	return campuses, names, nil
}

func (h handler) webhookListPage(c *fiber.Ctx, status int, v render.View, extra fiber.Map) error {
	ctx := c.UserContext()
	eps, err := webhooks.ListEndpoints(ctx, h.DB.R)
	if err != nil {
		return err
	}
	s, err := webhooks.LoadSettings(ctx, h.DB.R)
	if err != nil {
		return err
	}
	campuses, names, err := h.webhookCampuses(c)
	if err != nil {
		return err
	}
	v.Title = h.T(c, "hook.title")
	d := fiber.Map{"Endpoints": eps, "Settings": s, "Campuses": campuses, "CampusNames": names, "Events": webhooks.Events}
	for k, x := range extra {
		d[k] = x
	}
	v.D = d
	return h.Page(c, status, "admin/webhooks", "hooks", v)
}

func (h handler) webhookList(c *fiber.Ctx) error {
	return h.webhookListPage(c, fiber.StatusOK, render.View{}, nil)
}

func (h handler) webhookCreate(c *fiber.Ctx) error {
	in, form := webhookForm(c)
	ep, err := webhooks.CreateEndpoint(c.UserContext(), h.DB, h.Now(), render.Actor(c), in)
	if _, ok := models.AsError(err); ok {
		return h.webhookListPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err)}, nil)
	}
	if err != nil {
		return err
	}
	// The secret is in this answer only.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.webhookListPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "hook.created"), FlashKind: "ok"},
		fiber.Map{"Secret": ep.Secret, "SecretFor": ep.ID})
}

func (h handler) webhookSettings(c *fiber.Ctx) error {
	allow := c.FormValue("allow_private") == "1"
	if err := webhooks.SaveSettings(c.UserContext(), h.DB, h.Now(), render.Actor(c), allow); err != nil {
		return err
	}
	return h.webhookListPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "hook.settings_saved"), FlashKind: "ok"}, nil)
}
