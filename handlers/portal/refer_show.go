package portal

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// referShow is "refer a friend": the child's code, the link, and the poster
// to save and share.
func (h handler) referShow(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "refer", "portal.refer.title")
	if err != nil {
		return err
	}
	code, err := models.ReferralCode(c.UserContext(), h.DB, s.Child.ID)
	if err != nil {
		return err
	}
	d := struct {
		shell
		Code string
		Link string
	}{s, code, models.ReferralLink(c.BaseURL(), code)}
	return h.Page(c, fiber.StatusOK, "portal/refer", "", h.view(c, s.Heading, d))
}

// referPoster is the poster image with the link's QR.
func (h handler) referPoster(c *fiber.Ctx) error {
	s, err := h.childLoad(c, "refer", "")
	if err != nil {
		return err
	}
	code, err := models.ReferralCode(c.UserContext(), h.DB, s.Child.ID)
	if err != nil {
		return err
	}
	png, err := models.PortalReferralPoster(models.ReferralLink(c.BaseURL(), code), code)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return c.Send(png)
}

// joinShow is where a referral link lands: a friend leaves a name and phone
// and the school calls back. No login.
func (h handler) joinShow(c *fiber.Ctx) error {
	return h.Page(c, fiber.StatusOK, "portal/join", "", render.View{Title: h.T(c, "portal.join.title"),
		Form: map[string]string{"ref": c.Query("ref")}})
}

func (h handler) joinCreate(c *fiber.Ctx) error {
	form := map[string]string{"ref": c.FormValue("ref"), "invitee_name": c.FormValue("invitee_name"),
		"invitee_phone": c.FormValue("invitee_phone")}
	_, err := models.InviteReferral(c.UserContext(), h.DB, h.Now(), models.Actor{Type: "anonymous", Device: "portal", IP: c.IP()},
		form["ref"], form["invitee_name"], form["invitee_phone"])
	if err != nil {
		if e, ok := models.AsError(err); ok && e.Kind == models.KindNotFound {
			err = models.Invalid(map[string]string{"ref": "err.portal_join_code"})
		}
		status, msg, fields, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		return h.Page(c, status, "portal/join", "", render.View{Title: h.T(c, "portal.join.title"), Form: form,
			Errors: fields, Flash: msg, FlashKind: "error"})
	}
	return h.Page(c, fiber.StatusOK, "portal/join", "", render.View{Title: h.T(c, "portal.join.title"),
		D: true, Flash: h.T(c, "portal.join.thanks"), FlashKind: "ok"})
}
