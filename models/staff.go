package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Role is a staff role. Guardians and API clients are not staff roles: they
// have their own sessions and tokens.
type Role string

// The staff roles.
const (
	RoleAdmin         Role = "admin"
	RoleServiceHead   Role = "service_head"
	RoleCampusManager Role = "campus_manager"
	RoleCashier       Role = "cashier"
	RoleTeacher       Role = "teacher"
	RoleKiosk         Role = "kiosk"
)

// Roles lists every staff role in display order.
var Roles = []Role{RoleAdmin, RoleServiceHead, RoleCampusManager, RoleCashier, RoleTeacher, RoleKiosk}

// ParseRole validates a role name.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// Home is the path a role lands on after logging in.
func (r Role) Home() string {
	switch r {
	case RoleCashier:
		return "/cashier"
	case RoleTeacher:
		return "/staff"
	case RoleKiosk:
		return "/kiosk"
	default:
		return "/admin"
	}
}

// AllCampuses reports whether the role sees every campus regardless of its
// campus assignments.
func (r Role) AllCampuses() bool { return r == RoleAdmin || r == RoleServiceHead }

// SeesFullPhone reports whether the role may see guardians' phone numbers
// unmasked (PIPL: cashiers and teachers see 139****1234).
func (r Role) SeesFullPhone() bool {
	return r == RoleAdmin || r == RoleServiceHead || r == RoleCampusManager
}

// StaffUser is a member of staff who logs in to the back office.
type StaffUser struct {
	ID           int64
	Username     string
	Name         string
	PasswordHash string
	Role         Role
	Phone        string // for notices by SMS (the daily summary…)
	Email        string // for notices by e-mail
	DisabledAt   *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	CampusIDs    []int64 `gorm:"-"`
}

// TableName maps StaffUser to its table.
func (StaffUser) TableName() string { return "staff_users" }

// CanSeeCampus reports whether the user works at campus id.
func (u *StaffUser) CanSeeCampus(id int64) bool {
	if u.Role.AllCampuses() {
		return true
	}
	for _, c := range u.CampusIDs {
		if c == id {
			return true
		}
	}
	return false
}

// Session is a staff login, referenced by the JWT in the session cookie so
// that logging out or disabling the account ends it at once.
type Session struct {
	ID        string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	IP        string
	UserAgent string
}

// TableName maps Session to its table.
func (Session) TableName() string { return "sessions" }

var (
	// ErrBadUsername is returned for a username outside [a-z0-9_.-]{2,64}.
	ErrBadUsername = NewError(KindInvalid, "bad-username", "err.bad_username")
	// ErrWeakPassword is returned for a password shorter than 8 characters.
	ErrWeakPassword = NewError(KindInvalid, "weak-password", "err.weak_password")
	// ErrBadRole is returned for an unknown role.
	ErrBadRole = NewError(KindInvalid, "bad-role", "err.bad_role")
)

// NewStaff describes an account to create.
type NewStaff struct {
	Username  string
	Name      string
	Password  string
	Role      string
	CampusIDs []int64
	Phone     string // optional: a mobile number for SMS notices
	Email     string // optional: an address for e-mail notices
}

// ErrUnknownCampus is returned when a staff account names a campus that does
// not exist (a fresh school has none until one is created).
var ErrUnknownCampus = NewError(KindInvalid, "unknown-campus", "setup.err_campus_unknown")

// CampusBound reports whether the role works at particular campuses (and so
// should be given one).
func (r Role) CampusBound() bool {
	return r == RoleCampusManager || r == RoleCashier || r == RoleTeacher || r == RoleKiosk
}

