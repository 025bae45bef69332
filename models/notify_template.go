package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// NoticeTemplate is the text of one event in one language. Variables are
// written {{name}}; the allowed names depend on the event.
type NoticeTemplate struct {
	ID        int64
	Event     string
	Lang      string
	Subject   string
	Body      string
	UpdatedBy int64
	UpdatedAt time.Time
}

// TableName maps NoticeTemplate to its table.
func (NoticeTemplate) TableName() string { return "notify_templates" }

// Template errors shown to the admin who edits a template.
var (
	ErrNoticeUnknownEvent = NewError(KindNotFound, "notice-event-unknown", "err.notify_unknown_event")
	ErrNoticeUnknownVar   = NewError(KindInvalid, "notice-template-variable", "err.notify_unknown_variable")
	ErrNoticeBraces       = NewError(KindInvalid, "notice-template-braces", "err.notify_unbalanced_braces")
	ErrNoticeBodyRequired = NewError(KindInvalid, "notice-template-empty", "err.notify_body_required")
	ErrNoticeTooLong      = NewError(KindInvalid, "notice-template-too-long", "err.notify_too_long")
)

var templateVarRe = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// CheckNoticeTemplate refuses a template that uses a variable the event does
// not provide, or has stray braces. The error names the field ("subject" or
// "body") and carries the variable and the allowed list as message args.
func CheckNoticeTemplate(event, subject, body string) error {
	ev, ok := NoticeEventByName(event)
	if !ok {
		return ErrNoticeUnknownEvent
	}
	if strings.TrimSpace(body) == "" {
		return ErrNoticeBodyRequired.Field("body", ErrNoticeBodyRequired.Key)
	}
	if len([]rune(body)) > 1000 || len([]rune(subject)) > 200 {
		return ErrNoticeTooLong.Field("body", ErrNoticeTooLong.Key)
	}
	allowed := ev.AllowedVars()
	for _, f := range []struct{ name, text string }{{"subject", subject}, {"body", body}} {
		for _, m := range templateVarRe.FindAllStringSubmatch(f.text, -1) {
			if !notifyHas(allowed, m[1]) {
				return ErrNoticeUnknownVar.With(m[1], strings.Join(allowed, ", ")).Field(f.name, ErrNoticeUnknownVar.Key)
			}
		}
		rest := templateVarRe.ReplaceAllString(f.text, "")
		if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
			return ErrNoticeBraces.Field(f.name, ErrNoticeBraces.Key)
		}
	}
	return nil
}

func notifyHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// RenderNoticeText fills {{name}} placeholders; a name without a value
// becomes empty (templates are checked when saved, so this is rare).
func RenderNoticeText(text string, vars map[string]string) string {
	return templateVarRe.ReplaceAllStringFunc(text, func(m string) string {
		return vars[templateVarRe.FindStringSubmatch(m)[1]]
	})
}

// builtinTemplate returns the default text of an event in a language.
func builtinTemplate(event, lang string) NoticeTemplate {
	d, ok := defaultTemplates[event][lang]
	if !ok {
		d = defaultTemplates[event]["zh-CN"]
	}
	return NoticeTemplate{Event: event, Lang: lang, Subject: d.subject, Body: d.body}
}

// NoticeTemplateFor returns the school's template for an event and language,
// falling back to the built-in text and then to Chinese.
func NoticeTemplateFor(ctx context.Context, db *gorm.DB, event, lang string) (NoticeTemplate, error) {
	var ts []NoticeTemplate
	err := db.WithContext(ctx).Where("event = ? AND lang IN ?", event, []string{lang, "zh-CN"}).Find(&ts).Error
	if err != nil {
		return NoticeTemplate{}, fmt.Errorf("models: notice template: %w", err)
	}
	for _, t := range ts {
		if t.Lang == lang {
			return t, nil
		}
	}
	if _, ok := defaultTemplates[event][lang]; ok {
		return builtinTemplate(event, lang), nil
	}
	for _, t := range ts {
		return t, nil
	}
	return builtinTemplate(event, "zh-CN"), nil
}

