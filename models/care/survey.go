package care

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/crm"
)

// Dimensions are the rated aspects (seed 002, DOMAIN §3.10), 1–5 each.
var Dimensions = []string{"teaching", "teachers", "service", "courses", "results", "price"}

// dimNames name the dimensions in the notes of follow-up tasks (staff read
// them in the school's language, Chinese).
var dimNames = map[string]string{"teaching": "教学质量", "teachers": "师资", "service": "服务", "courses": "课程设置",
	"results": "学习效果", "price": "收费"}

// Survey kinds: a survey sent to a segment, or the short satisfaction check
// after a resolved complaint.
const (
	KindSurvey = "survey"
	KindCSAT   = "csat"
)

// Survey is one questionnaire sent to a set of families.
type Survey struct {
	ID          int64
	Kind        string
	Title       string
	TitleTW     string
	TitleEN     string
	Dimensions  string // comma list of Dimensions
	AskNPS      bool   `gorm:"column:ask_nps"`
	Points      int64
	Segment     string // JSON of SurveySegment
	ComplaintID *int64
	Status      string // open, closed
	Sent        int
	CreatedBy   int64
	CreatedAt   time.Time
	ClosedAt    *time.Time
}

// TableName maps Survey to its table.
func (Survey) TableName() string { return "surveys" }

// Dims returns the survey's dimensions in order.
func (s *Survey) Dims() []string {
	if s.Dimensions == "" {
		return nil
	}
	return strings.Split(s.Dimensions, ",")
}

// TitleIn is the title in a language, falling back to Simplified Chinese.
func (s *Survey) TitleIn(lang string) string {
	switch {
	case lang == "zh-TW" && s.TitleTW != "":
		return s.TitleTW
	case lang == "en" && s.TitleEN != "":
		return s.TitleEN
	}
	return s.Title
}

// SurveySegment picks the families a survey goes to; zero values mean any.
type SurveySegment struct {
	CampusID  int64  `json:"campus_id,omitempty"`
	ClassID   int64  `json:"class_id,omitempty"`
	Grade     string `json:"grade,omitempty"`
	Tier      string `json:"tier,omitempty"`
	Lifecycle string `json:"lifecycle,omitempty"`
}

// NewSurvey is a survey to send.
type NewSurvey struct {
	Title, TitleTW, TitleEN string
	Dimensions              []string
	AskNPS                  bool
	Points                  int64
	Segment                 SurveySegment
}

