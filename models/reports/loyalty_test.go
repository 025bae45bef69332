package reports_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/reports"
)

// TestLoyalty: the seeded school's four buyers, of whom 张小明 buys twice;
// two referrals of grade A, one paid; the
// north campus and a tier filter narrow them.
func TestLoyalty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := seed(t, db)
		f.buy(t, 0, f.members[0], 10000)
		var pkgBuyers int64
		if err := db.R.Raw("SELECT COUNT(*) FROM purchases WHERE member_id = ?", f.members[1]).Scan(&pkgBuyers).Error; err != nil {
			t.Fatal(err)
		}
		var paid int64
		if err := db.R.Raw("SELECT COALESCE(SUM(paid - refunded), 0) FROM purchases").Scan(&paid).Error; err != nil {
			t.Fatal(err)
		}
		for i, st := range []string{models.ReferralPaid, models.ReferralInvited} {
			if err := db.W.Exec(`INSERT INTO referrals (referrer_member_id, invitee_name, status, grade, invited_at) VALUES (?, ?, ?, 'A', ?)`,
				f.members[0], "朋友", st, t0.Add(time.Duration(i)*time.Minute)).Error; err != nil {
				t.Fatal(err)
			}
		}
		day := time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai)
		p := reports.Period{From: day, To: day.AddDate(0, 0, 1), Loc: shanghai, Grain: reports.GrainDay}
		l, err := reports.LoyaltyFor(ctx, db.R, p)
		if err != nil {
			t.Fatal(err)
		}
		repeat := int64(1)
		if pkgBuyers > 1 {
			repeat = 2
		}
		if l.Buyers != 4 || l.RepeatBuyers != repeat || l.Paid != paid || l.PerBuyer() != (paid+2)/4 || l.StampsComplete != 0 || l.CouponsUsed != 0 {
			t.Errorf("school loyalty %+v (paid %d, repeat %d)", l, paid, repeat)
		}
		if len(l.Referrals) != 1 || l.Referrals[0] != (reports.ReferralGrade{Grade: "A", Invited: 2, Paid: 1}) || l.Referrals[0].Pct() != 50 {
			t.Errorf("referrals %+v", l.Referrals)
		}
		p.CampusIDs = []int64{f.campus[1]}
		if l, err = reports.LoyaltyFor(ctx, db.R, p); err != nil || l.Buyers != 2 || l.RepeatBuyers != 0 || l.StampsComplete != 0 || len(l.Referrals) != 0 {
			t.Errorf("south loyalty %+v %v", l, err)
		}
		p.CampusIDs, p.Filter = nil, reports.Filter{Tier: "platinum"}
		if l, err = reports.LoyaltyFor(ctx, db.R, p); err != nil || l.Buyers != 0 || l.StampsComplete != 0 {
			t.Errorf("platinum loyalty %+v %v", l, err)
		}
	})
}
