package models

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// School is the school's own identity (one row): the name, short name,
// logo, service phone and address shown on receipts, the portal, cards and
// notices, and where its first-run set-up stands.
type School struct {
	ID          int64
	Name        string
	ShortName   string
	Logo        []byte `gorm:"column:logo"`
	LogoType    string
	Phone       string
	Address     string
	SetupStep   string // the wizard step reached ("" before the first)
	SetupDoneAt *time.Time
	UpdatedAt   time.Time
}

// TableName maps School to its table.
func (School) TableName() string { return "school_settings" }

// DisplayName is the school's name, or fallback (the product name) before
// the school has been named.
func (s School) DisplayName(fallback string) string {
	if s.ShortName != "" {
		return s.ShortName
	}
	if s.Name != "" {
		return s.Name
	}
	return fallback
}

// SetupDone reports whether the first-run wizard was finished or dismissed.
func (s School) SetupDone() bool { return s.SetupDoneAt != nil }

// SchoolInput is what an admin types for the school.
type SchoolInput struct {
	Name      string
	ShortName string
	Phone     string
	Address   string
	Logo      []byte // nil keeps the current logo
}

// MaxLogoBytes bounds an uploaded logo.
const MaxLogoBytes = 512 << 10

// ErrBadLogo is returned for a logo that is not a PNG, JPEG or WebP image
// under MaxLogoBytes.
var ErrBadLogo = NewError(KindInvalid, "bad-logo", "setup.err_logo")

// GetSchool returns the school's settings; before anything was saved it is
// the zero School (no name: pages show the product name).
func GetSchool(ctx context.Context, db *gorm.DB) (School, error) {
	var s School
	err := db.WithContext(ctx).Where("id = 1").Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return School{ID: 1}, nil
	}
	if err != nil {
		return s, fmt.Errorf("models: get school: %w", err)
	}
	return s, nil
}

func logoType(b []byte) (string, bool) {
	ct := http.DetectContentType(b)
	switch ct {
	case "image/png", "image/jpeg", "image/webp":
		return ct, true
	}
	return "", false
}

// SaveSchool validates and stores the school's identity.
func SaveSchool(ctx context.Context, db *gorm.DB, now time.Time, in SchoolInput) (School, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.ShortName = strings.TrimSpace(in.ShortName)
	in.Phone = strings.TrimSpace(in.Phone)
	in.Address = strings.TrimSpace(in.Address)
	fields := map[string]string{}
	if in.Name == "" {
		fields["name"] = "err.required"
	} else if len([]rune(in.Name)) > 100 {
		fields["name"] = "setup.err_too_long"
	}
	if len([]rune(in.ShortName)) > 12 {
		fields["short_name"] = "setup.err_short_name"
	}
	if len(in.Phone) > 32 || strings.Trim(in.Phone, "0123456789-+ ()") != "" {
		fields["phone"] = "setup.err_phone"
	}
	if len([]rune(in.Address)) > 255 {
		fields["address"] = "setup.err_too_long"
	}
	up := map[string]any{"name": in.Name, "short_name": in.ShortName, "phone": in.Phone, "address": in.Address, "updated_at": now}
	if len(in.Logo) > 0 {
		ct, ok := logoType(in.Logo)
		if !ok || len(in.Logo) > MaxLogoBytes {
			fields["logo"] = ErrBadLogo.Key
		}
		up["logo"], up["logo_type"] = in.Logo, ct
	}
	if len(fields) > 0 {
		return School{}, Invalid(fields)
	}
	if err := ensureSchoolRow(ctx, db, now); err != nil {
		return School{}, err
	}
	if err := db.WithContext(ctx).Model(&School{}).Where("id = 1").Updates(up).Error; err != nil {
		return School{}, fmt.Errorf("models: save school: %w", err)
	}
	return GetSchool(ctx, db)
}

func ensureSchoolRow(ctx context.Context, db *gorm.DB, now time.Time) error {
	err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&School{ID: 1, UpdatedAt: now}).Error
	if err != nil {
		return fmt.Errorf("models: school row: %w", err)
	}
	return nil
}

// SetSetupStep records how far the first-run wizard got; done marks it
// finished (the back office stops sending the admin to it).
func SetSetupStep(ctx context.Context, db *gorm.DB, now time.Time, step string, done bool) error {
	if err := ensureSchoolRow(ctx, db, now); err != nil {
		return err
	}
	up := map[string]any{"setup_step": step, "updated_at": now}
	if done {
		up["setup_done_at"] = now
	}
	if err := db.WithContext(ctx).Model(&School{}).Where("id = 1").Updates(up).Error; err != nil {
		return fmt.Errorf("models: setup step: %w", err)
	}
	return nil
}

// NeedsSetup reports whether the first-run wizard should greet an admin:
// it was never finished and the school has no campus yet.
func NeedsSetup(ctx context.Context, db *gorm.DB) (bool, error) {
	s, err := GetSchool(ctx, db)
	if err != nil || s.SetupDone() {
		return false, err
	}
	var n int64
	if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM campuses").Scan(&n).Error; err != nil {
		return false, fmt.Errorf("models: needs setup: %w", err)
	}
	return n == 0 || s.SetupStep != "", nil
}
