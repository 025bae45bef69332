package portal

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// contactData is the parent's contact details: the mobile number (changed
// only with a code sent to the new number) and the e-mail address.
type contactData struct {
	shell
	Phone    string // masked
	Email    string
	NewPhone string // set once a code was sent: the second step asks for it
	Masked   string
}

func (h handler) contactPage(c *fiber.Ctx, status int, d contactData, v render.View) error {
	s, err := h.load(c, 0, "me", "", h.T(c, "mem2.contact_title"))
	if err != nil {
		return err
	}
	s.Back = "/portal/me"
	p := principal(c)
	prefs, err := models.PortalNotifyPrefs(c.UserContext(), h.DB.R, p)
	if err != nil {
		return err
	}
	d.shell, d.Phone = s, models.MaskPhone(p.Phone)
	if d.Email == "" && v.Errors["email"] == "" {
		d.Email = prefs.Email
	}
	if d.NewPhone != "" {
		d.Masked = models.MaskPhone(d.NewPhone)
	}
	v.Title, v.D = s.Heading, d
	return h.Page(c, status, "portal/contact", "", v)
}

func (h handler) contactShow(c *fiber.Ctx) error {
	v := h.OKFlash(c, map[string]string{"phone": "mem2.phone_changed", "email": "mem2.email_saved"})
	return h.contactPage(c, fiber.StatusOK, contactData{}, v)
}

// contactRefusal shows a refusal on the contact page; a wrong code is a
// form error here (422), not a failed login.
func (h handler) contactRefusal(c *fiber.Ctx, err error, d contactData) error {
	status, msg, fields, ok := h.refusal(c, err)
	if !ok {
		return err
	}
	if status == fiber.StatusUnauthorized {
		status = fiber.StatusUnprocessableEntity
	}
	return h.contactPage(c, status, d, render.View{Flash: msg, FlashKind: "error", Errors: fields})
}

// phoneCodeSend sends a code to the new number and asks for it.
func (h handler) phoneCodeSend(c *fiber.Ctx) error {
	phone := strings.TrimSpace(c.FormValue("phone"))
	sent, err := models.RequestPhoneChange(c.UserContext(), h.DB, h.Now(), h.Secret, principal(c), phone, c.IP())
	if err != nil {
		return h.contactRefusal(c, err, contactData{})
	}
	return h.contactPage(c, fiber.StatusOK, contactData{NewPhone: sent.Phone},
		render.View{Flash: h.T(c, "mem2.code_sent", sent.Masked), FlashKind: "ok"})
}

// phoneConfirm checks the code and moves the parent to the new number.
func (h handler) phoneConfirm(c *fiber.Ctx) error {
	phone := strings.TrimSpace(c.FormValue("phone"))
	err := models.ConfirmPhoneChange(c.UserContext(), h.DB, h.Now(), h.Secret, principal(c), phone, c.FormValue("code"), c.IP())
	if err != nil {
		return h.contactRefusal(c, err, contactData{NewPhone: phone})
	}
	return render.Redirect(c, "/portal/contact?ok=phone")
}

// emailSave changes the e-mail address notices may go to.
func (h handler) emailSave(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	if err := models.SavePortalEmail(c.UserContext(), h.DB, h.Now(), principal(c), c.IP(), email); err != nil {
		return h.contactRefusal(c, err, contactData{Email: email})
	}
	return render.Redirect(c, "/portal/contact?ok=email")
}
