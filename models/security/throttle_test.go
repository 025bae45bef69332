package security_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/security"
)

var now0 = time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)

func staff(t *testing.T, db *models.DB, name string, role models.Role) *models.StaffUser {
	t.Helper()
	u, err := models.CreateStaff(context.Background(), db.W, now0, models.NewStaff{Username: name, Password: "password123", Role: string(role)})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestFoldNameSharesOneBucket(t *testing.T) {
	for _, typed := range []string{"cashier1", "CASHIER1", " cashier1 ", "ｃashier1", "cashîer1", "ＣＡＳＨＩＥＲ１"} {
		if got := security.FoldName(typed); got != "cashier1" {
			t.Errorf("FoldName(%q) = %q", typed, got)
		}
	}
}

// Repeated wrong passwords lock the account (whatever spelling found it),
// with an audit row and a notice to every admin; the right password is
// refused until the lock ends.
func TestLoginLocksTheAccountAfterRepeatedFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		admin := staff(t, db, "boss", models.RoleAdmin)
		desk := staff(t, db, "cashier1", models.RoleCashier)
		th := &security.Throttle{DB: db, PerIP: 100, PerName: 100, PerAccount: 3, Window: 15 * time.Minute, LockFor: 15 * time.Minute}
		typed := []string{"cashier1", "CASHIER1", " Cashier1"}
		if db.Dialect == models.MySQL {
			// utf8mb4_unicode_ci finds cashier1 for these too: the account's
			// bucket is the account's, whatever was typed.
			typed = []string{"cashîer1", "ｃashier1", "CASHIER1"}
		}
		for i, name := range typed {
			_, err := th.Login(ctx, now0, fmt.Sprintf("10.0.0.%d", i), name, "wrong-password")
			if !errors.Is(err, models.ErrBadCredentials) {
				t.Fatalf("attempt %d (%q): %v", i+1, name, err)
			}
		}
		if _, err := th.Login(ctx, now0.Add(time.Minute), "10.0.1.1", "cashier1", "password123"); !errors.Is(err, security.ErrAccountLocked) {
			t.Fatalf("right password on a locked account: %v", err)
		}
		var audits, notices int64
		db.R.Raw("SELECT COUNT(*) FROM audit_log WHERE action = 'login.locked' AND object_id = ?", desk.ID).Scan(&audits)
		db.R.Raw("SELECT COUNT(*) FROM outbox WHERE event = 'account_locked' AND staff_id = ?", admin.ID).Scan(&notices)
		if audits != 1 || notices != 1 {
			t.Fatalf("%d audit rows and %d admin notices, want 1 and 1", audits, notices)
		}
		u, err := th.Login(ctx, now0.Add(16*time.Minute), "10.0.1.1", "cashier1", "password123")
		if err != nil || u.ID != desk.ID {
			t.Fatalf("after the lock: %v", err)
		}
	})
}

// One address is capped across usernames; one typed name (folded) across
// addresses; a right password gives its slots back.
func TestLoginCapsPerAddressAndPerName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		staff(t, db, "cashier1", models.RoleCashier)
		th := &security.Throttle{DB: db, PerIP: 3, PerName: 2, PerAccount: 100, Window: 15 * time.Minute, LockFor: time.Minute}
		for i := 0; i < 3; i++ {
			if _, err := th.Login(ctx, now0, "10.0.0.9", fmt.Sprintf("nobody%d", i), "x"); !errors.Is(err, models.ErrBadCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if _, err := th.Login(ctx, now0, "10.0.0.9", "cashier1", "password123"); !errors.Is(err, security.ErrTooManyLogins) {
			t.Fatalf("a fourth name from one address: %v", err)
		}
		if _, err := th.Login(ctx, now0, "10.0.0.10", "ｃashier1", "x"); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatal(err)
		}
		if _, err := th.Login(ctx, now0, "10.0.0.11", "cashîer1", "x"); !errors.Is(err, models.ErrBadCredentials) {
			t.Fatal(err)
		}
		if _, err := th.Login(ctx, now0, "10.0.0.12", "cashier1", "password123"); !errors.Is(err, security.ErrTooManyLogins) {
			t.Fatalf("a third try at one folded name: %v", err)
		}
		if _, err := th.Login(ctx, now0.Add(2*time.Minute), "10.0.0.12", "cashier1", "password123"); err != nil {
			t.Fatalf("a minute later: %v", err)
		}
	})
}

func TestAPIClientSecretIsShownOnceAndRevocable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		c1, err := models.CreateCampus(ctx, db.W, now0, "C1", "一校区", "")
		if err != nil {
			t.Fatal(err)
		}
		actor := models.Actor{Type: "staff", ID: 1}
		if _, _, err := security.CreateClient(ctx, db.W, now0, actor, security.NewClient{Name: "x", Role: "cashier"}); err == nil {
			t.Fatal("a campus role with no campus")
		}
		cl, secret, err := security.CreateClient(ctx, db.W, now0, actor, security.NewClient{Name: "收费系统", Role: "cashier", CampusID: c1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if cl.SecretHash == secret || len(secret) < 40 {
			t.Fatalf("secret %q stored as %q", secret, cl.SecretHash)
		}
		if _, _, err := security.CreateClient(ctx, db.W, now0, actor, security.NewClient{Name: "收费系统", Role: "cashier", CampusID: c1.ID}); !errors.Is(err, security.ErrDuplicateName) {
			t.Fatalf("same name twice: %v", err)
		}
		got, err := security.AuthenticateClient(ctx, db.R, cl.ClientID, secret)
		if err != nil || got.AsStaff().Role != models.RoleCashier || got.AsStaff().CampusIDs[0] != c1.ID {
			t.Fatalf("authenticate: %+v %v", got, err)
		}
		if err := security.RevokeClient(ctx, db.W, now0, actor, cl.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := security.AuthenticateClient(ctx, db.R, cl.ClientID, secret); !errors.Is(err, security.ErrBadClient) {
			t.Fatalf("revoked client: %v", err)
		}
		if err := security.RevokeClient(ctx, db.W, now0, actor, cl.ID); !errors.Is(err, security.ErrClientRevoked) {
			t.Fatalf("revoked twice: %v", err)
		}
	})
}
