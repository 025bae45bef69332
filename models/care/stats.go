package care

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Count is one bucket of the monthly statistics.
type Count struct {
	Key   string
	Label string
	N     int
}

// Stats are one month's complaints (by the day they arrived, in the
// school's time zone) for the campuses u sees.
type Stats struct {
	Month       string // YYYY-MM
	Total       int
	Complaints  int
	Suggestions int
	ByCategory  []Count
	ByCause     []Count
	ByCampus    []Count
	ByChannel   []Count
	Answered    int
	// First answer: median minutes, and the share answered by the deadline
	// (unanswered and overdue count as late).
	FirstAnswerMedianMin int
	FirstAnswerOnTimePct int
	Resolved             int
	// Resolution: median hours from receipt, and the share within ResolveDays.
	ResolveMedianHours int
	ResolveOnTimePct   int
	ResolveDays        int
	Open               int
	Rows               []Row
}

// MonthStats builds the statistics of month (any time in it) for u.
func MonthStats(ctx context.Context, db *gorm.DB, now time.Time, u *models.StaffUser, month time.Time, loc *time.Location) (*Stats, error) {
	if !canManage(u) {
		return nil, models.ErrForbidden
	}
	l := month.In(loc)
	start := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	end := start.AddDate(0, 1, 0)
	set, err := LoadSettings(ctx, db)
	if err != nil {
		return nil, err
	}
	var rows []Row
	if err := rowsQuery(ctx, db, u).Where("c.created_at >= ? AND c.created_at < ?", start.UTC(), end.UTC()).
		Order("c.id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("care: month stats: %w", err)
	}
	st := &Stats{Month: start.Format("2006-01"), Rows: rows, ResolveDays: set.ResolveDays}
	cat, cause, campus, channel := map[string]*Count{}, map[string]*Count{}, map[string]*Count{}, map[string]*Count{}
	inc := func(m map[string]*Count, k, label string) {
		if m[k] == nil {
			m[k] = &Count{Key: k, Label: label}
		}
		m[k].N++
	}
	var firstMin, resolveH []int
	onTime, resolvedOnTime := 0, 0
	now = now.UTC()
	for _, r := range rows {
		st.Total++
		if r.Kind == models.ComplaintKindSuggestion {
			st.Suggestions++
		} else {
			st.Complaints++
		}
		inc(cat, r.Category, r.Category)
		c := r.Cause
		if c == "" {
			c = "pending"
		}
		inc(cause, c, c)
		inc(campus, fmt.Sprint(r.CampusID), r.CampusName)
		inc(channel, r.Channel, r.Channel)
		if r.FirstAnswerAt != nil {
			st.Answered++
			firstMin = append(firstMin, int(r.FirstAnswerAt.Sub(r.CreatedAt)/time.Minute))
			if !r.FirstAnswerAt.After(r.FirstAnswerDueAt) {
				onTime++
			}
		}
		if r.ResolvedAt != nil {
			st.Resolved++
			d := r.ResolvedAt.Sub(r.CreatedAt)
			resolveH = append(resolveH, int(d/time.Hour))
			if d <= time.Duration(set.ResolveDays)*24*time.Hour {
				resolvedOnTime++
			}
		}
		if r.Open() {
			st.Open++
		}
	}
	// Complaints still waiting inside their deadline are neither on time nor
	// late yet: the share is of those whose deadline has passed or that were answered.
	judged := 0
	for _, r := range rows {
		if r.FirstAnswerAt != nil || now.After(r.FirstAnswerDueAt) {
			judged++
		}
	}
	if judged > 0 {
		st.FirstAnswerOnTimePct = onTime * 100 / judged
	}
	if st.Resolved > 0 {
		st.ResolveOnTimePct = resolvedOnTime * 100 / st.Resolved
	}
	st.FirstAnswerMedianMin, st.ResolveMedianHours = median(firstMin), median(resolveH)
	st.ByCategory, st.ByCause, st.ByCampus, st.ByChannel = counts(cat), counts(cause), counts(campus), counts(channel)
	return st, nil
}

// median of whole numbers (the lower middle for an even count); 0 for none.
func median(v []int) int {
	if len(v) == 0 {
		return 0
	}
	s := append([]int(nil), v...)
	sort.Ints(s)
	return s[(len(s)-1)/2]
}

