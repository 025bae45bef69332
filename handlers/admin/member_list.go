package admin

import (
	"bytes"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// memberList is the one-box search: name, pinyin initials or full pinyin,
// phone tail, card number. Without a query it lists the newest members.
func (m members) memberList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := render.User(c)
	q := c.Query("q")
	var (
		list []models.MemberView
		next string
		err  error
	)
	if q != "" {
		list, next, err = models.SearchMembers(ctx, m.DB.R, u, q, c.Query("cursor"), 30)
	} else {
		before, _ := strconv.ParseInt(c.Query("cursor"), 10, 64)
		var n int64
		list, n, err = models.ListMembers(ctx, m.DB.R, u, 0, before, 30)
		if n > 0 {
			next = strconv.FormatInt(n, 10)
		}
	}
	if err != nil {
		return err
	}
	return m.Page(c, fiber.StatusOK, "admin/members", "results", render.View{Title: m.T(c, "member.list_title"),
		Form: map[string]string{"q": q}, D: fiber.Map{"Members": list, "Next": next, "Q": q}})
}

// memberExport downloads the members the user may see as CSV (UTF-8 BOM).
func (m members) memberExport(c *fiber.Ctx) error {
	var buf bytes.Buffer
	if err := models.ExportMembers(c.UserContext(), m.DB.R, models.StaffCampusScope(render.User(c)), &buf); err != nil {
		return err
	}
	if err := models.Audit(c.UserContext(), m.DB.W, m.Now(), render.Actor(c), "member.export", "member", 0, ""); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="members.csv"`)
	return c.Send(buf.Bytes())
}
