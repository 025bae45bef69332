package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Where stamps come from.
const (
	StampFromPurchase   = "purchase"
	StampFromAttendance = "attendance"
	StampFromBoth       = "both"
)

// StampSources lists the sources in display order.
var StampSources = []string{StampFromPurchase, StampFromAttendance, StampFromBoth}

// StampProgram is a stamp card scheme (seed 004 case 7: "5 lessons, the
// 6th free", the first stamp given with the card so the family starts
// ahead and keeps the card).
type StampProgram struct {
	ID               int64
	Name             string
	StampsRequired   int
	Source           string
	Category         string // purchases count only in this category ("" = any)
	MinAmount        int64  // fen a purchase must reach to earn a stamp
	FirstStampFree   bool
	RewardTemplateID int64
	Active           bool
	CreatedAt        time.Time
}

// TableName maps StampProgram to its table.
func (StampProgram) TableName() string { return "stamp_programs" }

// StampCard is one member's card of a program; round counts the cards
// the member has filled so far plus one.
type StampCard struct {
	ID             int64
	ProgramID      int64
	MemberID       int64
	Round          int
	Stamps         int
	CompletedAt    *time.Time
	RewardCouponID *int64
	CreatedAt      time.Time
}

// TableName maps StampCard to its table.
func (StampCard) TableName() string { return "stamp_cards" }

type stampEvent struct {
	ID        int64
	CardID    int64
	SourceKey string
	At        time.Time
}

func (stampEvent) TableName() string { return "stamp_events" }

// NewStampProgram is what an admin fills in.
type NewStampProgram struct {
	Name             string
	StampsRequired   int
	Source           string
	Category         string
	MinAmount        int64
	FirstStampFree   bool
	RewardTemplateID int64
}

// CreateStampProgram adds a program, audited.
func CreateStampProgram(ctx context.Context, db *DB, now time.Time, actor Actor, n NewStampProgram) (*StampProgram, error) {
	n.Name = strings.TrimSpace(n.Name)
	f := map[string]string{}
	if n.Name == "" {
		f["name"] = "err.required"
	} else if utf8.RuneCountInString(n.Name) > 40 {
		f["name"] = "err.coupon_name_long"
	}
	if n.StampsRequired < 2 || n.StampsRequired > 50 {
		f["stamps_required"] = "err.stamp_required_range"
	}
	if !slices.Contains(StampSources, n.Source) {
		f["source"] = "err.stamp_source"
	}
	if n.Category != "" && !slices.Contains(Categories, n.Category) {
		f["category"] = "err.coupon_category_unknown"
	}
	if n.MinAmount < 0 {
		f["min_amount"] = "err.coupon_negative"
	}
	if n.RewardTemplateID == 0 {
		f["reward_template_id"] = "err.required"
	}
	if len(f) > 0 {
		return nil, Invalid(f)
	}
	p := &StampProgram{Name: n.Name, StampsRequired: n.StampsRequired, Source: n.Source, Category: n.Category,
		MinAmount: n.MinAmount, FirstStampFree: n.FirstStampFree, RewardTemplateID: n.RewardTemplateID, Active: true,
		CreatedAt: now.UTC()}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := GetCouponTemplate(ctx, tx, n.RewardTemplateID); err != nil {
			return Invalid(map[string]string{"reward_template_id": "err.coupon_template_unknown"})
		}
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "stamp_program.create", "stamp_program", p.ID, p.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("models: create stamp program: %w", err)
	}
	return p, nil
}

// ListStampPrograms lists the programs, active first.
func ListStampPrograms(ctx context.Context, db *gorm.DB) ([]StampProgram, error) {
	var ps []StampProgram
	if err := db.WithContext(ctx).Order("active DESC, id DESC").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("models: list stamp programs: %w", err)
	}
	return ps, nil
}

// SetStampProgramActive turns a program on or off.
func SetStampProgramActive(ctx context.Context, db *DB, now time.Time, actor Actor, id int64, active bool) error {
	return db.Tx(ctx, func(tx *gorm.DB) error {
		r := tx.Model(&StampProgram{}).Where("id = ?", id).Update("active", active)
		if r.Error != nil {
			return fmt.Errorf("models: stamp program: %w", r.Error)
		}
		if r.RowsAffected == 0 {
			return ErrNotFound
		}
		return Audit(ctx, tx, now, actor, fmt.Sprintf("stamp_program.active=%t", active), "stamp_program", id, "")
	})
}

