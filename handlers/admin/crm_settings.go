package admin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/crm"
)

// describeCondition says a condition in words: "近12个月缴费 > ¥8,000.00".
func (h handler) describeCondition(c *fiber.Ctx, cond crm.Condition) string {
	label := h.T(c, "crm.fact."+cond.Type)
	if cond.Window > 0 {
		label = h.T(c, "crm.fact."+cond.Type, cond.Window)
	}
	if cond.Coded() {
		names := make([]string, len(cond.Values))
		for i, v := range cond.Values {
			names[i] = h.T(c, "crm.code."+v)
		}
		return label + "：" + strings.Join(names, " / ")
	}
	val := func(n int64) string {
		if cond.Type == crm.FactPaid {
			return models.Yuan(n)
		}
		return strconv.FormatInt(n, 10)
	}
	switch cond.Op {
	case crm.OpGT:
		return label + " > " + val(cond.A)
	case crm.OpGE:
		return label + " ≥ " + val(cond.A)
	case crm.OpLE:
		return label + " ≤ " + val(cond.A)
	}
	return label + " " + val(cond.A) + "–" + val(cond.B)
}

// reasonTexts describes the conditions that held, by id.
func (h handler) reasonTexts(c *fiber.Ctx, s crm.Scheme, ids []string) []string {
	byID := map[string]crm.Condition{}
	for _, cond := range s.Conditions() {
		byID[cond.ID] = cond
	}
	var out []string
	for _, id := range ids {
		if cond, ok := byID[id]; ok {
			out = append(out, h.describeCondition(c, cond))
		} else if id == crm.CauseOverride {
			out = append(out, h.T(c, "crm.reason.override"))
		} else {
			out = append(out, id)
		}
	}
	return out
}

// condRow is one condition in the settings form.
type condRow struct {
	Field  string // form field prefix
	Text   string
	Type   string
	Op     string
	A, B   string
	Window int
	Coded  bool
	Codes  []string
	Has    map[string]bool
}

type gradeRow struct {
	Code  string
	Field string
	K     int
	Conds []condRow
}

type schemeForm struct {
	Code   string
	Active bool
	Grades []gradeRow
}

func fmtThreshold(typ string, n int64) string {
	if typ == crm.FactPaid {
		return strconv.FormatFloat(float64(n)/100, 'f', -1, 64)
	}
	return strconv.FormatInt(n, 10)
}

func (h handler) settingsForm(c *fiber.Ctx, cfg crm.Config) []schemeForm {
	var out []schemeForm
	for _, code := range cfg.SchemeCodes() {
		s := cfg.Schemes[code]
		sf := schemeForm{Code: code, Active: code == cfg.Active}
		for gi, g := range s.Grades {
			gr := gradeRow{Code: g.Code, Field: fmt.Sprintf("%s.%d", code, gi), K: g.K}
			for ci, cond := range g.Conditions {
				row := condRow{Field: fmt.Sprintf("%s.%d.%d", code, gi, ci), Text: h.describeCondition(c, cond), Type: cond.Type,
					Op: cond.Op, A: fmtThreshold(cond.Type, cond.A), B: fmtThreshold(cond.Type, cond.B), Window: cond.Window,
					Coded: cond.Coded(), Has: map[string]bool{}}
				if row.Coded {
					row.Codes = models.PositionLevels
					if cond.Type == crm.FactEmployer {
						row.Codes = models.EmployerTypes
					}
					for _, v := range cond.Values {
						row.Has[v] = true
					}
				}
				gr.Conds = append(gr.Conds, row)
			}
			sf.Grades = append(sf.Grades, gr)
		}
		out = append(out, sf)
	}
	return out
}

func (h handler) crmSettings(c *fiber.Ctx) error {
	return h.renderSettings(c, render.View{}, nil)
}

func (h handler) renderSettings(c *fiber.Ctx, v render.View, edited *crm.Config) error {
	ctx := c.UserContext()
	cfg, err := crm.LoadConfig(ctx, h.DB.R, h.Now())
	if err != nil {
		return err
	}
	if edited != nil {
		cfg = *edited
	}
	classes, err := models.ListClasses(ctx, h.DB.R, models.StaffCampusScope(render.User(c)))
	if err != nil {
		return err
	}
	teachers, err := crm.ClassTeachers(ctx, h.DB.R)
	if err != nil {
		return err
	}
	staff, err := models.ListStaff(ctx, h.DB.R)
	if err != nil {
		return err
	}
	type budgetRow struct {
		models.StaffUser
		Budget crm.Budget
	}
	var people []models.StaffUser
	var budgets []budgetRow
	var heads []models.StaffUser
	for _, s := range staff {
		if s.DisabledAt != nil {
			continue
		}
		if s.Role == models.RoleTeacher || s.Role == models.RoleCampusManager {
			people = append(people, s)
			b, err := crm.BudgetFor(ctx, h.DB.R, h.Now(), h.Loc, s.ID)
			if err != nil {
				return err
			}
			budgets = append(budgets, budgetRow{s, b})
		}
		if s.Role == models.RoleServiceHead || s.Role == models.RoleAdmin || s.Role == models.RoleCampusManager {
			heads = append(heads, s)
		}
	}
	type planRow struct {
		Grade string
		Items []crm.PlanItem
	}
	var plans []planRow
	for _, code := range []string{"key", "watch", "general", "A", "B", "C", "D"} {
		plans = append(plans, planRow{code, cfg.Plans[code]})
	}
	v.Title = h.T(c, "crm.settings.title")
	v.D = fiber.Map{"Cfg": cfg, "Schemes": h.settingsForm(c, cfg), "Classes": classes, "Teachers": teachers, "People": people,
		"Budgets": budgets, "Heads": heads, "Plans": plans, "Ops": crm.Ops}
	status := fiber.StatusOK
	if len(v.Errors) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return h.Page(c, status, "admin/crm_settings", "", v)
}

