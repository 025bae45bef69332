package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// A shift (班次) is one cashier's stint at the desk of one campus: opened with
// the cash float in the drawer, closed with the cash counted. Everything the
// cashier records between the two times, at that campus, is the shift's
// report; the drawer should hold the float plus the net cash taken.

// Shift refusals.
var (
	ErrNoShift       = NewError(KindConflict, "no-open-shift", "err.shift_none")
	ErrShiftOpen     = NewError(KindConflict, "shift-already-open", "err.shift_already_open")
	ErrShiftNotFound = NewError(KindNotFound, "unknown-shift", "err.shift_unknown")
	ErrShiftCampus   = NewError(KindForbidden, "shift-campus", "err.shift_campus")
)

// Shift is a cashier's shift.
type Shift struct {
	ID           int64
	CampusID     int64
	CashierID    int64
	OpenKey      *int64
	OpenedAt     time.Time
	OpeningCash  int64
	ClosedAt     *time.Time
	ExpectedCash *int64
	CountedCash  *int64
	Note         string

	CampusName  string `gorm:"-"`
	CashierName string `gorm:"-"`
}

// TableName maps Shift to its table.
func (Shift) TableName() string { return "shifts" }

// Open reports whether the shift is still open.
func (s *Shift) Open() bool { return s.ClosedAt == nil }

// End is the end of the shift's window: its close, or now while it is open.
func (s *Shift) End(now time.Time) time.Time {
	if s.ClosedAt != nil {
		return *s.ClosedAt
	}
	return now
}

// CashDifference is counted minus expected cash (0 while open or not counted).
func (s *Shift) CashDifference() int64 {
	if s.CountedCash == nil || s.ExpectedCash == nil {
		return 0
	}
	return *s.CountedCash - *s.ExpectedCash
}

