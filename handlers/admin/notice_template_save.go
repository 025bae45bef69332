package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) noticeTemplateSave(c *fiber.Ctx) error {
	event, lang := c.Params("event"), c.Params("lang")
	form := map[string]string{"subject": c.FormValue("subject"), "body": c.FormValue("body")}
	err := models.SaveNoticeTemplate(c.UserContext(), h.DB, h.Now(), render.Actor(c), event, lang, form["subject"], form["body"])
	if errs, ok := h.templateErrors(c, err); ok {
		return h.noticeTemplateForm(c, fiber.StatusUnprocessableEntity, event, lang, render.View{Form: form, Errors: errs})
	}
	if err != nil {
		return err
	}
	return h.noticeTemplateForm(c, fiber.StatusOK, event, lang, render.View{Form: form,
		Flash: h.T(c, "notify.templates.saved"), FlashKind: "ok"})
}
