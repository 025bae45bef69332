package api

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"starcard/handlers/render"
	"starcard/models"
)

// memberSchema is DOMAIN.md §4's `member`.
func memberSchema() Schema {
	guardian := Obj(Props{"id": Int(), "name": Str(), "phone": Str(), "relation": Enum(models.Relations...),
		"occupation": Str(), "position": Str(), "employer_type": Enum(models.EmployerTypes...),
		"position_level": Enum(models.PositionLevels...), "payer": Bool(), "consent": Bool(), "consent_at": Str(),
		"consent_version": Str()})
	return Obj(Props{"id": Int(), "name": Str(), "card_no": Str(),
		"status": Enum("active", "frozen", "no_card", "archived"),
		"tier":   Enum(models.TierOrder...),
		"grade":  Str(),
		// grade_reasons: ids of the grading conditions that held (models/crm).
		"grade_reasons": Arr(Str()), "enrolled_on": Str(),
		"campus_id": Int(), "class_id": Int(), "class_name": Str(), "family_id": Int(), "gender": Str(),
		"birth_date": Str(), "lifecycle": Enum(models.Lifecycles...), "tags": Arr(Str()), "consent": Bool(),
		"guardians": Arr(guardian),
		"balances": Obj(Props{"points": Int(), "stored_value_principal": Int(), "stored_value_bonus": Int(),
			"class_hours": Schema{"type": "object", "additionalProperties": Int()}}),
	})
}

// mountMembers mounts the member, card and check-in routes.
func (h handler) mountMembers(doc *Doc, r fiber.Router) {
	doc.Define("Member", memberSchema())
	member := Schema{"$ref": "#/components/schemas/Member"}
	guardianReq := Obj(Props{"name": Str(), "phone": Str(), "relation": Str(), "occupation": Str(), "position": Str(),
		"employer_type": Enum(models.EmployerTypes...), "position_level": Enum(models.PositionLevels...),
		"payer": Bool(), "consent": Bool()}, "name", "phone")
	doc.Route(r, fiber.MethodPost, "/members", Op{
		Summary: "Create a member (a new family with its guardians, or a sibling with family_id); idempotent with an Idempotency-Key",
		Request: Obj(Props{"name": Str(), "birth_date": Str(), "campus_id": Int(), "class_id": Int(), "family_id": Int(),
			"gender": Enum("", "female", "male"), "guardians": Arr(guardianReq), "tags": Arr(Str()), "notes": Str(),
			"referral_source": Str(), "enrolled_on": Str(), "lifecycle": Enum(models.Lifecycles...)}, "name"),
		Responses: Resp{201: member, 401: Problem(), 409: Problem(), 422: Problem()},
	}, h.memberCreate)
	doc.Route(r, fiber.MethodGet, "/members", Op{
		Summary:   "Search members in one box (name, pinyin initials or full pinyin, phone tail, card number), or list them",
		Query:     []string{"q", "cursor", "limit"},
		Responses: Resp{200: Obj(Props{"members": Arr(member), "next_cursor": Str()}), 401: Problem(), 422: Problem()},
	}, h.memberSearch)
	doc.Route(r, fiber.MethodGet, "/members/:id", Op{Summary: "A member's profile (the read is audited)",
		Responses: Resp{200: member, 401: Problem(), 404: Problem()}}, h.memberGet)
	doc.Route(r, fiber.MethodGet, "/members/:id/card.png", Op{Summary: "The QR image of the member's current card",
		ContentType: "image/png", Responses: Resp{200: Str(), 401: Problem(), 404: Problem(), 409: Problem()}}, h.cardImage)
	doc.Route(r, fiber.MethodPost, "/members/:id/card/freeze", Op{
		Summary:   "Report the card lost (挂失): it stops working at once; repeating it changes nothing",
		Responses: Resp{200: member, 401: Problem(), 404: Problem(), 409: Problem()}}, h.cardFreeze)
	doc.Route(r, fiber.MethodPost, "/members/:id/card/replace", Op{
		Summary:    "Replace the card (换卡): a new number and QR; the old ones stop working. Balances stay with the member",
		Idempotent: true,
		Responses:  Resp{200: member, 401: Problem(), 404: Problem(), 422: Problem()}}, h.cardReplace)
	doc.Route(r, fiber.MethodPost, "/checkins", Op{
		Summary: "Check a child in (or out, kind=departure) from a scanned QR or a typed card number",
		Request: Obj(Props{"qr": Str(), "card_no": Str(), "kind": Enum(models.CheckinArrival, models.CheckinDeparture)}),
		Responses: Resp{201: Obj(Props{"member_id": Int(), "status": Enum(models.CheckinCheckedIn, models.CheckinDuplicate, models.CheckinCheckedOut),
			"at": Str(), "points_earned": Int(), "kind": Str(), "name": Str(), "class_name": Str()}),
			401: Problem(), 404: Problem(), 409: Problem(), 422: Problem()},
	}, h.checkinCreate)
}

func memberID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

