package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Tiers in ascending order.
const (
	TierSilver   = "silver"
	TierGold     = "gold"
	TierPlatinum = "platinum"
)

// TierOrder lists the tiers from lowest to highest.
var TierOrder = []string{TierSilver, TierGold, TierPlatinum}

// TierRank returns a tier's position in TierOrder (unknown tiers rank as silver).
func TierRank(t string) int {
	for i, x := range TierOrder {
		if x == t {
			return i
		}
	}
	return 0
}

// Purchase categories.
const (
	CategoryTuition       = "tuition"
	CategoryMeals         = "meals"
	CategoryInterestClass = "interest_class"
	CategoryMaterials     = "materials"
	CategoryOther         = "other"
)

// Categories lists the purchase categories in display order.
var Categories = []string{CategoryTuition, CategoryMeals, CategoryInterestClass, CategoryMaterials, CategoryOther}

// TopupBand is one row of the top-up bonus table (充值送): a top-up of at
// least MinAmount fen earns BonusAmount fen of bonus stored value and
// BonusPoints points. Tiers, when not empty, limits the band to those tiers.
type TopupBand struct {
	MinAmount   int64    `json:"min_amount"`
	BonusAmount int64    `json:"bonus_amount"`
	BonusPoints int64    `json:"bonus_points"`
	Tiers       []string `json:"tiers,omitempty"`
	// CouponTemplateID, when set, also issues a coupon of that template.
	CouponTemplateID int64 `json:"coupon_template_id,omitempty"`
}

// Rules are the configurable business rules of the ledger, purchases,
// top-ups and tiers. They are stored as JSON in the settings table under
// RulesSetting with the time they take effect from; fields missing from a
// stored value keep their defaults. Rates are integers: multipliers are in
// permille (1000 = ×1.0), money in fen.
type Rules struct {
	TimeZone string `json:"time_zone"`

	// Earning: points = floor(paid fen × PointsPerYuan × category‰ × tier‰ / (100 × 1000 × 1000)).
	PointsPerYuan    int64            `json:"points_per_yuan"`
	CategoryPermille map[string]int64 `json:"category_permille"`
	TierPermille     map[string]int64 `json:"tier_permille"`
	AttendancePoints int64            `json:"attendance_points"`

	// Lots: points expire at the end of the ExpiryMonths-th month after the
	// month they were earned in (school time); purchase points wait PendingDays.
	ExpiryMonths int `json:"expiry_months"`
	PendingDays  int `json:"pending_days"`

	// Points-for-cash: RedeemPointsPerYuan points pay ¥1, for at most
	// RedeemCapPercent of the bill after tier discounts.
	RedeemPointsPerYuan int64 `json:"redeem_points_per_yuan"`
	RedeemCapPercent    int64 `json:"redeem_cap_percent"`

	// Stored value is drawn in this order ("bonus", "principal").
	PaymentOrder []string `json:"payment_order"`

	// Tiers: qualifying spend (fen) over the last TierWindowMonths months.
	TierThresholds   map[string]int64 `json:"tier_thresholds"`
	TierWindowMonths int              `json:"tier_window_months"`
	// TermEnds are the month-days ("01-20", "07-10") that end a school term:
	// a tier is never taken away before the end of the term it was reached in.
	TermEnds []string `json:"term_ends"`
	// TuitionDiscountPermille is a tier perk: ‰ off tuition lines.
	TuitionDiscountPermille map[string]int64 `json:"tuition_discount_permille"`

	// Top-ups.
	TopupBands []TopupBand `json:"topup_bands"`
	// PrepaidCap is the most stored value (principal + bonus, fen) one wallet
	// may hold; PrepaidCapByCampus overrides it per campus id.
	PrepaidCap         int64            `json:"prepaid_cap"`
	PrepaidCapByCampus map[string]int64 `json:"prepaid_cap_by_campus,omitempty"`

	// RefundApprovalAmount: refunds above it need a campus manager (cashier screens).
	RefundApprovalAmount int64 `json:"refund_approval_amount"`
}