// OpenShift opens a shift for the user at campusID with the float in the
// drawer. A cashier has at most one open shift (the database's unique key
// decides, so two tabs cannot both open one).
func OpenShift(ctx context.Context, db *DB, now time.Time, actor Actor, u *StaffUser, campusID, openingCash int64) (*Shift, error) {
	f := map[string]string{}
	if campusID == 0 {
		f["campus_id"] = "err.required"
	} else if !u.CanSeeCampus(campusID) {
		return nil, ErrShiftCampus
	}
	if openingCash < 0 || openingCash > MaxAmount {
		f["opening_cash"] = "err.ledger_bad_amount"
	}
	if len(f) > 0 {
		return nil, Invalid(f)
	}
	key := u.ID
	s := &Shift{CampusID: campusID, CashierID: u.ID, OpenKey: &key, OpenedAt: now.UTC(), OpeningCash: openingCash}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(s).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrShiftOpen
			}
			return fmt.Errorf("models: open shift: %w", err)
		}
		actor.CampusID = campusID
		return Audit(ctx, tx, now, actor, "shift.open", "shift", s.ID, fmt.Sprintf("opening_cash=%d", openingCash))
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// CurrentShift returns the user's open shift, or ErrNoShift.
func CurrentShift(ctx context.Context, db *gorm.DB, cashierID int64) (*Shift, error) {
	var s Shift
	res := db.WithContext(ctx).Where("open_key = ?", cashierID).Limit(1).Find(&s)
	if res.Error != nil {
		return nil, fmt.Errorf("models: current shift: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNoShift
	}
	return &s, nil
}

// GetShift loads a shift with its campus and cashier names.
func GetShift(ctx context.Context, db *gorm.DB, id int64) (*Shift, error) {
	var s Shift
	res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&s)
	if res.Error != nil {
		return nil, fmt.Errorf("models: get shift: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrShiftNotFound
	}
	if err := nameShifts(ctx, db, []*Shift{&s}); err != nil {
		return nil, err
	}
	return &s, nil
}

// nameShifts fills the campus and cashier names of shifts.
func nameShifts(ctx context.Context, db *gorm.DB, ss []*Shift) error {
	if len(ss) == 0 {
		return nil
	}
	var campusIDs, userIDs []int64
	for _, s := range ss {
		campusIDs = append(campusIDs, s.CampusID)
		userIDs = append(userIDs, s.CashierID)
	}
	var cs []struct {
		ID   int64
		Name string
	}
	if err := db.WithContext(ctx).Raw(`SELECT id, name FROM campuses WHERE id IN ?`, campusIDs).Scan(&cs).Error; err != nil {
		return fmt.Errorf("models: shift names: %w", err)
	}
	var us []struct {
		ID   int64
		Name string
	}
	if err := db.WithContext(ctx).Raw(`SELECT id, name FROM staff_users WHERE id IN ?`, userIDs).Scan(&us).Error; err != nil {
		return fmt.Errorf("models: shift names: %w", err)
	}
	for _, s := range ss {
		for _, c := range cs {
			if c.ID == s.CampusID {
				s.CampusName = c.Name
			}
		}
		for _, u := range us {
			if u.ID == s.CashierID {
				s.CashierName = u.Name
			}
		}
	}
	return nil
}

// CloseShift closes the user's open shift: it works out the cash the drawer
// should hold (float + cash taken − cash paid back), stores it with the
// counted cash and a note, and audits the difference. Closing twice finds
// no open shift (ErrNoShift).
func CloseShift(ctx context.Context, db *DB, now time.Time, actor Actor, cashierID int64, countedCash *int64, note string) (*Shift, error) {
	if countedCash != nil && (*countedCash < 0 || *countedCash > MaxAmount) {
		return nil, Invalid(map[string]string{"counted_cash": "err.ledger_bad_amount"})
	}
	now = now.UTC()
	var closed *Shift
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		s, err := CurrentShift(ctx, tx, cashierID)
		if err != nil {
			return err
		}
		// The window includes what was recorded in this very millisecond.
		rep, err := DeskReportFor(ctx, tx, ReportScope{CampusID: s.CampusID, ActorID: s.CashierID, From: s.OpenedAt,
			To: now.Add(time.Millisecond)})
		if err != nil {
			return err
		}
		expected := s.OpeningCash + rep.NetCash()
		// A drawer that does not match what it should hold closes only with a
		// reason the campus manager can read on the shift report.
		if countedCash != nil && *countedCash != expected && strings.TrimSpace(note) == "" {
			return Invalid(map[string]string{"note": "desk.shift_reason_required"})
		}
		note = strings.TrimSpace(note)
		res := tx.Model(&Shift{}).Where("id = ? AND open_key IS NOT NULL", s.ID).Updates(map[string]any{
			"open_key": nil, "closed_at": now, "expected_cash": expected, "counted_cash": countedCash,
			"note": truncate(note, 255)})
		if res.Error != nil {
			return fmt.Errorf("models: close shift: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNoShift
		}
		s.OpenKey, s.ClosedAt, s.ExpectedCash, s.CountedCash, s.Note = nil, &now, &expected, countedCash, truncate(note, 255)
		detail := fmt.Sprintf("expected_cash=%d", expected)
		if countedCash != nil {
			detail += fmt.Sprintf(" counted_cash=%d difference=%d", *countedCash, *countedCash-expected)
		}
		actor.CampusID = s.CampusID
		closed = s
		return Audit(ctx, tx, now, actor, "shift.close", "shift", s.ID, detail)
	})
	if err != nil {
		return nil, err
	}
	if err := nameShifts(ctx, db.R, []*Shift{closed}); err != nil {
		return nil, err
	}
	return closed, nil
}

// ListShifts lists the shifts of a campus that overlap [from, to), oldest first.
func ListShifts(ctx context.Context, db *gorm.DB, campusID int64, from, to time.Time) ([]Shift, error) {
	var ss []Shift
	err := db.WithContext(ctx).Where("campus_id = ? AND opened_at < ? AND (closed_at IS NULL OR closed_at > ?)",
		campusID, to.UTC(), from.UTC()).Order("opened_at, id").Find(&ss).Error
	if err != nil {
		return nil, fmt.Errorf("models: list shifts: %w", err)
	}
	ps := make([]*Shift, len(ss))
	for i := range ss {
		ps[i] = &ss[i]
	}
	return ss, nameShifts(ctx, db, ps)
}

// RecentShifts lists a cashier's latest shifts, newest first.
func RecentShifts(ctx context.Context, db *gorm.DB, cashierID int64, limit int) ([]Shift, error) {
	var ss []Shift
	if err := db.WithContext(ctx).Where("cashier_id = ?", cashierID).Order("opened_at DESC, id DESC").Limit(limit).
		Find(&ss).Error; err != nil {
		return nil, fmt.Errorf("models: recent shifts: %w", err)
	}
	ps := make([]*Shift, len(ss))
	for i := range ss {
		ps[i] = &ss[i]
	}
	return ss, nameShifts(ctx, db, ps)
}
