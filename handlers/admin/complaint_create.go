package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/care"
)

// complaintNewPage is the form staff use for a complaint received by phone,
// in person or by WeChat; the member is found with the one-box search.
func (h handler) complaintNewPage(c *fiber.Ctx, status int, v render.View) error {
	u := render.User(c)
	q := v.Form["q"]
	var found []models.MemberView
	if q != "" {
		var err error
		found, _, err = models.SearchMembers(c.UserContext(), h.DB.R, u, q, "", 10)
		if err != nil {
			return err
		}
	}
	if id, _ := strconv.ParseInt(v.Form["member_id"], 10, 64); id > 0 && len(found) == 0 {
		if m, err := models.MemberViewFor(c.UserContext(), h.DB.R, u, id); err == nil {
			found = append(found, *m)
		}
	}
	v.Title = h.T(c, "care.new.title")
	v.D = fiber.Map{"Found": found, "Categories": models.ComplaintCategories, "Channels": care.Channels, "Priorities": care.Priorities}
	return h.Page(c, status, "admin/complaint_new", "", v)
}

func (h handler) complaintNew(c *fiber.Ctx) error {
	form := map[string]string{"q": c.Query("q"), "member_id": c.Query("member"), "channel": "phone", "priority": "normal", "kind": "complaint"}
	return h.complaintNewPage(c, fiber.StatusOK, render.View{Form: form})
}

func (h handler) complaintCreate(c *fiber.Ctx) error {
	in := care.NewCase{Kind: c.FormValue("kind"), Category: c.FormValue("category"), Body: c.FormValue("body"),
		Channel: c.FormValue("channel"), Priority: c.FormValue("priority")}
	in.MemberID, _ = strconv.ParseInt(c.FormValue("member_id"), 10, 64)
	cs, err := care.Record(c.UserContext(), h.DB, h.Now(), render.User(c), in)
	if e, ok := models.AsError(err); ok && e.Kind == models.KindInvalid {
		form := map[string]string{"q": c.FormValue("q"), "member_id": c.FormValue("member_id"), "kind": in.Kind, "category": in.Category,
			"body": in.Body, "channel": in.Channel, "priority": in.Priority}
		return h.complaintNewPage(c, fiber.StatusUnprocessableEntity, render.View{Form: form, Errors: h.FieldErrors(c, err),
			Flash: h.T(c, "care.fix_fields"), FlashKind: "error"})
	}
	if err != nil {
		return err
	}
	return render.Redirect(c, "/admin/complaints/"+strconv.FormatInt(cs.ID, 10)+"?ok=recorded")
}