func counts(m map[string]*Count) []Count {
	out := make([]Count, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// StatsXLSX writes the month's statistics and its complaints as a workbook;
// label translates codes (category, cause, channel, status) and headings.
func StatsXLSX(st *Stats, loc *time.Location, label func(id string) string) ([]byte, error) {
	w := models.NewWorkbook(label("care.stats.sheet_summary"))
	w.Row(label("care.stats.month"), st.Month)
	w.Row(label("care.stats.total"), st.Total)
	w.Row(label("care.stats.first_median"), st.FirstAnswerMedianMin)
	w.Row(label("care.stats.first_on_time"), st.FirstAnswerOnTimePct)
	w.Row(label("care.stats.resolve_median"), st.ResolveMedianHours)
	w.Row(label("care.stats.resolve_on_time"), st.ResolveOnTimePct)
	w.Gap()
	for _, g := range []struct {
		title, prefix string
		cs            []Count
	}{{"care.stats.by_category", "portal.category.", st.ByCategory}, {"care.stats.by_cause", "care.cause.", st.ByCause},
		{"care.stats.by_campus", "", st.ByCampus}, {"care.stats.by_channel", "care.channel.", st.ByChannel}} {
		w.Row(label(g.title))
		for _, c := range g.cs {
			name := c.Label
			if g.prefix != "" {
				name = label(g.prefix + c.Key)
			}
			w.Row(name, c.N)
		}
		w.Gap()
	}
	if err := w.Sheet(label("care.stats.sheet_list")); err != nil {
		return nil, err
	}
	w.Row("ID", label("care.col.received"), label("care.col.campus"), label("care.col.member"), label("care.col.category"),
		label("care.col.channel"), label("care.col.status"), label("care.col.owner"), label("care.col.first_answer"),
		label("care.col.resolved"), label("care.col.cause"), label("care.col.root_cause"), label("care.col.corrective_action"))
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04")
	}
	for _, c := range st.Rows {
		cause := ""
		if c.Cause != "" {
			cause = label("care.cause." + c.Cause)
		}
		w.Row(c.ID, c.CreatedAt.In(loc).Format("2006-01-02 15:04"), c.CampusName, c.MemberName,
			label("portal.category."+c.Category), label("care.channel."+c.Channel), label("care.status."+c.Status), c.OwnerName,
			ts(c.FirstAnswerAt), ts(c.ResolvedAt), cause, c.RootCause, c.CorrectiveAction)
	}
	return w.Bytes()
}

// ResultsXLSX writes a survey's results and answers as a workbook.
func ResultsXLSX(res *Results, loc *time.Location, label func(id string) string) ([]byte, error) {
	w := models.NewWorkbook(label("care.survey.sheet_summary"))
	w.Row(label("care.survey.title_col"), res.Survey.Title)
	w.Row(label("care.survey.sent"), res.Sent)
	w.Row(label("care.survey.responses"), res.Responses)
	w.Row(label("care.survey.rate"), res.Rate)
	if res.HasNPS {
		w.Row("NPS", res.NPS)
	}
	for _, d := range res.Dimensions {
		w.Row(label("care.dim."+d.Dimension), fmt.Sprintf("%.2f", d.Average))
	}
	w.Gap()
	for _, g := range []struct {
		title, prefix string
		gs            []Group
	}{{"care.survey.by_campus", "", res.ByCampus}, {"care.survey.by_class", "", res.ByClass},
		{"care.survey.by_grade", "crm.grade.", res.ByGrade}} {
		w.Row(label(g.title), label("care.survey.responses"), "NPS", label("care.survey.average"))
		for _, x := range g.gs {
			nps := "-"
			if x.HasNPS {
				nps = fmt.Sprint(x.NPS)
			}
			name := x.Label
			if g.prefix != "" && name != "" {
				name = label(g.prefix + name) // a grade's code, in the reader's words
			}
			w.Row(name, x.Responses, nps, fmt.Sprintf("%.2f", x.Average))
		}
		w.Gap()
	}
	if err := w.Sheet(label("care.survey.sheet_answers")); err != nil {
		return nil, err
	}
	w.Row(label("care.col.received"), label("care.col.campus"), label("care.survey.class"), label("care.col.member"), "NPS",
		label("care.survey.scores"), label("care.survey.comment"))
	for _, c := range res.Comments {
		nps := ""
		if c.NPS != nil {
			nps = fmt.Sprint(*c.NPS)
		}
		w.Row(c.CreatedAt.In(loc).Format("2006-01-02 15:04"), c.CampusName, c.ClassName, c.MemberName, nps, c.Scores, c.Comment)
	}
	return w.Bytes()
}
