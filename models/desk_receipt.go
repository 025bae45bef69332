package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// A receipt lists every line of a purchase the way the money moved: the
// items, the tier discount, each coupon, points-for-cash, then the payments.
// The items less the discounts are what was paid, and so are the payments:
// a receipt that does not add up is a receipt a parent brings back.

// Receipt line kinds.
const (
	LineItem     = "item"
	LineTier     = "tier_discount"
	LineCoupon   = "coupon"
	LinePoints   = "points"
	LinePayment  = "payment"
	LineRefunded = "refunded"
)

// ReceiptLine is one printed line; Amount is signed (discounts negative).
type ReceiptLine struct {
	Kind     string
	No       int    // item lines: the line's number on the purchase (0-based)
	Category string // item lines
	Text     string // an item's description, a coupon's name, a payment method
	Code     string // a coupon's code
	Points   int64  // points-for-cash: the points spent
	Amount   int64
	// Net is what an item line cost after every discount: what refunding
	// the line gives back. The nets of all lines add up to what was paid.
	Net      int64
	Refunded bool // the line was given back by an earlier line refund
}

// PurchaseReceipt is a purchase's receipt.
type PurchaseReceipt struct {
	Purchase  *Purchase
	Items     []ReceiptLine
	Discounts []ReceiptLine
	Payments  []ReceiptLine
}

// Total is the items less the discounts: what was paid.
func (r PurchaseReceipt) Total() int64 {
	var s int64
	for _, l := range r.Items {
		s += l.Amount
	}
	for _, l := range r.Discounts {
		s += l.Amount
	}
	return s
}

// PaymentTotal is the sum of the payment lines.
func (r PurchaseReceipt) PaymentTotal() int64 {
	var s int64
	for _, l := range r.Payments {
		s += l.Amount
	}
	return s
}

// Refundable lists the item lines a line refund may still pick.
func (r PurchaseReceipt) Refundable() []ReceiptLine {
	var out []ReceiptLine
	for _, l := range r.Items {
		if !l.Refunded && l.Net > 0 {
			out = append(out, l)
		}
	}
	return out
}

// BuildPurchaseReceipt lays out a purchase's receipt from the purchase, its
// items, the coupons it used and the lines earlier refunds gave back. The
// per-line nets share each discount out exactly (largest remainder): the
// tier discount over the tuition lines, coupons over what the tier left,
// points over what the coupons left.
func BuildPurchaseReceipt(p *Purchase, items []PurchaseItem, coupons []Coupon, refundedLines map[int]bool) PurchaseReceipt {
	r := PurchaseReceipt{Purchase: p}
	n := len(items)
	tuition := make([]int64, n)
	for i, it := range items {
		if it.Category == CategoryTuition {
			tuition[i] = it.Amount
		}
	}
	tier := ShareOf(p.TierDiscount, tuition)
	after := make([]int64, n)
	for i, it := range items {
		after[i] = it.Amount - tier[i]
	}
	coupon := ShareOf(p.CouponDiscount, after)
	for i := range after {
		after[i] -= coupon[i]
	}
	points := ShareOf(p.PointsDiscount, after)
	for i, it := range items {
		r.Items = append(r.Items, ReceiptLine{Kind: LineItem, No: i, Category: it.Category, Text: it.Description,
			Amount: it.Amount, Net: after[i] - points[i], Refunded: refundedLines[i]})
	}
	if p.TierDiscount > 0 {
		r.Discounts = append(r.Discounts, ReceiptLine{Kind: LineTier, Text: p.Tier, Amount: -p.TierDiscount})
	}
	var named int64
	for _, c := range coupons {
		if c.UsedDiscount <= 0 {
			continue
		}
		named += c.UsedDiscount
		r.Discounts = append(r.Discounts, ReceiptLine{Kind: LineCoupon, Text: c.Name, Code: c.Code, Amount: -c.UsedDiscount})
	}
	// Coupons given back by a full refund no longer name their discount:
	// the rest is one line, so the receipt still adds up.
	if rest := p.CouponDiscount - named; rest != 0 {
		r.Discounts = append(r.Discounts, ReceiptLine{Kind: LineCoupon, Amount: -rest})
	}
	if p.PointsDiscount > 0 {
		r.Discounts = append(r.Discounts, ReceiptLine{Kind: LinePoints, Points: p.PointsRedeemed, Amount: -p.PointsDiscount})
	}
	pays := p.PaymentMap()
	for _, m := range PaymentMethods {
		if v := pays[m]; v != 0 {
			r.Payments = append(r.Payments, ReceiptLine{Kind: LinePayment, Text: m, Amount: v})
		}
	}
	for _, m := range sortedKeys(pays) {
		if !validMethod(m) && pays[m] != 0 {
			r.Payments = append(r.Payments, ReceiptLine{Kind: LinePayment, Text: m, Amount: pays[m]})
		}
	}
	return r
}

