package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// mountMemberUpdates mounts the member profile writes of issue 20: PATCH
// with the page's validation, and lifecycle moves.
func (h handler) mountMemberUpdates(doc *Doc, r fiber.Router) {
	member := Schema{"$ref": "#/components/schemas/Member"}
	ex := map[string]any{"name": "张小明", "class_id": 3, "tags": []string{"钢琴", "周末班"}}
	doc.Route(r, fiber.MethodPatch, "/members/:id", Op{
		Summary: "Change a member's profile: only the fields sent change; the same validation as the back-office " +
			"form (a class must belong to the campus). Guardians change through their own routes; the campus and " +
			"class must be ones the caller works at",
		Request: Obj(Props{"name": Str(), "gender": Enum("", "female", "male"), "birth_date": Str(),
			"campus_id": Int(), "class_id": Int(), "tags": Arr(Str()), "notes": Str(), "referral_source": Str()}),
		Example:   ex,
		Examples:  map[int]any{200: memberExample()},
		Responses: Resp{200: member, 400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 422: Problem()},
	}, h.memberPatch)
	doc.Route(r, fiber.MethodPost, "/members/:id/lifecycle", Op{
		Summary: "Move a member along the lifecycle (prospect, enrolled, active, graduated, churned); " +
			"the move is dated in the member's history; moving to the current stage changes nothing",
		Request:   Obj(Props{"to": Enum(models.Lifecycles...), "note": Str()}, "to"),
		Example:   map[string]any{"to": "active", "note": "第一学期开始"},
		Examples:  map[int]any{200: memberExample()},
		Responses: Resp{200: member, 400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 422: Problem()},
	}, h.memberLifecycle)
}

// memberExample is a member as documented in DOMAIN §4.
func memberExample() map[string]any {
	return map[string]any{"id": 7, "name": "张小明", "card_no": "8012345678", "status": "active", "tier": "gold",
		"grade": "key", "grade_reasons": []string{"key.paid", "key.position"}, "campus_id": 1, "lifecycle": "active",
		"tags": []string{"钢琴"}, "guardians": []map[string]any{{"id": 9, "name": "王芳", "phone": "139****1234", "relation": "mother"}},
		"balances": map[string]any{"points": 1200, "stored_value_principal": 100000, "stored_value_bonus": 10000,
			"class_hours": map[string]int64{"4": 36}}}
}

// memberPatchRequest: pointers tell "not sent" from "sent empty".
type memberPatchRequest struct {
	Name           *string   `json:"name"`
	Gender         *string   `json:"gender"`
	BirthDate      *string   `json:"birth_date"`
	CampusID       *int64    `json:"campus_id"`
	ClassID        *int64    `json:"class_id"`
	Tags           *[]string `json:"tags"`
	Notes          *string   `json:"notes"`
	ReferralSource *string   `json:"referral_source"`
}

func (h handler) memberPatch(c *fiber.Ctx) error {
	var req memberPatchRequest
	cur, err := h.memberWithBody(c, &req)
	if err != nil {
		return err
	}
	ctx, u, id := c.UserContext(), render.User(c), cur.ID
	e := models.MemberEdit{Name: cur.Name, Gender: cur.Gender, BirthDate: cur.BirthDate, CampusID: cur.CampusID,
		Tags: cur.Tags, Notes: cur.Notes, ReferralSource: cur.ReferralSource}
	if cur.ClassID != nil {
		e.ClassID = *cur.ClassID
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&e.Name, req.Name)
	set(&e.Gender, req.Gender)
	set(&e.BirthDate, req.BirthDate)
	set(&e.Notes, req.Notes)
	set(&e.ReferralSource, req.ReferralSource)
	if req.Tags != nil {
		e.Tags = *req.Tags
	}
	if req.CampusID != nil && *req.CampusID != cur.CampusID {
		// A move to another campus is a move the caller must work at both ends of.
		if *req.CampusID <= 0 || !u.CanSeeCampus(*req.CampusID) {
			return models.Invalid(map[string]string{"campus_id": "err.member_campus_unknown"})
		}
		e.CampusID = *req.CampusID
		if req.ClassID == nil {
			e.ClassID = 0 // a class belongs to its campus
		}
	}
	if req.ClassID != nil {
		e.ClassID = *req.ClassID
	}
	if err := models.UpdateMember(ctx, h.DB, h.Now(), render.Actor(c), id, e); err != nil {
		return err
	}
	v, err := models.MemberViewFor(ctx, h.DB.W, u, id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

type lifecycleRequest struct {
	To   string `json:"to"`
	Note string `json:"note"`
}

func (h handler) memberLifecycle(c *fiber.Ctx) error {
	var req lifecycleRequest
	cur, err := h.memberWithBody(c, &req)
	if err != nil {
		return err
	}
	ctx, u, id := c.UserContext(), render.User(c), cur.ID
	if err := models.SetLifecycle(ctx, h.DB, h.Now(), render.Actor(c), id, req.To, req.Note); err != nil {
		return err
	}
	v, err := models.MemberViewFor(ctx, h.DB.W, u, id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}
