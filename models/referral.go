package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"
	"gorm.io/gorm"
)

// Referral statuses, in the order a referral moves through them (seed 003).
const (
	ReferralInvited    = "invited"
	ReferralRegistered = "registered"
	ReferralPaid       = "paid"
	ReferralRewarded   = "rewarded"
)

// ReferralStatuses lists the statuses in order.
var ReferralStatuses = []string{ReferralInvited, ReferralRegistered, ReferralPaid, ReferralRewarded}

// Expected referral failures.
var (
	ErrReferralCode     = NewError(KindNotFound, "unknown-referral-code", "err.referral_code_unknown")
	ErrReferralSelf     = NewError(KindConflict, "referral-self", "err.referral_self")
	ErrReferralTaken    = NewError(KindConflict, "referral-already", "err.referral_already")
	ErrReferralNotFresh = NewError(KindConflict, "referral-not-new", "err.referral_not_new")
)

type referralCodeRow struct {
	MemberID  int64 `gorm:"primaryKey;autoIncrement:false"`
	Code      string
	CreatedAt time.Time
}

func (referralCodeRow) TableName() string { return "referral_codes" }

// ReferralCode returns the member's referral code, creating it on first use.
func ReferralCode(ctx context.Context, db *DB, memberID int64) (string, error) {
	var row referralCodeRow
	err := db.R.WithContext(ctx).Where("member_id = ?", memberID).Take(&row).Error
	if err == nil {
		return row.Code, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fmt.Errorf("models: referral code: %w", err)
	}
	if _, err := GetMember(ctx, db.R, memberID); err != nil {
		return "", err
	}
	for attempt := 0; attempt < 5; attempt++ {
		row = referralCodeRow{MemberID: memberID, Code: randomCode(6), CreatedAt: time.Now().UTC()}
		err = db.W.WithContext(ctx).Create(&row).Error
		if err == nil {
			return row.Code, nil
		}
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			return "", fmt.Errorf("models: referral code: %w", err)
		}
		// Either a concurrent request created this member's code, or the
		// random code collided: read back, else try another code.
		if e := db.W.WithContext(ctx).Where("member_id = ?", memberID).Take(&row).Error; e == nil {
			return row.Code, nil
		}
	}
	return "", fmt.Errorf("models: referral code: %w", err)
}

// ReferralLink is what the poster's QR code opens: the portal's sign-up
// page with the code filled in. base is the school's public URL.
func ReferralLink(base, code string) string {
	return strings.TrimRight(base, "/") + "/portal/join?ref=" + code
}

// ReferralQR renders the QR code of a referral link as a PNG of size pixels.
func ReferralQR(link string, size int) ([]byte, error) {
	png, err := qrcode.Encode(link, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("models: referral qr: %w", err)
	}
	return png, nil
}

// Referral is one family brought in by a member (转介绍).
type Referral struct {
	ID               int64
	ReferrerMemberID int64
	InviteeName      string
	InviteePhone     string
	ReferredMemberID *int64
	ReferredFamilyID *int64
	Status           string
	Grade            string // the referrer's grade when the terms were fixed
	ReferrerGift     int64  // fen
	DiscountPercent  int64
	ReferrerCouponID *int64
	DiscountCouponID *int64
	PurchaseID       *int64
	InvitedAt        time.Time
	RegisteredAt     *time.Time
	PaidAt           *time.Time
	RewardedAt       *time.Time
}

// TableName maps Referral to its table.
func (Referral) TableName() string { return "referrals" }

func memberByReferralCode(ctx context.Context, tx *gorm.DB, code string) (*Member, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	var row referralCodeRow
	err := tx.WithContext(ctx).Where("code = ?", code).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrReferralCode.With(code)
	}
	if err != nil {
		return nil, fmt.Errorf("models: referral code: %w", err)
	}
	return GetMember(ctx, tx, row.MemberID)
}

