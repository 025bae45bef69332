package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Notification channels a recipient may prefer. The in-app inbox always gets
// a copy; "inbox" means nothing is sent outside the app.
const (
	ChannelSMS   = "sms"
	ChannelEmail = "email"
	ChannelInbox = "inbox"
)

// DefaultQuietStart and DefaultQuietEnd are the default quiet hours,
// 22:00–07:00, in minutes after midnight in the school's time zone.
const (
	DefaultQuietStart = 22 * 60
	DefaultQuietEnd   = 7 * 60
)

// NotifyPrefs are one recipient's choices: a guardian (GuardianID) or a member
// of staff (StaffID). Quiet hours are minutes after local midnight.
type NotifyPrefs struct {
	ID              int64
	GuardianID      int64
	StaffID         int64
	Channel         string
	Email           string
	Lang            string
	QuietEnabled    bool
	QuietStart      int
	QuietEnd        int
	MarketingOptOut bool
	UpdatedAt       time.Time
}

// TableName maps NotifyPrefs to its table.
func (NotifyPrefs) TableName() string { return "notify_prefs" }

// DefaultNotifyPrefs are the preferences of someone who never chose: SMS,
// Chinese, the school's quiet hours, marketing allowed (consent permitting).
func DefaultNotifyPrefs(quietStart, quietEnd int) NotifyPrefs {
	return NotifyPrefs{Channel: ChannelSMS, Lang: "zh-CN", QuietEnabled: true, QuietStart: quietStart, QuietEnd: quietEnd}
}

// Validation message keys for preferences.
const (
	keyPrefsChannel = "err.notify_bad_channel"
	keyPrefsEmail   = "err.notify_bad_email"
	keyPrefsQuiet   = "err.notify_bad_quiet_hours"
	keyPrefsLang    = "err.notify_bad_lang"
)

func (p NotifyPrefs) validate() error {
	fields := map[string]string{}
	switch p.Channel {
	case ChannelSMS, ChannelInbox:
	case ChannelEmail:
		if _, err := mail.ParseAddress(p.Email); err != nil || p.Email == "" {
			fields["email"] = keyPrefsEmail
		}
	default:
		fields["channel"] = keyPrefsChannel
	}
	if p.Email != "" && fields["email"] == "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			fields["email"] = keyPrefsEmail
		}
	}
	if p.QuietStart < 0 || p.QuietStart >= 24*60 || p.QuietEnd < 0 || p.QuietEnd >= 24*60 {
		fields["quiet"] = keyPrefsQuiet
	}
	okLang := false
	for _, l := range noticeLangs {
		okLang = okLang || l == p.Lang
	}
	if !okLang {
		fields["lang"] = keyPrefsLang
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	return nil
}

// LoadNotifyPrefs returns a guardian's (guardianID > 0) or a staff member's
// preferences, or def when they never chose.
func LoadNotifyPrefs(ctx context.Context, db *gorm.DB, guardianID, staffID int64, def NotifyPrefs) (NotifyPrefs, error) {
	var p NotifyPrefs
	err := db.WithContext(ctx).Where("guardian_id = ? AND staff_id = ?", guardianID, staffID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		def.GuardianID, def.StaffID = guardianID, staffID
		return def, nil
	}
	if err != nil {
		return p, fmt.Errorf("models: load notify prefs: %w", err)
	}
	return p, nil
}

// SaveNotifyPrefs validates and stores a recipient's preferences.
func SaveNotifyPrefs(ctx context.Context, db *gorm.DB, now time.Time, p NotifyPrefs) error {
	if (p.GuardianID == 0) == (p.StaffID == 0) {
		return fmt.Errorf("models: save notify prefs: exactly one of guardian and staff is required")
	}
	if err := p.validate(); err != nil {
		return err
	}
	p.ID = 0
	p.UpdatedAt = now
	err := db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "guardian_id"}, {Name: "staff_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"channel", "email", "lang", "quiet_enabled", "quiet_start",
			"quiet_end", "marketing_opt_out", "updated_at"}),
	}).Create(&p).Error
	if err != nil {
		return fmt.Errorf("models: save notify prefs: %w", err)
	}
	return nil
}

// InQuietHours reports whether now falls in the quiet window [start, end)
// (minutes after local midnight, wrapping past midnight when start > end) and,
// if so, when the window ends. An empty window (start == end) is never quiet.
func InQuietHours(now time.Time, loc *time.Location, start, end int) (time.Time, bool) {
	if start == end {
		return time.Time{}, false
	}
	l := now.In(loc)
	m := l.Hour()*60 + l.Minute()
	var quiet bool
	if start < end {
		quiet = m >= start && m < end
	} else {
		quiet = m >= start || m < end
	}
	if !quiet {
		return time.Time{}, false
	}
	until := time.Date(l.Year(), l.Month(), l.Day(), end/60, end%60, 0, 0, loc)
	if !until.After(l) {
		until = until.AddDate(0, 0, 1)
	}
	return until.UTC(), true
}