// Send creates a survey and sends it to one guardian set per family in the
// segment (a portal card and an invitation notice). A campus manager sends
// only within their campus.
func Send(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, in NewSurvey) (*Survey, error) {
	if !canManage(u) {
		return nil, models.ErrForbidden
	}
	now = now.UTC()
	f := map[string]string{}
	in.Title = strings.TrimSpace(in.Title)
	in.TitleTW, in.TitleEN = strings.TrimSpace(in.TitleTW), strings.TrimSpace(in.TitleEN)
	if l := utf8.RuneCountInString(in.Title); l < 2 || l > 100 || utf8.RuneCountInString(in.TitleTW) > 100 || utf8.RuneCountInString(in.TitleEN) > 100 {
		f["title"] = "care.err.title"
	}
	var dims []string
	for _, d := range Dimensions {
		if slices.Contains(in.Dimensions, d) {
			dims = append(dims, d)
		}
	}
	if len(dims) == 0 || len(dims) != len(in.Dimensions) {
		f["dimensions"] = "care.err.dimensions"
	}
	if in.Points < 0 || in.Points > 10000 {
		f["points"] = "care.err.points"
	}
	seg := in.Segment
	if seg.CampusID == 0 && !u.Role.AllCampuses() {
		if len(u.CampusIDs) == 1 {
			seg.CampusID = u.CampusIDs[0]
		} else {
			f["campus_id"] = "care.err.campus"
		}
	}
	if seg.CampusID != 0 && !u.CanSeeCampus(seg.CampusID) {
		f["campus_id"] = "care.err.campus"
	}
	if len(f) > 0 {
		return nil, models.Invalid(f)
	}
	segJSON, _ := json.Marshal(seg)
	s := &Survey{Kind: KindSurvey, Title: in.Title, TitleTW: in.TitleTW, TitleEN: in.TitleEN, Dimensions: strings.Join(dims, ","),
		AskNPS: in.AskNPS, Points: in.Points, Segment: string(segJSON), Status: "open", CreatedBy: u.ID, CreatedAt: now}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(s).Error; err != nil {
			return err
		}
		conds := []string{"m.archived_at IS NULL"}
		var args []any
		if seg.CampusID != 0 {
			conds, args = append(conds, "m.campus_id = ?"), append(args, seg.CampusID)
		}
		if seg.ClassID != 0 {
			conds, args = append(conds, "m.class_id = ?"), append(args, seg.ClassID)
		}
		if seg.Grade != "" {
			conds, args = append(conds, "m.grade = ?"), append(args, seg.Grade)
		}
		if seg.Tier != "" {
			conds, args = append(conds, "m.tier = ?"), append(args, seg.Tier)
		}
		if seg.Lifecycle != "" {
			conds, args = append(conds, "m.lifecycle = ?"), append(args, seg.Lifecycle)
		}
		var rows []struct {
			ID, FamilyID, CampusID int64
			ClassID                *int64
			Grade                  string
		}
		if err := tx.Raw(`SELECT m.id, m.family_id, m.campus_id, m.class_id, m.grade FROM members m WHERE `+strings.Join(conds, " AND ")+
			` ORDER BY m.family_id, m.id`, args...).Scan(&rows).Error; err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, r := range rows {
			if seen[r.FamilyID] {
				continue
			}
			seen[r.FamilyID] = true
			if err := addRecipient(ctx, tx, now, s, r.ID, r.FamilyID, r.CampusID, r.ClassID, r.Grade); err != nil {
				return err
			}
		}
		s.Sent = len(seen)
		if err := tx.Model(s).Update("sent", s.Sent).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, staffActor(u), "survey.send", "survey", s.ID, fmt.Sprintf("families=%d segment=%s", s.Sent, segJSON))
	})
	if err != nil {
		return nil, fmt.Errorf("care: send survey: %w", err)
	}
	return s, nil
}

// Recipient is one family a survey was sent to.
type Recipient struct {
	SurveyID, FamilyID, MemberID, CampusID, ClassID int64
	Grade                                           string
}

// TableName maps Recipient to its table.
func (Recipient) TableName() string { return "survey_recipients" }

func addRecipient(ctx context.Context, tx *gorm.DB, now time.Time, s *Survey, member, family, campus int64, class *int64, grade string) error {
	r := Recipient{SurveyID: s.ID, FamilyID: family, MemberID: member, CampusID: campus, Grade: grade}
	if class != nil {
		r.ClassID = *class
	}
	if err := tx.WithContext(ctx).Create(&r).Error; err != nil {
		return err
	}
	return models.EnqueueNotice(ctx, tx, now, models.Notice{Event: EventSurvey, MemberID: member,
		Data: map[string]any{"survey": s.Title, "points": s.Points, "survey_id": s.ID}, DedupeKey: fmt.Sprintf("survey:%d:f%d", s.ID, family)})
}

