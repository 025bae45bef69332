package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Parents log in to the portal with their phone number and a one-time code
// sent by SMS (through the outbox), or with a password they chose. The rules
// (issue 7): codes are stored as an HMAC only and expire after OTPTTL; at
// most OTPSendsPerHour codes per phone per hour; LoginMaxTries wrong codes or
// passwords lock the phone out for LoginLockout. Every refusal says why and
// what to do next. A phone that is not on file gets the same answers as one
// that is (no code is sent), so the form cannot be used to find out whether
// a number belongs to a family of the school.
const (
	OTPDigits          = 6
	OTPTTL             = 5 * time.Minute
	OTPSendsPerHour    = 5
	LoginMaxTries      = 5
	LoginLockout       = 15 * time.Minute
	GuardianSessionTTL = 30 * 24 * time.Hour
	// GuardianPasswordMin is the shortest password a parent may set.
	GuardianPasswordMin = 8
)

// Refusals of the parent login, each with a message that says what to do.
var (
	ErrPortalBadPhone    = NewError(KindInvalid, "bad-phone", "err.portal_bad_phone")
	ErrPortalBadCode     = NewError(KindInvalid, "bad-code-format", "err.portal_code_format")
	ErrOTPSendLimit      = NewError(KindRateLimited, "otp-send-limit", "err.portal_otp_send_limit")
	ErrOTPWrong          = NewError(KindUnauthorized, "otp-wrong", "err.portal_otp_wrong")
	ErrOTPExpired        = NewError(KindUnauthorized, "otp-expired", "err.portal_otp_expired")
	ErrOTPNone           = NewError(KindUnauthorized, "otp-none", "err.portal_otp_none")
	ErrLoginLocked       = NewError(KindRateLimited, "login-locked", "err.portal_login_locked")
	ErrLoginLockedNow    = NewError(KindRateLimited, "login-locked", "err.portal_login_locked_now")
	ErrPortalBadPassword = NewError(KindUnauthorized, "bad-credentials", "err.portal_bad_password")
	ErrPortalWeakPass    = NewError(KindInvalid, "weak-password", "err.portal_weak_password")
)

// guardianLogin is the per-phone login state: optional password and the
// wrong-try counter. It is locked while a code is sent or checked.
type guardianLogin struct {
	Phone         string `gorm:"primaryKey"`
	PasswordHash  string
	PasswordSetAt *time.Time
	FailedCount   int
	LastFailedAt  *time.Time
	LockedUntil   *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (guardianLogin) TableName() string { return "guardian_logins" }

// guardianOTP is one code sent (or, for a phone not on file, pretended to be).
type guardianOTP struct {
	ID        int64
	Phone     string
	CodeHash  string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	IP        string
}

func (guardianOTP) TableName() string { return "guardian_otps" }

// GuardianSession is a parent's login on one phone. ID is the SHA-256 of the
// cookie's token.
type GuardianSession struct {
	ID        string
	Phone     string
	CreatedAt time.Time
	ExpiresAt time.Time
	IP        string
	UserAgent string
}

// TableName maps GuardianSession to its table.
func (GuardianSession) TableName() string { return "guardian_sessions" }

// GuardianPrincipal is who a portal request comes from: a phone number and
// every guardian record that carries it (usually one; a parent registered in
// two families sees both).
type GuardianPrincipal struct {
	Phone     string
	SessionID string
	Guardians []Guardian
	FamilyIDs []int64
}

// GuardianID is the guardian record the parent acts as (the oldest).
func (p *GuardianPrincipal) GuardianID() int64 { return p.Guardians[0].ID }

// GuardianIDs lists every guardian record of the phone.
func (p *GuardianPrincipal) GuardianIDs() []int64 {
	out := make([]int64, len(p.Guardians))
	for i, g := range p.Guardians {
		out[i] = g.ID
	}
	return out
}

// Name is the parent's name as the school has it.
func (p *GuardianPrincipal) Name() string { return p.Guardians[0].Name }

// HasFamily reports whether the parent belongs to family id.
func (p *GuardianPrincipal) HasFamily(id int64) bool { return containsID(p.FamilyIDs, id) }

// Actor is the parent as an actor for the audit log and the ledger.
func (p *GuardianPrincipal) Actor(ip string) Actor {
	return Actor{Type: "guardian", ID: p.GuardianID(), Device: "portal", IP: ip}
}

// OTPSent is what the login page tells the parent after asking for a code.
type OTPSent struct {
	Phone     string // normalised
	Masked    string
	ExpiresAt time.Time
	SendsLeft int
}

func otpHash(secret []byte, phone, code string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("portal-otp:" + phone + ":" + code))
	return hex.EncodeToString(m.Sum(nil))
}

func sessionHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// minutesUntil rounds the wait up to whole minutes, at least one.
func minutesUntil(now, t time.Time) int {
	d := t.Sub(now)
	m := int((d + time.Minute - 1) / time.Minute)
	return max(m, 1)
}

func portalPhone(phone string) (string, error) {
	p := NormalizePhone(phone)
	if !ValidMobile(p) {
		return "", ErrPortalBadPhone.Field("phone", ErrPortalBadPhone.Key)
	}
	return p, nil
}

// lockLogin creates the phone's login row if needed and locks it for the
// rest of the transaction.
func lockLogin(ctx context.Context, tx *gorm.DB, now time.Time, phone string) (*guardianLogin, error) {
	row := guardianLogin{Phone: phone, CreatedAt: now, UpdatedAt: now}
	if err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return nil, fmt.Errorf("models: lock login: %w", err)
	}
	var l guardianLogin
	if err := tx.WithContext(ctx).Raw("SELECT * FROM guardian_logins WHERE phone = ?"+forUpdate(tx), phone).Scan(&l).Error; err != nil {
		return nil, fmt.Errorf("models: lock login: %w", err)
	}
	return &l, nil
}

// lockedErr refuses while the phone is locked out.
func (l *guardianLogin) lockedErr(now time.Time) error {
	if l.LockedUntil != nil && now.Before(*l.LockedUntil) {
		return ErrLoginLocked.With(minutesUntil(now, *l.LockedUntil))
	}
	return nil
}

// fail counts a wrong code or password and returns the refusal to show:
// how many tries are left, or that the phone is now locked. Wrong tries
// older than the lock-out window are forgotten.
func (l *guardianLogin) fail(ctx context.Context, tx *gorm.DB, now time.Time, wrong *Error) (error, error) {
	n := l.FailedCount
	if l.LastFailedAt == nil || now.Sub(*l.LastFailedAt) > LoginLockout {
		n = 0
	}
	n++
	upd := map[string]any{"failed_count": n, "last_failed_at": now, "updated_at": now}
	var refusal error = wrong.With(LoginMaxTries - n)
	if n >= LoginMaxTries {
		until := now.Add(LoginLockout)
		upd["failed_count"] = 0
		upd["locked_until"] = until
		refusal = ErrLoginLockedNow.With(int(LoginLockout / time.Minute))
		// Codes sent before the lock-out die with it.
		if err := tx.WithContext(ctx).Model(&guardianOTP{}).Where("phone = ? AND used_at IS NULL AND expires_at > ?", l.Phone, now).
			Update("expires_at", now).Error; err != nil {
			return nil, fmt.Errorf("models: login failure: %w", err)
		}
	}
	if err := tx.WithContext(ctx).Model(&guardianLogin{}).Where("phone = ?", l.Phone).Updates(upd).Error; err != nil {
		return nil, fmt.Errorf("models: login failure: %w", err)
	}
	return refusal, nil
}

