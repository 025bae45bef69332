package admin

import (
	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

func (h handler) noticeTemplateList(c *fiber.Ctx) error {
	ts, err := models.ListNoticeTemplates(c.UserContext(), h.DB.R)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "admin/notice_templates", "", render.View{
		Title: h.T(c, "notify.templates.title"), D: fiber.Map{"Templates": ts}})
}