// csatFor sends the short satisfaction check after a resolved complaint.
func csatFor(ctx context.Context, tx *gorm.DB, now time.Time, c *Case) error {
	var n int64
	tx.WithContext(ctx).Model(&Survey{}).Where("complaint_id = ?", c.ID).Count(&n)
	if n > 0 {
		return nil // reopened and resolved again: one check is enough
	}
	var m struct {
		ID       int64
		ClassID  *int64
		Grade    string
		CampusID int64
	}
	member := int64(0)
	if c.MemberID != nil {
		member = *c.MemberID
		tx.Raw("SELECT id, class_id, grade, campus_id FROM members WHERE id = ?", member).Scan(&m)
	} else {
		tx.Raw("SELECT id, class_id, grade, campus_id FROM members WHERE family_id = ? ORDER BY id LIMIT 1", c.FamilyID).Scan(&m)
		member = m.ID
	}
	if member == 0 {
		return nil
	}
	id := c.ID
	s := &Survey{Kind: KindCSAT, Title: "投诉处理满意度回访", TitleTW: "投訴處理滿意度回訪", TitleEN: "How did we handle your complaint?",
		Dimensions: "service", AskNPS: true, Segment: "{}", ComplaintID: &id, Status: "open", Sent: 1, CreatedAt: now}
	if err := tx.WithContext(ctx).Create(s).Error; err != nil {
		return err
	}
	return addRecipient(ctx, tx, now, s, member, c.FamilyID, c.CampusID, m.ClassID, m.Grade)
}

// FamilySurvey is a survey as a family sees it.
type FamilySurvey struct {
	Survey
	MemberID   int64
	MemberName string
	Answered   bool
}

// FamilySurveys lists the surveys sent to the parent's families, unanswered
// open ones first.
func FamilySurveys(ctx context.Context, db *gorm.DB, p *models.GuardianPrincipal) ([]FamilySurvey, error) {
	var out []FamilySurvey
	err := db.WithContext(ctx).Raw(`SELECT s.*, r.member_id, COALESCE(m.name, '') AS member_name,
		CASE WHEN x.id IS NULL THEN 0 ELSE 1 END AS answered
		FROM survey_recipients r JOIN surveys s ON s.id = r.survey_id LEFT JOIN members m ON m.id = r.member_id
		LEFT JOIN survey_responses x ON x.survey_id = r.survey_id AND x.family_id = r.family_id
		WHERE r.family_id IN ? ORDER BY CASE WHEN x.id IS NULL AND s.status = 'open' THEN 0 ELSE 1 END, s.id DESC LIMIT 50`, p.FamilyIDs).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("care: family surveys: %w", err)
	}
	return out, nil
}

// FamilySurveyOne loads one survey sent to the parent's families.
func FamilySurveyOne(ctx context.Context, db *gorm.DB, p *models.GuardianPrincipal, id int64) (*FamilySurvey, error) {
	all, err := FamilySurveys(ctx, db, p)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	var one []FamilySurvey
	err = db.WithContext(ctx).Raw(`SELECT s.*, r.member_id, '' AS member_name,
		CASE WHEN x.id IS NULL THEN 0 ELSE 1 END AS answered FROM survey_recipients r JOIN surveys s ON s.id = r.survey_id
		LEFT JOIN survey_responses x ON x.survey_id = r.survey_id AND x.family_id = r.family_id
		WHERE r.survey_id = ? AND r.family_id IN ?`, id, p.FamilyIDs).Scan(&one).Error
	if err != nil {
		return nil, fmt.Errorf("care: family survey: %w", err)
	}
	if len(one) == 0 {
		return nil, models.ErrNotFound
	}
	return &one[0], nil
}

// Answer is a family's answers.
type Answer struct {
	Scores  map[string]int
	NPS     *int
	Comment string
}

// Response is one family's answer to a survey.
type Response struct {
	ID            int64
	SurveyID      int64
	FamilyID      int64
	GuardianID    int64
	MemberID      int64
	CampusID      int64
	ClassID       int64
	Grade         string
	NPS           *int `gorm:"column:nps"`
	Comment       string
	PointsAwarded int64
	CreatedAt     time.Time
}

// TableName maps Response to its table.
func (Response) TableName() string { return "survey_responses" }

// Score is one dimension's rating in a response.
type Score struct {
	ResponseID int64
	SurveyID   int64
	Dimension  string
	Score      int
}

// TableName maps Score to its table.
func (Score) TableName() string { return "survey_scores" }

