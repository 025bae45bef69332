package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// CouponUse asks to spend coupons on a bill.
type CouponUse struct {
	MemberID   int64
	Codes      []string
	Lines      []CouponLine
	PurchaseID int64 // 0 when not known yet: link later with LinkCouponsToPurchase
	Actor      Actor
}

// normCodes upper-cases and trims codes, dropping blanks.
func normCodes(codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// loadCoupons reads coupons by code in the order given, locking them on
// MySQL; an unknown code is ErrCouponUnknown.
func loadCoupons(ctx context.Context, tx *gorm.DB, codes []string, lock bool) ([]Coupon, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	q := `SELECT * FROM coupons WHERE code IN ?`
	if lock {
		q += forUpdate(tx)
	}
	var cs []Coupon
	if err := tx.WithContext(ctx).Raw(q, codes).Scan(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: load coupons: %w", err)
	}
	by := make(map[string]Coupon, len(cs))
	for _, c := range cs {
		by[c.Code] = c
	}
	out := make([]Coupon, 0, len(codes))
	for _, code := range codes {
		c, ok := by[code]
		if !ok {
			return nil, ErrCouponUnknown.With(code)
		}
		out = append(out, c)
	}
	return out, nil
}

// ValidateCoupons prices coupons against a bill without changing anything.
func ValidateCoupons(ctx context.Context, db *gorm.DB, now time.Time, memberID int64, codes []string, lines []CouponLine) (CouponResult, error) {
	cs, err := loadCoupons(ctx, db, normCodes(codes), false)
	if err != nil {
		return CouponResult{PerLine: make([]int64, len(lines))}, err
	}
	return PriceCoupons(cs, memberID, lines, now)
}

// ApplyCoupons validates the coupons, prices them against the bill and
// marks them used, all inside the caller's transaction tx. Each coupon moves
// from active to used by a conditional UPDATE, so two tills racing for one
// coupon cannot both spend it: the loser gets ErrCouponUsed and its whole
// transaction rolls back. The purchase use case calls it before posting and
// subtracts res.Discount (res.PerLine per line) from the bill.
func ApplyCoupons(ctx context.Context, tx *gorm.DB, now time.Time, u CouponUse) (CouponResult, error) {
	now = now.UTC()
	cs, err := loadCoupons(ctx, tx, normCodes(u.Codes), true)
	if err != nil {
		return CouponResult{PerLine: make([]int64, len(u.Lines))}, err
	}
	res, err := PriceCoupons(cs, u.MemberID, u.Lines, now)
	if err != nil {
		return res, err
	}
	for _, a := range res.Applied {
		if err := markUsed(ctx, tx, now, a.CouponID, a.Code, u.PurchaseID, u.Actor.ID, a.Discount); err != nil {
			return res, err
		}
	}
	return res, nil
}

func markUsed(ctx context.Context, tx *gorm.DB, now time.Time, id int64, code string, purchaseID, by, discount int64) error {
	var pid any
	if purchaseID != 0 {
		pid = purchaseID
	}
	r := tx.WithContext(ctx).Exec(`UPDATE coupons SET status = ?, used_at = ?, used_purchase_id = ?, used_by = ?,
		used_discount = ? WHERE id = ? AND status = ?`, CouponUsed, now, pid, by, discount, id, CouponActive)
	if r.Error != nil {
		return fmt.Errorf("models: use coupon: %w", r.Error)
	}
	if r.RowsAffected != 1 {
		return ErrCouponUsed.With(code)
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE coupon_templates SET used_count = used_count + 1
		WHERE id = (SELECT template_id FROM coupons WHERE id = ?)`, id).Error; err != nil {
		return fmt.Errorf("models: use coupon: %w", err)
	}
	if err := Emit(ctx, tx, DomainEvent{Type: EventCouponUsed, At: now, ObjectID: id, Actor: Actor{Type: "staff", ID: by}}); err != nil {
		return err
	}
	return nil
}

// LinkCouponsToPurchase records which purchase spent the coupons applied
// with PurchaseID 0 (call it once the purchase row has its id).
func LinkCouponsToPurchase(ctx context.Context, tx *gorm.DB, res CouponResult, purchaseID int64) error {
	if len(res.Applied) == 0 {
		return nil
	}
	ids := make([]int64, len(res.Applied))
	for i, a := range res.Applied {
		ids[i] = a.CouponID
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE coupons SET used_purchase_id = ? WHERE id IN ?`, purchaseID, ids).Error; err != nil {
		return fmt.Errorf("models: link coupons: %w", err)
	}
	return nil
}

// RestoreCoupons gives back the coupons a purchase spent, when the purchase
// is refunded in full: each one still inside its validity window becomes
// usable again; an expired one stays used. It returns how many came back.
func RestoreCoupons(ctx context.Context, tx *gorm.DB, now time.Time, purchaseID int64) (int, error) {
	now = now.UTC()
	var cs []Coupon
	if err := tx.WithContext(ctx).Raw(`SELECT * FROM coupons WHERE used_purchase_id = ? AND status = ?`+forUpdate(tx),
		purchaseID, CouponUsed).Scan(&cs).Error; err != nil {
		return 0, fmt.Errorf("models: restore coupons: %w", err)
	}
	n := 0
	for _, c := range cs {
		if !now.Before(c.ValidUntil) {
			continue
		}
		r := tx.WithContext(ctx).Exec(`UPDATE coupons SET status = ?, used_at = NULL, used_purchase_id = NULL, used_by = 0,
			used_discount = 0 WHERE id = ? AND status = ?`, CouponActive, c.ID, CouponUsed)
		if r.Error != nil {
			return n, fmt.Errorf("models: restore coupons: %w", r.Error)
		}
		if r.RowsAffected == 1 {
			n++
			if err := tx.WithContext(ctx).Exec(`UPDATE coupon_templates SET used_count = used_count - 1 WHERE id = ?`,
				c.TemplateID).Error; err != nil {
				return n, fmt.Errorf("models: restore coupons: %w", err)
			}
		}
	}
	return n, nil
}

// RedeemedCoupon is a coupon just redeemed at the desk, with its holder.
type RedeemedCoupon struct {
	Coupon
	MemberName string
}

// RedeemCoupon marks one of a member's coupons used at the desk (a gift
// handed over, a free lesson taken, a discount given off-system), inside tx.
func RedeemCoupon(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, memberID int64, code string) (*RedeemedCoupon, error) {
	now = now.UTC()
	cs, err := loadCoupons(ctx, tx, normCodes([]string{code}), true)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, ErrCouponUnknown.With(code)
	}
	c := cs[0]
	if err := CheckUsable(c, memberID, now); err != nil {
		return nil, err
	}
	if err := markUsed(ctx, tx, now, c.ID, c.Code, 0, actor.ID, c.FaceValue()); err != nil {
		return nil, err
	}
	if err := Audit(ctx, tx, now, actor, "coupon.redeem", "coupon", c.ID, fmt.Sprintf("member=%d", memberID)); err != nil {
		return nil, err
	}
	c.Status, c.UsedAt, c.UsedBy, c.UsedDiscount = CouponUsed, &now, actor.ID, c.FaceValue()
	var name string
	if err := tx.WithContext(ctx).Raw(`SELECT name FROM members WHERE id = ?`, memberID).Scan(&name).Error; err != nil {
		return nil, fmt.Errorf("models: redeem coupon: %w", err)
	}
	return &RedeemedCoupon{Coupon: c, MemberName: name}, nil
}

