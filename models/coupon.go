package models

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// CouponTemplate is a kind of coupon a school hands out (优惠券模板).
type CouponTemplate struct {
	ID   int64
	Name string
	CouponTerms
	ValidFrom      *time.Time
	ValidUntil     *time.Time
	ValidDays      int
	PerMemberLimit int
	TotalQuantity  int64
	Budget         int64
	IssuedCount    int64
	IssuedValue    int64
	UsedCount      int64
	Status         string // active, archived
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName maps CouponTemplate to its table.
func (CouponTemplate) TableName() string { return "coupon_templates" }

// Remaining is how many more coupons the template may issue (-1 = no limit).
func (t CouponTemplate) Remaining() int64 {
	left := int64(-1)
	if t.TotalQuantity > 0 {
		left = max(t.TotalQuantity-t.IssuedCount, 0)
	}
	if fv := t.FaceValue(); t.Budget > 0 && fv > 0 {
		byBudget := max((t.Budget-t.IssuedValue)/fv, 0)
		if left < 0 || byBudget < left {
			left = byBudget
		}
	}
	return left
}

// Coupon is one coupon held by a member, with its terms copied at issue.
type Coupon struct {
	ID         int64
	TemplateID int64
	MemberID   int64
	Code       string
	VerifyCode string
	Name       string
	CouponTerms
	ValidFrom      time.Time
	ValidUntil     time.Time
	Status         string
	SourceKey      *string
	CampaignID     *int64
	IssuedByType   string
	IssuedBy       int64
	IssuedAt       time.Time
	UsedAt         *time.Time
	UsedPurchaseID *int64
	UsedBy         int64
	UsedDiscount   int64
}

// TableName maps Coupon to its table.
func (Coupon) TableName() string { return "coupons" }

// Usable reports whether the coupon can be used at now.
func (c Coupon) Usable(now time.Time) bool {
	return c.Status == CouponActive && !now.Before(c.ValidFrom) && now.Before(c.ValidUntil)
}

// NewCouponTemplate is what an admin fills in to create a template.
type NewCouponTemplate struct {
	Name string
	CouponTerms
	ValidFrom      *time.Time
	ValidUntil     *time.Time
	ValidDays      int
	PerMemberLimit int
	TotalQuantity  int64
	Budget         int64
}

// Validate checks a new template and returns field → message key.
func (n *NewCouponTemplate) Validate() map[string]string {
	n.Name = strings.TrimSpace(n.Name)
	f := n.CouponTerms.Validate()
	if n.Name == "" {
		f["name"] = "err.required"
	} else if utf8.RuneCountInString(n.Name) > 40 {
		f["name"] = "err.coupon_name_long"
	}
	switch {
	case n.ValidDays < 0 || n.ValidDays > 3660:
		f["valid_days"] = "err.coupon_valid_days"
	case n.ValidDays == 0 && n.ValidUntil == nil:
		f["valid_until"] = "err.coupon_validity_required"
	case n.ValidDays == 0 && n.ValidFrom != nil && !n.ValidUntil.After(*n.ValidFrom):
		f["valid_until"] = "err.coupon_validity_order"
	}
	if n.PerMemberLimit < 0 {
		f["per_member_limit"] = "err.coupon_negative"
	}
	if n.TotalQuantity < 0 {
		f["total_quantity"] = "err.coupon_negative"
	}
	if n.Budget < 0 {
		f["budget"] = "err.coupon_negative"
	}
	if n.Budget > 0 && n.FaceValue() == 0 {
		f["budget"] = "err.coupon_budget_needs_cap"
	}
	return f
}

// CreateCouponTemplate adds a template, audited.
func CreateCouponTemplate(ctx context.Context, db *DB, now time.Time, actor Actor, n NewCouponTemplate) (*CouponTemplate, error) {
	if f := n.Validate(); len(f) > 0 {
		return nil, Invalid(f)
	}
	n.Categories = strings.Join(n.CategoryList(), ",")
	t := &CouponTemplate{Name: n.Name, CouponTerms: n.CouponTerms, ValidFrom: utcPtr(n.ValidFrom),
		ValidUntil: utcPtr(n.ValidUntil), ValidDays: n.ValidDays, PerMemberLimit: n.PerMemberLimit,
		TotalQuantity: n.TotalQuantity, Budget: n.Budget, Status: "active", CreatedBy: actor.ID,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(t).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "coupon_template.create", "coupon_template", t.ID,
			fmt.Sprintf("kind=%s value=%d qty=%d budget=%d", t.Kind, t.FaceValue(), t.TotalQuantity, t.Budget))
	})
	if err != nil {
		return nil, fmt.Errorf("models: create coupon template: %w", err)
	}
	return t, nil
}