// Respond records a family's answer once (a second one is a 409), and gives
// the survey's points to the child it was sent about, once.
func Respond(ctx context.Context, db *models.DB, now time.Time, p *models.GuardianPrincipal, ip string, id int64, a Answer) (*Response, error) {
	now = now.UTC()
	var out *Response
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var r Recipient
		if err := tx.WithContext(ctx).Where("survey_id = ? AND family_id IN ?", id, p.FamilyIDs).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return models.ErrNotFound
			}
			return err
		}
		var s Survey
		if err := tx.Raw("SELECT * FROM surveys WHERE id = ?", id).Scan(&s).Error; err != nil {
			return err
		}
		if s.Status != "open" {
			return ErrSurveyClosed
		}
		var dup int64
		tx.Model(&Response{}).Where("survey_id = ? AND family_id = ?", id, r.FamilyID).Count(&dup)
		if dup > 0 {
			return ErrAlreadyAnswered
		}
		f := map[string]string{}
		for _, d := range s.Dims() {
			if v := a.Scores[d]; v < 1 || v > 5 {
				f["score_"+d] = "care.err.score"
			}
		}
		if s.AskNPS && (a.NPS == nil || *a.NPS < 0 || *a.NPS > 10) {
			f["nps"] = "care.err.nps"
		}
		comment, ok := cleanNote(a.Comment, 1000)
		if !ok {
			f["comment"] = "care.err.comment"
		}
		if len(f) > 0 {
			return models.Invalid(f)
		}
		gid := p.GuardianID()
		for _, g := range p.Guardians {
			if g.FamilyID == r.FamilyID {
				gid = g.ID
			}
		}
		resp := &Response{SurveyID: id, FamilyID: r.FamilyID, GuardianID: gid, MemberID: r.MemberID, CampusID: r.CampusID,
			ClassID: r.ClassID, Grade: r.Grade, Comment: comment, CreatedAt: now}
		if s.AskNPS {
			resp.NPS = a.NPS
		}
		if err := tx.Create(resp).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrAlreadyAnswered
			}
			return err
		}
		for _, d := range s.Dims() {
			if err := tx.Create(&Score{ResponseID: resp.ID, SurveyID: id, Dimension: d, Score: a.Scores[d]}).Error; err != nil {
				return err
			}
		}
		if low := lowScores(s.Dims(), a, s.AskNPS); low != "" {
			// A family this unhappy gets a call from the homeroom teacher (seed
			// 001: problems found are followed up), once per survey.
			if _, err := crm.OpenTask(ctx, tx, now, r.MemberID, crm.KindCall, now.Add(24*time.Hour).Format(time.DateOnly),
				fmt.Sprintf("survey:%d", id), "满意度调查低分："+low); err != nil {
				return err
			}
		}
		if s.Points > 0 {
			if _, err := models.AwardPoints(ctx, tx, now, models.Award{MemberID: r.MemberID, Points: s.Points, Reason: "survey",
				RefType: "survey_response", RefID: resp.ID, Actor: p.Actor(ip)}); err != nil {
				return err
			}
			resp.PointsAwarded = s.Points
			if err := tx.Model(resp).Update("points_awarded", s.Points).Error; err != nil {
				return err
			}
		}
		if err := models.Emit(ctx, tx, models.DomainEvent{Type: models.EventSurveyAnswered, At: now, MemberID: r.MemberID, ObjectID: resp.ID, Actor: p.Actor(ip), Object: map[string]any{"survey_id": id, "response_id": resp.ID, "member_id": r.MemberID, "scores": a.Scores, "nps": a.NPS, "points_awarded": resp.PointsAwarded}}); err != nil {
			return err
		}
		out = resp
		return models.Audit(ctx, tx, now, p.Actor(ip), "survey.answer", "survey", id, "")
	})
	if err != nil {
		if _, ok := models.AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("care: respond: %w", err)
	}
	return out, nil
}

// LowScore is the score (1–5) at or below which an answer asks for a
// follow-up call; an NPS of a detractor (0–6) does too.
const LowScore = 2