type guardianRequest struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	Relation   string `json:"relation"`
	Occupation string `json:"occupation"`
	Position   string `json:"position"`
	// EmployerType and PositionLevel are DOMAIN §4b codes; grading reads them.
	EmployerType  string `json:"employer_type"`
	PositionLevel string `json:"position_level"`
	Payer         bool   `json:"payer"`
	Consent       bool   `json:"consent"`
}

type memberCreateRequest struct {
	Name           string            `json:"name"`
	BirthDate      string            `json:"birth_date"`
	CampusID       int64             `json:"campus_id"`
	ClassID        int64             `json:"class_id"`
	FamilyID       int64             `json:"family_id"`
	Gender         string            `json:"gender"`
	Guardians      []guardianRequest `json:"guardians"`
	Tags           []string          `json:"tags"`
	Notes          string            `json:"notes"`
	ReferralSource string            `json:"referral_source"`
	EnrolledOn     string            `json:"enrolled_on"`
	Lifecycle      string            `json:"lifecycle"`
}

// idemScope is the scope of a caller's idempotency keys: a staff account's
// tokens share one, each API client has its own.
func idemScope(c *fiber.Ctx) string {
	a := render.Actor(c)
	if a.Type == "api_client" {
		return "client:" + strconv.FormatInt(a.ID, 10)
	}
	return "api:" + strconv.FormatInt(a.ID, 10)
}

func (h handler) memberCreate(c *fiber.Ctx) error {
	var req memberCreateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u := render.User(c)
	ctx := c.UserContext()
	// Without campus_id: the caller's only campus, or the school's (§4b).
	campus, err := models.ResolveCampus(ctx, h.DB.R, u, req.CampusID)
	if err != nil {
		return err
	}
	if req.FamilyID != 0 {
		// A sibling joins a family only through a child the caller may see:
		// another campus's family (its guardians, its shared wallet) is unknown.
		if err := models.CheckFamilyAccess(ctx, h.DB.R, u, req.FamilyID); err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return models.Invalid(map[string]string{"family_id": "sec.family_unknown"})
			}
			return err
		}
	}
	in := models.NewMember{Name: req.Name, BirthDate: req.BirthDate, CampusID: campus, ClassID: req.ClassID,
		FamilyID: req.FamilyID, Gender: req.Gender, Tags: req.Tags, Notes: req.Notes, ReferralSource: req.ReferralSource,
		EnrolledOn: req.EnrolledOn, Lifecycle: req.Lifecycle, Channel: "api"}
	for _, g := range req.Guardians {
		in.Guardians = append(in.Guardians, models.NewGuardian{Name: g.Name, Phone: g.Phone, Relation: g.Relation,
			Occupation: g.Occupation, Position: g.Position, EmployerType: g.EmployerType, PositionLevel: g.PositionLevel,
			Payer: g.Payer, Consent: g.Consent})
	}
	now := h.Now()
	actor := render.Actor(c)
	create := func(tx *gorm.DB) (int, []byte, error) {
		m, err := models.CreateMember(ctx, tx, now, actor, in)
		if err != nil {
			return 0, nil, err
		}
		v, err := models.MemberViewFor(ctx, tx, u, m.ID)
		if err != nil {
			return 0, nil, err
		}
		body, err := json.Marshal(v)
		return fiber.StatusCreated, body, err
	}
	var out models.Outcome
	if key := c.Get("Idempotency-Key"); key != "" {
		out, err = models.RunIdempotent(ctx, h.DB, now, models.Idem{Scope: idemScope(c), Key: key,
			Hash: models.RequestHash([]byte("POST /members"), c.Body())}, create)
	} else {
		err = h.DB.Tx(ctx, func(tx *gorm.DB) error {
			st, body, err := create(tx)
			out = models.Outcome{Status: st, Body: body}
			return err
		})
	}
	if err != nil {
		return err
	}
	return sendJSON(c, out)
}

// sendJSON writes an idempotent outcome: the same status and body as the
// first time, with Idempotent-Replayed on a replay.
func sendJSON(c *fiber.Ctx, out models.Outcome) error {
	if out.Replayed {
		c.Set("Idempotent-Replayed", "true")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(out.Status).Send(out.Body)
}

func (h handler) memberGet(c *fiber.Ctx) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	v, err := models.ViewMemberProfile(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (h handler) memberSearch(c *fiber.Ctx) error {
	u := render.User(c)
	limit, _ := strconv.Atoi(c.Query("limit"))
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	ctx := c.UserContext()
	q := c.Query("q")
	var (
		vs   []models.MemberView
		next string
		err  error
	)
	if q != "" {
		vs, next, err = models.SearchMembers(ctx, h.DB.R, u, q, c.Query("cursor"), limit)
	} else {
		var before int64
		if cur := c.Query("cursor"); cur != "" {
			if before, err = strconv.ParseInt(cur, 10, 64); err != nil || before <= 0 {
				return models.ErrBadCursor
			}
		}
		var n int64
		vs, n, err = models.ListMembers(ctx, h.DB.R, u, 0, before, limit)
		if n > 0 {
			next = strconv.FormatInt(n, 10)
		}
	}
	if err != nil {
		return err
	}
	var nc any
	if next != "" {
		nc = next
	}
	return c.JSON(fiber.Map{"members": vs, "next_cursor": nc})
}
