package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) mountRewards(doc *Doc, r fiber.Router) {
	item := Obj(Props{"id": Int(), "name": Str(), "description": Str(), "kind": Str(), "points": Int(),
		"cash_price": Int(), "stock": Int(), "affordable": Bool(), "short": Int(), "limit_left": Int()})
	itemEx := map[string]any{"id": 5, "name": "绘本《猜猜我有多爱你》", "description": "", "kind": "gift", "points": 800,
		"cash_price": 0, "stock": 12, "affordable": true, "short": 0, "limit_left": 1}
	doc.Route(r, fiber.MethodGet, "/members/:id/rewards", Op{
		Summary: "The rewards catalogue as this member sees it: their tier's price in points, whether they can " +
			"have it now (points, stock, window, limit) and how many points they still miss",
		Query:    []string{"cursor", "limit"},
		Examples: map[int]any{200: map[string]any{"points": 1200, "tier": "gold", "rewards": []any{itemEx}, "next_cursor": nil}},
		Responses: Resp{200: Obj(Props{"points": Int(), "tier": Str(), "rewards": Arr(item), "next_cursor": Str()}),
			401: Problem(), 404: Problem(), 422: Problem()},
	}, h.rewardList)
	red := Obj(Props{"id": Int(), "reward_id": Int(), "reward": Str(), "member_id": Int(), "token": Str(),
		"points": Int(), "cash": Int(), "status": Enum("reserved", "handed_over", "cancelled", "expired"),
		"created_at": Str(), "expires_at": Str(), "closed_at": Str()})
	redEx := map[string]any{"id": 12, "reward_id": 5, "reward": "绘本《猜猜我有多爱你》", "member_id": 7, "token": "R7K2M9QX",
		"points": 800, "cash": 0, "status": "reserved", "created_at": "2026-11-02T01:30:00Z",
		"expires_at": "2026-11-09T01:30:00Z", "closed_at": nil}
	doc.Route(r, fiber.MethodPost, "/members/:id/redemptions", Op{
		Summary: "Redeem a reward: an order that holds the points (reserved) until staff hand the item over by " +
			"scanning its token, or it is cancelled and the points return. The same Idempotency-Key returns the " +
			"first order",
		Idempotent: true,
		Request:    Obj(Props{"reward_id": Int()}, "reward_id"),
		Example:    map[string]any{"reward_id": 5},
		Examples:   map[int]any{201: redEx},
		Responses:  Resp{201: red, 400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 422: Problem()},
	}, h.redemptionCreate)
	doc.Route(r, fiber.MethodGet, "/members/:id/redemptions", Op{
		Summary:   "A member's redemption orders, newest first",
		Query:     []string{"cursor", "limit"},
		Examples:  map[int]any{200: map[string]any{"redemptions": []any{redEx}, "next_cursor": nil}},
		Responses: Resp{200: Obj(Props{"redemptions": Arr(red), "next_cursor": Str()}), 401: Problem(), 404: Problem(), 422: Problem()},
	}, h.redemptionList)
}

func (h handler) rewardList(c *fiber.Ctx) error {
	id, err := h.memberFor(c)
	if err != nil {
		return err
	}
	cat, err := models.RewardCatalogue(c.UserContext(), h.DB.R, id, h.Now())
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(cat.Items))
	for _, it := range cat.Items {
		out = append(out, map[string]any{"id": it.ID, "name": it.Name, "description": it.Description, "kind": it.Kind,
			"points": it.Points, "cash_price": it.CashPrice, "stock": it.Stock, "affordable": it.Affordable,
			"short": it.Short, "limit_left": it.LimitLeft})
	}
	pg, next, err := page(c, out)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"points": cat.Points, "tier": cat.Tier, "rewards": pg, "next_cursor": next})
}

func redemptionOut(v models.RedemptionView) map[string]any {
	return map[string]any{"id": v.ID, "reward_id": v.RewardID, "reward": v.RewardName, "member_id": v.MemberID,
		"token": v.Token, "points": v.Points, "cash": v.Cash, "status": v.Status, "created_at": v.CreatedAt.UTC(),
		"expires_at": v.ExpiresAt.UTC(), "closed_at": timeOrNil(v.ClosedAt)}
}

type redemptionRequest struct {
	RewardID int64 `json:"reward_id"`
}

func (h handler) redemptionCreate(c *fiber.Ctx) error {
	id, err := h.memberFor(c)
	if err != nil {
		return err
	}
	var req redemptionRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.RewardID <= 0 {
		return models.Invalid(map[string]string{"reward_id": "err.validation"})
	}
	ctx := c.UserContext()
	key := c.Get("Idempotency-Key")
	if key != "" {
		key = idemScope(c) + ":" + key
	}
	red, err := models.RedeemReward(ctx, h.DB, h.Now(), render.Actor(c), id, req.RewardID, key)
	if err != nil {
		return err
	}
	v, err := models.GetRedemption(ctx, h.DB.W, red.Token)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(redemptionOut(*v))
}

func (h handler) redemptionList(c *fiber.Ctx) error {
	id, err := h.memberFor(c)
	if err != nil {
		return err
	}
	vs, err := models.MemberRedemptions(c.UserContext(), h.DB.R, id, 500)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		out = append(out, redemptionOut(v))
	}
	pg, next, err := page(c, out)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"redemptions": pg, "next_cursor": next})
}