func (l *guardianLogin) succeed(ctx context.Context, tx *gorm.DB, now time.Time) error {
	err := tx.WithContext(ctx).Model(&guardianLogin{}).Where("phone = ?", l.Phone).
		Updates(map[string]any{"failed_count": 0, "last_failed_at": nil, "locked_until": nil, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("models: login: %w", err)
	}
	return nil
}

func guardiansByPhone(ctx context.Context, db *gorm.DB, phone string) ([]Guardian, error) {
	var gs []Guardian
	if err := db.WithContext(ctx).Where("phone = ?", phone).Order("id").Find(&gs).Error; err != nil {
		return nil, fmt.Errorf("models: guardians by phone: %w", err)
	}
	return gs, nil
}

// RequestOTP sends a one-time login code to a phone through the outbox. The
// answer is the same whether or not the phone is on file; only a phone on
// file gets a message. At most OTPSendsPerHour per phone per hour.
func RequestOTP(ctx context.Context, db *DB, now time.Time, secret []byte, phone, ip string) (*OTPSent, error) {
	now = now.UTC()
	p, err := portalPhone(phone)
	if err != nil {
		return nil, err
	}
	out := &OTPSent{Phone: p, Masked: MaskPhone(p), ExpiresAt: now.Add(OTPTTL)}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		l, err := lockLogin(ctx, tx, now, p)
		if err != nil {
			return err
		}
		if err := l.lockedErr(now); err != nil {
			return err
		}
		var sent []time.Time
		if err := tx.Model(&guardianOTP{}).Where("phone = ? AND created_at > ?", p, now.Add(-time.Hour)).
			Order("created_at").Pluck("created_at", &sent).Error; err != nil {
			return fmt.Errorf("models: request otp: %w", err)
		}
		if len(sent) >= OTPSendsPerHour {
			return ErrOTPSendLimit.With(OTPSendsPerHour, minutesUntil(now, sent[len(sent)-OTPSendsPerHour].Add(time.Hour)))
		}
		out.SendsLeft = OTPSendsPerHour - len(sent) - 1
		code := randomDigits(OTPDigits)
		row := guardianOTP{Phone: p, CodeHash: otpHash(secret, p, code), CreatedAt: now, ExpiresAt: out.ExpiresAt, IP: ip}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("models: request otp: %w", err)
		}
		gs, err := guardiansByPhone(ctx, tx, p)
		if err != nil || len(gs) == 0 {
			return err
		}
		sealed, err := SealCode(secret, code)
		if err != nil {
			return fmt.Errorf("models: request otp: %w", err)
		}
		return EnqueueNotice(ctx, tx, now, Notice{Event: "otp", GuardianID: gs[0].ID,
			Data:      map[string]any{sealedCodeVar: sealed, "minutes": int(OTPTTL / time.Minute)},
			DedupeKey: fmt.Sprintf("otp:%d", row.ID)})
	})
	if err != nil {
		return nil, fmt.Errorf("models: request otp: %w", err)
	}
	return out, nil
}

// NewGuardianSession is a session just started and the token for its cookie.
type NewGuardianSession struct {
	Token     string
	ExpiresAt time.Time
}

func startGuardianSession(ctx context.Context, tx *gorm.DB, now time.Time, phone, ip, ua string) (*NewGuardianSession, error) {
	if len(ua) > 255 {
		ua = ua[:255]
	}
	token := NewToken(32)
	s := GuardianSession{ID: sessionHash(token), Phone: phone, CreatedAt: now, ExpiresAt: now.Add(GuardianSessionTTL), IP: ip, UserAgent: ua}
	if err := tx.WithContext(ctx).Create(&s).Error; err != nil {
		return nil, fmt.Errorf("models: start guardian session: %w", err)
	}
	return &NewGuardianSession{Token: token, ExpiresAt: s.ExpiresAt}, nil
}

