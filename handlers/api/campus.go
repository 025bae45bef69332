package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// campusJSON is DOMAIN.md §4b's campus.
type campusJSON struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Address string `json:"address"`
	Closed  bool   `json:"closed"`
}

func campusOut(c models.Campus) campusJSON {
	return campusJSON{ID: c.ID, Code: c.Code, Name: c.Name, Address: c.Address, Closed: c.Closed()}
}

// mountCampuses mounts the set-up routes for scripts:
//
//	POST /api/v1/campuses   admin          create a campus
//	GET  /api/v1/campuses   any staff      the campuses the caller may see
func (h handler) mountCampuses(doc *Doc, r fiber.Router) {
	campus := Obj(Props{"id": Int(), "code": Str(), "name": Str(), "address": Str(), "closed": Bool()})
	doc.Route(r, fiber.MethodPost, "/campuses", Op{
		Summary:   "Create a campus (admin only); the code is unique",
		Request:   Obj(Props{"code": Str(), "name": Str(), "address": Str()}, "code", "name"),
		Responses: Resp{201: campus, 401: Problem(), 403: Problem(), 409: Problem(), 422: Problem()},
	}, h.campusCreate)
	doc.Route(r, fiber.MethodGet, "/campuses", Op{
		Summary:   "The campuses the caller may work at (every campus for admins and service heads), closed ones flagged",
		Responses: Resp{200: Obj(Props{"campuses": Arr(campus)}), 401: Problem()},
	}, h.campusList)
}

type campusCreateRequest struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Address string `json:"address"`
}

func (h handler) campusCreate(c *fiber.Ctx) error {
	var req campusCreateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	now := h.Now()
	cp, err := models.CreateCampus(ctx, h.DB.W, now, req.Code, req.Name, req.Address)
	if err != nil {
		return err
	}
	if err := models.Audit(ctx, h.DB.W, now, render.Actor(c), "campus.create", "campus", cp.ID, cp.Code); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(campusOut(*cp))
}

func (h handler) campusList(c *fiber.Ctx) error {
	cs, err := models.ListAllCampuses(c.UserContext(), h.DB.R)
	if err != nil {
		return err
	}
	u := render.User(c)
	out := []campusJSON{}
	for _, cp := range cs {
		if u == nil || u.CanSeeCampus(cp.ID) {
			out = append(out, campusOut(cp))
		}
	}
	return c.JSON(fiber.Map{"campuses": out})
}