// SetCouponTemplateArchived stops (or resumes) issuing from a template;
// coupons already held stay valid.
func SetCouponTemplateArchived(ctx context.Context, db *DB, now time.Time, actor Actor, id int64, archived bool) error {
	status := "active"
	if archived {
		status = "archived"
	}
	return db.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&CouponTemplate{}).Where("id = ?", id).Updates(map[string]any{"status": status, "updated_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("models: archive coupon template: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return Audit(ctx, tx, now, actor, "coupon_template."+status, "coupon_template", id, "")
	})
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// GetCouponTemplate loads a template.
func GetCouponTemplate(ctx context.Context, db *gorm.DB, id int64) (*CouponTemplate, error) {
	var t CouponTemplate
	err := db.WithContext(ctx).Take(&t, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: get coupon template: %w", err)
	}
	return &t, nil
}

// ListCouponTemplates lists templates, active first, newest first.
func ListCouponTemplates(ctx context.Context, db *gorm.DB) ([]CouponTemplate, error) {
	var ts []CouponTemplate
	if err := db.WithContext(ctx).Order("status = 'active' DESC, id DESC").Find(&ts).Error; err != nil {
		return nil, fmt.Errorf("models: list coupon templates: %w", err)
	}
	return ts, nil
}

// lockTemplate reads a template under a row lock (SQLite's immediate
// transaction already serialises writers).
func lockTemplate(ctx context.Context, tx *gorm.DB, id int64) (*CouponTemplate, error) {
	var t CouponTemplate
	res := tx.WithContext(ctx).Raw(`SELECT * FROM coupon_templates WHERE id = ?`+forUpdate(tx), id).Scan(&t)
	if res.Error != nil {
		return nil, fmt.Errorf("models: lock coupon template: %w", res.Error)
	}
	if res.RowsAffected == 0 || t.ID == 0 {
		return nil, ErrNotFound
	}
	return &t, nil
}

// codeAlphabet avoids characters people misread (0/O, 1/I).
const codeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// randomCode returns n characters of codeAlphabet from crypto/rand.
func randomCode(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)] // 256 % 32 == 0: unbiased
	}
	return string(b)
}

// randomDigits returns n decimal digits, uniformly.
func randomDigits(n int) string {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, limit)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%0*d", n, v)
}

// CouponIssue asks for one coupon for one member.
type CouponIssue struct {
	TemplateID int64
	MemberID   int64
	// SourceKey, when set, makes the issue idempotent: a second issue with
	// the same key returns the first coupon and changes nothing.
	SourceKey string
	Actor     Actor
	// Override replaces the template's terms for this coupon (a referral
	// gift whose value depends on the referrer's grade).
	Override *CouponTerms
	// Quiet skips the guardian notice.
	Quiet bool
}

