package admin

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/crm"
)

// crmPanel is the CRM part of a member's profile (loaded into the profile
// page by htmx): grade and why, override, grade history, tasks, the contact
// log with a form, and the guardians' coded work facts.
func (h handler) crmPanel(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	return h.renderPanel(c, id, render.View{})
}

func (h handler) renderPanel(c *fiber.Ctx, id int64, v render.View) error {
	ctx := c.UserContext()
	u := render.User(c)
	now := h.Now()
	m, err := models.MemberViewFor(ctx, h.DB.R, u, id)
	if err != nil {
		return err
	}
	cfg, err := crm.LoadConfig(ctx, h.DB.R, now)
	if err != nil {
		return err
	}
	s := cfg.Scheme()
	hist, err := crm.History(ctx, h.DB.R, id, 20)
	if err != nil {
		return err
	}
	type histRow struct {
		crm.GradeChange
		Texts []string
	}
	rows := make([]histRow, len(hist))
	for i, x := range hist {
		rows[i] = histRow{x, h.reasonTexts(c, s, x.ReasonList())}
	}
	ov, err := crm.ActiveOverride(ctx, h.DB.R, now, id)
	if err != nil {
		return err
	}
	tasks, err := crm.MemberTasks(ctx, h.DB.R, u, id, 20)
	if err != nil {
		return err
	}
	contacts, _, err := crm.Contacts(ctx, h.DB.R, u, id, "", 10)
	if err != nil {
		return err
	}
	grades := []string{}
	for _, g := range s.Grades {
		grades = append(grades, g.Code)
	}
	v.Title = m.Name
	v.D = fiber.Map{"M": m, "Reasons": h.reasonTexts(c, s, m.GradeReasons), "History": rows, "Override": ov,
		"Tasks": tasks, "Contacts": contacts, "Grades": grades, "Channels": crm.Channels, "Today": crm.Today(now, h.Loc),
		"MayOverride":   u.Role == models.RoleAdmin || u.Role == models.RoleServiceHead,
		"EmployerTypes": models.EmployerTypes, "PositionLevels": models.PositionLevels,
		"DefaultExpiry": now.In(h.Loc).AddDate(0, 3, 0).Format("2006-01-02")}
	return h.Page(c, fiber.StatusOK, "admin/crm_panel", "panel", v)
}

func (h handler) crmOverride(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	exp, err := time.ParseInLocation("2006-01-02", c.FormValue("expires_on"), h.Loc)
	if err != nil {
		return models.Invalid(map[string]string{"expires_on": "crm.err.override_expiry"})
	}
	// The override holds through the whole expiry day.
	exp = exp.AddDate(0, 0, 1)
	if err := crm.SetOverride(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id, c.FormValue("grade"),
		c.FormValue("reason"), exp); err != nil {
		return err
	}
	return h.renderPanel(c, id, render.View{Flash: h.T(c, "crm.panel.overridden"), FlashKind: "ok"})
}

func (h handler) crmOverrideEnd(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := crm.EndOverride(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id); err != nil {
		return err
	}
	return h.renderPanel(c, id, render.View{Flash: h.T(c, "crm.panel.override_ended"), FlashKind: "ok"})
}

func (h handler) crmContact(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	taskID, _ := strconv.ParseInt(c.FormValue("task_id"), 10, 64)
	_, err = crm.LogContact(c.UserContext(), h.DB, h.Now(), h.Loc, render.Actor(c), render.User(c), id, crm.NewContact{
		Channel: c.FormValue("channel"), Content: c.FormValue("content"), Outcome: c.FormValue("outcome"),
		NextStep: c.FormValue("next_step"), NextOn: c.FormValue("next_on"), TaskID: taskID})
	if err != nil {
		return err
	}
	return h.renderPanel(c, id, render.View{Flash: h.T(c, "crm.panel.contact_saved"), FlashKind: "ok"})
}

func (h handler) crmGuardianWork(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	memberID, _ := strconv.ParseInt(c.FormValue("member_id"), 10, 64)
	if err := crm.SetGuardianWork(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), id,
		c.FormValue("employer_type"), c.FormValue("position_level"), c.FormValue("occupation"), c.FormValue("position")); err != nil {
		return err
	}
	return h.renderPanel(c, memberID, render.View{Flash: h.T(c, "crm.panel.work_saved"), FlashKind: "ok"})
}