// LoadPurchaseReceipt reads a purchase with its coupons and refunds and lays
// out its receipt.
func LoadPurchaseReceipt(ctx context.Context, db *gorm.DB, id int64) (PurchaseReceipt, []PurchaseRefund, error) {
	p, err := GetPurchase(ctx, db, id)
	if err != nil {
		return PurchaseReceipt{}, nil, err
	}
	var items []PurchaseItem
	_ = json.Unmarshal([]byte(p.Items), &items)
	var cs []Coupon
	if err := db.WithContext(ctx).Where("used_purchase_id = ?", id).Order("id").Find(&cs).Error; err != nil {
		return PurchaseReceipt{}, nil, fmt.Errorf("models: receipt: %w", err)
	}
	refunds, err := DeskPurchaseRefunds(ctx, db, id)
	if err != nil {
		return PurchaseReceipt{}, nil, err
	}
	return BuildPurchaseReceipt(p, items, cs, RefundedLines(refunds)), refunds, nil
}

// RefundedLines gathers the purchase lines earlier refunds gave back.
func RefundedLines(refunds []PurchaseRefund) map[int]bool {
	out := map[int]bool{}
	for _, r := range refunds {
		for _, n := range ParseLineNos(r.LineNos) {
			out[n] = true
		}
	}
	return out
}

// ParseLineNos reads a stored "0,2" list of line numbers.
func ParseLineNos(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n >= 0 {
			out = append(out, n)
		}
	}
	return out
}

// FormatLineNos writes line numbers as stored, sorted and without repeats.
func FormatLineNos(ns []int) string {
	seen := map[int]bool{}
	var s []int
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			s = append(s, n)
		}
	}
	sort.Ints(s)
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// LinesAmount is what refunding the picked lines gives back: the sum of
// their nets, capped at what is left to refund. A line that does not exist
// or was already refunded is a field error on "lines".
func LinesAmount(r PurchaseReceipt, lines []int) (int64, error) {
	if len(lines) == 0 {
		return 0, Invalid(map[string]string{"lines": "desk.refund_pick_line"})
	}
	var sum int64
	seen := map[int]bool{}
	for _, n := range lines {
		if n < 0 || n >= len(r.Items) || r.Items[n].Refunded || seen[n] {
			return 0, Invalid(map[string]string{"lines": "desk.refund_bad_line"})
		}
		seen[n] = true
		sum += r.Items[n].Net
	}
	left := r.Purchase.Paid - r.Purchase.Refunded
	if sum > left {
		sum = left
	}
	if sum <= 0 {
		return 0, ErrNothingToRefund
	}
	return sum, nil
}

// RefundSplit is where a refund's money goes back: to stored value (bonus
// and principal) and per outside method (cash, WeChat…).
type RefundSplit struct {
	Amount      int64
	StoredValue int64
	Owed        map[string]int64
}