// RedeemMemberCoupon redeems one coupon of a scanned member at the desk,
// in its own transaction.
func RedeemMemberCoupon(ctx context.Context, db *DB, now time.Time, actor Actor, memberID int64, code string) (*RedeemedCoupon, error) {
	var out *RedeemedCoupon
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = RedeemCoupon(ctx, tx, now, actor, memberID, code)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("models: redeem coupon: %w", err)
	}
	return out, nil
}

// giveSlots returns the slots an attempt took that did not fail by a wrong
// code; a failure to give one back only makes the limit stricter.
func giveSlots(ctx context.Context, db *DB, keys []string) {
	for _, k := range keys {
		_ = GiveSlot(ctx, db.W, k)
	}
}

// checkCouponCampus refuses a member outside the caller's campuses as unknown.
func checkCouponCampus(ctx context.Context, tx *gorm.DB, campuses []int64, memberID int64) error {
	if campuses == nil {
		return nil
	}
	cs, err := ObjectCampuses(ctx, tx, ObjectMember, memberID)
	if errors.Is(err, ErrNotFound) {
		return ErrMemberNotFound
	}
	if err != nil {
		return err
	}
	for _, c := range cs {
		if containsID(campuses, c) {
			return nil
		}
	}
	return ErrMemberNotFound
}

