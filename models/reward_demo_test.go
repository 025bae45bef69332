package models_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

func TestDemoSchoolHasLoyaltyLevers(t *testing.T) {
	db := dbtest.DemoSQLite(t, paNow, time.FixedZone("CST", 8*3600)) // the demo TestDemoParentCanLogIn builds: seeded once
	ctx := context.Background()
	rs, err := models.ListRewards(ctx, db.R)
	if err != nil || len(rs) != 5 {
		t.Fatalf("demo rewards: %d %v", len(rs), err)
	}
	ps, _ := models.ListStampPrograms(ctx, db.R)
	if len(ps) != 2 {
		t.Fatalf("demo stamp programs: %d", len(ps))
	}
	var coupons, referrals int64
	db.R.Raw(`SELECT COUNT(*) FROM coupons`).Scan(&coupons)
	db.R.Raw(`SELECT COUNT(*) FROM referrals`).Scan(&referrals)
	if coupons < 8 || referrals != 1 {
		t.Fatalf("demo coupons %d referrals %d", coupons, referrals)
	}
}
