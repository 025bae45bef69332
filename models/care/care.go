// Package care is the staff side of complaints (a queue with an SLA clock,
// owners, replies, transitions, compensation, escalation, monthly
// statistics) and satisfaction surveys with NPS and improvement actions
// (issue 14, DOMAIN §3.10). It builds on the core's complaints tables and
// registers its hooks, notices and jobs with the core at init; the core never
// imports it.
package care

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Job names (the jobs page names them through notify.job.<name>).
const (
	JobEscalate    = "care.escalate"
	JobAutoConfirm = "care.auto_confirm"
)

// EventAlert is the notice to staff: a complaint assigned to them, overdue
// on their campus, past the principal's limit, or answered by the family.
const EventAlert = "care_alert"

// EventSurvey invites a family to answer a survey.
const EventSurvey = "survey_invite"

func init() {
	models.OnComplaintSubmitted(onSubmitted)
	models.RegisterNoticeEvent(models.NoticeEvent{Name: EventAlert, Vars: []string{"staff", "complaint", "what"}, ToStaff: true, Urgent: true},
		map[string][2]string{
			"zh-CN": {"投诉 #{{complaint}}：{{what}}", "{{staff}}您好，投诉 #{{complaint}}（{{campus}}）：{{what}}。请在后台“投诉处理”中查看。"},
			"zh-TW": {"投訴 #{{complaint}}：{{what}}", "{{staff}}您好，投訴 #{{complaint}}（{{campus}}）：{{what}}。請在後台「投訴處理」中查看。"},
			"en":    {"Complaint #{{complaint}}: {{what}}", "Hello {{staff}}, complaint #{{complaint}} ({{campus}}): {{what}}. See Complaints in the back office."},
		})
	models.RegisterNoticeEvent(models.NoticeEvent{Name: EventSurvey, Vars: []string{"survey", "points"}},
		map[string][2]string{
			"zh-CN": {"满意度调查：{{survey}}", "【{{school}}】{{guardian}}您好，邀请您参加“{{survey}}”，只需 1 分钟，完成可得{{points}}积分。请在家长中心填写。"},
			"zh-TW": {"滿意度調查：{{survey}}", "【{{school}}】{{guardian}}您好，邀請您參加「{{survey}}」，只需 1 分鐘，完成可得{{points}}積分。請在家長中心填寫。"},
			"en":    {"Survey: {{survey}}", "[{{school}}] Dear {{guardian}}, please answer \"{{survey}}\" in the parent portal (1 minute, {{points}} points)."},
		})
	models.RegisterNoticeVarNames("what", map[string]map[string]string{
		"assigned":     {"zh-CN": "新投诉已分配给您，24 小时内须首次答复", "zh-TW": "新投訴已分配給您，24 小時內須首次答覆", "en": "a new complaint is yours to answer within 24 h"},
		"overdue":      {"zh-CN": "已超过首次答复时限，请校区负责人跟进", "zh-TW": "已超過首次答覆時限，請校區負責人跟進", "en": "first answer overdue: the campus manager must follow up"},
		"principal":    {"zh-CN": "严重超时未答复，已升级至校长", "zh-TW": "嚴重逾時未答覆，已升級至校長", "en": "still unanswered: escalated to the principal"},
		"family_reply": {"zh-CN": "家长有新回复", "zh-TW": "家長有新回覆", "en": "the family replied"},
	})
	models.RegisterNoticeVarNames("status", map[string]map[string]string{
		"reply":         {"zh-CN": "学校已回复您", "zh-TW": "學校已回覆您", "en": "the school has answered you"},
		"investigating": {"zh-CN": "正在处理中", "zh-TW": "正在處理中", "en": "we are looking into it"},
		"resolved":      {"zh-CN": "已处理完毕，请确认", "zh-TW": "已處理完畢，請確認", "en": "resolved, please confirm"},
	})
	models.RegisterJobs(Jobs)
}

// Jobs are the complaints workflow's scheduled jobs: escalation every 15
// minutes and auto-confirmation daily.
func Jobs(db *models.DB, loc *time.Location) []models.Job {
	return []models.Job{
		{Name: JobEscalate, Every: 15 * time.Minute, Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := Escalate(ctx, db, now)
			return fmt.Sprintf("%d escalations", n), err
		}},
		{Name: JobAutoConfirm, Daily: "03:10", Run: func(ctx context.Context, now time.Time) (string, error) {
			n, err := AutoConfirm(ctx, db, now)
			return fmt.Sprintf("%d complaints auto-confirmed", n), err
		}},
	}
}

// Settings are the admin-editable limits of the workflow.
type Settings struct {
	ID             int64
	SLAHours       int // first answer due this long after receipt (default 24)
	Escalate2Hours int // past the SLA this long more, the principal hears (default 24)
	ConfirmDays    int // a resolved complaint the family does not confirm is confirmed after this many days (7)
	ResolveDays    int // the resolution target for the statistics (7)
	UpdatedAt      time.Time
}

// TableName maps Settings to its table.
func (Settings) TableName() string { return "care_settings" }

// DefaultSettings are the seed-003 limits.
var DefaultSettings = Settings{ID: 1, SLAHours: 24, Escalate2Hours: 24, ConfirmDays: 7, ResolveDays: 7}

// LoadSettings returns the school's settings, or the defaults.
func LoadSettings(ctx context.Context, db *gorm.DB) (Settings, error) {
	var s Settings
	err := db.WithContext(ctx).Where("id = 1").Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DefaultSettings, nil
	}
	if err != nil {
		return s, fmt.Errorf("care: load settings: %w", err)
	}
	return s, nil
}

// SaveSettings stores new limits (service head or admin).
func SaveSettings(ctx context.Context, db *models.DB, now time.Time, u *models.StaffUser, s Settings) error {
	if u == nil || !u.Role.AllCampuses() {
		return models.ErrForbidden
	}
	f := map[string]string{}
	if s.SLAHours < 1 || s.SLAHours > 240 {
		f["sla_hours"] = "care.err.hours"
	}
	if s.Escalate2Hours < 1 || s.Escalate2Hours > 240 {
		f["escalate2_hours"] = "care.err.hours"
	}
	if s.ConfirmDays < 1 || s.ConfirmDays > 90 {
		f["confirm_days"] = "care.err.days"
	}
	if s.ResolveDays < 1 || s.ResolveDays > 90 {
		f["resolve_days"] = "care.err.days"
	}
	if len(f) > 0 {
		return models.Invalid(f)
	}
	s.ID, s.UpdatedAt = 1, now.UTC()
	return db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Save(&s).Error; err != nil {
			return fmt.Errorf("care: save settings: %w", err)
		}
		return models.Audit(ctx, tx, now.UTC(), staffActor(u), "care.settings", "care_settings", 1,
			fmt.Sprintf("sla=%dh escalate2=%dh confirm=%dd resolve=%dd", s.SLAHours, s.Escalate2Hours, s.ConfirmDays, s.ResolveDays))
	})
}

func staffActor(u *models.StaffUser) models.Actor {
	if u == nil {
		return models.SystemActor
	}
	a := models.Actor{Type: "staff", ID: u.ID}
	if len(u.CampusIDs) == 1 {
		a.CampusID = u.CampusIDs[0]
	}
	return a
}

func isMySQL(tx *gorm.DB) bool { return tx.Dialector.Name() == "mysql" }

func forUpdate(tx *gorm.DB) string {
	if isMySQL(tx) {
		return " FOR UPDATE"
	}
	return ""
}