// lowScores describes what in an answer was low ("" when nothing was).
func lowScores(dims []string, a Answer, askNPS bool) string {
	var parts []string
	for _, d := range dims {
		if a.Scores[d] <= LowScore {
			parts = append(parts, fmt.Sprintf("%s %d 分", dimNames[d], a.Scores[d]))
		}
	}
	if askNPS && a.NPS != nil && *a.NPS <= 6 {
		parts = append(parts, fmt.Sprintf("推荐意愿 %d 分", *a.NPS))
	}
	return strings.Join(parts, "，")
}

// NPS is promoters (9–10) minus detractors (0–6), in whole percent of the
// answers that gave a score; ok is false without any.
func NPS(scores []int) (nps int, ok bool) {
	if len(scores) == 0 {
		return 0, false
	}
	pro, det := 0, 0
	for _, s := range scores {
		switch {
		case s >= 9:
			pro++
		case s <= 6:
			det++
		}
	}
	// Round half away from zero on whole percent.
	num := (pro - det) * 100
	n := len(scores)
	if num >= 0 {
		return (num*2 + n) / (2 * n), true
	}
	return -((-num*2 + n) / (2 * n)), true
}

// Group is a slice of the results (a campus, a class, a grade).
type Group struct {
	Key       string
	Label     string
	Responses int
	NPS       int
	HasNPS    bool
	Average   float64 // of every dimension's scores, 1–5
	npsScores []int
	sum, cnt  int
}

// Results is what a survey's results page shows.
type Results struct {
	Survey     Survey
	Sent       int
	Responses  int
	Rate       int // percent answered
	NPS        int
	HasNPS     bool
	Promoters  int
	Passives   int
	Detractors int
	Dimensions []DimAvg
	ByCampus   []Group
	ByClass    []Group
	ByGrade    []Group
	Comments   []ResponseRow
	Actions    []ActionRow
}

// DimAvg is one dimension's average.
type DimAvg struct {
	Dimension string
	Average   float64
	Count     int
}

// ResponseRow is a response with names, for the comments and the export.
type ResponseRow struct {
	Response
	MemberName string
	CampusName string
	ClassName  string
	Scores     string // "teaching=5,…" for the export
}

