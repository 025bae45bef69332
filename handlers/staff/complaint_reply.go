package staff

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/care"
)

// registerCare mounts the teachers' side of complaints (DOMAIN §4b: a
// teacher replies to complaints on their own campus; moving them on is the
// service head's and the campus manager's). The group admits teacher,
// campus_manager and admin; models/care scopes to the user's campuses.
//
//	GET  /staff/complaints               open complaints of my campuses    teacher, campus_manager, admin
//	GET  /staff/complaints/:id           the thread                        same (another campus: 404)
//	POST /staff/complaints/:id/replies   reply to the family or note       same
func (h handler) registerCare(r fiber.Router) {
	r.Get("/complaints", h.complaintList)
	r.Get("/complaints/:id", h.complaintShow)
	r.Post("/complaints/:id/replies", h.complaintReply)
}

func (h handler) complaintList(c *fiber.Ctx) error {
	now := h.Now()
	rows, err := care.Queue(c.UserContext(), h.DB.R, now, render.User(c), care.Filter{Open: true}, false)
	if err != nil {
		return err
	}
	type item struct {
		care.Row
		Overdue bool
		Left    string
	}
	items := make([]item, len(rows))
	for i, r := range rows {
		items[i] = item{Row: r, Overdue: r.Overdue(now)}
		if r.FirstAnswerAt == nil {
			items[i].Left = care.Countdown(r.Remaining(now))
		}
	}
	return h.Page(c, fiber.StatusOK, "staff/complaints", "", render.View{Title: h.T(c, "care.staff.title"), D: fiber.Map{"Items": items}})
}

func complaintID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

func (h handler) complaintPage(c *fiber.Ctx, status int, id int64, v render.View) error {
	row, err := care.Get(c.UserContext(), h.DB.R, render.User(c), id)
	if err != nil {
		return err
	}
	thread, err := care.Thread(c.UserContext(), h.DB.R, id)
	if err != nil {
		return err
	}
	if c.Query("ok") != "" && v.Flash == "" {
		v.Flash, v.FlashKind = h.T(c, "care.ok."+c.Query("ok")), "ok"
	}
	v.Title = h.T(c, "care.show.title", row.ID)
	v.D = fiber.Map{"C": row, "Thread": thread}
	return h.Page(c, status, "staff/complaint", "", v)
}

func (h handler) complaintShow(c *fiber.Ctx) error {
	id, err := complaintID(c)
	if err != nil {
		return err
	}
	return h.complaintPage(c, fiber.StatusOK, id, render.View{})
}

// complaintReply answers the family (public) or leaves a note for the
// complaint's owner.
func (h handler) complaintReply(c *fiber.Ctx) error {
	id, err := complaintID(c)
	if err != nil {
		return err
	}
	public := c.FormValue("public") == "1"
	if _, err := care.Reply(c.UserContext(), h.DB, h.Now(), render.User(c), id, c.FormValue("body"), public); err != nil {
		if e, ok := models.AsError(err); ok && (e.Kind == models.KindInvalid || e.Kind == models.KindConflict) {
			msg := h.T(c, e.Key, e.Args...)
			status := fiber.StatusConflict
			if e.Kind == models.KindInvalid {
				msg, status = h.T(c, "care.fix_fields"), fiber.StatusUnprocessableEntity
			}
			return h.complaintPage(c, status, id, render.View{Flash: msg, FlashKind: "error", Errors: h.FieldErrors(c, err),
				Form: map[string]string{"body": c.FormValue("body")}})
		}
		return err
	}
	ok := "noted"
	if public {
		ok = "replied"
	}
	return render.Redirect(c, "/staff/complaints/"+strconv.FormatInt(id, 10)+"?ok="+ok)
}
