package care

import (
	"context"
	"fmt"
	"time"

	"starcard/models"
)

// step is one move of a demo complaint, given its id.
type step func(id int64) error

// demoCase is a demo complaint: how long ago, which child, what, and the
// moves made on it since.
type demoCase struct {
	ago      time.Duration
	kid      int
	category string
	channel  string
	body     string
	steps    []step
}

// SeedDemo adds the complaints workflow and a survey to the demo school
// (after models.SeedDemo): complaints in every state — archived with a
// cause, resolved and waiting for the family, being investigated, one
// overdue and one fresh from the portal — and a survey of one class with
// answers. It does nothing when a survey already exists, so running it
// twice changes nothing. It reports whether it seeded.
func SeedDemo(ctx context.Context, db *models.DB, now time.Time) (bool, error) {
	now = now.UTC()
	var n int64
	if err := db.R.WithContext(ctx).Raw("SELECT COUNT(*) FROM surveys").Scan(&n).Error; err != nil {
		return false, fmt.Errorf("care: seed demo: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	var head models.StaffUser
	if err := db.R.WithContext(ctx).Raw(`SELECT * FROM staff_users WHERE role IN ('service_head', 'admin') AND disabled_at IS NULL
		ORDER BY CASE WHEN role = 'service_head' THEN 0 ELSE 1 END, id LIMIT 1`).Scan(&head).Error; err != nil {
		return false, fmt.Errorf("care: seed demo: %w", err)
	}
	if head.ID == 0 {
		return false, nil
	}
	var kids []struct {
		ID, FamilyID, CampusID int64
		ClassID                *int64
	}
	if err := db.R.WithContext(ctx).Raw(`SELECT m.id, m.family_id, m.campus_id, m.class_id FROM members m
		WHERE m.archived_at IS NULL AND m.class_id IS NOT NULL AND EXISTS (SELECT 1 FROM guardians g WHERE g.family_id = m.family_id)
		ORDER BY m.id LIMIT 40`).Scan(&kids).Error; err != nil {
		return false, fmt.Errorf("care: seed demo: %w", err)
	}
	if len(kids) < 6 {
		return false, nil
	}
	principal := func(family int64) (*models.GuardianPrincipal, error) {
		var g models.Guardian
		if err := db.R.WithContext(ctx).Where("family_id = ?", family).Order("id").Take(&g).Error; err != nil {
			return nil, err
		}
		return &models.GuardianPrincipal{Phone: g.Phone, Guardians: []models.Guardian{g}, FamilyIDs: []int64{family}}, nil
	}
	var cases []demoCase
	at := func(base time.Time, d time.Duration) time.Time { return base.Add(d) }
	// 1. Archived with a cause (20 days ago).
	t1 := now.Add(-20 * 24 * time.Hour)
	cases = append(cases, demoCase{20 * 24 * time.Hour, 0, "teaching", "portal", "午睡时教室太吵，孩子这周都没睡好，希望老师关注一下。", []step{
		func(id int64) error {
			_, err := Reply(ctx, db, at(t1, 2*time.Hour), &head, id, "您好，我们已了解情况，今天起午睡时段安排老师值守并关好临街窗户。", true)
			return err
		},
		func(id int64) error {
			_, err := Transition(ctx, db, at(t1, 3*time.Hour), &head, id, Move{To: models.ComplaintInvestigating})
			return err
		},
		func(id int64) error {
			_, err := Transition(ctx, db, at(t1, 50*time.Hour), &head, id, Move{To: models.ComplaintResolved, Note: "午睡室已加装隔音帘，班主任每天反馈午睡情况。"})
			return err
		},
		func(id int64) error {
			p, err := principal(kids[0].FamilyID)
			if err != nil {
				return err
			}
			return models.ConfirmComplaint(ctx, db, at(t1, 72*time.Hour), p, "", id)
		},
		func(id int64) error {
			_, err := Transition(ctx, db, at(t1, 80*time.Hour), &head, id, Move{To: models.ComplaintArchived, Cause: "facility_safety",
				RootCause: "午睡室临街，中午车流噪音大", CorrectiveAction: "加装隔音帘；午睡值守纳入班级日常检查"})
			return err
		},
	}})
	// 2. Resolved, waiting for the family (3 days ago, by phone).
	t2 := now.Add(-3 * 24 * time.Hour)
	cases = append(cases, demoCase{3 * 24 * time.Hour, 1, "service", "phone", "电话反映：前台接待时态度冷淡，咨询课程没有人耐心解答。", []step{
		func(id int64) error {
			_, err := Transition(ctx, db, at(t2, 4*time.Hour), &head, id, Move{To: models.ComplaintInvestigating, Note: "已收到，正在了解当时情况。"})
			return err
		},
		func(id int64) error {
			_, err := Compensate(ctx, db, at(t2, 20*time.Hour), &head, id, NewCompensation{Kind: "points", Points: 300, Note: "致歉积分"})
			return err
		},
		func(id int64) error {
			_, err := Transition(ctx, db, at(t2, 24*time.Hour), &head, id, Move{To: models.ComplaintResolved, Note: "已向家长当面致歉，前台已完成服务培训。"})
			return err
		},
	}})
	// 3. Being investigated, answered (30 hours ago, WeChat).
	t3 := now.Add(-30 * time.Hour)
	cases = append(cases, demoCase{30 * time.Hour, 2, "product", "wechat", "微信反映：美术课材料包缺了颜料，孩子上课只能和同学借。", []step{
		func(id int64) error {
			_, err := Reply(ctx, db, at(t3, 3*time.Hour), &head, id, "您好，已核对本批材料包，缺少的颜料明天由班主任补发。", true)
			return err
		},
		func(id int64) error {
			_, err := Transition(ctx, db, at(t3, 3*time.Hour), &head, id, Move{To: models.ComplaintInvestigating})
			return err
		},
	}})
	// 4. Overdue: received 26 hours ago by phone, nobody answered.
	cases = append(cases, demoCase{26 * time.Hour, 3, "contract", "phone", "电话反映：续费时说好赠送的 4 节课没有到账。", nil})
	// 5. Fresh from the portal, 2 hours ago.
	cases = append(cases, demoCase{2 * time.Hour, 4, "after_sales", "portal", "退费申请提交一周了还没有消息，请问进度如何？", nil})

	for _, c := range cases {
		when := now.Add(-c.ago)
		k := kids[c.kid]
		var id int64
		if c.channel == "portal" {
			p, err := principal(k.FamilyID)
			if err != nil {
				return false, fmt.Errorf("care: seed demo: %w", err)
			}
			cp, err := models.SubmitComplaint(ctx, db, when, "", p, "", models.NewComplaint{Category: c.category, Body: c.body, MemberID: k.ID})
			if err != nil {
				return false, fmt.Errorf("care: seed demo: %w", err)
			}
			id = cp.ID
		} else {
			cs, err := Record(ctx, db, when, &head, NewCase{MemberID: k.ID, Category: c.category, Body: c.body, Channel: c.channel})
			if err != nil {
				return false, fmt.Errorf("care: seed demo: %w", err)
			}
			id = cs.ID
		}
		for _, s := range c.steps {
			if err := s(id); err != nil {
				return false, fmt.Errorf("care: seed demo: %w", err)
			}
		}
	}

	// A survey of the first child's class, answered by some of its families.
	class := *kids[0].ClassID
	sent := now.Add(-5 * 24 * time.Hour)
	s, err := Send(ctx, db, sent, &head, NewSurvey{Title: "2026 秋季家长满意度调查", TitleTW: "2026 秋季家長滿意度調查",
		TitleEN: "Autumn 2026 parent survey", Dimensions: Dimensions, AskNPS: true, Points: 50,
		Segment: SurveySegment{CampusID: kids[0].CampusID, ClassID: class}})
	if err != nil {
		return false, fmt.Errorf("care: seed demo: %w", err)
	}
	var families []int64
	db.R.WithContext(ctx).Raw("SELECT family_id FROM survey_recipients WHERE survey_id = ? ORDER BY family_id", s.ID).Scan(&families)
	answers := []struct {
		scores  [6]int
		nps     int
		comment string
	}{
		{[6]int{5, 5, 4, 5, 4, 3}, 10, "老师很用心，孩子每天都愿意来。"},
		{[6]int{4, 5, 4, 4, 4, 3}, 9, ""},
		{[6]int{4, 4, 3, 4, 3, 2}, 7, "希望收费能更透明一些。"},
		{[6]int{3, 4, 2, 3, 3, 2}, 5, "前台沟通需要改进。"},
		{[6]int{5, 5, 5, 4, 5, 4}, 10, ""},
	}
	for i, f := range families {
		if i >= len(answers) {
			break
		}
		p, err := principal(f)
		if err != nil {
			return false, fmt.Errorf("care: seed demo: %w", err)
		}
		a := answers[i]
		sc := map[string]int{}
		for j, d := range Dimensions {
			sc[d] = a.scores[j]
		}
		nps := a.nps
		if _, err := Respond(ctx, db, sent.Add(time.Duration(i+1)*7*time.Hour), p, "", s.ID, Answer{Scores: sc, NPS: &nps, Comment: a.comment}); err != nil {
			return false, fmt.Errorf("care: seed demo: %w", err)
		}
	}
	if _, err := AddAction(ctx, db, now.Add(-2*24*time.Hour), &head, s.ID, "前台沟通培训：每周一次接待演练", head.ID,
		now.AddDate(0, 0, 14).Format("2006-01-02")); err != nil {
		return false, fmt.Errorf("care: seed demo: %w", err)
	}
	return true, nil
}
