package models_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

// The demo school gets a year of ledger history that verify finds clean,
// with members spread over the tiers.
func TestDemoLedgerHistory(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	db := dbtest.DemoSQLite(t, time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC), loc)
	rep, err := models.Verify(context.Background(), db)
	if err != nil || !rep.Clean() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	var tiers []struct {
		Tier string
		N    int
	}
	db.R.Raw(`SELECT tier, COUNT(*) AS n FROM members GROUP BY tier ORDER BY tier`).Scan(&tiers)
	var purchases, refunds int64
	db.R.Raw(`SELECT COUNT(*) FROM purchases`).Scan(&purchases)
	db.R.Raw(`SELECT COUNT(*) FROM purchase_refunds`).Scan(&refunds)
	t.Logf("demo: %d journals, %d purchases, %d refunds, tiers %v", rep.Journals, purchases, refunds, tiers)
	if purchases == 0 {
		t.Skip("no demo members to give history to")
	}
	if len(tiers) < 2 || refunds == 0 {
		t.Fatalf("the history should reach several tiers and include refunds: %v, %d refunds", tiers, refunds)
	}
}
