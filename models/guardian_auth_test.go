package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/demo"
)

var paNow = time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)

var paSecret = []byte("portal-test-secret-portal-test-secret")

var paSeq atomic.Int64

// paFamily creates a campus-less family: a child with one guardian of phone.
func paFamily(t testing.TB, db *models.DB, phone string) *models.Member {
	t.Helper()
	ctx := context.Background()
	c, err := models.CreateCampus(ctx, db.W, paNow, fmt.Sprintf("P%d", paSeq.Add(1)), "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	var m *models.Member
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		m, err = models.CreateMember(ctx, tx, paNow, models.SystemActor, models.NewMember{Name: "王小明", BirthDate: "2021-05-01",
			CampusID: c.ID, Guardians: []models.NewGuardian{{Name: "王芳", Phone: phone, Relation: "mother"}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// lastCode reads the newest one-time code for a phone from the outbox, as a
// parent would read the SMS.
func lastCode(t testing.TB, db *models.DB, phone string) string {
	t.Helper()
	var data string
	err := db.R.Raw(`SELECT o.data FROM outbox o JOIN guardians g ON g.id = o.guardian_id
		WHERE o.event = 'otp' AND g.phone = ? ORDER BY o.id DESC LIMIT 1`, phone).Scan(&data).Error
	if err != nil || data == "" {
		t.Fatalf("no code in the outbox for %s: %v", phone, err)
	}
	code := models.NoticeCode(paSecret, data)
	if len(code) != 6 || strings.Contains(data, code) {
		t.Fatalf("the code is missing or stored in clear: %q", data)
	}
	return code
}

func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func TestGuardianOTPLogin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		phone := "13800138000"
		paFamily(t, db, phone)

		sent, err := models.RequestOTP(ctx, db, paNow, paSecret, "138 0013 8000", "1.2.3.4")
		if err != nil {
			t.Fatal(err)
		}
		if sent.Masked != "138****8000" || sent.SendsLeft != models.OTPSendsPerHour-1 {
			t.Fatalf("sent %+v", sent)
		}
		code := lastCode(t, db, phone)
		var stored int64
		db.R.Raw("SELECT COUNT(*) FROM guardian_otps WHERE code_hash = ? OR code_hash LIKE ?", code, "%"+code+"%").Scan(&stored)
		if stored != 0 {
			t.Fatal("the code is stored in clear")
		}

		// A wrong code says how many tries are left.
		_, err = models.LoginWithOTP(ctx, db, paNow, paSecret, phone, wrongCode(code), "", "")
		if e, ok := models.AsError(err); !ok || !errors.Is(err, models.ErrOTPWrong) || e.Args[0] != models.LoginMaxTries-1 {
			t.Fatalf("wrong code: %v", err)
		}
		// The right code logs in once, and the session resolves to the family.
		s, err := models.LoginWithOTP(ctx, db, paNow.Add(time.Minute), paSecret, phone, code, "", "test")
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := models.ResolveGuardianSession(ctx, db.R, paNow.Add(2*time.Minute), s.Token)
		if err != nil || p.Phone != phone || len(p.FamilyIDs) != 1 {
			t.Fatalf("resolve: %+v %v", p, err)
		}
		if _, err := models.LoginWithOTP(ctx, db, paNow.Add(time.Minute), paSecret, phone, code, "", ""); !errors.Is(err, models.ErrOTPNone) {
			t.Fatalf("a used code must not work twice: %v", err)
		}
		// Logging out ends this session only.
		if err := models.EndGuardianSession(ctx, db.W, s.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := models.ResolveGuardianSession(ctx, db.R, paNow.Add(3*time.Minute), s.Token); !errors.Is(err, models.ErrUnauthenticated) {
			t.Fatalf("after logout: %v", err)
		}

		// A code older than five minutes is refused as expired.
		if _, err := models.RequestOTP(ctx, db, paNow.Add(10*time.Minute), paSecret, phone, ""); err != nil {
			t.Fatal(err)
		}
		late := lastCode(t, db, phone)
		if _, err := models.LoginWithOTP(ctx, db, paNow.Add(16*time.Minute), paSecret, phone, late, "", ""); !errors.Is(err, models.ErrOTPExpired) {
			t.Fatalf("expired code: %v", err)
		}
	})
}

func TestGuardianOTPSendLimitAndLockout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		phone := "13900139000"
		paFamily(t, db, phone)
		now := paNow
		for i := 0; i < models.OTPSendsPerHour; i++ {
			if _, err := models.RequestOTP(ctx, db, now.Add(time.Duration(i)*time.Minute), paSecret, phone, ""); err != nil {
				t.Fatalf("send %d: %v", i+1, err)
			}
		}
		_, err := models.RequestOTP(ctx, db, now.Add(10*time.Minute), paSecret, phone, "")
		e, ok := models.AsError(err)
		if !ok || !errors.Is(err, models.ErrOTPSendLimit) || e.Kind != models.KindRateLimited {
			t.Fatalf("sixth send in the hour: %v", err)
		}
		if e.Args[1] != 50 { // the first send leaves the window at +60 min
			t.Fatalf("wait %v minutes, want 50", e.Args[1])
		}
		// An hour after the first send, one more is allowed.
		if _, err := models.RequestOTP(ctx, db, now.Add(61*time.Minute), paSecret, phone, ""); err != nil {
			t.Fatalf("after the hour: %v", err)
		}
		code := lastCode(t, db, phone)

		// Five wrong codes lock the phone for 15 minutes, even for the right code.
		at := now.Add(62 * time.Minute)
		for i := 1; i <= models.LoginMaxTries; i++ {
			_, err := models.LoginWithOTP(ctx, db, at, paSecret, phone, wrongCode(code), "", "")
			if i < models.LoginMaxTries && !errors.Is(err, models.ErrOTPWrong) {
				t.Fatalf("try %d: %v", i, err)
			}
			if i == models.LoginMaxTries && !errors.Is(err, models.ErrLoginLocked) {
				t.Fatalf("try %d should lock: %v", i, err)
			}
		}
		_, err = models.LoginWithOTP(ctx, db, at.Add(time.Minute), paSecret, phone, code, "", "")
		if e, ok := models.AsError(err); !ok || !errors.Is(err, models.ErrLoginLocked) || e.Args[0] != 14 {
			t.Fatalf("while locked: %v", err)
		}
		if _, err := models.RequestOTP(ctx, db, at.Add(time.Minute), paSecret, phone, ""); !errors.Is(err, models.ErrLoginLocked) {
			t.Fatalf("no codes while locked: %v", err)
		}
		// The code sent before the lock died with it; a new one works after.
		after := at.Add(models.LoginLockout + time.Minute)
		if _, err := models.LoginWithOTP(ctx, db, after, paSecret, phone, code, "", ""); err == nil {
			t.Fatal("a code from before the lock-out still works")
		}
		if _, err := models.RequestOTP(ctx, db, after, paSecret, phone, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := models.LoginWithOTP(ctx, db, after, paSecret, phone, lastCode(t, db, phone), "", ""); err != nil {
			t.Fatalf("after the lock-out: %v", err)
		}
	})
}

func TestGuardianUnknownPhoneLooksTheSame(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		sent, err := models.RequestOTP(ctx, db, paNow, paSecret, "13700137000", "")
		if err != nil || sent.Masked != "137****7000" {
			t.Fatalf("unknown phone: %+v %v", sent, err)
		}
		var n int64
		db.R.Raw("SELECT COUNT(*) FROM outbox WHERE event = 'otp'").Scan(&n)
		if n != 0 {
			t.Fatal("a code was queued for a phone that is not on file")
		}
		if _, err := models.LoginWithOTP(ctx, db, paNow, paSecret, "13700137000", "123456", "", ""); !errors.Is(err, models.ErrOTPWrong) {
			t.Fatalf("guess for unknown phone: %v", err)
		}
		if _, err := models.RequestOTP(ctx, db, paNow, paSecret, "12345", ""); !errors.Is(err, models.ErrPortalBadPhone) {
			t.Fatalf("bad phone: %v", err)
		}
	})
}

func TestGuardianPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		phone := "13600136000"
		paFamily(t, db, phone)
		if _, err := models.LoginWithPassword(ctx, db, paNow, phone, "whatever1", "", ""); !errors.Is(err, models.ErrPortalBadPassword) {
			t.Fatalf("no password set yet: %v", err)
		}
		models.RequestOTP(ctx, db, paNow, paSecret, phone, "")
		s, err := models.LoginWithOTP(ctx, db, paNow, paSecret, phone, lastCode(t, db, phone), "", "")
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := models.ResolveGuardianSession(ctx, db.R, paNow, s.Token)
		if err != nil {
			t.Fatal(err)
		}
		if err := models.SetGuardianPassword(ctx, db, paNow, p, "", "short", "short"); err == nil {
			t.Fatal("a 5-character password was accepted")
		}
		if err := models.SetGuardianPassword(ctx, db, paNow, p, "", "xiaoming2021", "xiaoming2021"); err != nil {
			t.Fatal(err)
		}
		if _, err := models.LoginWithPassword(ctx, db, paNow, phone, "xiaoming2021", "", ""); err != nil {
			t.Fatalf("password login: %v", err)
		}
		if _, err := models.LoginWithPassword(ctx, db, paNow, phone, "xiaoming2020", "", ""); !errors.Is(err, models.ErrPortalBadPassword) {
			t.Fatalf("wrong password: %v", err)
		}
	})
}

// TestDemoParentCanLogIn: the demo school's first parent logs in with the
// demo password, and the complaints workflow has feedback to show.
func TestDemoParentCanLogIn(t *testing.T) {
	db := dbtest.DemoSQLite(t, paNow, time.FixedZone("CST", 8*3600))
	ctx := context.Background()
	var phone string
	db.R.Raw("SELECT phone FROM guardians ORDER BY id LIMIT 1").Scan(&phone)
	if _, err := models.LoginWithPassword(ctx, db, paNow, phone, demo.Password, "", ""); err != nil {
		t.Fatalf("demo parent %s: %v", phone, err)
	}
	var n int64
	db.R.Raw("SELECT COUNT(DISTINCT status) FROM complaints").Scan(&n)
	if n < 3 {
		t.Fatalf("demo complaints in %d states, want at least 3", n)
	}
}
