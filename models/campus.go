package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Campus is one site of the school (校区). A closed campus keeps its members
// and history but no longer appears where a new member, class or shift
// chooses a campus.
type Campus struct {
	ID        int64
	Code      string
	Name      string
	Address   string
	CreatedAt time.Time
	ClosedAt  *time.Time
}

// TableName maps Campus to its table.
func (Campus) TableName() string { return "campuses" }

// Closed reports whether the campus has been closed.
func (c Campus) Closed() bool { return c.ClosedAt != nil }

var (
	// ErrNoCampusYet is returned where a campus is needed and the school has
	// none: the message says to create one first.
	ErrNoCampusYet = NewError(KindInvalid, "no-campus-yet", "setup.err_no_campus")
	// ErrDuplicateCampus is returned for a campus code already in use.
	ErrDuplicateCampus = NewError(KindConflict, "duplicate-campus", "setup.err_campus_code_taken")
	// ErrCampusClosed is returned when a closed campus is asked for new work.
	ErrCampusClosed = NewError(KindInvalid, "campus-closed", "setup.err_campus_closed")
)

// CampusInput is what an admin types for a campus.
type CampusInput struct {
	Code    string
	Name    string
	Address string
}

func (in *CampusInput) validate() map[string]string {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Name = strings.TrimSpace(in.Name)
	in.Address = strings.TrimSpace(in.Address)
	fields := map[string]string{}
	if in.Code == "" {
		fields["code"] = "err.required"
	} else if len(in.Code) > 32 || strings.ContainsAny(in.Code, " \t,;/") {
		fields["code"] = "setup.err_campus_code"
	}
	if in.Name == "" {
		fields["name"] = "err.required"
	} else if len([]rune(in.Name)) > 100 {
		fields["name"] = "setup.err_too_long"
	}
	if len([]rune(in.Address)) > 255 {
		fields["address"] = "setup.err_too_long"
	}
	return fields
}

// CreateCampus adds a campus; the code (e.g. "SUN") is unique, upper case.
func CreateCampus(ctx context.Context, db *gorm.DB, now time.Time, code, name, address string) (*Campus, error) {
	in := CampusInput{Code: code, Name: name, Address: address}
	if f := in.validate(); len(f) > 0 {
		return nil, Invalid(f)
	}
	c := &Campus{Code: in.Code, Name: in.Name, Address: in.Address, CreatedAt: now}
	if err := db.WithContext(ctx).Create(c).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, ErrDuplicateCampus.Field("code", ErrDuplicateCampus.Key)
		}
		return nil, fmt.Errorf("models: create campus: %w", err)
	}
	return c, nil
}

// UpdateCampus changes a campus's code, name and address.
func UpdateCampus(ctx context.Context, db *gorm.DB, id int64, in CampusInput) (*Campus, error) {
	if f := in.validate(); len(f) > 0 {
		return nil, Invalid(f)
	}
	res := db.WithContext(ctx).Model(&Campus{}).Where("id = ?", id).
		Updates(map[string]any{"code": in.Code, "name": in.Name, "address": in.Address})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return nil, ErrDuplicateCampus.Field("code", ErrDuplicateCampus.Key)
		}
		return nil, fmt.Errorf("models: update campus: %w", res.Error)
	}
	return GetCampus(ctx, db, id)
}

// SetCampusClosed closes (or reopens) a campus. Nothing is deleted: its
// members, ledger and check-ins stay as they were.
func SetCampusClosed(ctx context.Context, db *gorm.DB, now time.Time, id int64, closed bool) error {
	var at *time.Time
	if closed {
		at = &now
	}
	res := db.WithContext(ctx).Model(&Campus{}).Where("id = ?", id).Update("closed_at", at)
	if res.Error != nil {
		return fmt.Errorf("models: close campus: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		if _, err := GetCampus(ctx, db, id); err != nil {
			return err
		}
	}
	return nil
}

// GetCampus loads one campus.
func GetCampus(ctx context.Context, db *gorm.DB, id int64) (*Campus, error) {
	var c Campus
	err := db.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: get campus: %w", err)
	}
	return &c, nil
}

// ListCampuses lists the open campuses by id: the ones a form may offer.
func ListCampuses(ctx context.Context, db *gorm.DB) ([]Campus, error) {
	var cs []Campus
	if err := db.WithContext(ctx).Where("closed_at IS NULL").Order("id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: list campuses: %w", err)
	}
	return cs, nil
}

// ListAllCampuses lists every campus, closed ones included, by id.
func ListAllCampuses(ctx context.Context, db *gorm.DB) ([]Campus, error) {
	var cs []Campus
	if err := db.WithContext(ctx).Order("id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: list campuses: %w", err)
	}
	return cs, nil
}

