package api

import (
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/models"
)

// mountLedger mounts the ledger, purchase, top-up and refund routes.
func (h handler) mountLedger(doc *Doc, r fiber.Router) {
	balances := Obj(Props{"points": Int(), "stored_value_principal": Int(), "stored_value_bonus": Int()})
	doc.Define("Balances", balances)
	bal := Schema{"$ref": "#/components/schemas/Balances"}
	entry := Obj(Props{"id": Int(), "at": Str(), "asset": Enum("points", "stored_value_principal", "stored_value_bonus"),
		"amount": Int(), "balance_after": Int(), "kind": Str(), "reference": Str(), "reason": Str()})
	doc.Route(r, fiber.MethodGet, "/members/:id/ledger", Op{
		Summary: "A member's statement for one asset, newest first (opaque keyset cursor)",
		Query:   []string{"asset", "cursor", "limit"},
		Responses: Resp{200: Obj(Props{"entries": Arr(entry), "next_cursor": Schema{"type": "string", "nullable": true}}),
			401: Problem(), 404: Problem(), 422: Problem()},
	}, h.ledgerList)
	doc.Route(r, fiber.MethodGet, "/members/:id/tier", Op{
		Summary:   "A member's tier and how much more to spend, before when, to reach the next one",
		Responses: Resp{200: Obj(Props{"tier": Str(), "spend": Int(), "next": Str(), "needed": Int(), "deadline": Str()}), 401: Problem(), 404: Problem()},
	}, h.tierProgress)
	doc.Route(r, fiber.MethodPost, "/members/:id/topups", Op{
		Summary:    "Top up stored value (bonus by amount band and tier; refused over the campus's prepaid cap with how much can still be added)",
		Idempotent: true,
		Request:    Obj(Props{"amount": Int(), "method": Enum(models.TopupMethods...)}, "amount", "method"),
		Responses: Resp{201: Obj(Props{"id": Int(), "member_id": Int(), "amount": Int(), "bonus": Int(), "bonus_points": Int(),
			"method": Str(), "at": Str(), "balances": bal}), 401: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.topupCreate)
	doc.Route(r, fiber.MethodPost, "/purchases", Op{
		Summary:    "Record a purchase: lines by category, split payments that add up to the total after discounts, optional points-for-cash",
		Idempotent: true,
		Request: Obj(Props{"member_id": Int(),
			"items":            Arr(Obj(Props{"category": Enum(models.Categories...), "amount": Int(), "description": Str()}, "category", "amount")),
			"payments":         Arr(Obj(Props{"method": Enum(models.PaymentMethods...), "amount": Int()}, "method", "amount")),
			"points_to_redeem": Int(), "coupon_codes": Arr(Str())}, "member_id", "items", "payments"),
		Responses: Resp{201: Obj(Props{"id": Int(), "member_id": Int(), "total": Int(), "paid": Int(), "points_earned": Int(),
			"points_redeemed": Int(), "discount": Int(), "tier": Str(), "tier_upgraded": Bool(), "at": Str(), "balances": bal}),
			401: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem()},
	}, h.purchaseCreate)
	doc.Route(r, fiber.MethodPost, "/purchases/:id/refunds", Op{
		Summary: "Refund a purchase in full (no amount) or in part: money back where it came from, points reversed in proportion. " +
			approvalNote,
		Idempotent: true,
		Request:    Obj(Props{"amount": Int(), "reason": Str(), "approver": Obj(Props{"username": Str(), "password": Str()}, "username", "password")}, "reason"),
		Responses: Resp{201: Obj(Props{"id": Int(), "purchase_id": Int(), "amount": Int(), "points_reversed": Int(),
			"points_shortfall": Int(), "points_returned": Int(), "stored_value_returned": Int(),
			"owed": Schema{"type": "object", "additionalProperties": Int()}, "balances": bal}),
			401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem(), 429: Problem()},
	}, h.refundCreate)
	doc.Route(r, fiber.MethodPost, "/topups/:id/refunds", Op{
		Summary:    "Refund a top-up's principal pro rata (no amount = all that is left); its bonus is forfeited in proportion. " + approvalNote,
		Idempotent: true,
		Request:    Obj(Props{"amount": Int(), "reason": Str(), "approver": Obj(Props{"username": Str(), "password": Str()}, "username", "password")}, "reason"),
		Responses: Resp{201: Obj(Props{"id": Int(), "topup_id": Int(), "amount": Int(), "bonus_forfeited": Int(), "method": Str(),
			"balances": bal}), 401: Problem(), 403: Problem(), 404: Problem(), 409: Problem(), 415: Problem(), 422: Problem(), 429: Problem()},
	}, h.topupRefundCreate)
}

// approvalNote documents the refund approval, the same rule as at the desk.
const approvalNote = "Above the school's approval threshold (rules: refund_approval_amount) a refund needs a campus " +
	"manager of the refund's campus or an admin: a caller who is one approves their own; anyone else sends " +
	"approver.username and approver.password (checked, audited as refund.approve; wrong ones are audited, " +
	"limited, and answer 403 refund-approval-denied; none answers 422 refund-approval-required)."

// ledgerParamID reads a positive id from the path; anything else is 404.
func ledgerParamID(c *fiber.Ctx, notFound error) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}

// ledgerIdem identifies an idempotent money write: the caller's scope, the
// Idempotency-Key header, and a hash of the method, path and the decoded
// request (so whitespace or field order do not make a retry look different).
func ledgerIdem(c *fiber.Ctx, req any) models.Idem {
	b, _ := json.Marshal(req)
	return models.Idem{Scope: idemScope(c), Key: c.Get("Idempotency-Key"),
		Hash: models.RequestHash([]byte(c.Method()), []byte(c.Path()), b)}
}

// ledgerSend writes a stored (or fresh) answer byte for byte.
func ledgerSend(c *fiber.Ctx, out models.Outcome) error {
	if out.Replayed {
		c.Set("Idempotent-Replayed", "true")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(out.Status).Send(out.Body)
}

func (h handler) ledgerList(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, models.ErrMemberNotFound)
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(c.Query("limit"))
	page, err := models.MemberLedger(c.UserContext(), h.DB.R, id, c.Query("asset", "points"), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (h handler) tierProgress(c *fiber.Ctx) error {
	id, err := ledgerParamID(c, models.ErrMemberNotFound)
	if err != nil {
		return err
	}
	p, err := models.MemberTierProgress(c.UserContext(), h.DB.R, h.Now(), id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}
