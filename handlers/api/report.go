package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/reports"
)

// mountReports mounts the report reads (DOMAIN.md §4b):
//
//	GET /api/v1/reports/liabilities   campus_manager, service_head, admin   what the campuses owe
//	GET /api/v1/reports/members       campus_manager, service_head, admin   members by tier, grade, lifecycle
func (h handler) mountReports(doc *Doc, r fiber.Router) {
	count := Obj(Props{})
	doc.Route(r, fiber.MethodGet, "/reports/liabilities", Op{
		Summary: "What the caller's campuses (or the one asked) owe, read from the ledger's member and family accounts: " +
			"points outstanding, stored value principal and bonus (fen), class hours left and their refund value (fen)",
		Query: []string{"campus_id"},
		Responses: Resp{200: Obj(Props{"points_outstanding": Int(), "stored_value_principal": Int(), "stored_value_bonus": Int(),
			"class_hours_outstanding": Int(), "class_hours_value": Int()}), 401: Problem(), 403: Problem(), 422: Problem()},
	}, h.liabilitiesShow)
	doc.Route(r, fiber.MethodGet, "/reports/members", Op{
		Summary:   "Children on file at the caller's campuses (or the one asked): total, and counts by tier, grade (\"none\": not graded yet) and lifecycle",
		Query:     []string{"campus_id"},
		Responses: Resp{200: Obj(Props{"total": Int(), "by_tier": count, "by_grade": count, "by_lifecycle": count}), 401: Problem(), 403: Problem(), 422: Problem()},
	}, h.membersReport)
}

// reportScope is the campuses a report covers: the caller's, or the one
// asked for when the caller works there (403 otherwise).
func reportScope(c *fiber.Ctx) ([]int64, error) {
	u := render.User(c)
	scope := models.StaffCampusScope(u)
	if q := c.Query("campus_id"); q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil || id <= 0 {
			return nil, models.Invalid(map[string]string{"campus_id": "reports.err.bad_campus"})
		}
		if u == nil || !u.CanSeeCampus(id) {
			return nil, models.ErrForbidden
		}
		scope = []int64{id}
	}
	return scope, nil
}

func (h handler) liabilitiesShow(c *fiber.Ctx) error {
	scope, err := reportScope(c)
	if err != nil {
		return err
	}
	l, err := reports.LiabilitiesFor(c.UserContext(), h.DB.R, scope)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func (h handler) membersReport(c *fiber.Ctx) error {
	scope, err := reportScope(c)
	if err != nil {
		return err
	}
	m, err := reports.MembersFor(c.UserContext(), h.DB.R, scope)
	if err != nil {
		return err
	}
	return c.JSON(m)
}
