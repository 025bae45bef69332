package portal

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// loginData is the login page: step "phone" asks for the number, step
// "code" for the code just sent.
type loginData struct {
	Step      string
	Phone     string
	Masked    string
	Next      string
	SendsLeft int
	Minutes   int
	Password  bool // open the password form
}

func (h handler) loginPage(c *fiber.Ctx, status int, d loginData, v render.View) error {
	if d.Step == "" {
		d.Step = "phone"
	}
	d.Minutes = int(models.OTPTTL.Minutes())
	v.Title, v.D = h.T(c, "portal.login.title"), d
	if v.Flash == "" {
		if key, ok := okMessages[c.Query("ok")]; ok {
			v.Flash, v.FlashKind = h.T(c, key), "ok"
		}
	}
	return h.Page(c, status, "portal/login", "", v)
}

func (h handler) loginShow(c *fiber.Ctx) error {
	// Already logged in: straight to the family.
	if _, _, err := models.ResolveGuardianSession(c.UserContext(), h.DB.R, h.Now(), c.Cookies(CookieName)); err == nil {
		return render.Redirect(c, safeNext(c.Query("next")))
	}
	return h.loginPage(c, fiber.StatusOK, loginData{Next: c.Query("next")}, render.View{})
}

// codeSend asks for a one-time code and shows the code step.
func (h handler) codeSend(c *fiber.Ctx) error {
	phone := c.FormValue("phone")
	d := loginData{Phone: phone, Next: c.FormValue("next")}
	if refused := h.needConsent(c); refused != nil {
		return h.loginPage(c, fiber.StatusUnprocessableEntity, d, *refused)
	}
	sent, err := models.RequestOTP(c.UserContext(), h.DB, h.Now(), h.Secret, phone, c.IP())
	if err != nil {
		status, msg, fields, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		// Refused after a code was already sent (limit, lock-out): keep the
		// code step so the parent can still type the code they have.
		if e, _ := models.AsError(err); e.Kind == models.KindRateLimited && models.ValidMobile(models.NormalizePhone(phone)) {
			d.Step, d.Phone, d.Masked = "code", models.NormalizePhone(phone), models.MaskPhone(models.NormalizePhone(phone))
		}
		return h.loginPage(c, status, d, render.View{Flash: msg, FlashKind: "error", Errors: fields})
	}
	d.Step, d.Phone, d.Masked, d.SendsLeft = "code", sent.Phone, sent.Masked, sent.SendsLeft
	return h.loginPage(c, fiber.StatusOK, d, render.View{FlashKind: "ok", Flash: h.T(c, "portal.login.sent", sent.Masked)})
}

// loginCode checks the code and starts the parent's session.
func (h handler) loginCode(c *fiber.Ctx) error {
	phone := c.FormValue("phone")
	s, err := models.LoginWithOTP(c.UserContext(), h.DB, h.Now(), h.Secret, phone, c.FormValue("code"), c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		status, msg, fields, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		p := models.NormalizePhone(phone)
		d := loginData{Step: "code", Phone: p, Masked: models.MaskPhone(p), Next: c.FormValue("next")}
		if !models.ValidMobile(p) {
			d.Step = "phone"
		}
		return h.loginPage(c, status, d, render.View{Flash: msg, FlashKind: "error", Errors: fields})
	}
	h.setCookie(c, s.Token, s.ExpiresAt)
	return render.Redirect(c, safeNext(c.FormValue("next")))
}

// loginPassword logs in with the password the parent set.
func (h handler) loginPassword(c *fiber.Ctx) error {
	phone := c.FormValue("phone")
	if refused := h.needConsent(c); refused != nil {
		return h.loginPage(c, fiber.StatusUnprocessableEntity, loginData{Phone: phone, Next: c.FormValue("next"), Password: true}, *refused)
	}
	s, err := models.LoginWithPassword(c.UserContext(), h.DB, h.Now(), phone, c.FormValue("password"), c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		status, msg, fields, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		d := loginData{Phone: models.NormalizePhone(phone), Next: c.FormValue("next"), Password: true}
		return h.loginPage(c, status, d, render.View{Flash: msg, FlashKind: "error", Errors: fields})
	}
	h.setCookie(c, s.Token, s.ExpiresAt)
	return render.Redirect(c, safeNext(c.FormValue("next")))
}

// logout ends this phone's session only; the page it lands on clears the
// offline copies of the card (portal.js) so the next person on this phone
// sees nothing of this family.
func (h handler) logout(c *fiber.Ctx) error {
	if err := models.EndGuardianSession(c.UserContext(), h.DB.W, c.Cookies(CookieName)); err != nil {
		return err
	}
	h.clearCookie(c)
	return render.Redirect(c, "/portal/login?ok=logout")
}

// needConsent refuses a login form that showed the privacy-policy box
// (consent_shown) without it ticked: a parent agrees to the policy before a
// code is texted or a session starts, as Chinese users expect (PIPL). Forms
// that do not show the box (scripts, older clients) are not asked.
func (h handler) needConsent(c *fiber.Ctx) *render.View {
	if c.FormValue("consent_shown") != "1" || c.FormValue("agree") == "1" {
		return nil
	}
	return &render.View{Flash: h.T(c, "desk.consent_required"), FlashKind: "error",
		Errors: map[string]string{"agree": h.T(c, "desk.consent_required")}}
}

// privacyPolicy is the public privacy policy the login page links to.
func (h handler) privacyPolicy(c *fiber.Ctx) error {
	return h.Page(c, fiber.StatusOK, "portal/policy", "", render.View{Title: h.T(c, "desk.policy_title")})
}
