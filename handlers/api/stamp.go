package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) mountStamps(doc *Doc, r fiber.Router) {
	card := Obj(Props{"id": Int(), "program_id": Int(), "program": Str(), "round": Int(), "stamps": Int(),
		"required": Int(), "reward": Str(), "completed_at": Str(), "reward_coupon_id": Int(), "created_at": Str()})
	ex := map[string]any{"id": 4, "program_id": 1, "program": "美术课集章", "round": 1, "stamps": 3, "required": 6,
		"reward": "第6节免费", "completed_at": nil, "reward_coupon_id": nil, "created_at": "2026-11-02T01:30:00Z"}
	doc.Route(r, fiber.MethodGet, "/members/:id/stamp-cards", Op{
		Summary:   "A member's stamp cards (\"5 lessons, the 6th free\"): open ones first, then the filled ones",
		Query:     []string{"cursor", "limit"},
		Examples:  map[int]any{200: map[string]any{"stamp_cards": []any{ex}, "next_cursor": nil}},
		Responses: Resp{200: Obj(Props{"stamp_cards": Arr(card), "next_cursor": Str()}), 401: Problem(), 404: Problem(), 422: Problem()},
	}, h.stampCards)
	doc.Route(r, fiber.MethodPost, "/members/:id/stamp-cards", Op{
		Summary: "Give a member a card of a stamp programme (the first stamp is given at issue); a member holds " +
			"one open card per programme, so repeating it returns the open card",
		Request:   Obj(Props{"program_id": Int()}, "program_id"),
		Example:   map[string]any{"program_id": 1},
		Examples:  map[int]any{201: ex},
		Responses: Resp{201: card, 400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 422: Problem()},
	}, h.stampCardIssue)
}

func stampOut(v models.StampCardView) map[string]any {
	return map[string]any{"id": v.ID, "program_id": v.ProgramID, "program": v.ProgramName, "round": v.Round,
		"stamps": v.Stamps, "required": v.Required, "reward": v.RewardName, "completed_at": timeOrNil(v.CompletedAt),
		"reward_coupon_id": v.RewardCouponID, "created_at": v.CreatedAt.UTC()}
}

func (h handler) stampCards(c *fiber.Ctx) error {
	id, err := h.memberFor(c)
	if err != nil {
		return err
	}
	cards, err := models.MemberStampCards(c.UserContext(), h.DB.R, id)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(cards))
	for _, v := range cards {
		out = append(out, stampOut(v))
	}
	pg, next, err := page(c, out)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"stamp_cards": pg, "next_cursor": next})
}

type stampIssueRequest struct {
	ProgramID int64 `json:"program_id"`
}

func (h handler) stampCardIssue(c *fiber.Ctx) error {
	id, err := h.memberFor(c)
	if err != nil {
		return err
	}
	var req stampIssueRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.ProgramID <= 0 {
		return models.Invalid(map[string]string{"program_id": "err.validation"})
	}
	ctx := c.UserContext()
	sc, err := models.IssueStampCard(ctx, h.DB, h.Now(), render.Actor(c), req.ProgramID, id)
	if err != nil {
		return err
	}
	cards, err := models.MemberStampCards(ctx, h.DB.W, id)
	if err != nil {
		return err
	}
	for _, v := range cards {
		if v.ID == sc.ID {
			return c.Status(fiber.StatusCreated).JSON(stampOut(v))
		}
	}
	return models.ErrNotFound
}