// loginAttempt runs one login check in a transaction that always commits:
// a wrong try must be counted even though the answer is a refusal.
func loginAttempt(ctx context.Context, db *DB, now time.Time, phone, what string,
	check func(tx *gorm.DB, l *guardianLogin) (ok bool, refusal error, err error), ip, ua string) (*NewGuardianSession, error) {
	var sess *NewGuardianSession
	var refusal error
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		sess, refusal = nil, nil
		l, err := lockLogin(ctx, tx, now, phone)
		if err != nil {
			return err
		}
		if refusal = l.lockedErr(now); refusal != nil {
			return nil
		}
		ok, ref, err := check(tx, l)
		if err != nil {
			return err
		}
		if !ok {
			refusal = ref
			return nil
		}
		gs, err := guardiansByPhone(ctx, tx, phone)
		if err != nil {
			return err
		}
		if len(gs) == 0 { // removed from the family since: nothing to show
			refusal = ErrOTPNone
			return nil
		}
		if err := l.succeed(ctx, tx, now); err != nil {
			return err
		}
		if sess, err = startGuardianSession(ctx, tx, now, phone, ip, ua); err != nil {
			return err
		}
		return Audit(ctx, tx, now, Actor{Type: "guardian", ID: gs[0].ID, Device: "portal", IP: ip},
			"guardian.login", "guardian", gs[0].ID, what)
	})
	if err != nil {
		return nil, fmt.Errorf("models: guardian login: %w", err)
	}
	if refusal != nil {
		return nil, refusal
	}
	return sess, nil
}

// LoginWithOTP checks a one-time code and starts a session. Any code sent to
// the phone in the last OTPTTL that has not been used is accepted (an SMS
// that arrives late after a resend still works). A wrong code counts towards
// the lock-out and says how many tries are left.
func LoginWithOTP(ctx context.Context, db *DB, now time.Time, secret []byte, phone, code, ip, ua string) (*NewGuardianSession, error) {
	now = now.UTC()
	p, err := portalPhone(phone)
	if err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	if len(code) != OTPDigits || strings.Trim(code, "0123456789") != "" {
		return nil, ErrPortalBadCode.Field("code", ErrPortalBadCode.Key)
	}
	hash := otpHash(secret, p, code)
	return loginAttempt(ctx, db, now, p, "otp", func(tx *gorm.DB, l *guardianLogin) (bool, error, error) {
		var rows []guardianOTP
		if err := tx.Where("phone = ? AND used_at IS NULL AND created_at > ?", p, now.Add(-time.Hour)).
			Order("id DESC").Find(&rows).Error; err != nil {
			return false, nil, fmt.Errorf("models: otp login: %w", err)
		}
		live := 0
		for _, r := range rows {
			match := subtle.ConstantTimeCompare([]byte(r.CodeHash), []byte(hash)) == 1
			if now.Before(r.ExpiresAt) {
				live++
				if match {
					if err := tx.Model(&guardianOTP{}).Where("id = ?", r.ID).Update("used_at", now).Error; err != nil {
						return false, nil, fmt.Errorf("models: otp login: %w", err)
					}
					return true, nil, nil
				}
			} else if match {
				return false, ErrOTPExpired.With(int(OTPTTL / time.Minute)), nil
			}
		}
		if live == 0 {
			// Nothing to guess against: no point counting it.
			return false, ErrOTPNone, nil
		}
		ref, err := l.fail(ctx, tx, now, ErrOTPWrong)
		return false, ref, err
	}, ip, ua)
}

// guardianDummyHash keeps a login for a phone without a password as slow as
// a wrong password, so timing does not tell them apart.
var guardianDummyHash, _ = bcrypt.GenerateFromPassword([]byte("starcard-portal-timing"), bcrypt.DefaultCost)

// LoginWithPassword checks a password the parent set and starts a session.
// A phone without a password answers like a wrong password.
func LoginWithPassword(ctx context.Context, db *DB, now time.Time, phone, password, ip, ua string) (*NewGuardianSession, error) {
	now = now.UTC()
	p, err := portalPhone(phone)
	if err != nil {
		return nil, err
	}
	return loginAttempt(ctx, db, now, p, "password", func(tx *gorm.DB, l *guardianLogin) (bool, error, error) {
		hash := []byte(l.PasswordHash)
		if len(hash) == 0 {
			hash = guardianDummyHash
		}
		if bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && l.PasswordHash != "" {
			return true, nil, nil
		}
		ref, err := l.fail(ctx, tx, now, ErrPortalBadPassword)
		return false, ref, err
	}, ip, ua)
}

