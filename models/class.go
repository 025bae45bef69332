package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Class is a class (班级) at one campus.
type Class struct {
	ID        int64
	CampusID  int64
	Name      string
	CreatedAt time.Time
}

// TableName maps Class to its table.
func (Class) TableName() string { return "classes" }

// ErrDuplicateClass is returned when the campus already has a class of that name.
var ErrDuplicateClass = NewError(KindConflict, "duplicate-class", "err.class_duplicate")

// CreateClass adds a class to a campus.
func CreateClass(ctx context.Context, db *gorm.DB, now time.Time, campusID int64, name string) (*Class, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 40 {
		return nil, Invalid(map[string]string{"name": "err.required"})
	}
	c := &Class{CampusID: campusID, Name: name, CreatedAt: now}
	if err := db.WithContext(ctx).Create(c).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, ErrDuplicateClass.Field("name", ErrDuplicateClass.Key)
		}
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return nil, Invalid(map[string]string{"campus_id": "err.member_campus_unknown"})
		}
		return nil, fmt.Errorf("models: create class: %w", err)
	}
	return c, nil
}

// ClassRow is a class with its campus name and head count, for lists.
type ClassRow struct {
	Class
	CampusName string
	Members    int64
}

// ListClasses lists the classes of the given campuses (nil = every campus).
func ListClasses(ctx context.Context, db *gorm.DB, campusIDs []int64) ([]ClassRow, error) {
	q := db.WithContext(ctx).Table("classes c").
		Select("c.id, c.campus_id, c.name, c.created_at, p.name AS campus_name, " +
			"(SELECT COUNT(*) FROM members m WHERE m.class_id = c.id AND m.archived_at IS NULL) AS members").
		Joins("JOIN campuses p ON p.id = c.campus_id").Order("c.campus_id, c.name")
	if campusIDs != nil {
		q = q.Where("c.campus_id IN ?", campusIDs)
	}
	var rows []ClassRow
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: list classes: %w", err)
	}
	return rows, nil
}

// GetClass loads a class.
func GetClass(ctx context.Context, db *gorm.DB, id int64) (*Class, error) {
	var c Class
	err := db.WithContext(ctx).Take(&c, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: get class: %w", err)
	}
	return &c, nil
}

// FindClass returns the id of the class of that name at a campus, or 0.
func FindClass(ctx context.Context, db *gorm.DB, campusID int64, name string) (int64, error) {
	var ids []int64
	if err := db.WithContext(ctx).Raw("SELECT id FROM classes WHERE campus_id = ? AND name = ?", campusID, strings.TrimSpace(name)).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("models: find class: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// ClassMemberIDs lists the active (not archived) members of a class by name.
func ClassMemberIDs(ctx context.Context, db *gorm.DB, classID int64) ([]int64, error) {
	var ids []int64
	if err := db.WithContext(ctx).Raw("SELECT id FROM members WHERE class_id = ? AND archived_at IS NULL ORDER BY name, id", classID).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("models: class members: %w", err)
	}
	return ids, nil
}
