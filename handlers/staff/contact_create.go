package staff

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/crm"
)

// callForm is the "log a call" form for a task, with the family's phones
// (masked for roles that may not see them) and the last contacts.
func (h handler) callForm(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return h.renderCall(c, id, render.View{})
}

func (h handler) renderCall(c *fiber.Ctx, taskID int64, v render.View) error {
	ctx := c.UserContext()
	u := render.User(c)
	t, err := crm.GetTask(ctx, h.DB.R, u, taskID)
	if err != nil {
		return err
	}
	m, err := models.MemberViewFor(ctx, h.DB.R, u, t.MemberID)
	if err != nil {
		return err
	}
	contacts, _, err := crm.Contacts(ctx, h.DB.R, u, t.MemberID, "", 5)
	if err != nil {
		return err
	}
	v.Title = h.T(c, "crm.call.title", m.Name)
	v.D = fiber.Map{"Task": t, "M": m, "Contacts": contacts, "Channels": crm.Channels}
	status := fiber.StatusOK
	if len(v.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return h.Page(c, status, "staff/call", "", v)
}

// contactCreate logs a contact; from a task it closes the task. A plain
// form post goes back to the workspace; a validation error re-renders the
// form with its messages.
func (h handler) contactCreate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	taskID := formID(c, "task_id")
	in := crm.NewContact{Channel: c.FormValue("channel"), Content: c.FormValue("content"), Outcome: c.FormValue("outcome"),
		NextStep: c.FormValue("next_step"), NextOn: c.FormValue("next_on"), TaskID: taskID}
	_, err = crm.LogContact(c.UserContext(), h.DB, h.Now(), h.Loc, render.Actor(c), render.User(c), id, in)
	if e, ok := models.AsError(err); ok && len(e.Fields) > 0 && taskID != 0 {
		form := map[string]string{}
		for _, k := range []string{"channel", "content", "outcome", "next_step", "next_on"} {
			form[k] = c.FormValue(k)
		}
		return h.renderCall(c, taskID, render.View{Form: form, Errors: h.FieldErrors(c, err), Flash: h.T(c, e.Key), FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/staff?done="+strconv.FormatInt(taskID, 10)+"#tasks")
}