// CampusChoices lists the open campuses u may work at: what a campus chooser
// offers (none is shown when there is only one).
func CampusChoices(ctx context.Context, db *gorm.DB, u *StaffUser) ([]Campus, error) {
	cs, err := ListCampuses(ctx, db)
	if err != nil || u == nil || u.Role.AllCampuses() {
		return cs, err
	}
	out := cs[:0]
	for _, c := range cs {
		if u.CanSeeCampus(c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}

// ResolveCampus picks the campus a staff user (nil: a script) creates
// something at: the one asked for, if they work there and it is open; else
// the only open campus they may use. With no campus at all the error says
// to create one first; with several it asks which.
func ResolveCampus(ctx context.Context, db *gorm.DB, u *StaffUser, asked int64) (int64, error) {
	if asked != 0 {
		if u != nil && !u.CanSeeCampus(asked) {
			return 0, Invalid(map[string]string{"campus_id": "err.member_campus_forbidden"})
		}
		c, err := GetCampus(ctx, db, asked)
		if errors.Is(err, ErrNotFound) {
			return 0, Invalid(map[string]string{"campus_id": "err.member_campus_unknown"})
		}
		if err != nil {
			return 0, err
		}
		if c.Closed() {
			return 0, ErrCampusClosed.Field("campus_id", ErrCampusClosed.Key)
		}
		return asked, nil
	}
	cs, err := CampusChoices(ctx, db, u)
	if err != nil {
		return 0, err
	}
	switch len(cs) {
	case 1:
		return cs[0].ID, nil
	case 0:
		var n int64
		if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM campuses WHERE closed_at IS NULL").Scan(&n).Error; err != nil {
			return 0, fmt.Errorf("models: resolve campus: %w", err)
		}
		if n == 0 {
			return 0, ErrNoCampusYet.Field("campus_id", ErrNoCampusYet.Key)
		}
	}
	return 0, Invalid(map[string]string{"campus_id": ErrNoCampus.Key})
}

// Counts are headline numbers for the back-office home page.
type Counts struct {
	Campuses      int64
	Staff         int64
	Members       int64 // children on file, not archived
	CheckinsToday int64
	// Outstanding liabilities, from the running totals of the member and
	// family accounts (ledger_totals.go); members from member_counts.
	StoredValue int64 // fen owed as prepaid value (principal + bonus)
	Points      int64
}

// SchoolCounts counts what the school has, or what the campuses in scope
// have (nil: the whole school; a campus manager sees only their own);
// dayStart is the start of today in the school's time zone.
func SchoolCounts(ctx context.Context, db *gorm.DB, dayStart time.Time, scope []int64) (Counts, error) {
	var c Counts
	if scope == nil {
		err := db.WithContext(ctx).Raw(`SELECT (SELECT COUNT(*) FROM campuses WHERE closed_at IS NULL) AS campuses,
		(SELECT COUNT(*) FROM staff_users WHERE disabled_at IS NULL) AS staff,
		`+membersCountSQL(ctx, db, false)+` AS members,
		(SELECT COUNT(*) FROM checkins WHERE at >= ? AND kind = 'arrival') AS checkins_today,
		(SELECT COALESCE(SUM(balance), 0) FROM ledger_totals WHERE asset = 'cny' AND name <> 'hours_value') AS stored_value,
		(SELECT COALESCE(SUM(balance), 0) FROM ledger_totals WHERE asset = 'points') AS points`,
			dayStart).Scan(&c).Error
		if err != nil {
			return c, fmt.Errorf("models: school counts: %w", err)
		}
		return c, nil
	}
	if len(scope) == 0 {
		return c, nil
	}
	// Balances by campus are the reports' (a family wallet counts at one
	// campus): the caller fills StoredValue and Points from them.
	err := db.WithContext(ctx).Raw(`SELECT (SELECT COUNT(*) FROM campuses WHERE closed_at IS NULL AND id IN ?) AS campuses,
		(SELECT COUNT(DISTINCT u.id) FROM staff_users u JOIN staff_campuses sc ON sc.user_id = u.id
			WHERE u.disabled_at IS NULL AND sc.campus_id IN ?) AS staff,
		`+membersCountSQL(ctx, db, true)+` AS members,
		(SELECT COUNT(*) FROM checkins c JOIN members m ON m.id = c.member_id
			WHERE c.at >= ? AND c.kind = 'arrival' AND m.campus_id IN ?) AS checkins_today`,
		scope, scope, scope, dayStart, scope).Scan(&c).Error
	if err != nil {
		return c, fmt.Errorf("models: school counts: %w", err)
	}
	return c, nil
}
