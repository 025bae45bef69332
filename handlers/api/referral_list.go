package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

func itoa(i int) string { return strconv.Itoa(i) }

// mountReferralList mounts the referrals a member made.
func (h handler) mountReferralList(doc *Doc, r fiber.Router) {
	ref := Obj(Props{"id": Int(), "referred_member_id": Int(), "referred_name": Str(), "invitee_name": Str(),
		"status": Str(), "reward": Obj(Props{"referrer_gift": Int(), "discount_percent": Int(), "referrer_coupon_id": Int(),
			"rewarded_at": Str()}), "invited_at": Str(), "registered_at": Str(), "paid_at": Str()})
	ex := map[string]any{"id": 3, "referred_member_id": 19, "referred_name": "李小雨", "invitee_name": "李女士",
		"status": "rewarded", "reward": map[string]any{"referrer_gift": 20000, "discount_percent": 10,
			"referrer_coupon_id": 41, "rewarded_at": "2026-11-05T03:00:00Z"},
		"invited_at": "2026-11-02T01:30:00Z", "registered_at": "2026-11-02T01:30:00Z", "paid_at": "2026-11-05T03:00:00Z"}
	doc.Route(r, fiber.MethodGet, "/members/:id/referrals", Op{
		Summary: "The families a member referred, newest first: status (invited, registered, paid, rewarded…) and the " +
			"reward (gift in fen, the new family's discount, the referrer's coupon); opaque keyset cursor",
		Query:    []string{"cursor", "limit"},
		Examples: map[int]any{200: map[string]any{"referrals": []any{ex}, "next_cursor": nil}},
		Responses: Resp{200: Obj(Props{"referrals": Arr(ref), "next_cursor": Schema{"type": "string", "nullable": true}}),
			401: Problem(), 403: Problem(), 404: Problem(), 422: Problem()},
	}, h.referralList)
}

func (h handler) referralList(c *fiber.Ctx) error {
	id, err := h.memberFor(c)
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(c.Query("limit"))
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var before int64
	if cur := c.Query("cursor"); cur != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(cur, "r"), 10, 64)
		if err != nil || !strings.HasPrefix(cur, "r") || n <= 0 {
			return models.ErrBadCursor
		}
		before = n
	}
	rs, err := models.MemberReferralsPage(c.UserContext(), h.DB.R, id, before, limit+1)
	if err != nil {
		return err
	}
	var next any
	if len(rs) > limit {
		rs = rs[:limit]
		next = "r" + strconv.FormatInt(rs[limit-1].ID, 10)
	}
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		var refID any
		if r.ReferredMemberID != nil {
			refID = *r.ReferredMemberID
		}
		var coupon any
		if r.ReferrerCouponID != nil {
			coupon = *r.ReferrerCouponID
		}
		out = append(out, map[string]any{"id": r.ID, "referred_member_id": refID, "referred_name": r.ReferredName,
			"invitee_name": r.InviteeName, "status": r.Status,
			"reward": map[string]any{"referrer_gift": r.ReferrerGift, "discount_percent": r.DiscountPercent,
				"referrer_coupon_id": coupon, "rewarded_at": timeOrNil(r.RewardedAt)},
			"invited_at": r.InvitedAt.UTC(), "registered_at": timeOrNil(r.RegisteredAt), "paid_at": timeOrNil(r.PaidAt)})
	}
	return c.JSON(fiber.Map{"referrals": out, "next_cursor": next})
}