// crmSettingsSave reads the settings form onto the configuration in force
// and saves a new version; a field it cannot read re-renders the form.
func (h handler) crmSettingsSave(c *fiber.Ctx) error {
	cfg, err := crm.LoadConfig(c.UserContext(), h.DB.R, h.Now())
	if err != nil {
		return err
	}
	bad := map[string]string{}
	num := func(field, typ, s string) int64 {
		s = strings.TrimSpace(s)
		if typ == crm.FactPaid {
			v, err := models.ParseYuan(s)
			if err != nil {
				bad[field] = h.T(c, "err.ledger_bad_yuan")
			}
			return v
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			bad[field] = h.T(c, "crm.err.condition_range")
		}
		return v
	}
	args := c.Request().PostArgs()
	cfg.Active = c.FormValue("active", cfg.Active)
	for code, s := range cfg.Schemes {
		for gi := range s.Grades {
			g := &s.Grades[gi]
			gf := fmt.Sprintf("%s.%d", code, gi)
			if v := c.FormValue("k." + gf); v != "" {
				k, err := strconv.Atoi(v)
				if err != nil {
					bad["k."+gf] = h.T(c, "crm.err.k_range")
				}
				g.K = k
			}
			for ci := range g.Conditions {
				cond := &g.Conditions[ci]
				f := fmt.Sprintf("%s.%d.%d", code, gi, ci)
				if cond.Coded() {
					if c.FormValue("present."+f) == "1" {
						cond.Values = nil
						for _, b := range args.PeekMulti("values." + f) {
							cond.Values = append(cond.Values, string(b))
						}
					}
					continue
				}
				if v := c.FormValue("op." + f); v != "" {
					cond.Op = v
				}
				if v := c.FormValue("a." + f); v != "" {
					cond.A = num("a."+f, cond.Type, v)
				}
				if v := c.FormValue("b." + f); v != "" {
					cond.B = num("b."+f, cond.Type, v)
				}
				if v := c.FormValue("window." + f); v != "" {
					w, err := strconv.Atoi(v)
					if err != nil {
						bad["window."+f] = h.T(c, "crm.err.condition_window")
					}
					cond.Window = w
				}
			}
		}
		cfg.Schemes[code] = s
	}
	for grade, items := range cfg.Plans {
		for i := range items {
			if items[i].Kind != crm.KindCall {
				continue
			}
			if v := c.FormValue("every." + grade); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					bad["every."+grade] = h.T(c, "crm.err.plan_every")
				}
				items[i].Every = n
			}
			if v := c.FormValue("unit." + grade); v != "" {
				items[i].Unit = v
			}
		}
		cfg.Plans[grade] = items
	}
	if v := c.FormValue("default_budget"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			bad["default_budget"] = h.T(c, "crm.err.budget")
		}
		cfg.DefaultBudget = n
	}
	cfg.PartyDate = strings.TrimSpace(c.FormValue("party_date", cfg.PartyDate))
	if v := c.FormValue("head_staff_id"); v != "" {
		cfg.HeadStaffID, _ = strconv.ParseInt(v, 10, 64)
	}
	if len(bad) > 0 {
		return h.renderSettings(c, render.View{Errors: bad, Flash: h.T(c, "err.validation"), FlashKind: "error"}, &cfg)
	}
	if err := crm.SaveConfig(c.UserContext(), h.DB, h.Now(), render.Actor(c), cfg); err != nil {
		if e, ok := models.AsError(err); ok && len(e.Fields) > 0 {
			return h.renderSettings(c, render.View{Errors: h.FieldErrors(c, err), Flash: h.T(c, e.Key), FlashKind: "error"}, &cfg)
		}
		return err
	}
	return h.renderSettings(c, render.View{Flash: h.T(c, "crm.settings.saved"), FlashKind: "ok"}, nil)
}

// crmRecompute re-grades every member now (after a change of scheme).
func (h handler) crmRecompute(c *fiber.Ctx) error {
	n, err := crm.RecomputeAll(c.UserContext(), h.DB, h.Now(), crm.CauseRules)
	if err != nil {
		return err
	}
	return h.renderSettings(c, render.View{Flash: h.T(c, "crm.settings.recomputed", n), FlashKind: "ok"}, nil)
}

func (h handler) crmClassTeacher(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	staffID, _ := strconv.ParseInt(c.FormValue("staff_id"), 10, 64)
	if err := crm.SetClassTeacher(c.UserContext(), h.DB, h.Now(), render.Actor(c), id, staffID); err != nil {
		return err
	}
	return h.renderSettings(c, render.View{Flash: h.T(c, "crm.settings.teacher_saved"), FlashKind: "ok"}, nil)
}

func (h handler) crmBudget(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("monthly")), 10, 64)
	if err != nil {
		return models.Invalid(map[string]string{"monthly": "crm.err.budget"})
	}
	if err := crm.SetBudget(c.UserContext(), h.DB, h.Now(), render.Actor(c), id, n); err != nil {
		return err
	}
	return h.renderSettings(c, render.View{Flash: h.T(c, "crm.settings.budget_saved"), FlashKind: "ok"}, nil)
}