// CouponRedeem names a coupon to redeem: the member and the coupon's code
// (after a card scan), or the guardian's phone and the 6-digit code.
type CouponRedeem struct {
	MemberID   int64  `json:"member_id,omitempty"`
	Code       string `json:"code,omitempty"`
	Phone      string `json:"phone,omitempty"`
	VerifyCode string `json:"verify_code,omitempty"`
	// Campuses limits the coupons found to members of these campuses (the
	// caller's); nil is every campus. Another campus's coupon is not found.
	Campuses []int64 `json:"-"`
}

// CouponJSON is a redeemed coupon as the API answers it.
type CouponJSON struct {
	ID         int64     `json:"id"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	Value      int64     `json:"value"`
	MemberID   int64     `json:"member_id"`
	MemberName string    `json:"member_name"`
	Status     string    `json:"status"`
	ValidUntil time.Time `json:"valid_until"`
	UsedAt     time.Time `json:"used_at"`
}

// RedeemCouponByPhone redeems a coupon with the guardian's phone number and
// the coupon's 6-digit verification code (seed 004). Failures are counted
// per phone and per IP; past the limit every attempt, right or wrong, is
// refused with ErrCouponRateLimited until the window passes, so a code
// cannot be found by trying all million.
func RedeemCouponByPhone(ctx context.Context, db *DB, now time.Time, actor Actor, phone, verify string) (*RedeemedCoupon, error) {
	return RedeemCouponByPhoneIn(ctx, db, now, actor, nil, phone, verify)
}

// RedeemCouponByPhoneIn is RedeemCouponByPhone for a desk that serves only
// campuses (nil: every campus): another campus's coupon counts as a wrong code.
func RedeemCouponByPhoneIn(ctx context.Context, db *DB, now time.Time, actor Actor, campuses []int64, phone, verify string) (*RedeemedCoupon, error) {
	var out *RedeemedCoupon
	err := redeemGuarded(ctx, db, now, actor, CouponRedeem{Phone: phone, VerifyCode: verify, Campuses: campuses}, func(run func(tx *gorm.DB) (*RedeemedCoupon, error)) error {
		return db.Tx(ctx, func(tx *gorm.DB) error {
			var err error
			out, err = run(tx)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RedeemCouponIdempotent is the API's redemption: by member and code, or
// by phone and verification code (rate-limited as at the desk), once per
// idempotency key; the answer is a CouponJSON with status 200.
func RedeemCouponIdempotent(ctx context.Context, db *DB, now time.Time, actor Actor, id Idem, in CouponRedeem) (Outcome, error) {
	var out Outcome
	err := redeemGuarded(ctx, db, now, actor, in, func(run func(tx *gorm.DB) (*RedeemedCoupon, error)) error {
		var err error
		out, err = RunIdempotent(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
			c, err := run(tx)
			if err != nil {
				return 0, nil, err
			}
			used := now.UTC()
			if c.UsedAt != nil {
				used = *c.UsedAt
			}
			b, err := json.Marshal(CouponJSON{ID: c.ID, Code: c.Code, Name: c.Name, Kind: c.Kind, Value: c.FaceValue(),
				MemberID: c.MemberID, MemberName: c.MemberName, Status: c.Status, ValidUntil: c.ValidUntil, UsedAt: used})
			return 200, b, err
		})
		return err
	})
	return out, err
}

// redeemGuarded validates a redemption request, enforces the phone and IP
// limits when it goes by phone, runs it through exec (which supplies the
// transaction) and records a failure when the phone and code matched nothing.
func redeemGuarded(ctx context.Context, db *DB, now time.Time, actor Actor, in CouponRedeem,
	exec func(run func(tx *gorm.DB) (*RedeemedCoupon, error)) error) error {
	now = now.UTC()
	byPhone := in.Phone != "" || in.VerifyCode != ""
	f := map[string]string{}
	if byPhone {
		in.Phone = NormalizePhone(in.Phone)
		in.VerifyCode = strings.TrimSpace(in.VerifyCode)
		if !ValidMobile(in.Phone) {
			f["phone"] = "err.member_phone"
		}
		if len(in.VerifyCode) != 6 || strings.Trim(in.VerifyCode, "0123456789") != "" {
			f["verify_code"] = "err.coupon_verify_format"
		}
	} else {
		if in.MemberID <= 0 {
			f["member_id"] = "err.required"
		}
		if strings.TrimSpace(in.Code) == "" {
			f["code"] = "err.required"
		}
	}
	if len(f) > 0 {
		return Invalid(f)
	}
	var taken []string
	if byPhone {
		rules, err := LoadLoyaltyRules(ctx, db.R, now)
		if err != nil {
			return err
		}
		window := time.Duration(rules.RedeemWindowMinutes) * time.Minute
		limits := []struct {
			key string
			max int
		}{{"redeem:phone:" + in.Phone, rules.RedeemMaxFailuresPhone}, {"redeem:ip:" + actor.IP, rules.RedeemMaxFailuresIP}}
		// Each attempt takes a slot before the code is evaluated (check and
		// count in one statement); only a wrong code keeps it.
		for _, k := range limits {
			ok, err := TakeSlot(ctx, db.W, now, k.key, k.max, window)
			if err == nil && !ok {
				err = ErrCouponRateLimited.With(rules.RedeemWindowMinutes)
			}
			if err != nil {
				giveSlots(ctx, db, taken)
				return err
			}
			taken = append(taken, k.key)
		}
	}
	err := exec(func(tx *gorm.DB) (*RedeemedCoupon, error) {
		if !byPhone {
			if err := checkCouponCampus(ctx, tx, in.Campuses, in.MemberID); err != nil {
				return nil, err
			}
			return RedeemCoupon(ctx, tx, now, actor, in.MemberID, in.Code)
		}
		var cs []Coupon
		if err := tx.WithContext(ctx).Raw(`SELECT c.* FROM coupons c JOIN members m ON m.id = c.member_id
			JOIN guardians g ON g.family_id = m.family_id
			WHERE g.phone = ? AND c.verify_code = ? AND (? OR m.campus_id IN ?)
			ORDER BY c.status = 'active' DESC, c.valid_until`, in.Phone, in.VerifyCode,
			in.Campuses == nil, append([]int64{0}, in.Campuses...)).
			Scan(&cs).Error; err != nil {
			return nil, fmt.Errorf("models: redeem coupon: %w", err)
		}
		if len(cs) == 0 {
			return nil, ErrCouponCodeWrong
		}
		return RedeemCoupon(ctx, tx, now, actor, cs[0].MemberID, cs[0].Code)
	})
	if byPhone && !errors.Is(err, ErrCouponCodeWrong) {
		giveSlots(ctx, db, taken)
	}
	return err
}
