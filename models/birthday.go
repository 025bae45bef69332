package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

type birthdayGift struct {
	ID       int64
	MemberID int64
	Year     int
	CouponID *int64
	GivenAt  time.Time
}

func (birthdayGift) TableName() string { return "birthday_gifts" }

// birthdayKey is the month-day a birthday is celebrated on in a given year:
// a child born on 29 February celebrates on the 28th in other years.
func birthdayKey(day time.Time) []string {
	keys := []string{day.Format("01-02")}
	leap := time.Date(day.Year(), 2, 29, 0, 0, 0, 0, time.UTC).Month() == 2
	if !leap && day.Month() == 2 && day.Day() == 28 {
		keys = append(keys, "02-29")
	}
	return keys
}

// BirthdayGifts gives every child whose birthday is today (school time) the
// birthday gift coupon and queues a greeting to the family (seed 004 case 8).
// It is idempotent per member per year (a unique row in birthday_gifts), so
// the scheduler may run it again, or on several instances; it should run
// daily at 10:00. It returns how many children it greeted.
func BirthdayGifts(ctx context.Context, db *DB, now time.Time) (int, error) {
	now = now.UTC()
	loc, err := schoolLoc(ctx, db.R, now)
	if err != nil {
		return 0, err
	}
	rules, err := LoadLoyaltyRules(ctx, db.R, now)
	if err != nil {
		return 0, err
	}
	today := now.In(loc)
	expr := "substr(m.birth_date, 6, 5)"
	if db.Dialect == MySQL {
		expr = "DATE_FORMAT(m.birth_date, '%m-%d')"
	}
	var ids []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT m.id FROM members m WHERE m.archived_at IS NULL AND m.birth_date IS NOT NULL
		AND m.lifecycle IN ? AND `+expr+` IN ? AND NOT EXISTS (SELECT 1 FROM birthday_gifts b
		WHERE b.member_id = m.id AND b.year = ?) ORDER BY m.id`,
		[]string{LifecycleProspect, LifecycleEnrolled, LifecycleActive}, birthdayKey(today), today.Year()).
		Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("models: birthday gifts: %w", err)
	}
	n := 0
	for _, id := range ids {
		given, err := birthdayGift1(ctx, db, now, rules, today.Year(), id)
		if err != nil {
			return n, err
		}
		if given {
			n++
		}
	}
	return n, nil
}

func birthdayGift1(ctx context.Context, db *DB, now time.Time, rules LoyaltyRules, year int, memberID int64) (bool, error) {
	given := false
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		given = false
		g := birthdayGift{MemberID: memberID, Year: year, GivenAt: now}
		if err := tx.Create(&g).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return nil // another run got here first
			}
			return err
		}
		data := map[string]any{}
		if rules.BirthdayTemplate != 0 {
			c, err := IssueCoupon(ctx, tx, now, CouponIssue{TemplateID: rules.BirthdayTemplate, MemberID: memberID,
				SourceKey: fmt.Sprintf("birthday:%d:%d", year, memberID), Quiet: true})
			switch {
			case err == nil:
				data["coupon"] = c.Name
				if err := tx.Model(&birthdayGift{}).Where("id = ?", g.ID).Update("coupon_id", c.ID).Error; err != nil {
					return err
				}
			case isSoftCouponRefusal(err):
			default:
				return err
			}
		}
		given = true
		return EnqueueNotice(ctx, tx, now, Notice{Event: "birthday", MemberID: memberID, Data: data,
			DedupeKey: fmt.Sprintf("birthday:%d:%d", year, memberID)})
	})
	if err != nil {
		return false, fmt.Errorf("models: birthday gift: %w", err)
	}
	return given, nil
}
