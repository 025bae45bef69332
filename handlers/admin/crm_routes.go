package admin

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/crm"
)

// registerCRM mounts the service head's pages: the task board, grade
// distribution and movements, the grading/plan settings, and the CRM panel
// of a member's profile. The /admin group already lets admins, service
// heads and campus managers in (managers see their own campuses only).
func (h handler) registerCRM(r fiber.Router) {
	g := r.Group("/crm")
	g.Get("/", h.crmBoard)                                // admin, service_head, campus_manager (own campuses)
	g.Post("/tasks/reassign", h.crmReassign)              // admin, service_head, campus_manager (own campuses)
	g.Get("/grades", h.crmGrades)                         // admin, service_head, campus_manager (own campuses)
	g.Get("/settings", h.crmSettings)                     // admin, service_head
	g.Post("/settings", h.crmSettingsSave)                // admin, service_head
	g.Post("/recompute", h.crmRecompute)                  // admin, service_head
	g.Post("/classes/:id/teacher", h.crmClassTeacher)     // admin, service_head
	g.Post("/budgets/:id", h.crmBudget)                   // admin, service_head
	g.Get("/members/:id/panel", h.crmPanel)               // admin, service_head, campus_manager (own campuses)
	g.Post("/members/:id/override", h.crmOverride)        // admin, service_head
	g.Post("/members/:id/override/end", h.crmOverrideEnd) // admin, service_head
	g.Post("/members/:id/contacts", h.crmContact)         // admin, service_head, campus_manager (own campuses)
	g.Post("/guardians/:id/work", h.crmGuardianWork)      // admin, service_head, campus_manager (own campuses)
}

func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// crmBoard is the service head's board: per staff member this week's tasks
// due, done, done on time and the completion rate; open tasks to re-assign.
func (h handler) crmBoard(c *fiber.Ctx) error {
	return h.renderBoard(c, render.View{})
}

func (h handler) renderBoard(c *fiber.Ctx, v render.View) error {
	ctx := c.UserContext()
	u := render.User(c)
	now := h.Now()
	week := crm.WeekStart(now, h.Loc)
	if s := c.Query("week"); s != "" {
		if t, err := time.Parse("2006-01-02", s); err == nil {
			week = crm.WeekStart(t, time.UTC)
		}
	}
	stats, err := crm.Board(ctx, h.DB.R, now, h.Loc, u, week)
	if err != nil {
		return err
	}
	assignee, _ := strconv.ParseInt(c.Query("assignee"), 10, 64)
	tasks, err := crm.BoardTasks(ctx, h.DB.R, now, h.Loc, u, assignee, 200)
	if err != nil {
		return err
	}
	staff, err := models.ListStaff(ctx, h.DB.R)
	if err != nil {
		return err
	}
	var workers []models.StaffUser
	for _, s := range staff {
		if s.DisabledAt == nil && s.Role != models.RoleKiosk && s.Role != models.RoleCashier {
			workers = append(workers, s)
		}
	}
	var due, done int64
	for _, s := range stats {
		due += s.Due
		done += s.Done
	}
	rate := int64(0)
	if due > 0 {
		rate = done * 100 / due
	}
	v.Title = h.T(c, "crm.board.title")
	v.D = fiber.Map{"Stats": stats, "Tasks": tasks, "Staff": workers, "Week": week.Format("2006-01-02"),
		"Prev": week.AddDate(0, 0, -7).Format("2006-01-02"), "Next": week.AddDate(0, 0, 7).Format("2006-01-02"),
		"Due": due, "Done": done, "Rate": rate, "Assignee": assignee}
	return h.Page(c, fiber.StatusOK, "admin/crm_board", "", v)
}

// crmReassign hands the ticked open tasks to another staff member.
func (h handler) crmReassign(c *fiber.Ctx) error {
	var ids []int64
	for _, b := range c.Request().PostArgs().PeekMulti("task_id") {
		if id, err := strconv.ParseInt(string(b), 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	to, _ := strconv.ParseInt(c.FormValue("to"), 10, 64)
	n, err := crm.Reassign(c.UserContext(), h.DB, h.Now(), render.Actor(c), render.User(c), ids, to)
	if err != nil {
		return err
	}
	return h.renderBoard(c, render.View{Flash: h.T(c, "crm.board.reassigned", n), FlashKind: "ok"})
}

// crmGrades shows how many members are in each grade, who moved this month
// and why, and (with ?grade=) the members of one grade.
func (h handler) crmGrades(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := render.User(c)
	now := h.Now()
	campus, _ := strconv.ParseInt(c.Query("campus_id"), 10, 64)
	dist, total, err := crm.Distribution(ctx, h.DB.R, u, campus)
	if err != nil {
		return err
	}
	cfg, err := crm.LoadConfig(ctx, h.DB.R, now)
	if err != nil {
		return err
	}
	l := now.In(h.Loc)
	monthStart := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, h.Loc)
	moves, err := crm.Movements(ctx, h.DB.R, now, u, monthStart, 200)
	if err != nil {
		return err
	}
	type bar struct {
		Grade string
		N     int64
		Pct   int64
		W     int64
	}
	var bars []bar
	for _, code := range gradeOrder(cfg.Scheme(), dist) {
		var n int64
		for _, d := range dist {
			if d.Grade == code {
				n = d.N
			}
		}
		b := bar{Grade: code, N: n}
		if total > 0 {
			b.Pct = n * 100 / total
			b.W = (b.Pct + 5) / 10 * 10
		}
		bars = append(bars, b)
	}
	grade := c.Query("grade")
	var members []crm.GradeMember
	if grade != "" {
		if members, err = crm.MembersOfGrade(ctx, h.DB.R, u, grade, campus, 200); err != nil {
			return err
		}
	}
	campuses, err := models.ListCampuses(ctx, h.DB.R)
	if err != nil {
		return err
	}
	return h.Page(c, fiber.StatusOK, "admin/crm_grades", "", render.View{Title: h.T(c, "crm.grades.title"), D: fiber.Map{
		"Bars": bars, "Total": total, "Moves": moves, "Grade": grade, "Members": members, "Campuses": campuses,
		"Campus": campus, "Scheme": cfg.Active, "Month": monthStart.Format("2006-01")}})
}

// gradeOrder lists the active scheme's grades, then any other grade still
// held by members (e.g. after switching schemes, until the nightly run).
func gradeOrder(s crm.Scheme, dist []crm.GradeCount) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range s.Grades {
		out = append(out, g.Code)
		seen[g.Code] = true
	}
	for _, d := range dist {
		if !seen[d.Grade] {
			out = append(out, d.Grade)
			seen[d.Grade] = true
		}
	}
	return out
}