// ListNoticeTemplates returns every event × language, stored or built in.
func ListNoticeTemplates(ctx context.Context, db *gorm.DB) ([]NoticeTemplate, error) {
	var stored []NoticeTemplate
	if err := db.WithContext(ctx).Find(&stored).Error; err != nil {
		return nil, fmt.Errorf("models: list notice templates: %w", err)
	}
	byKey := map[string]NoticeTemplate{}
	for _, t := range stored {
		byKey[t.Event+"|"+t.Lang] = t
	}
	var out []NoticeTemplate
	for _, ev := range NoticeEvents {
		for _, l := range noticeLangs {
			if t, ok := byKey[ev.Name+"|"+l]; ok {
				out = append(out, t)
				continue
			}
			out = append(out, builtinTemplate(ev.Name, l))
		}
	}
	return out, nil
}

// EnsureNoticeTemplates stores the built-in texts of every event and
// language that the school has not stored yet, so admins edit real rows.
func EnsureNoticeTemplates(ctx context.Context, db *gorm.DB, now time.Time) error {
	var rows []NoticeTemplate
	for _, ev := range NoticeEvents {
		for _, l := range noticeLangs {
			t := builtinTemplate(ev.Name, l)
			t.UpdatedAt = now
			rows = append(rows, t)
		}
	}
	if err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return fmt.Errorf("models: ensure notice templates: %w", err)
	}
	return nil
}

// SaveNoticeTemplate checks and stores a template and audits the change.
func SaveNoticeTemplate(ctx context.Context, db *DB, now time.Time, a Actor, event, lang, subject, body string) error {
	if !notifyHas(noticeLangs, lang) {
		return ErrNoticeUnknownEvent
	}
	subject, body = strings.TrimSpace(subject), strings.TrimSpace(body)
	if err := CheckNoticeTemplate(event, subject, body); err != nil {
		return err
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		t := NoticeTemplate{Event: event, Lang: lang, Subject: subject, Body: body, UpdatedBy: a.ID, UpdatedAt: now}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "event"}, {Name: "lang"}},
			DoUpdates: clause.AssignmentColumns([]string{"subject", "body", "updated_by", "updated_at"}),
		}).Create(&t).Error
		if err != nil {
			return fmt.Errorf("models: save notice template: %w", err)
		}
		return Audit(ctx, tx, now, a, "notice_template.save", "notice_template", 0, event+"/"+lang)
	})
}

// SampleNoticeVars are example values for previews, in the given language.
func SampleNoticeVars(lang string, now time.Time, loc *time.Location) map[string]string {
	l := now.In(loc)
	v := map[string]string{
		"school": "星卡幼儿园", "guardian": "王女士", "member": "张小明", "campus": "阳光校区",
		"date": l.Format("2006-01-02"), "time": l.Format("15:04"),
		"amount": "¥1,280.00", "bonus": "¥100.00", "balance": "¥2,380.50", "points": "128",
		"reason": "按时签到", "expires": l.AddDate(0, 0, 30).Format("2006-01-02"), "coupon": "满200减20",
		"tier": "金卡", "holiday": "中秋节", "message": "中秋佳节，阖家团圆！", "status": "已安排老师回访",
		"code": "386142", "minutes": "5", "staff": "陈园长", "checkins": "186", "sales": "¥23,560.00",
		"topups": "¥50,000.00", "refunds": "¥0.00", "new_members": "3",
	}
	if lang == "en" {
		v["school"], v["guardian"], v["member"], v["campus"] = "StarCard Kindergarten", "Ms Wang", "Xiaoming", "Sunshine campus"
		v["reason"], v["coupon"], v["tier"], v["holiday"] = "on-time arrival", "¥20 off ¥200", "Gold", "Mid-Autumn Festival"
		v["message"], v["status"], v["staff"] = "Wishing your family a happy reunion.", "a teacher will call you back", "Ms Chen"
	}
	return v
}

// PreviewNotice checks a template and renders it with sample values.
func PreviewNotice(event, lang, subject, body string, now time.Time, loc *time.Location) (string, string, error) {
	if err := CheckNoticeTemplate(event, subject, body); err != nil {
		return "", "", err
	}
	v := SampleNoticeVars(lang, now, loc)
	return RenderNoticeText(subject, v), RenderNoticeText(body, v), nil
}

// IsUnknownNoticeEvent reports whether err says the event does not exist.
func IsUnknownNoticeEvent(err error) bool { return errors.Is(err, ErrNoticeUnknownEvent) }