// StampOutcome says what one stamp did.
type StampOutcome struct {
	ProgramID int64
	CardID    int64
	Stamps    int
	Required  int
	Completed bool
	Coupon    *Coupon
}

// openCard returns the member's open card of the program, locked, creating
// it (with the free first stamp on the member's first card) when none is open.
func openCard(ctx context.Context, tx *gorm.DB, now time.Time, p StampProgram, memberID int64) (*StampCard, error) {
	var c StampCard
	res := tx.WithContext(ctx).Raw(`SELECT * FROM stamp_cards WHERE program_id = ? AND member_id = ?
		ORDER BY round DESC LIMIT 1`+forUpdate(tx), p.ID, memberID).Scan(&c)
	if res.Error != nil {
		return nil, fmt.Errorf("models: stamp card: %w", res.Error)
	}
	if res.RowsAffected > 0 && c.ID != 0 && c.CompletedAt == nil {
		return &c, nil
	}
	round := 1
	if c.ID != 0 {
		round = c.Round + 1
	}
	nc := &StampCard{ProgramID: p.ID, MemberID: memberID, Round: round, CreatedAt: now}
	if err := tx.WithContext(ctx).Create(nc).Error; err != nil {
		return nil, fmt.Errorf("models: stamp card: %w", err)
	}
	if round == 1 && p.FirstStampFree {
		if _, err := addStamp(ctx, tx, now, p, nc, "card:first"); err != nil {
			return nil, err
		}
	}
	return nc, nil
}

// IssueStampCard gives a member a program's card now (at enrolment, say),
// with the first stamp when the program says so. A member who already holds
// an open card keeps it.
func IssueStampCard(ctx context.Context, db *DB, now time.Time, actor Actor, programID, memberID int64) (*StampCard, error) {
	var card *StampCard
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		var p StampProgram
		if err := tx.Take(&p, programID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		if err := lockMemberRow(ctx, tx, memberID); err != nil {
			return err
		}
		var err error
		card, err = openCard(ctx, tx, now.UTC(), p, memberID)
		if err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "stamp_card.issue", "stamp_card", card.ID, fmt.Sprintf("member=%d", memberID))
	})
	if err != nil {
		return nil, fmt.Errorf("models: issue stamp card: %w", err)
	}
	return card, nil
}

// lockMemberRow serialises per-member loyalty writes on the member row.
func lockMemberRow(ctx context.Context, tx *gorm.DB, memberID int64) error {
	var id int64
	res := tx.WithContext(ctx).Raw(`SELECT id FROM members WHERE id = ? AND archived_at IS NULL`+forUpdate(tx), memberID).Scan(&id)
	if res.Error != nil {
		return fmt.Errorf("models: lock member: %w", res.Error)
	}
	if id == 0 {
		return ErrMemberNotFound
	}
	return nil
}

// addStamp records one stamp for sourceKey (a second time is a no-op) and,
// when the card fills, completes it and issues the reward coupon.
func addStamp(ctx context.Context, tx *gorm.DB, now time.Time, p StampProgram, c *StampCard, sourceKey string) (*StampOutcome, error) {
	var dup int64
	if err := tx.WithContext(ctx).Raw(`SELECT COUNT(*) FROM stamp_events WHERE card_id = ? AND source_key = ?`, c.ID, sourceKey).
		Scan(&dup).Error; err != nil {
		return nil, fmt.Errorf("models: stamp: %w", err)
	}
	out := &StampOutcome{ProgramID: p.ID, CardID: c.ID, Stamps: c.Stamps, Required: p.StampsRequired}
	if dup > 0 {
		return out, nil
	}
	if err := tx.WithContext(ctx).Create(&stampEvent{CardID: c.ID, SourceKey: sourceKey, At: now}).Error; err != nil {
		return nil, fmt.Errorf("models: stamp: %w", err)
	}
	c.Stamps++
	out.Stamps = c.Stamps
	upd := map[string]any{"stamps": c.Stamps}
	if c.Stamps >= p.StampsRequired {
		cp, err := IssueCoupon(ctx, tx, now, CouponIssue{TemplateID: p.RewardTemplateID, MemberID: c.MemberID,
			SourceKey: fmt.Sprintf("stamp:%d", c.ID)})
		if err != nil {
			return nil, err
		}
		c.CompletedAt, c.RewardCouponID = &now, &cp.ID
		upd["completed_at"], upd["reward_coupon_id"] = now, cp.ID
		out.Completed, out.Coupon = true, cp
	}
	if err := tx.WithContext(ctx).Model(&StampCard{}).Where("id = ?", c.ID).Updates(upd).Error; err != nil {
		return nil, fmt.Errorf("models: stamp: %w", err)
	}
	return out, nil
}

