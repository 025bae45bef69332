package demo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// demoLedger gives the demo members about a year of history through the real
// use cases with back-dated clocks: top-ups with bonuses, purchases paid
// partly from stored value and partly with points, a few refunds, tier
// upgrades as spend crosses the thresholds, and last the expiry job. With no
// members it does nothing.
func demoLedger(ctx context.Context, d *School) error {
	type mem struct {
		ID       int64
		CampusID int64
	}
	var ms []mem
	if err := d.DB.R.WithContext(ctx).Raw(`SELECT id, campus_id FROM members WHERE archived_at IS NULL ORDER BY id`).
		Scan(&ms).Error; err != nil {
		return fmt.Errorf("demo ledger: %w", err)
	}
	if len(ms) == 0 {
		return nil
	}
	rules, err := models.LoadRules(ctx, d.DB.R, d.Now)
	if err != nil {
		return err
	}
	actors := map[int64]models.Actor{}
	for i, c := range d.Campuses {
		a := models.Actor{Type: "system", CampusID: c.ID, Device: "demo"}
		if u := d.Staff[fmt.Sprintf("cashier%d", i+1)]; u != nil {
			a = models.Actor{Type: "staff", ID: u.ID, CampusID: c.ID, Device: "demo"}
		}
		actors[c.ID] = a
	}
	type event struct {
		at     time.Time
		member mem
		kind   string
	}
	var evs []event
	start := d.Now.AddDate(-1, 0, 0)
	span := d.Now.Sub(start) - 24*time.Hour
	for _, m := range ms {
		// Families differ: some pay everything at the desk, some keep a wallet.
		for n := d.Rand.IntN(3); n > 0; n-- {
			evs = append(evs, event{start.Add(time.Duration(d.Rand.Int64N(int64(span)))), m, "topup"})
		}
		for n := 3 + d.Rand.IntN(10); n > 0; n-- {
			evs = append(evs, event{start.Add(time.Duration(d.Rand.Int64N(int64(span)))), m, "purchase"})
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
	bal := map[int64]models.Balances{}
	var purchases []int64
	for _, e := range evs {
		// Opening hours, school time.
		lt := e.at.In(d.Loc)
		at := time.Date(lt.Year(), lt.Month(), lt.Day(), 8+d.Rand.IntN(10), d.Rand.IntN(60), 0, 0, d.Loc).UTC()
		actor := actors[e.member.CampusID]
		switch e.kind {
		case "topup":
			amount := []int64{50000, 100000, 200000, 300000}[d.Rand.IntN(4)]
			var res *models.TopupResult
			err := d.DB.Tx(ctx, func(tx *gorm.DB) (err error) {
				res, err = models.PostTopup(ctx, tx, at, rules, models.TopupInput{MemberID: e.member.ID, Amount: amount,
					Method: models.TopupMethods[d.Rand.IntN(len(models.TopupMethods))], Actor: actor})
				return err
			})
			if errors.Is(err, models.ErrPrepaidCap) {
				continue
			}
			if err != nil {
				return fmt.Errorf("demo ledger: top-up: %w", err)
			}
			bal[e.member.ID] = res.Balances
		case "purchase":
			items := demoItems(d)
			var total int64
			for _, it := range items {
				total += it.Amount
			}
			b := bal[e.member.ID]
			var redeem int64
			if b.Points >= 500 && d.Rand.IntN(3) == 0 {
				redeem = min(b.Points/100*100, models.RedeemCap(rules, total)/100*100)
			}
			due := total - redeem*100/rules.RedeemPointsPerYuan
			var pays []models.Payment
			if sv := min(due, b.StoredValue()); sv > 0 {
				pays = append(pays, models.Payment{Method: "stored_value", Amount: sv})
				due -= sv
			}
			if due > 0 {
				pays = append(pays, models.Payment{Method: []string{"wechat", "alipay", "cash", "bank_card"}[d.Rand.IntN(4)], Amount: due})
			}
			var res *models.PurchaseResult
			err := d.DB.Tx(ctx, func(tx *gorm.DB) (err error) {
				res, err = models.PostPurchase(ctx, tx, at, rules, models.PurchaseInput{MemberID: e.member.ID, Items: items, Payments: pays,
					PointsToRedeem: redeem, Actor: actor})
				return err
			})
			if errors.Is(err, models.ErrInsufficientPoints) || errors.Is(err, models.ErrInsufficientBalance) || errors.Is(err, models.ErrPointsCap) {
				continue // tiers changed the quote; skip this one
			}
			if err != nil {
				return fmt.Errorf("demo ledger: purchase: %w", err)
			}
			bal[e.member.ID] = res.Balances
			purchases = append(purchases, res.ID)
			// One purchase in twenty is partly refunded a few days later.
			if d.Rand.IntN(20) == 0 {
				later := at.Add(time.Duration(24+d.Rand.IntN(96)) * time.Hour)
				if later.After(d.Now) {
					continue
				}
				half := res.Paid / 2
				if half <= 0 {
					continue
				}
				var rr *models.RefundResult
				err := d.DB.Tx(ctx, func(tx *gorm.DB) (err error) {
					rr, err = models.PostRefund(ctx, tx, later, models.RefundInput{PurchaseID: res.ID, Amount: &half,
						Reason: "课程调整，退一半费用", Actor: actor})
					return err
				})
				if err != nil {
					return fmt.Errorf("demo ledger: refund: %w", err)
				}
				bal[e.member.ID] = rr.Balances
			}
		}
	}
	if _, err := models.ExpirePoints(ctx, d.DB, d.Now); err != nil {
		return fmt.Errorf("demo ledger: %w", err)
	}
	return nil
}

func demoItems(d *School) []models.PurchaseItem {
	switch d.Rand.IntN(6) {
	case 0:
		return []models.PurchaseItem{{Category: models.CategoryTuition, Amount: int64(300000 + d.Rand.IntN(6)*50000), Description: "学期学费"}}
	case 1:
		return []models.PurchaseItem{{Category: models.CategoryInterestClass, Amount: int64(80000 + d.Rand.IntN(8)*10000), Description: "美术兴趣班"}}
	case 2:
		return []models.PurchaseItem{{Category: models.CategoryMeals, Amount: int64(30000 + d.Rand.IntN(10)*1000), Description: "月度餐费"},
			{Category: models.CategoryMaterials, Amount: int64(5000 + d.Rand.IntN(20)*500), Description: "绘本教材"}}
	case 3:
		return []models.PurchaseItem{{Category: models.CategoryMaterials, Amount: int64(2000 + d.Rand.IntN(30)*300), Description: "手工材料包"}}
	case 4:
		return []models.PurchaseItem{{Category: models.CategoryOther, Amount: int64(10000 + d.Rand.IntN(10)*2000), Description: "校服"}}
	default:
		return []models.PurchaseItem{{Category: models.CategoryInterestClass, Amount: int64(150000 + d.Rand.IntN(6)*20000), Description: "英语启蒙课"},
			{Category: models.CategoryMeals, Amount: int64(30000 + d.Rand.IntN(10)*1000), Description: "月度餐费"}}
	}
}
