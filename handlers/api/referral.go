package api

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) mountReferrals(doc *Doc, r fiber.Router) {
	doc.Route(r, fiber.MethodGet, "/members/:id/referral-code", Op{
		Summary:   "The member's referral code (made on first use): a new family gives it when it joins",
		Examples:  map[int]any{200: map[string]any{"member_id": 7, "code": "K7M2QX"}},
		Responses: Resp{200: Obj(Props{"member_id": Int(), "code": Str()}), 401: Problem(), 404: Problem()},
	}, h.referralCode)
	ref := Obj(Props{"id": Int(), "referrer_member_id": Int(), "referred_member_id": Int(), "status": Str(),
		"invited_at": Str(), "registered_at": Str()})
	doc.Route(r, fiber.MethodPost, "/referrals", Op{
		Summary: "Record that a new member came through a referral code; the referrer is rewarded and the new " +
			"family's discount issued when it pays its first enrolment. A member of the referrer's own family, " +
			"or one already referred or already paying, is refused (409)",
		Request:  Obj(Props{"code": Str(), "member_id": Int()}, "code", "member_id"),
		Example:  map[string]any{"code": "K7M2QX", "member_id": 19},
		Examples: map[int]any{201: map[string]any{"id": 3, "referrer_member_id": 7, "referred_member_id": 19, "status": "registered", "invited_at": "2026-11-02T01:30:00Z", "registered_at": "2026-11-02T01:30:00Z"}},
		Responses: Resp{201: ref, 400: Problem(), 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(),
			422: Problem()},
	}, h.referralCreate)
}

func (h handler) referralCode(c *fiber.Ctx) error {
	id, err := h.memberFor(c)
	if err != nil {
		return err
	}
	code, err := models.ReferralCode(c.UserContext(), h.DB, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"member_id": id, "code": code})
}

type referralRequest struct {
	Code     string `json:"code"`
	MemberID int64  `json:"member_id"`
}

func (h handler) referralCreate(c *fiber.Ctx) error {
	var req referralRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	f := map[string]string{}
	if req.Code == "" {
		f["code"] = "err.validation"
	}
	if req.MemberID <= 0 {
		f["member_id"] = "err.validation"
	}
	if len(f) > 0 {
		return models.Invalid(f)
	}
	ctx := c.UserContext()
	if _, err := models.MemberViewFor(ctx, h.DB.R, render.User(c), req.MemberID); err != nil {
		return err
	}
	r, err := models.RegisterReferralByCode(ctx, h.DB, h.Now(), render.Actor(c), req.Code, req.MemberID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": r.ID, "referrer_member_id": r.ReferrerMemberID,
		"referred_member_id": r.ReferredMemberID, "status": r.Status, "invited_at": r.InvitedAt.UTC(),
		"registered_at": timeOrNil(r.RegisteredAt)})
}