// RulesSetting is the settings name under which Rules are stored.
const RulesSetting = "ledger.rules"

// DefaultRules returns the defaults of DOMAIN.md §3.2–3.4.
func DefaultRules() Rules {
	return Rules{
		TimeZone:      "Asia/Shanghai",
		PointsPerYuan: 1,
		CategoryPermille: map[string]int64{CategoryTuition: 1000, CategoryMeals: 1000, CategoryInterestClass: 1000,
			CategoryMaterials: 1000, CategoryOther: 1000},
		TierPermille:            map[string]int64{TierSilver: 1000, TierGold: 1200, TierPlatinum: 1500},
		AttendancePoints:        2,
		ExpiryMonths:            12,
		PendingDays:             0,
		RedeemPointsPerYuan:     100,
		RedeemCapPercent:        50,
		PaymentOrder:            []string{"bonus", "principal"},
		TierThresholds:          map[string]int64{TierSilver: 0, TierGold: 500000, TierPlatinum: 2000000},
		TierWindowMonths:        12,
		TermEnds:                []string{"01-20", "07-10"},
		TuitionDiscountPermille: map[string]int64{TierSilver: 0, TierGold: 0, TierPlatinum: 0},
		TopupBands: []TopupBand{
			{MinAmount: 100000, BonusAmount: 10000},
			{MinAmount: 300000, BonusAmount: 40000},
			{MinAmount: 500000, BonusAmount: 80000},
		},
		PrepaidCap:           500000,
		RefundApprovalAmount: 100000,
	}
}

// ErrBadRules is returned when rules fail validation.
var ErrBadRules = NewError(KindInvalid, "bad-rules", "err.ledger_bad_rules")

// Validate checks that the rules make sense.
func (r Rules) Validate() error {
	f := map[string]string{}
	if _, err := loadLoc(r.TimeZone); err != nil {
		f["time_zone"] = "err.ledger_bad_rules"
	}
	if r.PointsPerYuan < 0 || r.RedeemPointsPerYuan <= 0 || r.RedeemCapPercent < 0 || r.RedeemCapPercent > 100 {
		f["points"] = "err.ledger_bad_rules"
	}
	if r.ExpiryMonths < 1 || r.PendingDays < 0 || r.TierWindowMonths < 1 || r.PrepaidCap < 0 {
		f["periods"] = "err.ledger_bad_rules"
	}
	if len(r.PaymentOrder) != 2 || r.PaymentOrder[0] == r.PaymentOrder[1] {
		f["payment_order"] = "err.ledger_bad_rules"
	}
	for _, p := range r.PaymentOrder {
		if p != "bonus" && p != "principal" {
			f["payment_order"] = "err.ledger_bad_rules"
		}
	}
	for _, b := range r.TopupBands {
		if b.MinAmount <= 0 || b.BonusAmount < 0 || b.BonusPoints < 0 {
			f["topup_bands"] = "err.ledger_bad_rules"
		}
	}
	for _, t := range r.TermEnds {
		if _, err := time.Parse("01-02", t); err != nil {
			f["term_ends"] = "err.ledger_bad_rules"
		}
	}
	if len(f) > 0 {
		return (&Error{Kind: KindInvalid, Code: ErrBadRules.Code, Key: ErrBadRules.Key, Fields: f})
	}
	return nil
}

// Location returns the school's time zone (UTC if the name is unknown).
func (r Rules) Location() *time.Location {
	l, err := loadLoc(r.TimeZone)
	if err != nil {
		return time.UTC
	}
	return l
}

// CapFor returns the prepaid cap of a campus.
func (r Rules) CapFor(campusID int64) int64 {
	if v, ok := r.PrepaidCapByCampus[strconv.FormatInt(campusID, 10)]; ok {
		return v
	}
	return r.PrepaidCap
}

var locCache sync.Map