// SurveyResultsFor builds a survey's results for u (campus managers see
// their campuses' answers only).
func SurveyResultsFor(ctx context.Context, db *gorm.DB, u *models.StaffUser, id int64) (*Results, error) {
	if !canManage(u) {
		return nil, models.ErrForbidden
	}
	var s Survey
	if err := db.WithContext(ctx).Where("id = ?", id).Take(&s).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, models.ErrNotFound
		}
		return nil, fmt.Errorf("care: results: %w", err)
	}
	res := &Results{Survey: s}
	campusOK := func(c int64) bool { return u.CanSeeCampus(c) }
	var recips []Recipient
	if err := db.WithContext(ctx).Where("survey_id = ?", id).Find(&recips).Error; err != nil {
		return nil, fmt.Errorf("care: results: %w", err)
	}
	for _, r := range recips {
		if campusOK(r.CampusID) {
			res.Sent++
		}
	}
	if res.Sent == 0 && len(recips) > 0 {
		return nil, models.ErrNotFound
	}
	var rows []ResponseRow
	if err := db.WithContext(ctx).Raw(`SELECT x.*, COALESCE(m.name, '') AS member_name, COALESCE(cp.name, '') AS campus_name,
		COALESCE(cl.name, '') AS class_name FROM survey_responses x LEFT JOIN members m ON m.id = x.member_id
		LEFT JOIN campuses cp ON cp.id = x.campus_id LEFT JOIN classes cl ON cl.id = x.class_id
		WHERE x.survey_id = ? ORDER BY x.id`, id).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("care: results: %w", err)
	}
	var scores []Score
	if err := db.WithContext(ctx).Where("survey_id = ?", id).Find(&scores).Error; err != nil {
		return nil, fmt.Errorf("care: results: %w", err)
	}
	byResp := map[int64][]Score{}
	for _, sc := range scores {
		byResp[sc.ResponseID] = append(byResp[sc.ResponseID], sc)
	}
	campus, class, grade := map[string]*Group{}, map[string]*Group{}, map[string]*Group{}
	add := func(m map[string]*Group, key, label string, r ResponseRow, sc []Score) {
		g := m[key]
		if g == nil {
			g = &Group{Key: key, Label: label}
			m[key] = g
		}
		g.Responses++
		if r.NPS != nil {
			g.npsScores = append(g.npsScores, *r.NPS)
		}
		for _, x := range sc {
			g.sum += x.Score
			g.cnt++
		}
	}
	dimSum, dimCnt := map[string]int{}, map[string]int{}
	var all []int
	for _, r := range rows {
		if !campusOK(r.CampusID) {
			continue
		}
		sc := byResp[r.ID]
		var parts []string
		for _, x := range sc {
			dimSum[x.Dimension] += x.Score
			dimCnt[x.Dimension]++
			parts = append(parts, fmt.Sprintf("%s=%d", x.Dimension, x.Score))
		}
		r.Scores = strings.Join(parts, ",")
		res.Responses++
		if r.NPS != nil {
			all = append(all, *r.NPS)
			switch {
			case *r.NPS >= 9:
				res.Promoters++
			case *r.NPS <= 6:
				res.Detractors++
			default:
				res.Passives++
			}
		}
		add(campus, fmt.Sprint(r.CampusID), r.CampusName, r, sc)
		add(class, fmt.Sprint(r.ClassID), r.ClassName, r, sc)
		add(grade, r.Grade, r.Grade, r, sc)
		res.Comments = append(res.Comments, r)
	}
	if res.Sent > 0 {
		res.Rate = res.Responses * 100 / res.Sent
	}
	res.NPS, res.HasNPS = NPS(all)
	for _, d := range s.Dims() {
		da := DimAvg{Dimension: d, Count: dimCnt[d]}
		if dimCnt[d] > 0 {
			da.Average = float64(dimSum[d]) / float64(dimCnt[d])
		}
		res.Dimensions = append(res.Dimensions, da)
	}
	flat := func(m map[string]*Group) []Group {
		var out []Group
		for _, g := range m {
			g.NPS, g.HasNPS = NPS(g.npsScores)
			if g.cnt > 0 {
				g.Average = float64(g.sum) / float64(g.cnt)
			}
			out = append(out, *g)
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
		return out
	}
	res.ByCampus, res.ByClass, res.ByGrade = flat(campus), flat(class), flat(grade)
	var err error
	if res.Actions, err = Actions(ctx, db, id); err != nil {
		return nil, err
	}
	return res, nil
}

// SurveyRow is a survey in the list with its headline figures.
type SurveyRow struct {
	Survey
	Responses int
	Rate      int
	NPS       int
	HasNPS    bool
}

// Surveys lists surveys newest first with response rate and NPS (the trend
// over surveys). CSAT checks are listed apart (kind).
func Surveys(ctx context.Context, db *gorm.DB, u *models.StaffUser, kind string, limit int) ([]SurveyRow, error) {
	if !canManage(u) {
		return nil, models.ErrForbidden
	}
	var ss []Survey
	if err := db.WithContext(ctx).Where("kind = ?", kind).Order("id DESC").Limit(limit).Find(&ss).Error; err != nil {
		return nil, fmt.Errorf("care: surveys: %w", err)
	}
	var out []SurveyRow
	for _, s := range ss {
		var nps []struct {
			NPS      *int `gorm:"column:nps"`
			CampusID int64
		}
		if err := db.WithContext(ctx).Raw("SELECT nps, campus_id FROM survey_responses WHERE survey_id = ?", s.ID).Scan(&nps).Error; err != nil {
			return nil, fmt.Errorf("care: surveys: %w", err)
		}
		var sent int64
		q := db.WithContext(ctx).Model(&Recipient{}).Where("survey_id = ?", s.ID)
		if !u.Role.AllCampuses() {
			q = q.Where("campus_id IN ?", append([]int64{-1}, u.CampusIDs...))
		}
		q.Count(&sent)
		if sent == 0 && !u.Role.AllCampuses() {
			continue
		}
		r := SurveyRow{Survey: s}
		var scores []int
		for _, x := range nps {
			if !u.CanSeeCampus(x.CampusID) {
				continue
			}
			r.Responses++
			if x.NPS != nil {
				scores = append(scores, *x.NPS)
			}
		}
		if sent > 0 {
			r.Rate = r.Responses * 100 / int(sent)
		}
		r.NPS, r.HasNPS = NPS(scores)
		out = append(out, r)
	}
	return out, nil
}

