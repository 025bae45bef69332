package cashier

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// registerCoupons mounts coupon redemption at /cashier/coupons: by the
// guardian's phone and the coupon's 6-digit code (seed 004), or by
// scanning the card and picking one of the child's usable coupons.
func (h handler) registerCoupons(r fiber.Router) {
	r.Get("/coupons", h.couponDesk)
	r.Post("/coupons/redeem", h.couponRedeemByPhone)
	r.Post("/coupons/scan", h.couponScan)
	r.Post("/coupons/use", h.couponUse)
}

// couponDeskData is the desk: the member found by scan and their wallet,
// or the coupon just redeemed.
type couponDeskData struct {
	Card     string
	Member   *models.Member
	Coupons  []models.CouponView
	Redeemed *models.RedeemedCoupon
}

func (h handler) couponPage(c *fiber.Ctx, status int, fragment string, d couponDeskData, v render.View) error {
	v.Title = h.T(c, "cashier_coupon.title")
	v.D = d
	return h.Page(c, status, "cashier/coupons", fragment, v)
}

func (h handler) couponDesk(c *fiber.Ctx) error {
	return h.couponPage(c, fiber.StatusOK, "", couponDeskData{}, render.View{})
}

// couponRedeemByPhone is the seed's flow: phone number + verification code
// → "已兑换". Failures are rate-limited per phone and per IP in the model.
func (h handler) couponRedeemByPhone(c *fiber.Ctx) error {
	form := map[string]string{"phone": c.FormValue("phone")}
	got, err := models.RedeemCouponByPhoneIn(c.UserContext(), h.DB, h.Now(), render.Actor(c),
		models.StaffCampusScope(render.User(c)), c.FormValue("phone"), c.FormValue("verify_code"))
	if err != nil {
		e, ok := models.AsError(err)
		if !ok {
			return err
		}
		status := fiber.StatusUnprocessableEntity
		if e.Kind == models.KindRateLimited {
			status = fiber.StatusTooManyRequests
		}
		return h.couponPage(c, status, "phone", couponDeskData{}, render.View{Form: form, Errors: h.FieldErrors(c, err),
			Flash: h.T(c, e.Key, e.Args...), FlashKind: "error"})
	}
	return h.couponPage(c, fiber.StatusOK, "phone", couponDeskData{Redeemed: got}, render.View{FlashKind: "ok",
		Flash: h.T(c, "cashier_coupon.redeemed", got.Name, got.MemberName)})
}

// couponScan lists the usable coupons of the child whose card was scanned.
func (h handler) couponScan(c *fiber.Ctx) error {
	card := strings.TrimSpace(c.FormValue("card"))
	ctx := c.UserContext()
	m, err := models.MemberByScan(ctx, h.DB.R, h.Secret, h.Loc, card)
	if err != nil {
		e, ok := models.AsError(err)
		if !ok {
			return err
		}
		return h.couponPage(c, fiber.StatusOK, "wallet", couponDeskData{}, render.View{Flash: h.T(c, e.Key, e.Args...), FlashKind: "error"})
	}
	cs, err := models.MemberCoupons(ctx, h.DB.R, m.ID, h.Now())
	if err != nil {
		return err
	}
	return h.couponPage(c, fiber.StatusOK, "wallet", couponDeskData{Card: card, Member: m, Coupons: cs}, render.View{})
}

// couponUse redeems one coupon from the scanned child's wallet.
func (h handler) couponUse(c *fiber.Ctx) error {
	card := strings.TrimSpace(c.FormValue("card"))
	ctx := c.UserContext()
	m, err := models.MemberByScan(ctx, h.DB.R, h.Secret, h.Loc, card)
	if err != nil {
		return err
	}
	got, err := models.RedeemMemberCoupon(ctx, h.DB, h.Now(), render.Actor(c), m.ID, c.FormValue("code"))
	view := render.View{}
	if err != nil {
		e, ok := models.AsError(err)
		if !ok {
			return err
		}
		view = render.View{Flash: h.T(c, e.Key, e.Args...), FlashKind: "error"}
	} else {
		view = render.View{Flash: h.T(c, "cashier_coupon.redeemed", got.Name, got.MemberName), FlashKind: "ok"}
	}
	cs, err := models.MemberCoupons(ctx, h.DB.R, m.ID, h.Now())
	if err != nil {
		return err
	}
	return h.couponPage(c, fiber.StatusOK, "wallet", couponDeskData{Card: card, Member: m, Coupons: cs, Redeemed: got}, view)
}
