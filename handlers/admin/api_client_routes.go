package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/security"
)

// registerAPIClients mounts the page where an admin creates integrations'
// API clients (the secret is shown once) and revokes them.
func (h handler) registerAPIClients(r fiber.Router) {
	r.Get("/api-clients", h.apiClientList)
	r.Post("/api-clients", h.apiClientCreate)
	r.Post("/api-clients/:id/revoke", h.apiClientRevoke)
}

// clientRoles are the roles a client may be given, most limited first.
var clientRoles = []models.Role{models.RoleKiosk, models.RoleTeacher, models.RoleCashier, models.RoleCampusManager,
	models.RoleServiceHead, models.RoleAdmin}

func (h handler) apiClientPage(c *fiber.Ctx, status int, v render.View, extra fiber.Map) error {
	ctx := c.UserContext()
	clients, err := security.ListClients(ctx, h.DB.R)
	if err != nil {
		return err
	}
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, cp := range campuses {
		names[cp.ID] = cp.Name
	}
	v.Title = h.T(c, "sec.clients_title")
	d := fiber.Map{"Clients": clients, "Roles": clientRoles, "Campuses": campuses, "CampusNames": names}
	for k, x := range extra {
		d[k] = x
	}
	v.D = d
	return h.Page(c, status, "admin/api_clients", "clients", v)
}

func (h handler) apiClientList(c *fiber.Ctx) error {
	return h.apiClientPage(c, fiber.StatusOK, render.View{}, nil)
}

func (h handler) apiClientCreate(c *fiber.Ctx) error {
	in := security.NewClient{Name: c.FormValue("name"), Role: c.FormValue("role")}
	if id, err := strconv.ParseInt(c.FormValue("campus_id"), 10, 64); err == nil && id > 0 {
		in.CampusID = id
	}
	form := map[string]string{"name": in.Name, "role": in.Role, "campus_id": c.FormValue("campus_id")}
	cl, secret, err := security.CreateClient(c.UserContext(), h.DB.W, h.Now(), render.Actor(c), in)
	if _, ok := models.AsError(err); ok {
		return h.apiClientPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err)}, nil)
	}
	if err != nil {
		return err
	}
	// The secret is in this answer only: never stored, never shown again.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.apiClientPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "sec.client_created", cl.Name), FlashKind: "ok"},
		fiber.Map{"Secret": secret, "NewClientID": cl.ClientID})
}

func (h handler) apiClientRevoke(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := security.RevokeClient(c.UserContext(), h.DB.W, h.Now(), render.Actor(c), id); err != nil {
		return err
	}
	return h.apiClientPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "sec.client_revoked_ok"), FlashKind: "ok"}, nil)
}