func validUsername(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// CreateStaff creates a staff account with a bcrypt password hash.
func CreateStaff(ctx context.Context, db *gorm.DB, now time.Time, in NewStaff) (*StaffUser, error) {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	fields := map[string]string{}
	if !validUsername(in.Username) {
		fields["username"] = ErrBadUsername.Key
	}
	if len(in.Password) < 8 {
		fields["password"] = ErrWeakPassword.Key
	}
	role, ok := ParseRole(in.Role)
	if !ok {
		fields["role"] = ErrBadRole.Key
	}
	in.Phone = strings.TrimSpace(in.Phone)
	in.Email = strings.TrimSpace(in.Email)
	if in.Phone != "" && !ValidMobile(in.Phone) {
		fields["phone"] = "setup.err_mobile"
	}
	if in.Email != "" && (len(in.Email) > 255 || !strings.Contains(in.Email, "@") || strings.ContainsAny(in.Email, " <>,;")) {
		fields["email"] = "setup.err_email"
	}
	if len(fields) > 0 {
		return nil, Invalid(fields)
	}
	for _, c := range in.CampusIDs {
		var n int64
		if err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM campuses WHERE id = ?", c).Scan(&n).Error; err != nil {
			return nil, fmt.Errorf("models: create staff: %w", err)
		}
		if n == 0 {
			return nil, ErrUnknownCampus.With(c).Field("campus_id", ErrUnknownCampus.Key)
		}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost)
	if err != nil {
		return nil, fmt.Errorf("models: create staff: %w", err)
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = in.Username
	}
	u := &StaffUser{Username: in.Username, Name: name, PasswordHash: string(hash), Role: role,
		Phone: in.Phone, Email: in.Email, CreatedAt: now, UpdatedAt: now, CampusIDs: in.CampusIDs}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(u).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrDuplicateUsername
			}
			return err
		}
		for _, c := range in.CampusIDs {
			if err := tx.Exec("INSERT INTO staff_campuses (user_id, campus_id) VALUES (?, ?)", u.ID, c).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("models: create staff: %w", err)
	}
	return u, nil
}

