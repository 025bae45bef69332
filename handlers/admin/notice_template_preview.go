package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// noticeTemplatePreview renders the unsaved text with sample values, or says
// what is wrong with it, without storing anything.
func (h handler) noticeTemplatePreview(c *fiber.Ctx) error {
	event, lang := c.Params("event"), c.Params("lang")
	form := map[string]string{"subject": c.FormValue("subject"), "body": c.FormValue("body")}
	subject, body, err := models.PreviewNotice(event, lang, form["subject"], form["body"], h.Now(), h.Loc)
	if errs, ok := h.templateErrors(c, err); ok {
		return h.noticeTemplateForm(c, fiber.StatusUnprocessableEntity, event, lang, render.View{Form: form, Errors: errs})
	}
	if err != nil {
		return err
	}
	return h.noticeTemplateForm(c, fiber.StatusOK, event, lang, render.View{Form: form,
		D: fiber.Map{"Subject": subject, "Body": body}})
}
