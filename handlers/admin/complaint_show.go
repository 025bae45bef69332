package admin

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/care"
)

// complaintShowPage is one complaint: the family's words, the clock, the
// whole thread (internal notes marked), compensation, and the forms for the
// moves its status allows.
func (h handler) complaintShowPage(c *fiber.Ctx, status int, id int64, v render.View) error {
	ctx := c.UserContext()
	u := render.User(c)
	row, err := care.Get(ctx, h.DB.R, u, id)
	if err != nil {
		return err
	}
	thread, err := care.Thread(ctx, h.DB.R, id)
	if err != nil {
		return err
	}
	comps, err := care.Compensations(ctx, h.DB.R, id)
	if err != nil {
		return err
	}
	owners, err := care.Owners(ctx, h.DB.R, row.CampusID)
	if err != nil {
		return err
	}
	coupons, err := models.ListCouponTemplates(ctx, h.DB.R)
	if err != nil {
		return err
	}
	var targets []string
	for _, t := range care.Targets {
		if care.CanMove(row.Status, t) {
			targets = append(targets, t)
		}
	}
	if ok := c.Query("ok"); ok != "" && v.Flash == "" {
		v.Flash, v.FlashKind = h.T(c, "care.ok."+ok), "ok"
	}
	item := itemsAt([]care.Row{*row}, h.Now())[0]
	v.Title = h.T(c, "care.show.title", row.ID)
	v.D = fiber.Map{"C": item, "Thread": thread, "Compensations": comps, "Owners": owners, "Targets": targets,
		"Causes": care.Causes, "Coupons": coupons, "CompKinds": care.CompensationKinds}
	return h.Page(c, status, "admin/complaint", "", v)
}

func (h handler) complaintShow(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	return h.complaintShowPage(c, fiber.StatusOK, id, render.View{})
}

// complaintRefused re-renders the page with the refusal (a form error is
// 422 with the fields; an illegal move 409) or passes other errors on.
func (h handler) complaintRefused(c *fiber.Ctx, id int64, err error, form map[string]string) error {
	e, ok := models.AsError(err)
	if !ok || e.Kind == models.KindNotFound || e.Kind == models.KindForbidden {
		return err
	}
	status := fiber.StatusUnprocessableEntity
	msg := h.T(c, "care.fix_fields")
	if e.Kind == models.KindConflict {
		status, msg = fiber.StatusConflict, h.T(c, e.Key, e.Args...)
	}
	return h.complaintShowPage(c, status, id, render.View{Form: form, Errors: h.FieldErrors(c, err), Flash: msg, FlashKind: "error"})
}

func (h handler) complaintDone(c *fiber.Ctx, id int64, ok string) error {
	return render.Redirect(c, "/admin/complaints/"+strconv.FormatInt(id, 10)+"?ok="+ok)
}

func (h handler) complaintAssign(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	owner, _ := strconv.ParseInt(c.FormValue("owner_id"), 10, 64)
	if err := care.Assign(c.UserContext(), h.DB, h.Now(), render.User(c), id, owner); err != nil {
		return h.complaintRefused(c, id, err, nil)
	}
	return h.complaintDone(c, id, "assigned")
}

func (h handler) complaintReply(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	public := c.FormValue("public") == "1"
	if _, err := care.Reply(c.UserContext(), h.DB, h.Now(), render.User(c), id, c.FormValue("body"), public); err != nil {
		return h.complaintRefused(c, id, err, map[string]string{"body": c.FormValue("body"), "public": c.FormValue("public")})
	}
	if public {
		return h.complaintDone(c, id, "replied")
	}
	return h.complaintDone(c, id, "noted")
}

func (h handler) complaintTransition(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	mv := care.Move{To: c.FormValue("to"), Note: c.FormValue("note"), Cause: c.FormValue("cause"),
		RootCause: c.FormValue("root_cause"), CorrectiveAction: c.FormValue("corrective_action")}
	if _, err := care.Transition(c.UserContext(), h.DB, h.Now(), render.User(c), id, mv); err != nil {
		return h.complaintRefused(c, id, err, map[string]string{"to": mv.To, "note": mv.Note, "cause": mv.Cause,
			"root_cause": mv.RootCause, "corrective_action": mv.CorrectiveAction})
	}
	return h.complaintDone(c, id, "moved_"+mv.To)
}

func (h handler) complaintCompensate(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	in := care.NewCompensation{Kind: c.FormValue("kind"), Note: c.FormValue("note")}
	in.Points, _ = strconv.ParseInt(c.FormValue("points"), 10, 64)
	in.TemplateID, _ = strconv.ParseInt(c.FormValue("template_id"), 10, 64)
	in.RefundID, _ = strconv.ParseInt(c.FormValue("refund_id"), 10, 64)
	if _, err := care.Compensate(c.UserContext(), h.DB, h.Now(), render.User(c), id, in); err != nil {
		return h.complaintRefused(c, id, err, map[string]string{"kind": in.Kind, "points": c.FormValue("points"),
			"refund_id": c.FormValue("refund_id"), "note": in.Note})
	}
	return h.complaintDone(c, id, "compensated")
}
