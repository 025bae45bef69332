package api

import (
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"starcard/handlers/render"
	"starcard/models"
)

// mountGuardians mounts a member's guardians: list, add and edit, with the
// validation of the back-office family page.
func (h handler) mountGuardians(doc *Doc, r fiber.Router) {
	guardian := Obj(Props{"id": Int(), "name": Str(), "phone": Str(), "relation": Str(), "occupation": Str(),
		"position": Str(), "employer_type": Enum(models.EmployerTypes...), "position_level": Enum(models.PositionLevels...),
		"payer": Bool(), "consent": Bool(), "consent_at": Str(), "consent_version": Str()})
	gEx := map[string]any{"id": 9, "name": "王芳", "phone": "139****1234", "relation": "mother", "payer": true,
		"consent": true, "consent_at": "2026-09-01T02:00:00Z", "consent_version": "2026-09"}
	doc.Route(r, fiber.MethodGet, "/members/:id/guardians", Op{
		Summary:   "The guardians of a member's family, with their consent to the current text (phones masked for roles that may not see them)",
		Examples:  map[int]any{200: map[string]any{"guardians": []any{gEx}}},
		Responses: Resp{200: Obj(Props{"guardians": Arr(guardian)}), 401: Problem(), 403: Problem(), 404: Problem()},
	}, h.guardianList)
	fields := Props{"name": Str(), "phone": Str(), "relation": Str(), "occupation": Str(), "position": Str(),
		"employer_type": Enum(models.EmployerTypes...), "position_level": Enum(models.PositionLevels...),
		"payer": Bool(), "consent": Bool()}
	doc.Route(r, fiber.MethodPost, "/members/:id/guardians", Op{
		Summary: "Add a guardian to the member's family (name, mainland mobile, relation; consent when they agreed " +
			"to the current text). A phone already in the family is refused (409); idempotent with an Idempotency-Key",
		Idempotent: true,
		Request:    Obj(fields, "name", "phone", "relation"),
		Example:    map[string]any{"name": "张伟", "phone": "13800138000", "relation": "father", "consent": true},
		Examples: map[int]any{201: map[string]any{"id": 10, "name": "张伟", "phone": "13800138000", "relation": "father",
			"payer": false, "consent": true, "consent_at": "2026-11-27T02:00:00Z", "consent_version": "2026-09"},
			422: map[string]any{"type": "/problems/validation", "title": "Unprocessable Entity", "status": 422,
				"errors": map[string]string{"phone": "请输入正确的手机号"}}},
		Responses: Resp{201: guardian, 400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 422: Problem()},
	}, h.guardianAdd)
	doc.Route(r, fiber.MethodPatch, "/members/:id/guardians/:gid", Op{
		Summary: "Change a guardian of the member's family: only the fields sent change, with the same validation as " +
			"adding one; consent true records agreement to the current text, false withdraws it. A guardian of " +
			"another family is not found (404)",
		Request: Obj(fields),
		Example: map[string]any{"phone": "13900139000", "consent": true},
		Examples: map[int]any{200: gEx, 422: map[string]any{"type": "/problems/validation", "title": "Unprocessable Entity",
			"status": 422, "errors": map[string]string{"relation": "请选择关系"}}},
		Responses: Resp{200: guardian, 400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 422: Problem()},
	}, h.guardianEdit)
}

func (h handler) guardianList(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	v, err := models.MemberViewFor(c.UserContext(), h.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	gs := v.Guardians
	if gs == nil {
		gs = []models.GuardianView{}
	}
	return c.JSON(fiber.Map{"guardians": gs})
}

// memberWithBody reads the member named in the path, as the caller may see
// it (404 for another campus), and decodes the request body into req first.
func (h handler) memberWithBody(c *fiber.Ctx, req any) (*models.MemberView, error) {
	id, err := memberID(c)
	if err != nil {
		return nil, err
	}
	if err := decode(c, req); err != nil {
		return nil, err
	}
	return models.MemberViewFor(c.UserContext(), h.DB.R, render.User(c), id)
}

// guardianOf finds a guardian in a member view (404 when not of that family).
func guardianOf(v *models.MemberView, gid int64) (models.GuardianView, error) {
	for _, g := range v.Guardians {
		if g.ID == gid {
			return g, nil
		}
	}
	return models.GuardianView{}, models.ErrNotFound
}

func (h handler) guardianAdd(c *fiber.Ctx) error {
	var req guardianRequest
	v, err := h.memberWithBody(c, &req)
	if err != nil {
		return err
	}
	ctx, u, id := c.UserContext(), render.User(c), v.ID
	g := models.NewGuardian{Name: req.Name, Phone: req.Phone, Relation: req.Relation, Occupation: req.Occupation,
		Position: req.Position, EmployerType: req.EmployerType, PositionLevel: req.PositionLevel, Payer: req.Payer,
		Consent: req.Consent}
	now := h.Now()
	actor := render.Actor(c)
	add := func(tx *gorm.DB) (int, []byte, error) {
		row, err := models.AddGuardianIn(ctx, tx, now, actor, v.FamilyID, g, "api")
		if err != nil {
			return 0, nil, err
		}
		nv, err := models.MemberViewFor(ctx, tx, u, id)
		if err != nil {
			return 0, nil, err
		}
		out, err := guardianOf(nv, row.ID)
		if err != nil {
			return 0, nil, err
		}
		body, err := json.Marshal(out)
		return fiber.StatusCreated, body, err
	}
	var out models.Outcome
	if key := c.Get("Idempotency-Key"); key != "" {
		out, err = models.RunIdempotent(ctx, h.DB, now, models.Idem{Scope: idemScope(c), Key: key,
			Hash: models.RequestHash([]byte("POST /members/"+strconv.FormatInt(id, 10)+"/guardians"), c.Body())}, add)
	} else {
		err = h.DB.Tx(ctx, func(tx *gorm.DB) error {
			st, body, err := add(tx)
			out = models.Outcome{Status: st, Body: body}
			return err
		})
	}
	if err != nil {
		return err
	}
	return sendJSON(c, out)
}

// guardianPatchRequest: pointers tell "not sent" from "sent empty".
type guardianPatchRequest struct {
	Name          *string `json:"name"`
	Phone         *string `json:"phone"`
	Relation      *string `json:"relation"`
	Occupation    *string `json:"occupation"`
	Position      *string `json:"position"`
	EmployerType  *string `json:"employer_type"`
	PositionLevel *string `json:"position_level"`
	Payer         *bool   `json:"payer"`
	Consent       *bool   `json:"consent"`
}

func (h handler) guardianEdit(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	gid, err := strconv.ParseInt(c.Params("gid"), 10, 64)
	if err != nil || gid <= 0 {
		return models.ErrNotFound
	}
	var req guardianPatchRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	u := render.User(c)
	v, err := models.MemberViewFor(ctx, h.DB.R, u, id)
	if err != nil {
		return err
	}
	e := models.GuardianEdit{Name: req.Name, Phone: req.Phone, Relation: req.Relation, Occupation: req.Occupation,
		Position: req.Position, EmployerType: req.EmployerType, PositionLevel: req.PositionLevel, Payer: req.Payer,
		Consent: req.Consent}
	if err := models.UpdateGuardian(ctx, h.DB, h.Now(), render.Actor(c), v.FamilyID, gid, e); err != nil {
		return err
	}
	nv, err := models.MemberViewFor(ctx, h.DB.W, u, id)
	if err != nil {
		return err
	}
	out, err := guardianOf(nv, gid)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
