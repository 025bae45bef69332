package admin

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"starcard/handlers/render"
	"starcard/models"
	"starcard/models/courses"
	"starcard/models/reports"
)

// registerReports mounts the principal's reports (issue 16). The /admin
// group admits admin, service_head and campus_manager; every figure is
// scoped to the viewer's campuses, and asking for another campus is 403.
//
//	GET /admin/reports        members, money, liabilities, renewal, service   admin, service_head, campus_manager
//	GET /admin/reports.xlsx   the same figures as a workbook                  same
func (h handler) registerReports(r fiber.Router) {
	r.Get("/reports", h.reportShow)
	r.Get("/reports.xlsx", h.reportXLSX)
}

// maxReportDays bounds the window so a typo cannot ask for a century of days.
const maxReportDays = 3 * 366

// reportPeriod reads the filters: campus_id (one of the viewer's, else all
// of theirs), from and to (inclusive days, default the last 30), grain.
// Unreadable dates fall back to the default rather than failing the page.
func (h handler) reportPeriod(c *fiber.Ctx) (reports.Period, int64, error) {
	u := render.User(c)
	today := h.Now().In(h.Loc)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, h.Loc)
	p := reports.Period{Loc: h.Loc, CampusIDs: models.StaffCampusScope(u), Grain: reports.GrainDay,
		From: midnight.AddDate(0, 0, -29), To: midnight.AddDate(0, 0, 1)}
	if d, err := time.ParseInLocation(time.DateOnly, c.Query("from"), h.Loc); err == nil {
		p.From = d
	}
	if d, err := time.ParseInLocation(time.DateOnly, c.Query("to"), h.Loc); err == nil {
		p.To = d.AddDate(0, 0, 1)
	}
	if !p.To.After(p.From) {
		p.From = p.To.AddDate(0, 0, -1)
	}
	if p.To.Sub(p.From) > maxReportDays*24*time.Hour {
		p.From = p.To.AddDate(0, 0, -maxReportDays)
	}
	switch g := c.Query("grain"); g {
	case reports.GrainWeek, reports.GrainMonth:
		p.Grain = g
	}
	var campus int64
	if q := c.Query("campus_id"); q != "" && q != "0" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil || id <= 0 {
			return p, 0, models.Invalid(map[string]string{"campus_id": "reports.err.bad_campus"})
		}
		if u == nil || !u.CanSeeCampus(id) {
			return p, 0, models.ErrForbidden
		}
		p.CampusIDs, campus = []int64{id}, id
	}
	f, err := reportFilter(c)
	if err != nil {
		return p, 0, err
	}
	p.Filter = f
	return p, campus, nil
}

// reportFilter reads class_id, course_id, grade and tier. The member
// sections apply them within the viewer's campuses, so another campus's
// class or course simply matches nobody.
func reportFilter(c *fiber.Ctx) (reports.Filter, error) {
	var f reports.Filter
	bad := map[string]string{}
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"class_id", &f.ClassID}, {"course_id", &f.CourseID}} {
		if q := c.Query(x.name); q != "" && q != "0" {
			id, err := strconv.ParseInt(q, 10, 64)
			if err != nil || id <= 0 {
				bad[x.name] = "reports.err.bad_filter"
				continue
			}
			*x.dst = id
		}
	}
	if t := c.Query("tier"); t != "" {
		if !slices.Contains(models.TierOrder, t) {
			bad["tier"] = "reports.err.bad_filter"
		}
		f.Tier = t
	}
	if g := c.Query("grade"); g != "" {
		if utf8.RuneCountInString(g) > 32 {
			bad["grade"] = "reports.err.bad_filter"
		}
		f.Grade = g
	}
	if len(bad) > 0 {
		return f, models.Invalid(bad)
	}
	return f, nil
}

// filterQuery is the filter as query parameters for the export link.
func filterQuery(f reports.Filter) string {
	v := url.Values{}
	if f.ClassID > 0 {
		v.Set("class_id", strconv.FormatInt(f.ClassID, 10))
	}
	if f.CourseID > 0 {
		v.Set("course_id", strconv.FormatInt(f.CourseID, 10))
	}
	if f.Grade != "" {
		v.Set("grade", f.Grade)
	}
	if f.Tier != "" {
		v.Set("tier", f.Tier)
	}
	if len(v) == 0 {
		return ""
	}
	return "&" + v.Encode()
}

// chart is what static/js/reports.js draws: categories and named series.
type chart struct {
	Kind   string        `json:"kind"` // bar | stack | pie
	Labels []string      `json:"labels"`
	Series []chartSeries `json:"series"`
}

