package reports

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"gorm.io/gorm"

	"starcard/models/care"
)

// Service is the service report of a period: complaints received and how
// fast they got their first answer, survey NPS, and CRM tasks due in the
// period done (and done by their day).
type Service struct {
	Complaints         int64
	Answered           int64
	FirstAnswerAvgMin  int64 // average minutes to the first public answer
	FirstAnswerOnTime  int64 // answered by first_answer_due_at
	NPSAnswers         int64
	NPS                int
	NPSKnown           bool
	TasksDue           int64
	TasksDone          int64
	TasksDoneOnTime    int64
	ComplaintsByCampus []Amount
}

// Pct is part of whole in whole percent (0 when whole is 0).
func Pct(part, whole int64) int64 {
	if whole == 0 {
		return 0
	}
	return (part*100 + whole/2) / whole
}

// ServiceFor reads the service figures of the period.
func ServiceFor(ctx context.Context, db *gorm.DB, p Period) (*Service, error) {
	g := db.WithContext(ctx)
	from, to := p.From.UTC(), p.To.UTC()
	cond, cargs := campusFilter("campus_id", p.CampusIDs)
	s := &Service{}
	var cs []struct {
		CampusID                    int64
		CreatedAt, FirstAnswerDueAt timeNull
		FirstAnswerAt               timeNull
	}
	if err := g.Raw(`SELECT campus_id, created_at, first_answer_due_at, first_answer_at FROM complaints
		WHERE created_at >= ? AND created_at < ?`+cond, append([]any{from, to}, cargs...)...).Scan(&cs).Error; err != nil {
		return nil, fmt.Errorf("reports: complaints: %w", err)
	}
	var mins int64
	byCampus := map[int64]int64{}
	for _, c := range cs {
		s.Complaints++
		byCampus[c.CampusID]++
		if c.FirstAnswerAt.Valid {
			s.Answered++
			mins += int64(c.FirstAnswerAt.Time.Sub(c.CreatedAt.Time).Minutes())
			if !c.FirstAnswerAt.Time.After(c.FirstAnswerDueAt.Time) {
				s.FirstAnswerOnTime++
			}
		}
	}
	if s.Answered > 0 {
		s.FirstAnswerAvgMin = mins / s.Answered
	}
	for id, n := range byCampus {
		s.ComplaintsByCampus = append(s.ComplaintsByCampus, Amount{Key: fmt.Sprint(id), Amount: n})
	}
	sort.Slice(s.ComplaintsByCampus, func(i, j int) bool { return s.ComplaintsByCampus[i].Key < s.ComplaintsByCampus[j].Key })
	var scores []int
	if err := g.Raw(`SELECT nps FROM survey_responses WHERE nps IS NOT NULL AND created_at >= ? AND created_at < ?`+cond,
		append([]any{from, to}, cargs...)...).Scan(&scores).Error; err != nil {
		return nil, fmt.Errorf("reports: nps: %w", err)
	}
	s.NPSAnswers = int64(len(scores))
	s.NPS, s.NPSKnown = care.NPS(scores)
	fromDay, toDay := p.From.In(p.Loc).Format("2006-01-02"), p.To.In(p.Loc).Format("2006-01-02")
	var ts []struct {
		DueOn, Status string
		DoneAt        timeNull
	}
	if err := g.Raw(`SELECT due_on, status, done_at FROM crm_tasks WHERE due_on >= ? AND due_on < ?`+cond,
		append([]any{fromDay, toDay}, cargs...)...).Scan(&ts).Error; err != nil {
		return nil, fmt.Errorf("reports: tasks: %w", err)
	}
	for _, t := range ts {
		if t.Status == "skipped" {
			continue
		}
		s.TasksDue++
		if t.Status == "done" {
			s.TasksDone++
			if t.DoneAt.Valid && t.DoneAt.Time.In(p.Loc).Format("2006-01-02") <= t.DueOn {
				s.TasksDoneOnTime++
			}
		}
	}
	return s, nil
}

// timeNull is a nullable time column.
type timeNull = sql.NullTime

// FirstOnTimePct is the share of answered complaints answered in time.
func (s *Service) FirstOnTimePct() int64 { return Pct(s.FirstAnswerOnTime, s.Answered) }

// DonePct is the share of the tasks due that were done.
func (s *Service) DonePct() int64 { return Pct(s.TasksDone, s.TasksDue) }

// OnTimePct is the share of the tasks due that were done by their day.
func (s *Service) OnTimePct() int64 { return Pct(s.TasksDoneOnTime, s.TasksDue) }