// IssueCoupon issues one coupon inside tx, holding the template's row lock
// while it checks the total quantity, the budget and the per-member limit,
// so concurrent issues can never exceed them. It queues a "coupon_issued"
// notice to the family in the same transaction.
func IssueCoupon(ctx context.Context, tx *gorm.DB, now time.Time, in CouponIssue) (*Coupon, error) {
	tx = tx.WithContext(ctx)
	now = now.UTC()
	tp, err := lockTemplate(ctx, tx, in.TemplateID)
	if err != nil {
		return nil, err
	}
	if in.SourceKey != "" {
		var prev Coupon
		err := tx.Where("source_key = ?", in.SourceKey).Take(&prev).Error
		if err == nil {
			return &prev, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("models: issue coupon: %w", err)
		}
	}
	if tp.Status != "active" {
		return nil, ErrCouponClosed.With(tp.Name)
	}
	var exists int64
	if err := tx.Raw(`SELECT COUNT(*) FROM members WHERE id = ? AND archived_at IS NULL`, in.MemberID).
		Scan(&exists).Error; err != nil {
		return nil, fmt.Errorf("models: issue coupon: %w", err)
	}
	if exists == 0 {
		return nil, ErrMemberNotFound
	}
	terms := tp.CouponTerms
	if in.Override != nil {
		terms = *in.Override
	}
	fv := terms.FaceValue()
	if tp.TotalQuantity > 0 && tp.IssuedCount >= tp.TotalQuantity {
		return nil, ErrCouponSoldOut.With(tp.Name)
	}
	if tp.Budget > 0 && tp.IssuedValue+fv > tp.Budget {
		return nil, ErrCouponSoldOut.With(tp.Name)
	}
	if tp.PerMemberLimit > 0 {
		var held int64
		if err := tx.Raw(`SELECT COUNT(*) FROM coupons WHERE template_id = ? AND member_id = ? AND status <> ?`,
			tp.ID, in.MemberID, CouponVoid).Scan(&held).Error; err != nil {
			return nil, fmt.Errorf("models: issue coupon: %w", err)
		}
		if held >= int64(tp.PerMemberLimit) {
			return nil, ErrCouponMemberLimit.With(tp.Name, tp.PerMemberLimit)
		}
	}
	loc, err := schoolLoc(ctx, tx, now)
	if err != nil {
		return nil, err
	}
	v, err := ValidityAt(*tp, now, loc)
	if err != nil {
		return nil, ErrCouponClosed.With(tp.Name)
	}
	c := newCoupon(tp, terms, in.MemberID, v, now, in.Actor)
	if in.SourceKey != "" {
		k := in.SourceKey
		c.SourceKey = &k
	}
	if err := tx.Create(c).Error; err != nil {
		return nil, fmt.Errorf("models: issue coupon: %w", err)
	}
	if err := Emit(ctx, tx, DomainEvent{Type: EventCouponIssued, At: now, MemberID: c.MemberID, ObjectID: c.ID, Actor: in.Actor}); err != nil {
		return nil, err
	}
	if err := tx.Exec(`UPDATE coupon_templates SET issued_count = issued_count + 1, issued_value = issued_value + ?,
		updated_at = ? WHERE id = ?`, fv, now, tp.ID).Error; err != nil {
		return nil, fmt.Errorf("models: issue coupon: %w", err)
	}
	if !in.Quiet {
		if err := EnqueueNotice(ctx, tx, now, Notice{Event: "coupon_issued", MemberID: c.MemberID,
			Data:      map[string]any{"coupon": c.Name, "expires": c.ValidUntil.Add(-time.Second).In(loc).Format("2006-01-02")},
			DedupeKey: fmt.Sprintf("coupon_issued:%d", c.ID)}); err != nil {
			return nil, err
		}
	}
	if in.Actor.Type == "staff" || in.Actor.Type == "api" {
		if err := Audit(ctx, tx, now, in.Actor, "coupon.issue", "coupon", c.ID,
			fmt.Sprintf("template=%d member=%d", tp.ID, in.MemberID)); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func newCoupon(tp *CouponTemplate, terms CouponTerms, memberID int64, v Validity, now time.Time, a Actor) *Coupon {
	name := tp.Name
	actorType := a.Type
	if actorType == "" {
		actorType = "system"
	}
	return &Coupon{TemplateID: tp.ID, MemberID: memberID, Code: "C" + randomCode(11), VerifyCode: randomDigits(6),
		Name: name, CouponTerms: terms, ValidFrom: v.From, ValidUntil: v.Until, Status: CouponActive,
		IssuedByType: actorType, IssuedBy: a.ID, IssuedAt: now}
}

// IssueCouponByHand is the back office issuing one coupon to one member,
// idempotent on the request (its own transaction).
func IssueCouponByHand(ctx context.Context, db *DB, now time.Time, actor Actor, templateID, memberID int64) (*Coupon, error) {
	var c *Coupon
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		c, err = IssueCoupon(ctx, tx, now, CouponIssue{TemplateID: templateID, MemberID: memberID, Actor: actor})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("models: issue coupon by hand: %w", err)
	}
	return c, nil
}

// CouponView is a coupon as a wallet or a cashier shows it.
type CouponView struct {
	Coupon
	MemberName string
	Usable     bool
	Expired    bool
	NotYet     bool
}

// MemberCoupons lists a member's coupons for the wallet: usable ones first
// (soonest to expire first), then the rest, newest first. The portal and the
// cashier both read it.
func MemberCoupons(ctx context.Context, db *gorm.DB, memberID int64, now time.Time) ([]CouponView, error) {
	var cs []Coupon
	if err := db.WithContext(ctx).Where("member_id = ?", memberID).Order("id DESC").Limit(200).Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: member coupons: %w", err)
	}
	var usable, rest []CouponView
	for _, c := range cs {
		v := CouponView{Coupon: c, Usable: c.Usable(now), Expired: c.Status == CouponActive && !now.Before(c.ValidUntil),
			NotYet: c.Status == CouponActive && now.Before(c.ValidFrom)}
		if v.Usable {
			usable = append(usable, v)
		} else {
			rest = append(rest, v)
		}
	}
	for i := 1; i < len(usable); i++ {
		for j := i; j > 0 && usable[j].ValidUntil.Before(usable[j-1].ValidUntil); j-- {
			usable[j], usable[j-1] = usable[j-1], usable[j]
		}
	}
	return append(usable, rest...), nil
}

// TemplateCoupons lists the newest coupons of a template, with member names.
func TemplateCoupons(ctx context.Context, db *gorm.DB, templateID int64, now time.Time, limit int) ([]CouponView, error) {
	type row struct {
		Coupon
		MemberName string
	}
	var rows []row
	if err := db.WithContext(ctx).Raw(`SELECT c.*, m.name AS member_name FROM coupons c JOIN members m ON m.id = c.member_id
		WHERE c.template_id = ? ORDER BY c.id DESC LIMIT ?`, templateID, limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: template coupons: %w", err)
	}
	out := make([]CouponView, len(rows))
	for i, r := range rows {
		out[i] = CouponView{Coupon: r.Coupon, MemberName: r.MemberName, Usable: r.Usable(now),
			Expired: r.Status == CouponActive && !now.Before(r.ValidUntil)}
	}
	return out, nil
}
