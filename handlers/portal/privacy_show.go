package portal

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// privacyData is consent, data download and erasure.
type privacyData struct {
	shell
	Consent *models.PortalConsentState
	Erasure []models.ErasureRequest
	Pending bool
}

func (h handler) privacyPage(c *fiber.Ctx, status int, v render.View) error {
	s, err := h.load(c, 0, "me", "", h.T(c, "portal.privacy.title"))
	if err != nil {
		return err
	}
	s.Back = "/portal/me"
	p := principal(c)
	st, err := models.PortalConsent(c.UserContext(), h.DB.R, p)
	if err != nil {
		return err
	}
	er, err := models.FamilyErasureRequests(c.UserContext(), h.DB.R, p)
	if err != nil {
		return err
	}
	d := privacyData{shell: s, Consent: st, Erasure: er}
	for _, r := range er {
		d.Pending = d.Pending || r.Status == "requested"
	}
	v.Title, v.D = s.Heading, d
	return h.Page(c, status, "portal/privacy", "", v)
}

func (h handler) privacyShow(c *fiber.Ctx) error {
	return h.privacyPage(c, fiber.StatusOK, h.view(c, "", nil))
}

func (h handler) consentGrant(c *fiber.Ctx) error {
	if err := models.PortalGrantConsent(c.UserContext(), h.DB, h.Now(), principal(c), c.IP()); err != nil {
		return err
	}
	return render.Redirect(c, "/portal/privacy?ok=consent")
}

func (h handler) consentWithdraw(c *fiber.Ctx) error {
	if err := models.PortalWithdrawConsent(c.UserContext(), h.DB, h.Now(), principal(c), c.IP()); err != nil {
		return err
	}
	return render.Redirect(c, "/portal/privacy?ok=withdrawn")
}

func (h handler) erasureCreate(c *fiber.Ctx) error {
	if err := models.RequestErasure(c.UserContext(), h.DB, h.Now(), principal(c), c.IP(), c.FormValue("reason")); err != nil {
		status, msg, fields, ok := h.refusal(c, err)
		if !ok {
			return err
		}
		return h.privacyPage(c, status, render.View{Flash: msg, FlashKind: "error", Errors: fields})
	}
	return render.Redirect(c, "/portal/privacy?ok=erasure")
}

func (h handler) exportName(c *fiber.Ctx, ext string) string {
	name := h.T(c, "portal.export.filename") + "-" + h.Now().In(h.Loc).Format("20060102") + "." + ext
	return `attachment; filename="starcard-export.` + ext + `"; filename*=UTF-8''` + url.PathEscape(name)
}

// exportJSON downloads everything the school holds about the family.
func (h handler) exportJSON(c *fiber.Ctx) error {
	ex, err := models.ExportFamilyData(c.UserContext(), h.DB, h.Now(), principal(c), c.IP(), "json")
	if err != nil {
		return err
	}
	b, err := ex.JSON()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, h.exportName(c, "json"))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

// exportXLSX is the same data as an Excel workbook, headings in the parent's language.
func (h handler) exportXLSX(c *fiber.Ctx) error {
	ex, err := models.ExportFamilyData(c.UserContext(), h.DB, h.Now(), principal(c), c.IP(), "xlsx")
	if err != nil {
		return err
	}
	// Sheet and column ids are listed in views/i18n/portal.toml under portal.export.
	label := func(id string) string { key := exportPrefix + id; return h.T(c, key) }
	b, err := ex.XLSX(label, h.Loc)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, h.exportName(c, "xlsx"))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b)
}

const exportPrefix = "portal.export."
