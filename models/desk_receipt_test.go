package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

// deskFix is a campus with a cashier, a campus manager with an approval
// PIN, a member with points and stored value, and rules with a tier
// discount on tuition, so that a purchase has every kind of receipt line.
type deskFix struct {
	*lyFix
	cashier, manager *models.StaffUser
	kid              *models.Member
	cashierActor     models.Actor
}

func newDeskFix(t *testing.T, db *models.DB) *deskFix {
	t.Helper()
	ctx := context.Background()
	f := &deskFix{lyFix: newLyFix(t, db)}
	r := models.DefaultRules()
	r.TuitionDiscountPermille[models.TierSilver] = 50 // 5 % off tuition
	if err := models.SaveRules(ctx, db, lyNow.Add(-time.Hour), f.actor, r, lyNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.cashier, err = models.CreateStaff(ctx, db.W, lyNow, models.NewStaff{Username: "desk" + lyPhone(), Name: "刘前台",
		Password: "password123", Role: string(models.RoleCashier), CampusIDs: []int64{f.campus}}); err != nil {
		t.Fatal(err)
	}
	if f.manager, err = models.CreateStaff(ctx, db.W, lyNow, models.NewStaff{Username: "mgr" + lyPhone(), Name: "陈园长",
		Password: "password123", Role: string(models.RoleCampusManager), CampusIDs: []int64{f.campus}}); err != nil {
		t.Fatal(err)
	}
	if f.manager, err = models.GetStaff(ctx, db.R, f.manager.ID); err != nil {
		t.Fatal(err)
	}
	if err := models.SetApprovalPIN(ctx, db, lyNow, f.actor, f.manager, "2580"); err != nil {
		t.Fatal(err)
	}
	f.cashierActor = models.Actor{Type: "staff", ID: f.cashier.ID, CampusID: f.campus}
	f.kid = f.lyFix.member(t, "张小明", lyPhone(), "")
	if _, err := models.RecordTopup(ctx, db, lyNow, models.Idem{Scope: "t", Key: "top" + lyPhone(), Hash: "h"},
		models.TopupInput{MemberID: f.kid.ID, Amount: 300000, Method: "cash", Actor: f.cashierActor}); err != nil {
		t.Fatal(err)
	}
	if err := db.Tx(ctx, func(tx *gorm.DB) error {
		_, err := models.AwardPoints(ctx, tx, lyNow, models.Award{MemberID: f.kid.ID, Points: 5000, Reason: "manual",
			RefType: "test", RefID: f.kid.ID, Actor: f.actor})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// buy records a purchase and returns its id.
func (f *deskFix) buy(t *testing.T, key string, in models.PurchaseInput) int64 {
	t.Helper()
	in.MemberID, in.Actor = f.kid.ID, f.cashierActor
	out, err := models.RecordPurchase(context.Background(), f.db, lyNow.Add(time.Minute),
		models.Idem{Scope: "t", Key: "buy" + lyPhone(), Hash: key}, in)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := f.db.R.Raw(`SELECT MAX(id) FROM purchases WHERE member_id = ?`, f.kid.ID).Scan(&id).Error; err != nil || out.Status != 201 {
		t.Fatal(err, out.Status)
	}
	return id
}

// TestDesk runs the desk's model tests on one shared fixture per database:
// receipts add up, line refunds, PIN approval, shift close reasons.
func TestDesk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newDeskFix(t, db)
		t.Run("receipt adds up", func(t *testing.T) { deskReceiptAddsUp(t, db, f) })
		t.Run("line refund", func(t *testing.T) { deskLineRefund(t, db, f) })
		t.Run("PIN approval", func(t *testing.T) { deskPINApproval(t, db, f) })
		t.Run("shift close needs a reason", func(t *testing.T) { deskShiftCloseNeedsReason(t, db, f) })
	})
}

func deskReceiptAddsUp(t *testing.T, db *models.DB, f *deskFix) {
	{
		ctx := context.Background()
		tp := f.template(t, models.NewCouponTemplate{Name: "满减券"})
		cp, err := models.IssueCouponByHand(ctx, db, lyNow, f.actor, tp.ID, f.kid.ID)
		if err != nil {
			t.Fatal(err)
		}
		items := []models.PurchaseItem{{Category: "tuition", Amount: 128800, Description: "秋季学费"},
			{Category: "materials", Amount: 3333, Description: "绘本"}, {Category: "meals", Amount: 9999}}
		for _, c := range []struct {
			name string
			in   models.PurchaseInput
			// the discount lines expected, in order
			kinds []string
		}{
			{"items only, one payment", models.PurchaseInput{Items: items[1:],
				Payments: []models.Payment{{Method: "cash", Amount: 13332}}}, nil},
			{"tier, coupon, points, split payment", models.PurchaseInput{Items: items, CouponCodes: []string{cp.Code},
				PointsToRedeem: 3000, Payments: []models.Payment{{Method: "stored_value", Amount: 100000},
					{Method: "wechat", Amount: 128800 + 3333 + 9999 - 6440 - 2000 - 3000 - 100000}}},
				[]string{models.LineTier, models.LineCoupon, models.LinePoints}},
		} {
			t.Run(c.name, func(t *testing.T) {
				id := f.buy(t, c.name, c.in)
				r, _, err := models.LoadPurchaseReceipt(ctx, db.R, id)
				if err != nil {
					t.Fatal(err)
				}
				paid := r.Purchase.Paid
				if r.Total() != paid || r.PaymentTotal() != paid {
					t.Fatalf("lines add up to %d, payments to %d, paid %d", r.Total(), r.PaymentTotal(), paid)
				}
				var nets int64
				for _, l := range r.Items {
					nets += l.Net
				}
				if nets != paid {
					t.Fatalf("line nets %d, paid %d", nets, paid)
				}
				if len(r.Discounts) != len(c.kinds) {
					t.Fatalf("discount lines %+v, want %v", r.Discounts, c.kinds)
				}
				for i, k := range c.kinds {
					if r.Discounts[i].Kind != k {
						t.Fatalf("line %d is %s, want %s", i, r.Discounts[i].Kind, k)
					}
				}
				if len(c.kinds) > 0 && (r.Discounts[1].Code != cp.Code || r.Discounts[1].Amount != -2000 ||
					r.Discounts[0].Amount != -6440 || r.Discounts[2].Points != 3000) {
					t.Fatalf("discounts %+v", r.Discounts)
				}
			})
		}
	}
}

func deskLineRefund(t *testing.T, db *models.DB, f *deskFix) {
	{
		ctx := context.Background()
		id := f.buy(t, "lines", models.PurchaseInput{PointsToRedeem: 1000,
			Items:    []models.PurchaseItem{{Category: "tuition", Amount: 60000}, {Category: "materials", Amount: 4000, Description: "教材"}},
			Payments: []models.Payment{{Method: "stored_value", Amount: 20000}, {Method: "cash", Amount: 60000 - 3000 + 4000 - 1000 - 20000}}})
		r, _, err := models.LoadPurchaseReceipt(ctx, db.R, id)
		if err != nil {
			t.Fatal(err)
		}
		mat := r.Items[1].Net // the 教材 after its share of points-for-cash
		split := models.PreviewRefundSplit(r.Purchase, nil, mat)
		if split.StoredValue+split.Owed["cash"] != mat {
			t.Fatalf("split %+v of %d", split, mat)
		}
		refund := func(key string, lines []int, approver models.Approver) (*models.DeskRefundOutcome, error) {
			return models.DeskRefund(ctx, db, lyNow.Add(time.Hour), "t", key, models.DeskRefundInput{Kind: models.ReceiptPurchase,
				ID: id, Lines: lines, Reason: "退教材", User: f.cashier, Actor: f.cashierActor, Approver: approver})
		}
		out, err := refund("k1", []int{1}, models.Approver{})
		if err != nil {
			t.Fatal(err)
		}
		got := out.Purchase
		if got.Amount != mat || got.StoredValueReturned != split.StoredValue || got.Owed["cash"] != split.Owed["cash"] {
			t.Fatalf("refunded %+v, preview %+v", got, split)
		}
		for _, c := range []struct {
			name  string
			lines []int
			want  string
		}{
			{"the same line again", []int{1}, "desk.refund_bad_line"},
			{"a line that does not exist", []int{7}, "desk.refund_bad_line"},
		} {
			_, err := refund("k-"+c.name, c.lines, models.Approver{})
			if e, ok := models.AsError(err); !ok || e.Fields["lines"] != c.want {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		// The rest (the tuition) is above the approval threshold? No: ¥570 −
		// points share; the refund receipt lists the line and its split.
		rf, err := models.DeskRefundRow(ctx, db.R, got.ID)
		if err != nil || rf.LineNos != "1" || rf.Amount != mat {
			t.Fatalf("refund row %+v %v", rf, err)
		}
		r, _, _ = models.LoadPurchaseReceipt(ctx, db.R, id)
		if !r.Items[1].Refunded || r.Items[0].Refunded || len(r.Refundable()) != 1 {
			t.Fatalf("after refund %+v", r.Items)
		}
	}
}

func deskPINApproval(t *testing.T, db *models.DB, f *deskFix) {
	{
		ctx := context.Background()
		for _, pin := range []string{"123", "1234567", "12a4", "1111", "1234", "6543"} {
			if err := models.SetApprovalPIN(ctx, db, lyNow, f.actor, f.manager, pin); err == nil {
				t.Fatalf("PIN %q accepted", pin)
			}
		}
		if err := models.SetApprovalPIN(ctx, db, lyNow, f.actor, f.cashier, "2580"); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a cashier set a PIN: %v", err)
		}
		id := f.buy(t, "big", models.PurchaseInput{Items: []models.PurchaseItem{{Category: "meals", Amount: 150000}},
			Payments: []models.Payment{{Method: "cash", Amount: 150000}}})
		refund := func(key string, a models.Approver) error {
			_, err := models.DeskRefund(ctx, db, lyNow.Add(time.Hour), "t", key, models.DeskRefundInput{Kind: models.ReceiptPurchase,
				ID: id, Reason: "退费", User: f.cashier, Actor: f.cashierActor, Approver: a})
			return err
		}
		if err := refund("none", models.Approver{}); !errors.Is(err, models.ErrApprovalRequired) {
			t.Fatalf("no approver: %v", err)
		}
		// Four wrong PINs, then the right one still works (the limit is five).
		for i := 0; i < 4; i++ {
			if err := refund("w", models.Approver{Username: f.manager.Username, PIN: "0000"}); !errors.Is(err, models.ErrApprovalDenied) {
				t.Fatalf("wrong PIN %d: %v", i, err)
			}
		}
		ok := models.Approver{Username: f.manager.Username, PIN: "2580"}
		if err := refund("ok", ok); err != nil {
			t.Fatalf("right PIN: %v", err)
		}
		var audited int64
		db.R.Raw(`SELECT COUNT(*) FROM audit_log WHERE action = 'refund.approve' AND detail LIKE ?`,
			"%"+f.manager.Username+"%").Scan(&audited)
		if audited != 1 {
			t.Fatalf("%d approvals audited", audited)
		}
		id = f.buy(t, "big2", models.PurchaseInput{Items: []models.PurchaseItem{{Category: "meals", Amount: 150000}},
			Payments: []models.Payment{{Method: "cash", Amount: 150000}}})
		// The fifth wrong one uses the last slot; after it even the right PIN
		// is refused: guessing stops.
		if err := refund("w5", models.Approver{Username: f.manager.Username, PIN: "9999"}); !errors.Is(err, models.ErrApprovalDenied) {
			t.Fatalf("fifth wrong PIN: %v", err)
		}
		if err := refund("locked", ok); !errors.Is(err, models.ErrPINLocked) {
			t.Fatalf("after five wrong PINs: %v", err)
		}
		var refunded int64
		db.R.Raw(`SELECT refunded FROM purchases WHERE id = ?`, id).Scan(&refunded)
		if refunded != 0 {
			t.Fatalf("a locked approval refunded %d", refunded)
		}
	}
}

func deskShiftCloseNeedsReason(t *testing.T, db *models.DB, f *deskFix) {
	{
		ctx := context.Background()
		if _, err := models.OpenShift(ctx, db, lyNow, f.cashierActor, f.cashier, f.campus, 20000); err != nil {
			t.Fatal(err)
		}
		short := int64(19950)
		for _, c := range []struct {
			name    string
			counted *int64
			note    string
			ok      bool
		}{
			{"short without a reason", &short, "  ", false},
			{"short with a reason", &short, "找错零钱", true},
		} {
			s, err := models.CloseShift(ctx, db, lyNow.Add(time.Hour), f.cashierActor, f.cashier.ID, c.counted, c.note)
			if c.ok != (err == nil) {
				t.Fatalf("%s: %v", c.name, err)
			}
			if !c.ok {
				if e, ok := models.AsError(err); !ok || e.Fields["note"] != "desk.shift_reason_required" {
					t.Fatalf("%s: %v", c.name, err)
				}
				if cur, err := models.CurrentShift(ctx, db.R, f.cashier.ID); err != nil || cur == nil {
					t.Fatalf("%s: the shift closed anyway (%v)", c.name, err)
				}
				continue
			}
			if s.CashDifference() != short-*s.ExpectedCash || s.CashDifference() == 0 || s.Note != "找错零钱" {
				t.Fatalf("%s: %+v", c.name, s)
			}
		}
	}
}
