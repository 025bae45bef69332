package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

// TestAdjustmentMakerChecker: below the threshold an adjustment posts at
// once; above it, it waits, its maker may not approve it, a second person
// does; a debit beyond the balance is refused; a re-submitted form is one
// adjustment; verify stays clean throughout.
func TestAdjustmentMakerChecker(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m := f.member(t, false)
		maker := f.actor
		checker := models.Actor{Type: "staff", ID: 2, CampusID: f.campus}
		req := func(key, asset string, amount int64) (*models.Adjustment, error) {
			return models.RequestAdjustment(ctx, db, t0, models.AdjustInput{Key: key, MemberID: m, Asset: asset,
				Amount: amount, Reason: "活动补录", Actor: maker})
		}
		steps := []struct {
			key, asset string
			amount     int64
			status     string
			err        error
			points     int64
			principal  int64
		}{
			{"p-small", models.AdjustPoints, 300, models.AdjustApplied, nil, 300, 0},
			{"p-small", models.AdjustPoints, 300, models.AdjustApplied, nil, 300, 0}, // the same form again
			{"p-big", models.AdjustPoints, 2000, models.AdjustPending, nil, 300, 0},
			{"v-small", models.AdjustPrincipal, 15000, models.AdjustApplied, nil, 300, 15000},
			{"v-big", models.AdjustPrincipal, 50000, models.AdjustPending, nil, 300, 15000},
			{"p-minus", models.AdjustPoints, -400, "", models.ErrInsufficientPoints, 300, 15000},
			{"p-minus-ok", models.AdjustPoints, -100, models.AdjustApplied, nil, 200, 15000},
		}
		ids := map[string]int64{}
		for _, s := range steps {
			a, err := req(s.key, s.asset, s.amount)
			if !errors.Is(err, s.err) {
				t.Fatalf("%s: err %v, want %v", s.key, err, s.err)
			}
			if err == nil {
				if a.Status != s.status {
					t.Fatalf("%s: status %s, want %s", s.key, a.Status, s.status)
				}
				ids[s.key] = a.ID
			}
			b := f.balances(t, m)
			if b.Points != s.points || b.StoredValuePrincipal != s.principal {
				t.Fatalf("%s: balances %+v, want %d points, %d principal", s.key, b, s.points, s.principal)
			}
		}
		if _, err := req("p-small", models.AdjustPoints, 301); !errors.Is(err, models.ErrAdjustKeyReused) {
			t.Fatalf("a key reused for another amount: %v", err)
		}
		if _, err := models.RequestAdjustment(ctx, db, t0, models.AdjustInput{Key: "bad", MemberID: m, Asset: "gold"}); err == nil {
			t.Fatal("an adjustment without amount, asset or reason was accepted")
		} else if e, ok := models.AsError(err); !ok || len(e.Fields) != 3 {
			t.Fatalf("want 3 field errors, got %v", err)
		}
		if _, err := models.ApproveAdjustment(ctx, db, t0, maker, ids["p-big"]); !errors.Is(err, models.ErrAdjustSelfApproval) {
			t.Fatalf("the maker approved their own adjustment: %v", err)
		}
		a, err := models.ApproveAdjustment(ctx, db, t0, checker, ids["p-big"])
		if err != nil || a.Status != models.AdjustApplied || a.CheckerID != checker.ID {
			t.Fatalf("approval: %+v %v", a, err)
		}
		if _, err := models.ApproveAdjustment(ctx, db, t0, checker, ids["p-big"]); !errors.Is(err, models.ErrAdjustDecided) {
			t.Fatalf("approved twice: %v", err)
		}
		if _, err := models.RejectAdjustment(ctx, db, t0, checker, ids["v-big"]); err != nil {
			t.Fatal(err)
		}
		if b := f.balances(t, m); b.Points != 2200 || b.StoredValuePrincipal != 15000 {
			t.Fatalf("after approval and rejection: %+v", b)
		}
		pending, err := models.ListAdjustments(ctx, db.R, 0, nil, 0)
		if err != nil || len(pending) != 0 {
			t.Fatalf("still pending: %+v %v", pending, err)
		}
		if rep, err := models.Verify(ctx, db); err != nil || !rep.Clean() {
			t.Fatalf("verify: %v %+v", err, rep.Problems)
		}
	})
}

// phoneSink records where SMS went.
type phoneSink struct{ to, code []string }

func (s *phoneSink) Send(_ context.Context, m models.Message) error {
	s.to = append(s.to, m.To)
	s.code = append(s.code, m.Vars["code"])
	return nil
}

// TestPhoneChangeNeedsTheCodeSentToTheNewNumber: the code goes by SMS to the
// new number (not the old one); a wrong code changes nothing; the right one
// moves the parent, and a number already at the school is refused.
func TestPhoneChangeNeedsTheCodeSentToTheNewNumber(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	secret := []byte("0123456789abcdef0123456789abcdef")
	f := newFixture(t, db)
	m := f.member(t, false)
	var fam int64
	if err := db.R.Raw("SELECT family_id FROM members WHERE id = ?", m).Scan(&fam).Error; err != nil {
		t.Fatal(err)
	}
	for _, ph := range []string{"13800001111", "13900002222"} {
		if err := db.W.Exec("INSERT INTO guardians (family_id, name, phone, relation, created_at, updated_at) VALUES (?, '王妈妈', ?, 'mother', ?, ?)",
			fam, ph, t0, t0).Error; err != nil {
			t.Fatal(err)
		}
		fam = f.family(t, false) // the second number belongs to another family
	}
	var g models.Guardian
	if err := db.R.Where("phone = ?", "13800001111").Take(&g).Error; err != nil {
		t.Fatal(err)
	}
	p := &models.GuardianPrincipal{Phone: g.Phone, Guardians: []models.Guardian{g}, FamilyIDs: []int64{g.FamilyID}}
	if _, err := models.RequestPhoneChange(ctx, db, t0, secret, p, "13900002222", ""); !errors.Is(err, models.ErrPhoneTaken) {
		t.Fatalf("a number of another parent: %v", err)
	}
	if _, err := models.RequestPhoneChange(ctx, db, t0, secret, p, "138 0000 1111", ""); !errors.Is(err, models.ErrPhoneSame) {
		t.Fatalf("the same number: %v", err)
	}
	if _, err := models.RequestPhoneChange(ctx, db, t0, secret, p, "13700003333", ""); err != nil {
		t.Fatal(err)
	}
	sms := &phoneSink{}
	w := models.NewWorker(db, models.NotifyConfig{SMS: sms, Secret: secret}, func() time.Time { return t0 })
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(sms.to) != 1 || sms.to[0] != "13700003333" || len(sms.code[0]) != 6 {
		t.Fatalf("SMS went to %v with %v; want the new number and a code", sms.to, sms.code)
	}
	wrong := "000000"
	if sms.code[0] == wrong {
		wrong = "111111"
	}
	if err := models.ConfirmPhoneChange(ctx, db, t0, secret, p, "13700003333", wrong, ""); !errors.Is(err, models.ErrOTPWrong) {
		t.Fatalf("a wrong code: %v", err)
	}
	if err := models.ConfirmPhoneChange(ctx, db, t0.Add(time.Minute), secret, p, "13700003333", sms.code[0], ""); err != nil {
		t.Fatal(err)
	}
	var phone string
	if err := db.R.Raw("SELECT phone FROM guardians WHERE id = ?", g.ID).Scan(&phone).Error; err != nil || phone != "13700003333" {
		t.Fatalf("guardian phone %q %v", phone, err)
	}
}
