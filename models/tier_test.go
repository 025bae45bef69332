package models_test

import (
	"testing"
	"time"

	"starcard/models"
)

func TestTierRulesWithAnInjectedClock(t *testing.T) {
	r := models.DefaultRules() // terms end 01-20 and 07-10; gold ¥5,000, platinum ¥20,000
	sh := r.Location()
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, sh) }

	if got := models.QualifiedTier(r, 499999); got != models.TierSilver {
		t.Errorf("¥4,999.99 qualifies for %s", got)
	}
	if got := models.QualifiedTier(r, 500000); got != models.TierGold {
		t.Errorf("¥5,000 qualifies for %s", got)
	}
	if got := models.TierAfterPurchase(r, models.TierPlatinum, 0); got != models.TierPlatinum {
		t.Errorf("a purchase downgraded platinum to %s", got)
	}
	if got := models.TierAfterPurchase(r, models.TierSilver, 2000000); got != models.TierPlatinum {
		t.Errorf("crossing ¥20,000 gives %s", got)
	}

	// Gold reached on 2026-09-15: kept through the autumn term (ends 2027-01-20).
	since := at(2026, 9, 15)
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{at(2026, 12, 1), models.TierGold},
		{time.Date(2027, 1, 20, 23, 59, 0, 0, sh), models.TierGold},
		{time.Date(2027, 1, 21, 0, 0, 0, 0, sh), models.TierSilver},
	} {
		if got := models.EvaluateTier(r, models.TierGold, since, 0, nil, c.now); got != c.want {
			t.Errorf("evaluated at %s: %s, want %s", c.now, got, c.want)
		}
	}
	if got := models.NextTermEnd(r, at(2026, 7, 11)); !got.Equal(time.Date(2027, 1, 21, 0, 0, 0, 0, sh)) {
		t.Errorf("next term end after 2026-07-11 = %s", got.In(sh))
	}

	// A manual override pins platinum until it expires; then the evaluation
	// recalculates (and grace counts from the override).
	o := &models.TierOverride{Tier: models.TierPlatinum, ExpiresAt: at(2027, 3, 1)}
	if got := models.EvaluateTier(r, models.TierPlatinum, since, 0, o, at(2027, 2, 1)); got != models.TierPlatinum {
		t.Errorf("override in force: %s", got)
	}
	if got := models.EvaluateTier(r, models.TierPlatinum, since, 600000, o, at(2027, 3, 2)); got != models.TierGold {
		t.Errorf("override expired, spend ¥6,000: %s, want gold", got)
	}
	// Spend above the override still upgrades.
	low := &models.TierOverride{Tier: models.TierSilver, ExpiresAt: at(2027, 3, 1)}
	if got := models.EvaluateTier(r, models.TierSilver, since, 2100000, low, at(2027, 2, 1)); got != models.TierPlatinum {
		t.Errorf("spend over an override: %s", got)
	}

	p := models.ProgressFor(r, models.TierSilver, 376600, at(2026, 3, 1), at(2026, 11, 1))
	if p.Next != models.TierGold || p.Needed != 123400 || !p.Deadline.Equal(at(2027, 3, 1).UTC()) {
		t.Errorf("progress %+v", p)
	}
	if p := models.ProgressFor(r, models.TierPlatinum, 3000000, time.Time{}, at(2026, 11, 1)); p.Next != "" || p.Needed != 0 {
		t.Errorf("platinum has no next tier: %+v", p)
	}
}
