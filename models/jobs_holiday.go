package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Holiday is a day in the greeting calendar the admin edits. Lunar holidays
// (Spring Festival, Mid-Autumn) move every year, so each year has its rows.
type Holiday struct {
	ID        int64
	Day       string // YYYY-MM-DD in the school's time zone
	Name      string
	Message   string
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName maps Holiday to its table.
func (Holiday) TableName() string { return "holidays" }

// Holiday validation failures.
var ErrHolidayDuplicate = NewError(KindConflict, "holiday-duplicate", "err.holiday_duplicate")

// ListHolidays returns the calendar from fromDay (YYYY-MM-DD) on, by date.
func ListHolidays(ctx context.Context, db *gorm.DB, fromDay string) ([]Holiday, error) {
	var hs []Holiday
	if err := db.WithContext(ctx).Where("day >= ?", fromDay).Order("day, id").Find(&hs).Error; err != nil {
		return nil, fmt.Errorf("models: list holidays: %w", err)
	}
	return hs, nil
}

// SaveHoliday adds a holiday (ID 0) or changes one, and audits it.
func SaveHoliday(ctx context.Context, db *DB, now time.Time, a Actor, h Holiday) (*Holiday, error) {
	h.Name, h.Message, h.Day = strings.TrimSpace(h.Name), strings.TrimSpace(h.Message), strings.TrimSpace(h.Day)
	fields := map[string]string{}
	if _, err := time.Parse("2006-01-02", h.Day); err != nil {
		fields["day"] = "err.holiday_bad_day"
	}
	if h.Name == "" || len([]rune(h.Name)) > 50 {
		fields["name"] = "err.holiday_bad_name"
	}
	if len([]rune(h.Message)) > 200 {
		fields["message"] = "err.holiday_message_too_long"
	}
	if len(fields) > 0 {
		return nil, Invalid(fields)
	}
	h.UpdatedAt = now
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		action := "holiday.update"
		if h.ID == 0 {
			action = "holiday.create"
			h.CreatedAt = now
			if err := tx.Create(&h).Error; err != nil {
				return err
			}
		} else {
			res := tx.Model(&Holiday{}).Where("id = ?", h.ID).Updates(map[string]any{"day": h.Day, "name": h.Name,
				"message": h.Message, "enabled": h.Enabled, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return ErrNotFound
			}
		}
		return Audit(ctx, tx, now, a, action, "holiday", h.ID, h.Day+" "+h.Name)
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, ErrHolidayDuplicate.Field("day", ErrHolidayDuplicate.Key)
	}
	if err != nil {
		if _, ok := AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("models: save holiday: %w", err)
	}
	return &h, nil
}

// DeleteHoliday removes a holiday from the calendar and audits it.
func DeleteHoliday(ctx context.Context, db *DB, now time.Time, a Actor, id int64) error {
	return db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&Holiday{})
		if res.Error != nil {
			return fmt.Errorf("models: delete holiday: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return Audit(ctx, tx, now, a, "holiday.delete", "holiday", id, "")
	})
}