// refundMoneySplit shares amount over what is left of each way the purchase
// was paid (largest remainder over bonus, principal and each outside
// method), so the last refund returns exactly what is left of each part.
func refundMoneySplit(p *Purchase, prev []PurchaseRefund, amount int64) (back, owed map[string]int64) {
	pays := p.PaymentMap()
	parts := []string{"bonus", "principal"}
	total := map[string]int64{"bonus": p.SVBonus, "principal": p.SVPrincipal}
	for _, m := range sortedKeys(pays) {
		if m != "stored_value" {
			parts = append(parts, m)
			total[m] = pays[m]
		}
	}
	done := map[string]int64{}
	for _, r := range prev {
		done["bonus"] += r.SVBonus
		done["principal"] += r.SVPrincipal
		o := map[string]int64{}
		_ = json.Unmarshal([]byte(r.Owed), &o)
		for m, v := range o {
			done[m] += v
		}
	}
	weights := make([]int64, len(parts))
	for i, k := range parts {
		weights[i] = total[k] - done[k]
	}
	shares := ShareOf(amount, weights)
	back = map[string]int64{}
	for i, k := range parts {
		back[k] = shares[i]
	}
	owed = map[string]int64{}
	for _, k := range parts[2:] {
		if back[k] > 0 {
			owed[k] = back[k]
		}
	}
	return back, owed
}

// PreviewRefundSplit shows, before the cashier confirms, where a refund of
// amount of purchase p would go, by the same rule the refund posts with.
func PreviewRefundSplit(p *Purchase, prev []PurchaseRefund, amount int64) RefundSplit {
	back, owed := refundMoneySplit(p, prev, amount)
	return RefundSplit{Amount: amount, StoredValue: back["bonus"] + back["principal"], Owed: owed}
}

// OwedLines lists the outside methods of a split in the desk's order.
func (s RefundSplit) OwedLines() []ReceiptLine {
	var out []ReceiptLine
	for _, m := range PaymentMethods {
		if v := s.Owed[m]; v > 0 {
			out = append(out, ReceiptLine{Kind: LinePayment, Text: m, Amount: v})
		}
	}
	return out
}

// DeskRefundRow loads one purchase refund.
func DeskRefundRow(ctx context.Context, db *gorm.DB, id int64) (*PurchaseRefund, error) {
	var r PurchaseRefund
	res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&r)
	if res.Error != nil {
		return nil, fmt.Errorf("models: desk refund: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return &r, nil
}

// OwedMap decodes what a refund paid back outside StarCard, per method.
func (r *PurchaseRefund) OwedMap() map[string]int64 {
	m := map[string]int64{}
	_ = json.Unmarshal([]byte(r.Owed), &m)
	return m
}

// BalancesAfterJournal returns the member's balances right after journal jid.
func BalancesAfterJournal(ctx context.Context, db *gorm.DB, memberID, jid int64) (Balances, error) {
	var b Balances
	var ids []int64
	for _, asset := range []string{AssetPoints, "stored_value"} {
		got, err := memberWalletAccounts(ctx, db, memberID, asset)
		if err != nil {
			return b, err
		}
		ids = append(ids, got...)
	}
	for _, id := range ids {
		var row struct {
			Name         string
			BalanceAfter int64
		}
		if err := db.WithContext(ctx).Raw(`SELECT a.name, p.balance_after FROM ledger_postings p
			JOIN ledger_accounts a ON a.id = p.account_id
			WHERE p.account_id = ? AND p.journal_id <= ? ORDER BY p.id DESC LIMIT 1`, id, jid).Scan(&row).Error; err != nil {
			return b, fmt.Errorf("models: balances after: %w", err)
		}
		switch row.Name {
		case AcctPoints:
			b.Points = row.BalanceAfter
		case AcctPrincipal:
			b.StoredValuePrincipal = row.BalanceAfter
		case AcctBonus:
			b.StoredValueBonus = row.BalanceAfter
		}
	}
	return b, nil
}