// InviteReferral records that a member invited a friend (status invited):
// the front desk or the parent portal fills in the friend's name and phone.
func InviteReferral(ctx context.Context, db *DB, now time.Time, actor Actor, code, name, phone string) (*Referral, error) {
	name, phone = strings.TrimSpace(name), NormalizePhone(phone)
	f := map[string]string{}
	if name == "" {
		f["invitee_name"] = "err.required"
	} else if utf8.RuneCountInString(name) > 40 {
		f["invitee_name"] = "err.member_name_long"
	}
	if !ValidMobile(phone) {
		f["invitee_phone"] = "err.member_phone"
	}
	if strings.TrimSpace(code) == "" {
		f["code"] = "err.required"
	}
	if len(f) > 0 {
		return nil, Invalid(f)
	}
	var r *Referral
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		m, err := memberByReferralCode(ctx, tx, code)
		if err != nil {
			return err
		}
		r = &Referral{ReferrerMemberID: m.ID, InviteeName: name, InviteePhone: phone, Status: ReferralInvited,
			Grade: m.Grade, InvitedAt: now.UTC()}
		if err := tx.Create(r).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "referral.invite", "referral", r.ID, fmt.Sprintf("referrer=%d", m.ID))
	})
	if err != nil {
		return nil, fmt.Errorf("models: invite referral: %w", err)
	}
	return r, nil
}

