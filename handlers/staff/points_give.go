package staff

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models/crm"
)

// pointsGive gives behaviour points to the ticked children, or to the whole
// class, with a reason the parents see.
func (h handler) pointsGive(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := render.User(c)
	var ids []int64
	if c.FormValue("all") == "1" {
		r, err := crm.ClassRoster(ctx, h.DB.R, h.Now(), h.Loc, u, classParam(c))
		if err != nil {
			return err
		}
		for _, k := range r.Children {
			ids = append(ids, k.ID)
		}
	} else {
		args := c.Request().PostArgs()
		for _, v := range args.PeekMulti("member_id") {
			if id, err := strconv.ParseInt(string(v), 10, 64); err == nil && id > 0 {
				ids = append(ids, id)
			}
		}
	}
	points, _ := strconv.ParseInt(c.FormValue("points"), 10, 64)
	n, err := crm.GivePoints(ctx, h.DB, h.Now(), h.Loc, render.Actor(c), u, ids, points, c.FormValue("reason"), c.FormValue("batch"))
	if err != nil {
		return err
	}
	return h.section(c, "points", h.T(c, "crm.points.given", n, points))
}