// SetGuardianPassword sets (or changes) the password of a logged-in parent.
func SetGuardianPassword(ctx context.Context, db *DB, now time.Time, p *GuardianPrincipal, ip, password, confirm string) error {
	now = now.UTC()
	if len([]rune(password)) < GuardianPasswordMin {
		return Invalid(map[string]string{"password": ErrPortalWeakPass.Key})
	}
	if password != confirm {
		return Invalid(map[string]string{"confirm": "err.portal_password_mismatch"})
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("models: set guardian password: %w", err)
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := lockLogin(ctx, tx, now, p.Phone); err != nil {
			return err
		}
		if err := tx.Model(&guardianLogin{}).Where("phone = ?", p.Phone).
			Updates(map[string]any{"password_hash": string(hash), "password_set_at": now, "updated_at": now}).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, p.Actor(ip), "guardian.password_set", "guardian", p.GuardianID(), "")
	})
	if err != nil {
		return fmt.Errorf("models: set guardian password: %w", err)
	}
	return nil
}

// GuardianHasPassword reports whether the parent has set a password.
func GuardianHasPassword(ctx context.Context, db *gorm.DB, phone string) (bool, error) {
	var n int64
	if err := db.WithContext(ctx).Model(&guardianLogin{}).Where("phone = ? AND password_hash <> ''", phone).Count(&n).Error; err != nil {
		return false, fmt.Errorf("models: guardian has password: %w", err)
	}
	return n > 0, nil
}

// ResolveGuardianSession returns the parent behind a session token, or
// ErrUnauthenticated when the session ended, expired, or the phone is no
// longer a guardian's. renew is true when the session should be extended
// (it was last extended more than a day ago).
func ResolveGuardianSession(ctx context.Context, db *gorm.DB, now time.Time, token string) (p *GuardianPrincipal, renew bool, err error) {
	if len(token) != 64 {
		return nil, false, ErrUnauthenticated
	}
	var s GuardianSession
	err = db.WithContext(ctx).Where("id = ?", sessionHash(token)).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, ErrUnauthenticated
	}
	if err != nil {
		return nil, false, fmt.Errorf("models: resolve guardian session: %w", err)
	}
	if !now.Before(s.ExpiresAt) {
		return nil, false, ErrUnauthenticated
	}
	gs, err := guardiansByPhone(ctx, db, s.Phone)
	if err != nil {
		return nil, false, err
	}
	if len(gs) == 0 {
		return nil, false, ErrUnauthenticated
	}
	p = &GuardianPrincipal{Phone: s.Phone, SessionID: s.ID, Guardians: gs}
	for _, g := range gs {
		if !containsID(p.FamilyIDs, g.FamilyID) {
			p.FamilyIDs = append(p.FamilyIDs, g.FamilyID)
		}
	}
	return p, s.ExpiresAt.Sub(now) < GuardianSessionTTL-24*time.Hour, nil
}

// ExtendGuardianSession moves a session's expiry to a full TTL from now.
func ExtendGuardianSession(ctx context.Context, db *gorm.DB, now time.Time, token string) (time.Time, error) {
	until := now.UTC().Add(GuardianSessionTTL)
	if err := db.WithContext(ctx).Model(&GuardianSession{}).Where("id = ?", sessionHash(token)).
		Update("expires_at", until).Error; err != nil {
		return until, fmt.Errorf("models: extend guardian session: %w", err)
	}
	return until, nil
}

// EndGuardianSession logs this one phone out; the parent's other sessions and
// every staff session stay.
func EndGuardianSession(ctx context.Context, db *gorm.DB, token string) error {
	if err := db.WithContext(ctx).Where("id = ?", sessionHash(token)).Delete(&GuardianSession{}).Error; err != nil {
		return fmt.Errorf("models: end guardian session: %w", err)
	}
	return nil
}