func loadLoc(name string) (*time.Location, error) {
	if l, ok := locCache.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locCache.Store(name, l)
	return l, nil
}

type settingRow struct {
	ID          int64
	Name        string
	Value       string
	EffectiveAt time.Time
	ChangedBy   int64
	CreatedAt   time.Time
}

func (settingRow) TableName() string { return "settings" }

// rulesTTL is how long one process trusts its copy of the stored versions:
// a change saved by another instance is seen within it (changes take
// effect "from a stated time", normally later than that anyway).
const rulesTTL = time.Second

type rulesCacheEntry struct {
	fetched  time.Time
	epoch    int64          // settingsEpoch when read: any write to settings drops the entry
	versions []RulesVersion // newest effective first
}

// rulesCache holds each database's stored versions, keyed by its pool (cacheKey).
var rulesCache sync.Map

// LoadRules returns the rules in force at now: the newest stored version whose
// effective time has come, laid over the defaults. The versions are read at
// most once a second per process (every purchase needs them).
func LoadRules(ctx context.Context, db *gorm.DB, now time.Time) (Rules, error) {
	var vs []RulesVersion
	epoch := settingsEpoch.Load()
	if e, ok := rulesCache.Load(cacheKey(db)); ok && e.(rulesCacheEntry).epoch == epoch &&
		time.Since(e.(rulesCacheEntry).fetched) < rulesTTL {
		vs = e.(rulesCacheEntry).versions
	} else {
		fetched := time.Now()
		var err error
		if vs, err = RulesHistory(ctx, db); err != nil {
			return DefaultRules(), fmt.Errorf("models: load rules: %w", err)
		}
		rulesCache.Store(cacheKey(db), rulesCacheEntry{fetched: fetched, epoch: epoch, versions: vs})
	}
	for _, v := range vs {
		if !v.EffectiveAt.After(now) {
			return v.Rules, nil
		}
	}
	return DefaultRules(), nil
}

// RulesVersion is one stored version of the rules.
type RulesVersion struct {
	ID          int64
	Rules       Rules
	EffectiveAt time.Time
	ChangedBy   int64
	CreatedAt   time.Time
}

// RulesHistory lists the stored versions, newest effective first.
func RulesHistory(ctx context.Context, db *gorm.DB) ([]RulesVersion, error) {
	var rows []settingRow
	if err := db.WithContext(ctx).Where("name = ?", RulesSetting).Order("effective_at DESC, id DESC").
		Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: rules history: %w", err)
	}
	out := make([]RulesVersion, 0, len(rows))
	for _, row := range rows {
		r := DefaultRules()
		if err := json.Unmarshal([]byte(row.Value), &r); err != nil {
			return nil, fmt.Errorf("models: rules history: %w", err)
		}
		out = append(out, RulesVersion{ID: row.ID, Rules: r, EffectiveAt: row.EffectiveAt, ChangedBy: row.ChangedBy,
			CreatedAt: row.CreatedAt})
	}
	return out, nil
}

// SaveRules stores a new version of the rules that applies from effectiveAt
// (not before now: the past is not rewritten), audited in the same transaction.
func SaveRules(ctx context.Context, db *DB, now time.Time, actor Actor, r Rules, effectiveAt time.Time) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if effectiveAt.Before(now) {
		effectiveAt = now
	}
	sort.Slice(r.TopupBands, func(i, j int) bool { return r.TopupBands[i].MinAmount < r.TopupBands[j].MinAmount })
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("models: save rules: %w", err)
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		row := settingRow{Name: RulesSetting, Value: string(b), EffectiveAt: effectiveAt.UTC(), ChangedBy: actor.ID,
			CreatedAt: now.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("models: save rules: %w", err)
		}
		return Audit(ctx, tx, now, actor, "rules.save", "settings", row.ID,
			fmt.Sprintf("effective_at=%s %s", effectiveAt.UTC().Format(time.RFC3339), b))
	})
	rulesCache.Clear() // this process sees its own change at once
	return err
}
