package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) mountClasses(doc *Doc, r fiber.Router) {
	class := Obj(Props{"id": Int(), "campus_id": Int(), "campus": Str(), "name": Str(), "members": Int()})
	doc.Route(r, fiber.MethodGet, "/classes", Op{
		Summary:  "The classes of the campuses the caller works at (or of one campus), with their number of members",
		Query:    []string{"campus_id", "cursor", "limit"},
		Examples: map[int]any{200: map[string]any{"classes": []any{map[string]any{"id": 3, "campus_id": 1, "campus": "阳光校区", "name": "大一班", "members": 24}}, "next_cursor": nil}},
		Responses: Resp{200: Obj(Props{"classes": Arr(class), "next_cursor": Str()}), 401: Problem(), 404: Problem(),
			422: Problem()},
	}, h.classList)
}

func (h handler) classList(c *fiber.Ctx) error {
	u := render.User(c)
	scope := models.StaffCampusScope(u)
	if v := c.Query("campus_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return models.Invalid(map[string]string{"campus_id": "err.member_campus_unknown"})
		}
		if !u.CanSeeCampus(id) {
			return models.ErrNotFound
		}
		scope = []int64{id}
	}
	rows, err := models.ListClasses(c.UserContext(), h.DB.R, scope)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		out = append(out, map[string]any{"id": r.ID, "campus_id": r.CampusID, "campus": r.CampusName, "name": r.Name,
			"members": r.Members})
	}
	pg, next, err := page(c, out)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"classes": pg, "next_cursor": next})
}