type chartSeries struct {
	Name string    `json:"name"`
	Data []float64 `json:"data"`
}

func (ch chart) JSON() string {
	b, _ := json.Marshal(ch)
	return string(b)
}

func (h handler) reportShow(c *fiber.Ctx) error {
	p, campus, err := h.reportPeriod(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	rep, err := reports.Build(ctx, h.DB.R, p)
	if err != nil {
		return err
	}
	choices, err := models.CampusChoices(ctx, h.DB.R, render.User(c))
	if err != nil {
		return err
	}
	yuan := func(fen int64) float64 { return float64(fen) / 100 }
	money := chart{Kind: "stack"}
	sales := chartSeries{Name: h.T(c, "reports.money.sales")}
	tops := chartSeries{Name: h.T(c, "reports.money.topups")}
	refs := chartSeries{Name: h.T(c, "reports.money.refunds")}
	for _, l := range rep.Money.Lines {
		money.Labels = append(money.Labels, l.Bucket)
		sales.Data, tops.Data, refs.Data = append(sales.Data, yuan(l.Sales)), append(tops.Data, yuan(l.Topups)), append(refs.Data, -yuan(l.Refunds))
	}
	money.Series = []chartSeries{sales, tops, refs}
	life := chart{Kind: "pie", Series: []chartSeries{{Name: h.T(c, "reports.members.by_lifecycle")}}}
	for _, l := range models.Lifecycles {
		if n := rep.Members.ByLifecycle[l]; n > 0 {
			life.Labels = append(life.Labels, h.T(c, "lifecycle."+l))
			life.Series[0].Data = append(life.Series[0].Data, float64(n))
		}
	}
	renew := chart{Kind: "bar", Series: []chartSeries{{Name: h.T(c, "reports.renewal.rate")}, {Name: h.T(c, "reports.renewal.fee_rate")}}}
	for _, x := range rep.Renewals {
		renew.Labels = append(renew.Labels, x.Name)
		renew.Series[0].Data = append(renew.Series[0].Data, float64(x.Pct))
		renew.Series[1].Data = append(renew.Series[1].Data, float64(x.FeePct))
	}
	lo := rep.Loyalty
	loy := chart{Kind: "bar", Labels: []string{h.T(c, "reports.loyalty.buyers"), h.T(c, "reports.loyalty.repeat"),
		h.T(c, "reports.loyalty.coupons_issued"), h.T(c, "reports.loyalty.coupons_used"), h.T(c, "reports.loyalty.rewards"), h.T(c, "reports.loyalty.stamps")},
		Series: []chartSeries{{Name: h.T(c, "reports.count"), Data: []float64{float64(lo.Buyers), float64(lo.RepeatBuyers),
			float64(lo.CouponsIssued), float64(lo.CouponsUsed), float64(lo.RewardsHanded), float64(lo.StampsComplete)}}}}
	type refGrade struct {
		Name               string
		Invited, Paid, Pct int64
	}
	var refGrades []refGrade
	for _, g := range lo.Referrals {
		name := h.T(c, "reports.loyalty.no_grade")
		if g.Grade != "" {
			name = gradeName(c, h, g.Grade)
		}
		refGrades = append(refGrades, refGrade{name, g.Invited, g.Paid, g.Pct()})
	}
	groups := []fiber.Map{{"Title": "reports.renewal.by_class", "None": "reports.renewal.no_class", "Rows": rep.Renewal.ByClass},
		{"Title": "reports.renewal.by_teacher", "None": "reports.renewal.no_teacher", "Rows": rep.Renewal.ByTeacher},
		{"Title": "reports.renewal.by_campus", "None": "reports.renewal.no_class", "Rows": rep.Renewal.ByCampus}}
	q := fmt.Sprintf("from=%s&to=%s&grain=%s&campus_id=%d", p.From.Format(time.DateOnly),
		p.To.AddDate(0, 0, -1).Format(time.DateOnly), p.Grain, campus) + filterQuery(p.Filter)
	scope := models.StaffCampusScope(render.User(c))
	classes, err := models.ListClasses(ctx, h.DB.R, scope)
	if err != nil {
		return err
	}
	crs, err := courses.ListCourses(ctx, h.DB.R, scope)
	if err != nil {
		return err
	}
	codes, err := reports.GradeCodes(ctx, h.DB.R, scope)
	if err != nil {
		return err
	}
	var gradeOpts []reportGrade
	for _, code := range codes {
		gradeOpts = append(gradeOpts, reportGrade{Name: gradeName(c, h, code), Code: code})
	}
	act := chart{Kind: "bar", Labels: []string{h.T(c, "reports.activity.new"), h.T(c, "reports.activity.active"), h.T(c, "reports.activity.churned")},
		Series: []chartSeries{{Name: h.T(c, "reports.count"), Data: []float64{float64(rep.Activity.New), float64(rep.Activity.Active), float64(rep.Activity.Churned)}}}}
	cohort := chart{Kind: "line"}
	for k := 0; k < reports.CohortMonths; k++ {
		cohort.Labels = append(cohort.Labels, fmt.Sprintf(h.T(c, "reports.cohort.since"), k))
	}
	for _, x := range rep.Cohorts {
		if x.Size == 0 {
			continue
		}
		s := chartSeries{Name: x.Month}
		for _, v := range x.Pct {
			s.Data = append(s.Data, float64(v))
		}
		cohort.Series = append(cohort.Series, s)
	}
	return h.Page(c, fiber.StatusOK, "admin/reports", "", render.View{Title: h.T(c, "reports.title"), D: fiber.Map{
		"R": rep, "Campuses": choices, "Campus": campus, "Query": template.URL(q), // built from parsed dates and ints
		"From": p.From.Format(time.DateOnly), "To": p.To.AddDate(0, 0, -1).Format(time.DateOnly), "Grain": p.Grain,
		"Grains": reports.Grains, "MoneyChart": money.JSON(), "LifeChart": life.JSON(), "RenewChart": renew.JSON(),
		"Grades": reportGrades(c, h, rep.Members.ByGrade), "Filter": p.Filter, "Classes": classes, "Courses": crs,
		"GradeOpts": gradeOpts, "Tiers": models.TierOrder, "ActChart": act.JSON(), "CohortChart": cohort.JSON(),
		"Since": sinceLabels(c, h), "RenewGroups": groups, "Print": c.Query("print") == "1", "LoyChart": loy.JSON(), "RefGrades": refGrades}})
}

// sinceLabels heads the cohort table's columns: 当月, 第1月 …
func sinceLabels(c *fiber.Ctx, h handler) []string {
	out := make([]string, reports.CohortMonths)
	for k := range out {
		out[k] = fmt.Sprintf(h.T(c, "reports.cohort.since"), k)
	}
	return out
}

// reportGrade is a grade's translated name and count.
type reportGrade struct {
	Name string
	N    int64
	Code string
}

func reportGrades(c *fiber.Ctx, h handler, m map[string]int64) []reportGrade {
	var out []reportGrade
	for _, code := range []string{"key", "watch", "general", "A", "B", "C", "D"} {
		if n, ok := m[code]; ok {
			out = append(out, reportGrade{Name: gradeName(c, h, code), N: n})
		}
	}
	for code, n := range m {
		switch code {
		case "key", "watch", "general", "A", "B", "C", "D", reports.UngradedKey:
		default:
			out = append(out, reportGrade{Name: code, N: n})
		}
	}
	if n, ok := m[reports.UngradedKey]; ok {
		out = append(out, reportGrade{Name: gradeName(c, h, reports.UngradedKey), N: n})
	}
	return out
}

func gradeName(c *fiber.Ctx, h handler, code string) string {
	if id := reports.GradeLabel(code); id != "" {
		return h.T(c, id)
	}
	return code
}

func (h handler) reportXLSX(c *fiber.Ctx) error {
	p, _, err := h.reportPeriod(c)
	if err != nil {
		return err
	}
	rep, err := reports.Build(c.UserContext(), h.DB.R, p)
	if err != nil {
		return err
	}
	b, err := rep.XLSX(func(id string) string { return h.T(c, id) })
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="reports-%s-%s.xlsx"`,
		p.From.Format("20060102"), p.To.AddDate(0, 0, -1).Format("20060102")))
	return c.Send(b)
}

// salesSpark is the dashboard's sparkline of sales paid per bucket (yuan).
func (h handler) salesSpark(c *fiber.Ctx, rep *reports.Report) string {
	ch := chart{Kind: "spark", Series: []chartSeries{{Name: h.T(c, "reports.money.sales")}}}
	for _, l := range rep.Money.Lines {
		ch.Labels = append(ch.Labels, l.Bucket)
		ch.Series[0].Data = append(ch.Series[0].Data, float64(l.Sales)/100)
	}
	return ch.JSON()
}

// renewalPct is the renewal rate over every course of the report, "—"
// when nobody attended a lesson in the period.
func renewalPct(rep *reports.Report) string {
	var st, rn int64
	for _, x := range rep.Renewals {
		st, rn = st+x.Students, rn+x.Renewed
	}
	if st == 0 {
		return "—"
	}
	return strconv.FormatInt(reports.Pct(rn, st), 10) + "%"
}
