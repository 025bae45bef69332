package api

import (
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// mountCoupons mounts the coupon endpoints (DOMAIN.md §4, issue 6).
func (h handler) mountCoupons(doc *Doc, r fiber.Router) {
	item := Obj(Props{"category": Enum(models.Categories...), "amount": Int(), "description": Str()}, "category", "amount")
	applied := Obj(Props{"code": Str(), "name": Str(), "discount": Int()})
	doc.Route(r, fiber.MethodPost, "/coupons/validate", Op{
		Summary: "Price coupons against a bill without spending them",
		Request: Obj(Props{"member_id": Int(), "coupon_codes": Arr(Str()), "items": Arr(item)}, "member_id", "coupon_codes", "items"),
		Responses: Resp{200: Obj(Props{"valid": Bool(), "discount": Int(), "per_item": Arr(Int()), "coupons": Arr(applied)}),
			401: Problem(), 409: Problem(), 422: Problem()},
	}, h.couponValidate)
	doc.Route(r, fiber.MethodPost, "/coupons/redeem", Op{
		Summary: "Redeem a coupon at the desk: by member_id + code, or by phone + verify_code (rate-limited)", Idempotent: true,
		Request: Obj(Props{"member_id": Int(), "code": Str(), "phone": Str(), "verify_code": Str()}),
		Responses: Resp{200: Obj(Props{"id": Int(), "code": Str(), "name": Str(), "kind": Str(), "value": Int(),
			"member_id": Int(), "member_name": Str(), "status": Str(), "valid_until": Str(), "used_at": Str()}),
			401: Problem(), 404: Problem(), 409: Problem(), 422: Problem(), 429: Problem()},
	}, h.couponRedeem)
}

type couponValidateRequest struct {
	MemberID    int64                 `json:"member_id"`
	CouponCodes []string              `json:"coupon_codes"`
	Items       []models.PurchaseItem `json:"items"`
}

type couponApplied struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Discount int64  `json:"discount"`
}

// couponValidate answers what the coupons would take off the bill, or the
// problem that stops them, and changes nothing.
func (h handler) couponValidate(c *fiber.Ctx) error {
	var req couponValidateRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	f := map[string]string{}
	if req.MemberID <= 0 {
		f["member_id"] = "err.required"
	}
	if len(req.CouponCodes) == 0 {
		f["coupon_codes"] = "err.required"
	}
	if len(req.Items) == 0 {
		f["items"] = "err.required"
	}
	lines := make([]models.CouponLine, len(req.Items))
	for i, it := range req.Items {
		if it.Amount <= 0 || it.Amount > models.MaxAmount {
			f["items["+strconv.Itoa(i)+"].amount"] = "err.ledger_bad_amount"
		}
		lines[i] = models.CouponLine{Category: it.Category, Amount: it.Amount}
	}
	if len(f) > 0 {
		return models.Invalid(f)
	}
	if err := memberInScope(c, h.DB.R, req.MemberID); err != nil {
		return err
	}
	res, err := models.ValidateCoupons(c.UserContext(), h.DB.R, h.Now(), req.MemberID, req.CouponCodes, lines)
	if err != nil {
		return err
	}
	applied := make([]couponApplied, len(res.Applied))
	for i, a := range res.Applied {
		applied[i] = couponApplied{Code: a.Code, Name: a.Name, Discount: a.Discount}
	}
	return c.JSON(fiber.Map{"valid": true, "discount": res.Discount, "per_item": res.PerLine, "coupons": applied})
}

// couponRedeem spends one coupon, once per Idempotency-Key.
func (h handler) couponRedeem(c *fiber.Ctx) error {
	var req models.CouponRedeem
	if err := decode(c, &req); err != nil {
		return err
	}
	req.Campuses = models.StaffCampusScope(render.User(c))
	b, _ := json.Marshal(req)
	actor := render.Actor(c)
	id := models.Idem{Scope: idemScope(c), Key: c.Get("Idempotency-Key"),
		Hash: models.RequestHash([]byte(c.Method()), []byte(c.Path()), b)}
	out, err := models.RedeemCouponIdempotent(c.UserContext(), h.DB, h.Now(), actor, id, req)
	if err != nil {
		return err
	}
	if out.Replayed {
		c.Set("Idempotent-Replayed", "true")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(out.Status).Send(out.Body)
}
