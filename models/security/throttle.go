package security

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"starcard/models"
)

// ErrAccountLocked refuses a login to an account locked after repeated
// failures, whatever the password.
var ErrAccountLocked = models.NewError(models.KindRateLimited, "account-locked", "sec.account_locked")

// ErrTooManyLogins refuses a login when one address or one typed name has
// failed too often.
var ErrTooManyLogins = models.NewError(models.KindRateLimited, "rate-limited", "err.rate_limited")

// Throttle limits password guessing at the login page and the token
// endpoint. Every attempt takes a slot, before the password is checked, in
// three buckets: the client address (across usernames), the typed name
// folded (case, width and accents: "ｃashîer1" is "cashier1"), and the
// account the database actually found for it (MySQL's collation finds
// "cashier1" for "cashîer1": the account's bucket is shared whatever was
// typed). A right password gives its slots back; an account that reaches
// PerAccount failures is locked for LockFor, with an audit row and a
// notice to every admin.
type Throttle struct {
	DB         *models.DB
	PerIP      int
	PerName    int
	PerAccount int
	Window     time.Duration
	LockFor    time.Duration
}

// NewThrottle returns the production limits: per minute, 30 failures from
// one address and 10 for one name; 5 failures in 15 minutes lock the
// account for 15 minutes.
func NewThrottle(db *models.DB) *Throttle {
	return &Throttle{DB: db, PerIP: 30, PerName: 10, PerAccount: 5, Window: 15 * time.Minute, LockFor: 15 * time.Minute}
}

// FoldName folds a typed username for its bucket: compatibility forms
// (full-width letters) to plain, accents dropped, lower case, trimmed.
func FoldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(strings.TrimSpace(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Login checks a username and password under the limits.
func (t *Throttle) Login(ctx context.Context, now time.Time, ip, username, password string) (*models.StaffUser, error) {
	db := t.DB.W
	minute := time.Minute
	type bucket struct {
		key    string
		max    int
		window time.Duration
	}
	buckets := []bucket{{"login:ip:" + ip, t.PerIP, minute}, {"login:name:" + FoldName(username), t.PerName, minute}}
	acct, err := t.lookup(ctx, username)
	if err != nil {
		return nil, err
	}
	acctKey := ""
	if acct != nil {
		acctKey = "login:acct:" + strconv.FormatInt(acct.ID, 10)
		until, err := models.SlotLockedUntil(ctx, db, now, acctKey)
		if err != nil {
			return nil, err
		}
		if until != nil {
			return nil, ErrAccountLocked.With(int(until.Sub(now).Minutes()) + 1)
		}
		buckets = append(buckets, bucket{acctKey, t.PerAccount, t.Window})
	}
	var taken []string
	giveBack := func() {
		for _, k := range taken {
			_ = models.GiveSlot(ctx, db, k)
		}
	}
	for _, b := range buckets {
		ok, err := models.TakeSlot(ctx, db, now, b.key, b.max, b.window)
		if err != nil {
			giveBack()
			return nil, err
		}
		if !ok {
			giveBack()
			if b.key == acctKey {
				return nil, ErrAccountLocked.With(int(t.LockFor.Minutes()))
			}
			return nil, ErrTooManyLogins
		}
		taken = append(taken, b.key)
	}
	u, err := models.Authenticate(ctx, t.DB.R, username, password)
	if err == nil {
		giveBack()
		if acctKey != "" {
			if err := models.ClearSlot(ctx, db, acctKey); err != nil {
				return nil, err
			}
		}
		return u, nil
	}
	if !errors.Is(err, models.ErrBadCredentials) || acct == nil {
		if !errors.Is(err, models.ErrBadCredentials) {
			giveBack()
		}
		return nil, err
	}
	hits, herr := models.SlotHits(ctx, db, now, acctKey, t.Window)
	if herr != nil {
		return nil, herr
	}
	if hits >= t.PerAccount {
		if lerr := t.lock(ctx, now, ip, acct); lerr != nil {
			return nil, lerr
		}
	}
	return nil, err
}

// lookup finds the account a typed name reaches in the database, with the
// database's own comparison (the one Authenticate uses), or nil.
func (t *Throttle) lookup(ctx context.Context, username string) (*models.StaffUser, error) {
	var u models.StaffUser
	res := t.DB.R.WithContext(ctx).Where("username = ?", strings.ToLower(strings.TrimSpace(username))).Limit(1).Find(&u)
	if res.Error != nil {
		return nil, fmt.Errorf("security: login lookup: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil
	}
	return &u, nil
}

// lock locks the account, audits it and tells every active admin, in one
// transaction.
func (t *Throttle) lock(ctx context.Context, now time.Time, ip string, acct *models.StaffUser) error {
	until := now.Add(t.LockFor)
	key := "login:acct:" + strconv.FormatInt(acct.ID, 10)
	return t.DB.Tx(ctx, func(tx *gorm.DB) error {
		if err := models.LockSlot(ctx, tx, now, key, until); err != nil {
			return err
		}
		actor := models.Actor{Type: "system", IP: ip}
		if err := models.Audit(ctx, tx, now, actor, "login.locked", "staff", acct.ID,
			fmt.Sprintf("username=%s until=%s failures=%d", acct.Username, until.UTC().Format(time.RFC3339), t.PerAccount)); err != nil {
			return err
		}
		var admins []struct {
			ID   int64
			Name string
		}
		if err := tx.WithContext(ctx).Raw("SELECT id, name FROM staff_users WHERE role = ? AND disabled_at IS NULL",
			models.RoleAdmin).Scan(&admins).Error; err != nil {
			return fmt.Errorf("security: lock account: %w", err)
		}
		for _, a := range admins {
			if err := models.EnqueueStaffNotice(ctx, tx, now, a.ID, "account_locked",
				fmt.Sprintf("account_locked:%d:%d", acct.ID, now.Unix()), map[string]any{
					"staff": a.Name, "username": acct.Username, "until": until.UTC().Format("2006-01-02 15:04 UTC"), "ip": ip}); err != nil {
				return err
			}
		}
		return nil
	})
}
