package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// noticeTemplateForm renders the edit page of one event and language.
func (h handler) noticeTemplateForm(c *fiber.Ctx, status int, event, lang string, v render.View) error {
	ev, ok := models.NoticeEventByName(event)
	if !ok || !validNoticeLang(lang) {
		return models.ErrNotFound
	}
	if v.Form == nil {
		t, err := models.NoticeTemplateFor(c.UserContext(), h.DB.R, event, lang)
		if err != nil {
			return err
		}
		v.Form = map[string]string{"subject": t.Subject, "body": t.Body}
	}
	v.Title = h.T(c, "notify.templates.edit_title", h.T(c, noticeEventKey(event)), h.T(c, langKey(lang)))
	v.D = fiber.Map{"Event": event, "Lang": lang, "Vars": ev.AllowedVars(), "Preview": v.D}
	return h.Page(c, status, "admin/notice_templates_edit", "template-form", v)
}

func validNoticeLang(l string) bool { return l == "zh-CN" || l == "zh-TW" || l == "en" }

func (h handler) noticeTemplateEdit(c *fiber.Ctx) error {
	return h.noticeTemplateForm(c, fiber.StatusOK, c.Params("event"), c.Params("lang"), render.View{})
}

// templateErrors turns a template check failure into a field message that
// names the wrong variable and the ones allowed.
func (h handler) templateErrors(c *fiber.Ctx, err error) (map[string]string, bool) {
	e, ok := models.AsError(err)
	if !ok || len(e.Fields) == 0 {
		return nil, false
	}
	out := map[string]string{}
	for f, key := range e.Fields {
		out[f] = h.T(c, key, e.Args...)
	}
	return out, true
}

// noticeEventKey and langKey are the message ids of an event's and a
// language's names.
func noticeEventKey(event string) string { return "notify.event." + event }
func langKey(lang string) string         { return "lang." + lang }