// RegisterReferral links a newly registered member's family to the member
// whose code they gave, inside tx (the member-creation transaction, or its
// own). An open invitation from that referrer to one of the family's phone
// numbers is taken over; otherwise a referral is created. The family's
// discount coupon for the first enrolment is issued now, so it can be spent
// on that enrolment; the referrer's gift waits until the family pays.
func RegisterReferral(ctx context.Context, tx *gorm.DB, now time.Time, actor Actor, code string, memberID int64) (*Referral, error) {
	now = now.UTC()
	ref, err := memberByReferralCode(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	m, err := GetMember(ctx, tx, memberID)
	if err != nil {
		return nil, err
	}
	if m.FamilyID == ref.FamilyID {
		return nil, ErrReferralSelf
	}
	var taken int64
	if err := tx.WithContext(ctx).Raw(`SELECT COUNT(*) FROM referrals WHERE referred_family_id = ?`, m.FamilyID).
		Scan(&taken).Error; err != nil {
		return nil, fmt.Errorf("models: register referral: %w", err)
	}
	if taken > 0 {
		return nil, ErrReferralTaken
	}
	var paid int64
	if err := tx.WithContext(ctx).Raw(`SELECT COUNT(*) FROM purchases p JOIN members x ON x.id = p.member_id
		WHERE x.family_id = ?`, m.FamilyID).Scan(&paid).Error; err == nil && paid > 0 {
		return nil, ErrReferralNotFresh
	}
	rules, err := LoadLoyaltyRules(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	gift, pct := rules.ReferralTerms(ref.Grade)
	var r Referral
	res := tx.WithContext(ctx).Raw(`SELECT * FROM referrals WHERE referrer_member_id = ? AND status = ? AND invitee_phone IN
		(SELECT phone FROM guardians WHERE family_id = ?) ORDER BY id LIMIT 1`+forUpdate(tx),
		ref.ID, ReferralInvited, m.FamilyID).Scan(&r)
	if res.Error != nil {
		return nil, fmt.Errorf("models: register referral: %w", res.Error)
	}
	if r.ID == 0 {
		r = Referral{ReferrerMemberID: ref.ID, InviteeName: m.Name, InvitedAt: now}
	}
	mid, fid := m.ID, m.FamilyID
	r.ReferredMemberID, r.ReferredFamilyID = &mid, &fid
	r.Status, r.RegisteredAt = ReferralRegistered, &now
	r.Grade, r.ReferrerGift, r.DiscountPercent = ref.Grade, gift, pct
	if err := tx.WithContext(ctx).Save(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, ErrReferralTaken
		}
		return nil, fmt.Errorf("models: register referral: %w", err)
	}
	if rules.ReferralDiscountTemplate != 0 && pct > 0 {
		tp, err := GetCouponTemplate(ctx, tx, rules.ReferralDiscountTemplate)
		if err != nil {
			return nil, err
		}
		terms := tp.CouponTerms
		terms.Kind, terms.PercentOff = CouponPercent, pct
		cp, err := IssueCoupon(ctx, tx, now, CouponIssue{TemplateID: tp.ID, MemberID: m.ID,
			SourceKey: fmt.Sprintf("referral:%d:discount", r.ID), Override: &terms, Actor: actor})
		if err != nil {
			return nil, err
		}
		r.DiscountCouponID = &cp.ID
		if err := tx.WithContext(ctx).Model(&Referral{}).Where("id = ?", r.ID).Update("discount_coupon_id", cp.ID).Error; err != nil {
			return nil, fmt.Errorf("models: register referral: %w", err)
		}
	}
	if err := Audit(ctx, tx, now, actor, "referral.register", "referral", r.ID,
		fmt.Sprintf("referrer=%d member=%d", ref.ID, m.ID)); err != nil {
		return nil, err
	}
	// Referrals made count towards the referrer's grade.
	if err := memberChanged(ctx, tx, now, MemberEvent{MemberID: ref.ID, Cause: "referral", Ref: Ref("referral", r.ID),
		Actor: actor}); err != nil {
		return nil, err
	}
	return &r, nil
}

// RegisterReferralByCode runs RegisterReferral in its own transaction (the
// back office linking an existing new member to a code).
func RegisterReferralByCode(ctx context.Context, db *DB, now time.Time, actor Actor, code string, memberID int64) (*Referral, error) {
	var r *Referral
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		r, err = RegisterReferral(ctx, tx, now, actor, code, memberID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("models: register referral: %w", err)
	}
	return r, nil
}

// referralAfterPurchase rewards the referrer when a referred family pays
// its first enrolment (a purchase with a tuition line): the referral moves
// to paid and, with the gift coupon issued, to rewarded.
func referralAfterPurchase(ctx context.Context, tx *gorm.DB, now time.Time, p PurchaseFacts) (*Referral, error) {
	tuition := false
	for _, l := range p.Lines {
		if l.Category == CategoryTuition && l.Amount > 0 {
			tuition = true
		}
	}
	if !tuition {
		return nil, nil
	}
	var r Referral
	res := tx.WithContext(ctx).Raw(`SELECT r.* FROM referrals r JOIN members m ON m.family_id = r.referred_family_id
		WHERE m.id = ? AND r.status = ?`+forUpdate(tx), p.MemberID, ReferralRegistered).Scan(&r)
	if res.Error != nil {
		return nil, fmt.Errorf("models: referral reward: %w", res.Error)
	}
	if r.ID == 0 {
		return nil, nil
	}
	pid := p.PurchaseID
	r.Status, r.PaidAt, r.PurchaseID = ReferralPaid, &now, &pid
	upd := map[string]any{"status": ReferralPaid, "paid_at": now, "purchase_id": pid}
	rules, err := LoadLoyaltyRules(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	if rules.ReferralGiftTemplate != 0 && r.ReferrerGift > 0 {
		tp, err := GetCouponTemplate(ctx, tx, rules.ReferralGiftTemplate)
		if err != nil {
			return nil, err
		}
		terms := tp.CouponTerms
		terms.Kind, terms.GiftValue = CouponGift, r.ReferrerGift
		cp, err := IssueCoupon(ctx, tx, now, CouponIssue{TemplateID: tp.ID, MemberID: r.ReferrerMemberID,
			SourceKey: fmt.Sprintf("referral:%d:gift", r.ID), Override: &terms})
		if err != nil {
			return nil, err
		}
		r.Status, r.RewardedAt, r.ReferrerCouponID = ReferralRewarded, &now, &cp.ID
		upd["status"], upd["rewarded_at"], upd["referrer_coupon_id"] = ReferralRewarded, now, cp.ID
	}
	if err := tx.WithContext(ctx).Model(&Referral{}).Where("id = ?", r.ID).Updates(upd).Error; err != nil {
		return nil, fmt.Errorf("models: referral reward: %w", err)
	}
	return &r, nil
}

// ReferralView is a referral with the names a list shows.
type ReferralView struct {
	Referral
	ReferrerName string
	ReferredName string
}

// ListReferrals lists referrals, newest first, optionally of one status.
func ListReferrals(ctx context.Context, db *gorm.DB, status string, limit int) ([]ReferralView, error) {
	q := `SELECT r.*, a.name AS referrer_name, COALESCE(b.name, '') AS referred_name FROM referrals r
		JOIN members a ON a.id = r.referrer_member_id LEFT JOIN members b ON b.id = r.referred_member_id`
	var args []any
	if status != "" {
		q += ` WHERE r.status = ?`
		args = append(args, status)
	}
	q += ` ORDER BY r.id DESC LIMIT ?`
	args = append(args, limit)
	var out []ReferralView
	if err := db.WithContext(ctx).Raw(q, args...).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: list referrals: %w", err)
	}
	return out, nil
}

// ReferralCounts counts referrals per status (the list's headline, and
// grading's "referrals made").
func ReferralCounts(ctx context.Context, db *gorm.DB) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	if err := db.WithContext(ctx).Raw(`SELECT status, COUNT(*) AS n FROM referrals GROUP BY status`).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: referral counts: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
