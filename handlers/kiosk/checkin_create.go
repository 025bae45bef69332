package kiosk

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// checkinCreate records one scan and answers with the big result card. A
// refusal a parent can act on (frozen, unknown, another campus) is shown in
// the result area itself, not as a system error.
func (h handler) checkinCreate(c *fiber.Ctx) error {
	code := strings.TrimSpace(c.FormValue("code"))
	var res *result
	if code == "" {
		res = &result{Kind: "err", Message: h.T(c, "kiosk.empty")}
	} else {
		r, err := models.CheckIn(c.UserContext(), h.DB, h.Now(), h.Secret, h.Loc, models.CheckinRequest{
			Input: models.ScanInput(code), Campuses: models.StaffCampusScope(render.User(c)),
			Kind: mode(c), Actor: render.Actor(c)})
		if e, ok := models.AsError(err); ok {
			res = &result{Kind: "err", Message: h.T(c, e.Key, e.Args...)}
		} else if err != nil {
			return err
		} else {
			res = &result{Name: r.Name, Class: r.ClassName, Points: r.PointsEarned}
			at := r.At.In(h.Loc).Format("15:04")
			switch r.Status {
			case models.CheckinDuplicate:
				res.Kind, res.Message = "dup", h.T(c, "kiosk.duplicate_arrival", at)
				if r.Kind == models.CheckinDeparture {
					res.Message = h.T(c, "kiosk.duplicate_departure", at)
				}
			case models.CheckinCheckedOut:
				res.Kind, res.Message = "out", h.T(c, "kiosk.departed", at)
			default:
				res.Kind, res.Message = "ok", h.T(c, "kiosk.arrived", at)
			}
		}
	}
	d, err := h.load(c)
	if err != nil {
		return err
	}
	d.Result, d.OOB = res, render.IsFragmentRequest(c)
	return h.Page(c, fiber.StatusOK, "kiosk/home", "result", render.View{D: d})
}