// SetStaffContact changes the phone and e-mail a member of staff gets
// notices at (empty clears them).
func SetStaffContact(ctx context.Context, db *gorm.DB, now time.Time, id int64, phone, email string) error {
	phone, email = strings.TrimSpace(phone), strings.TrimSpace(email)
	fields := map[string]string{}
	if phone != "" && !ValidMobile(phone) {
		fields["phone"] = "setup.err_mobile"
	}
	if email != "" && (len(email) > 255 || !strings.Contains(email, "@") || strings.ContainsAny(email, " <>,;")) {
		fields["email"] = "setup.err_email"
	}
	if len(fields) > 0 {
		return Invalid(fields)
	}
	res := db.WithContext(ctx).Model(&StaffUser{}).Where("id = ?", id).
		Updates(map[string]any{"phone": phone, "email": email, "updated_at": now})
	if res.Error != nil {
		return fmt.Errorf("models: staff contact: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// dummyHash keeps a failed lookup as slow as a failed password check so that
// timing does not reveal which usernames exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("starcard-timing-equaliser"), bcrypt.DefaultCost)

// Authenticate checks a username and password.
func Authenticate(ctx context.Context, db *gorm.DB, username, password string) (*StaffUser, error) {
	var u StaffUser
	err := db.WithContext(ctx).Where("username = ?", strings.ToLower(strings.TrimSpace(username))).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("models: authenticate: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, ErrBadCredentials
	}
	if u.DisabledAt != nil {
		return nil, ErrAccountDisabled
	}
	if err := loadCampuses(ctx, db, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

func loadCampuses(ctx context.Context, db *gorm.DB, u *StaffUser) error {
	u.CampusIDs = nil
	err := db.WithContext(ctx).Raw("SELECT campus_id FROM staff_campuses WHERE user_id = ? ORDER BY campus_id", u.ID).Scan(&u.CampusIDs).Error
	if err != nil {
		return fmt.Errorf("models: staff campuses: %w", err)
	}
	return nil
}

// GetStaff loads an account by id with its campuses, in one round trip:
// every staff page and API request does this.
func GetStaff(ctx context.Context, db *gorm.DB, id int64) (*StaffUser, error) {
	var row struct {
		StaffUser
		CampusList *string
	}
	res := db.WithContext(ctx).Raw(`SELECT u.*, (SELECT GROUP_CONCAT(campus_id) FROM staff_campuses WHERE user_id = u.id) AS campus_list
		FROM staff_users u WHERE u.id = ?`, id).Scan(&row)
	if res.Error != nil {
		return nil, fmt.Errorf("models: get staff: %w", res.Error)
	}
	if res.RowsAffected == 0 || row.ID == 0 {
		return nil, ErrNotFound
	}
	u := row.StaffUser
	if row.CampusList != nil {
		for _, f := range strings.Split(*row.CampusList, ",") {
			if n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil {
				u.CampusIDs = append(u.CampusIDs, n)
			}
		}
		sort.Slice(u.CampusIDs, func(i, j int) bool { return u.CampusIDs[i] < u.CampusIDs[j] })
	}
	return &u, nil
}

// ListStaff lists every staff account, newest last.
func ListStaff(ctx context.Context, db *gorm.DB) ([]StaffUser, error) {
	var us []StaffUser
	if err := db.WithContext(ctx).Order("id").Find(&us).Error; err != nil {
		return nil, fmt.Errorf("models: list staff: %w", err)
	}
	return us, nil
}

// SetStaffDisabled disables (or re-enables) an account; a disabled account's
// sessions stop working on their next request.
func SetStaffDisabled(ctx context.Context, db *gorm.DB, now time.Time, id int64, disabled bool) error {
	var at *time.Time
	if disabled {
		at = &now
	}
	res := db.WithContext(ctx).Model(&StaffUser{}).Where("id = ?", id).
		Updates(map[string]any{"disabled_at": at, "updated_at": now})
	if res.Error != nil {
		return fmt.Errorf("models: disable staff: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	if disabled {
		if err := db.WithContext(ctx).Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
			return fmt.Errorf("models: disable staff: %w", err)
		}
	}
	return nil
}

// NewToken returns n random bytes, hex encoded.
func NewToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// StartSession records a new login.
func StartSession(ctx context.Context, db *gorm.DB, now time.Time, userID int64, ttl time.Duration, ip, ua string) (*Session, error) {
	if len(ua) > 255 {
		ua = ua[:255]
	}
	s := &Session{ID: NewToken(16), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl), IP: ip, UserAgent: ua}
	if err := db.WithContext(ctx).Create(s).Error; err != nil {
		return nil, fmt.Errorf("models: start session: %w", err)
	}
	return s, nil
}

// ResolveSession returns the live session and its active user, or
// ErrUnauthenticated when the session ended, expired, or the account is disabled.
func ResolveSession(ctx context.Context, db *gorm.DB, now time.Time, id string) (*Session, *StaffUser, error) {
	var s Session
	err := db.WithContext(ctx).Where("id = ?", id).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrUnauthenticated
	}
	if err != nil {
		return nil, nil, fmt.Errorf("models: resolve session: %w", err)
	}
	if !now.Before(s.ExpiresAt) {
		return nil, nil, ErrUnauthenticated
	}
	u, err := GetStaff(ctx, db, s.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.DisabledAt != nil {
		return nil, nil, ErrAccountDisabled
	}
	return &s, u, nil
}

// ExtendSession moves a session's expiry forward while it is in use.
func ExtendSession(ctx context.Context, db *gorm.DB, id string, until time.Time) error {
	if err := db.WithContext(ctx).Model(&Session{}).Where("id = ?", id).Update("expires_at", until).Error; err != nil {
		return fmt.Errorf("models: extend session: %w", err)
	}
	return nil
}

// EndSession logs a session out.
func EndSession(ctx context.Context, db *gorm.DB, id string) error {
	if err := db.WithContext(ctx).Where("id = ?", id).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("models: end session: %w", err)
	}
	return nil
}
