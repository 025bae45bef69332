package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/webhooks"
)

// page cuts one page out of a short, already ordered list (a member's
// coupons, cards, redemptions): the cursor is the opaque position of the
// next item, handed out by the previous page.
func page[T any](c *fiber.Ctx, items []T) ([]T, any, error) {
	limit, _ := strconv.Atoi(c.Query("limit"))
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	from := 0
	if cur := c.Query("cursor"); cur != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(cur, "p"))
		if err != nil || !strings.HasPrefix(cur, "p") || n <= 0 || n > len(items) {
			return nil, nil, models.ErrBadCursor
		}
		from = n
	}
	to := min(from+limit, len(items))
	var next any
	if to < len(items) {
		next = "p" + strconv.Itoa(to)
	}
	return items[from:to], next, nil
}

// memberFor checks that the caller may see the member (404 otherwise).
func (h handler) memberFor(c *fiber.Ctx) (int64, error) {
	id, err := memberID(c)
	if err != nil {
		return 0, err
	}
	if _, err := models.MemberViewFor(c.UserContext(), h.DB.R, render.User(c), id); err != nil {
		return 0, err
	}
	return id, nil
}

// mountMemberLoyalty mounts a member's coupons, stamp cards, rewards,
// redemption orders and referral code (issue 20).
func (h handler) mountMemberLoyalty(doc *Doc, r fiber.Router) {
	coupon := Obj(Props{"id": Int(), "template_id": Int(), "member_id": Int(), "code": Str(), "name": Str(),
		"kind": Enum(models.CouponKinds...), "amount_off": Int(), "percent_off": Int(), "max_discount": Int(),
		"gift_value": Int(), "min_spend": Int(), "categories": Arr(Str()), "stackable": Bool(),
		"status": Str(), "usable": Bool(), "valid_from": Str(), "valid_until": Str(), "issued_at": Str(),
		"used_at": Str(), "used_purchase_id": Int(), "used_discount": Int()})
	couponEx := map[string]any{"id": 31, "template_id": 2, "member_id": 7, "code": "CPN8K2M4Q", "name": "满200减20",
		"kind": "amount", "amount_off": 2000, "min_spend": 20000, "categories": []string{}, "status": "active",
		"usable": true, "valid_from": "2026-11-01T00:00:00Z", "valid_until": "2026-12-01T00:00:00Z"}
	doc.Route(r, fiber.MethodGet, "/members/:id/coupons", Op{
		Summary: "A member's coupons: usable ones first (soonest to expire first), then used and expired ones. " +
			"The verification code the family shows at the desk is not included",
		Query:     []string{"cursor", "limit"},
		Examples:  map[int]any{200: map[string]any{"coupons": []any{couponEx}, "next_cursor": nil}},
		Responses: Resp{200: Obj(Props{"coupons": Arr(coupon), "next_cursor": Str()}), 401: Problem(), 404: Problem(), 422: Problem()},
	}, h.memberCoupons)
	h.mountStamps(doc, r)
	h.mountRewards(doc, r)
	h.mountReferrals(doc, r)
}

func (h handler) memberCoupons(c *fiber.Ctx) error {
	id, err := h.memberFor(c)
	if err != nil {
		return err
	}
	now := h.Now()
	cs, err := models.MemberCoupons(c.UserContext(), h.DB.R, id, now)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(cs))
	for _, v := range cs {
		o := webhooks.CouponObject(v.Coupon)
		o["usable"] = v.Usable
		out = append(out, o)
	}
	pg, next, err := page(c, out)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"coupons": pg, "next_cursor": next})
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}