// CloseSurvey stops a survey taking answers.
func CloseSurvey(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, id int64) error {
	if !canManage(u) {
		return models.ErrForbidden
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Survey{}).Where("id = ? AND status = 'open'", id).Updates(map[string]any{"status": "closed", "closed_at": now.UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.ErrNotFound
		}
		return models.Audit(ctx, tx, now.UTC(), staffActor(u), "survey.close", "survey", id, "")
	})
}

// Action is an improvement action (seed 001: improve promptly on what the
// surveys find), with an owner and a deadline.
type Action struct {
	ID        int64
	SurveyID  *int64
	Title     string
	OwnerID   int64
	DueOn     string
	Status    string // open, doing, done
	Note      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName maps Action to its table.
func (Action) TableName() string { return "improvement_actions" }

// ActionStatuses in order.
var ActionStatuses = []string{"open", "doing", "done"}

// ActionRow is an action with its owner's name.
type ActionRow struct {
	Action
	OwnerName string
}

// Late reports whether an unfinished action is past its deadline on day (YYYY-MM-DD).
func (a ActionRow) Late(day string) bool { return a.Status != "done" && a.DueOn < day }

// AddAction records an improvement action linked to a survey.
func AddAction(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, surveyID int64, title string, ownerID int64, due string) (*Action, error) {
	if !canManage(u) {
		return nil, models.ErrForbidden
	}
	title = strings.TrimSpace(title)
	f := map[string]string{}
	if l := utf8.RuneCountInString(title); l < 2 || l > 200 {
		f["title"] = "care.err.title"
	}
	if _, err := time.Parse("2006-01-02", due); err != nil {
		f["due_on"] = "care.err.due"
	}
	if o, err := models.GetStaff(ctx, db.R, ownerID); err != nil || o.DisabledAt != nil {
		f["owner_id"] = "care.err.owner"
	}
	if len(f) > 0 {
		return nil, models.Invalid(f)
	}
	sid := surveyID
	a := &Action{SurveyID: &sid, Title: title, OwnerID: ownerID, DueOn: due, Status: "open", CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		tx.Model(&Survey{}).Where("id = ?", surveyID).Count(&n)
		if n == 0 {
			return models.ErrNotFound
		}
		if err := tx.Create(a).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now.UTC(), staffActor(u), "survey.action", "improvement_action", a.ID, title)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// SetActionStatus moves an improvement action.
func SetActionStatus(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, id int64, status string) (*Action, error) {
	if !canManage(u) {
		return nil, models.ErrForbidden
	}
	if !slices.Contains(ActionStatuses, status) {
		return nil, models.Invalid(map[string]string{"status": "care.err.status"})
	}
	var a Action
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&a).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return models.ErrNotFound
			}
			return err
		}
		a.Status, a.UpdatedAt = status, now.UTC()
		if err := tx.Model(&a).Updates(map[string]any{"status": status, "updated_at": a.UpdatedAt}).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now.UTC(), staffActor(u), "survey.action_status", "improvement_action", id, status)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// Actions lists a survey's improvement actions.
func Actions(ctx context.Context, db *gorm.DB, surveyID int64) ([]ActionRow, error) {
	var out []ActionRow
	err := db.WithContext(ctx).Raw(`SELECT a.*, COALESCE(s.name, '') AS owner_name FROM improvement_actions a
		LEFT JOIN staff_users s ON s.id = a.owner_id WHERE a.survey_id = ? ORDER BY a.due_on, a.id`, surveyID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("care: actions: %w", err)
	}
	return out, nil
}
