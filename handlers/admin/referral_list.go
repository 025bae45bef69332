package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (l loyalty) referralPage(c *fiber.Ctx, status int, v render.View) error {
	ctx := c.UserContext()
	status_ := c.Query("status")
	list, err := models.ListReferrals(ctx, l.DB.R, status_, 200)
	if err != nil {
		return err
	}
	counts, err := models.ReferralCounts(ctx, l.DB.R)
	if err != nil {
		return err
	}
	rules, err := models.LoadLoyaltyRules(ctx, l.DB.R, l.Now())
	if err != nil {
		return err
	}
	v.Title = l.T(c, "referral.title")
	v.D = fiber.Map{"Referrals": list, "Counts": counts, "Statuses": models.ReferralStatuses, "Status": status_, "Rules": rules}
	return l.Page(c, status, "admin/referrals", "referrals", v)
}

func (l loyalty) referralList(c *fiber.Ctx) error {
	return l.referralPage(c, fiber.StatusOK, render.View{})
}

func (l loyalty) referralFail(c *fiber.Ctx, err error, form map[string]string) error {
	e, ok := models.AsError(err)
	if !ok {
		return err
	}
	return l.referralPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: l.FieldErrors(c, err),
		Flash: l.T(c, e.Key, e.Args...), FlashKind: "error"})
}

// referralInvite records a friend a member has invited.
func (l loyalty) referralInvite(c *fiber.Ctx) error {
	form := lyForm(c, "code", "invitee_name", "invitee_phone")
	r, err := models.InviteReferral(c.UserContext(), l.DB, l.Now(), render.Actor(c), form["code"], form["invitee_name"], form["invitee_phone"])
	if err != nil {
		return l.referralFail(c, err, form)
	}
	return l.referralPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "referral.invited", r.InviteeName), FlashKind: "ok"})
}

// referralRegister links a newly registered member to a referral code.
func (l loyalty) referralRegister(c *fiber.Ctx) error {
	form := lyForm(c, "code", "member")
	ctx := c.UserContext()
	m, err := models.MemberByScan(ctx, l.DB.R, l.Secret, l.Loc, form["member"])
	if err != nil {
		return l.referralFail(c, err, form)
	}
	r, err := models.RegisterReferralByCode(ctx, l.DB, l.Now(), render.Actor(c), form["code"], m.ID)
	if err != nil {
		return l.referralFail(c, err, form)
	}
	return l.referralPage(c, fiber.StatusOK, render.View{Flash: l.T(c, "referral.registered", m.Name, r.DiscountPercent),
		FlashKind: "ok"})
}

// referralPoster shows a member's referral code and QR poster to print or
// send: /admin/referrals/poster?member=#12 (or a card number).
func (l loyalty) referralPoster(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := models.MemberByScan(ctx, l.DB.R, l.Secret, l.Loc, c.Query("member"))
	if err != nil {
		return err
	}
	code, err := models.ReferralCode(ctx, l.DB, m.ID)
	if err != nil {
		return err
	}
	rules, err := models.LoadLoyaltyRules(ctx, l.DB.R, l.Now())
	if err != nil {
		return err
	}
	_, pct := rules.ReferralTerms(m.Grade)
	return l.Page(c, fiber.StatusOK, "admin/referral_poster", "", render.View{Title: l.T(c, "referral.poster_title"),
		D: fiber.Map{"Member": m, "Code": code, "Link": models.ReferralLink(c.BaseURL(), code), "Percent": pct}})
}

// referralQR is the poster's QR code.
func (l loyalty) referralQR(c *fiber.Ctx) error {
	png, err := models.ReferralQR(models.ReferralLink(c.BaseURL(), c.Params("code")), 360)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}
