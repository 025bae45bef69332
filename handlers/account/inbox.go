package account

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
)

// inboxList shows a staff member's notices (the daily summary, …), newest
// first; the unread ones are marked.
func (h handler) inboxList(c *fiber.Ctx) error {
	return h.inboxPage(c, fiber.StatusOK, render.View{})
}

func (h handler) inboxPage(c *fiber.Ctx, status int, v render.View) error {
	ctx := c.UserContext()
	u := render.User(c)
	msgs, err := models.ListStaffInbox(ctx, h.DB.R, u.ID, 100)
	if err != nil {
		return err
	}
	if v.Form == nil {
		me, err := models.GetStaff(ctx, h.DB.R, u.ID)
		if err != nil {
			return err
		}
		v.Form = map[string]string{"phone": me.Phone, "email": me.Email}
	}
	v.Title = h.T(c, "setup.inbox_title")
	v.D = fiber.Map{"Messages": msgs}
	return h.Page(c, status, "account/inbox", "", v)
}

// inboxContact sets where the member of staff also gets notices: a mobile
// for SMS, an e-mail address.
func (h handler) inboxContact(c *fiber.Ctx) error {
	u := render.User(c)
	form := map[string]string{"phone": c.FormValue("phone"), "email": c.FormValue("email")}
	err := models.SetStaffContact(c.UserContext(), h.DB.W, h.Now(), u.ID, form["phone"], form["email"])
	if _, ok := models.AsError(err); ok {
		return h.inboxPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err)})
	}
	if err != nil {
		return err
	}
	return h.inboxPage(c, fiber.StatusOK, render.View{Flash: h.T(c, "setup.contact_saved"), FlashKind: "ok"})
}

// inboxRead marks one notice (id) or all of them read.
func (h handler) inboxRead(c *fiber.Ctx) error {
	u := render.User(c)
	id, _ := strconv.ParseInt(c.FormValue("id"), 10, 64)
	if err := models.MarkStaffInboxRead(c.UserContext(), h.DB.W, h.Now(), u.ID, id); err != nil {
		return err
	}
	return render.Redirect(c, "/inbox")
}
