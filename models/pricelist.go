package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// The price list (价目表) is what the school sells at the desk — a term's
// tuition, a month of meals, a set of 教材 — as tiles the cashier taps
// instead of typing a category and an amount. The admin keeps it; a tile
// puts a line on the purchase form that the cashier can still edit.

// PriceItem is one tile.
type PriceItem struct {
	ID        int64
	Category  string
	Name      string
	Amount    int64
	SortOrder int
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName maps PriceItem to its table.
func (PriceItem) TableName() string { return "price_items" }

// ErrPriceItemNotFound is an unknown tile.
var ErrPriceItemNotFound = NewError(KindNotFound, "unknown-price-item", "desk.price_unknown")

// PriceItemInput is a tile as the admin types it.
type PriceItemInput struct {
	ID        int64 // 0: a new tile
	Category  string
	Name      string
	Amount    int64
	SortOrder int
	Active    bool
}

// Validate checks a tile: a sellable category, a name of at most 32
// characters, an amount above zero.
func (in *PriceItemInput) Validate() map[string]string {
	in.Name = strings.TrimSpace(in.Name)
	f := map[string]string{}
	if !validCategory(in.Category) {
		f["category"] = "err.purchase_bad_category"
	}
	switch {
	case in.Name == "":
		f["name"] = "err.required"
	case utf8.RuneCountInString(in.Name) > 32:
		f["name"] = "desk.price_name_long"
	}
	if in.Amount <= 0 || in.Amount > MaxAmount {
		f["amount"] = "err.ledger_bad_amount"
	}
	if in.SortOrder < 0 || in.SortOrder > 9999 {
		f["sort_order"] = "desk.price_bad_sort"
	}
	return f
}

// ListPriceItems lists the tiles in the order they are shown (by sort
// order, then category and name); activeOnly leaves out retired ones.
func ListPriceItems(ctx context.Context, db *gorm.DB, activeOnly bool) ([]PriceItem, error) {
	q := db.WithContext(ctx).Order("sort_order, category, name, id")
	if activeOnly {
		q = q.Where("active = ?", true)
	}
	var out []PriceItem
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: price list: %w", err)
	}
	return out, nil
}

// GetPriceItem loads one tile.
func GetPriceItem(ctx context.Context, db *gorm.DB, id int64) (*PriceItem, error) {
	var p PriceItem
	res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&p)
	if res.Error != nil {
		return nil, fmt.Errorf("models: price item: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrPriceItemNotFound
	}
	return &p, nil
}

// SavePriceItem creates or updates a tile and audits it. The same name twice
// in a category is a field error, not a second tile.
func SavePriceItem(ctx context.Context, db *DB, now time.Time, actor Actor, in PriceItemInput) (*PriceItem, error) {
	if f := in.Validate(); len(f) > 0 {
		return nil, Invalid(f)
	}
	now = now.UTC()
	var out PriceItem
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if in.ID == 0 {
			out = PriceItem{Category: in.Category, Name: in.Name, Amount: in.Amount, SortOrder: in.SortOrder, Active: true,
				CreatedAt: now, UpdatedAt: now}
			if err := tx.WithContext(ctx).Create(&out).Error; err != nil {
				return err
			}
		} else {
			p, err := GetPriceItem(ctx, tx, in.ID)
			if err != nil {
				return err
			}
			out = *p
			out.Category, out.Name, out.Amount, out.SortOrder, out.Active, out.UpdatedAt =
				in.Category, in.Name, in.Amount, in.SortOrder, in.Active, now
			if err := tx.WithContext(ctx).Model(&PriceItem{}).Where("id = ?", in.ID).Updates(map[string]any{
				"category": out.Category, "name": out.Name, "amount": out.Amount, "sort_order": out.SortOrder,
				"active": out.Active, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		return Audit(ctx, tx, now, actor, "price_item.save", "price_item", out.ID,
			fmt.Sprintf("category=%s name=%s amount=%d active=%v", out.Category, out.Name, out.Amount, out.Active))
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, Invalid(map[string]string{"name": "desk.price_name_taken"})
	}
	if err != nil {
		if _, ok := AsError(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("models: save price item: %w", err)
	}
	return &out, nil
}