// stampFor gives the member a stamp on every active program that counts
// this kind of event; qualifies filters programs (purchase amount/category).
func stampFor(ctx context.Context, tx *gorm.DB, now time.Time, memberID int64, source, sourceKey string,
	qualifies func(StampProgram) bool) ([]StampOutcome, error) {
	ps, err := activeStampPrograms(ctx, tx, source)
	if err != nil {
		return nil, err
	}
	var out []StampOutcome
	if len(ps) > 0 {
		if err := lockMemberRow(ctx, tx, memberID); err != nil {
			return nil, err
		}
	}
	for _, p := range ps {
		if !qualifies(p) {
			continue
		}
		c, err := openCard(ctx, tx, now, p, memberID)
		if err != nil {
			return nil, err
		}
		o, err := addStamp(ctx, tx, now, p, c, sourceKey)
		if err != nil {
			return nil, err
		}
		out = append(out, *o)
	}
	return out, nil
}

// AfterCheckin stamps attendance programs for a check-in, inside the
// check-in's transaction tx. The check-in use case calls it for every
// new (not duplicate) arrival.
func AfterCheckin(ctx context.Context, tx *gorm.DB, now time.Time, memberID, checkinID int64) ([]StampOutcome, error) {
	return stampFor(ctx, tx, now.UTC(), memberID, StampFromAttendance, fmt.Sprintf("checkin:%d", checkinID),
		func(StampProgram) bool { return true })
}

// StampCardView is a card as the member panel and the portal show it.
type StampCardView struct {
	StampCard
	ProgramName string
	Required    int
	RewardName  string
	// Dots is one entry per box on the card: true when stamped.
	Dots []bool
}

// MemberStampCards lists a member's cards: open ones first, then the
// filled ones, newest first.
func MemberStampCards(ctx context.Context, db *gorm.DB, memberID int64) ([]StampCardView, error) {
	type row struct {
		StampCard
		ProgramName string
		Required    int
		RewardName  string
	}
	var rows []row
	if err := db.WithContext(ctx).Raw(`SELECT c.*, p.name AS program_name, p.stamps_required AS required, t.name AS reward_name
		FROM stamp_cards c JOIN stamp_programs p ON p.id = c.program_id JOIN coupon_templates t ON t.id = p.reward_template_id
		WHERE c.member_id = ? ORDER BY c.completed_at IS NOT NULL, c.id DESC LIMIT 50`, memberID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: member stamp cards: %w", err)
	}
	out := make([]StampCardView, len(rows))
	for i, r := range rows {
		dots := make([]bool, r.Required)
		for j := range dots {
			dots[j] = j < r.Stamps
		}
		out[i] = StampCardView{StampCard: r.StampCard, ProgramName: r.ProgramName, Required: r.Required,
			RewardName: r.RewardName, Dots: dots}
	}
	return out, nil
}

// stampProgramsTTL bounds how long the active programs are kept when another
// instance changes them (a write here drops them at once).
const stampProgramsTTL = time.Second

type stampProgramsEntry struct {
	ps      []StampProgram
	epoch   int64
	fetched time.Time
}

var stampProgramsCache sync.Map // settingsKey{pool, source} → stampProgramsEntry

// activeStampPrograms lists the active programs counting source, from a
// cache any write to stamp_programs drops: every purchase and arrival asks,
// and most schools run one or two programs that change once a term.
func activeStampPrograms(ctx context.Context, tx *gorm.DB, source string) ([]StampProgram, error) {
	k := settingsKey{cacheKey(tx), source}
	ep := stampEpoch.Load()
	if e, ok := stampProgramsCache.Load(k); ok {
		if e := e.(stampProgramsEntry); e.epoch == ep && time.Since(e.fetched) < stampProgramsTTL {
			return e.ps, nil
		}
	}
	fetched := time.Now()
	var ps []StampProgram
	if err := tx.WithContext(ctx).Where("active = ? AND source IN ?", true, []string{source, StampFromBoth}).
		Order("id").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("models: stamp programs: %w", err)
	}
	stampProgramsCache.Store(k, stampProgramsEntry{ps: ps, epoch: ep, fetched: fetched})
	return ps, nil
}
