package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

func TestAwardPointsAndBalances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m1, m2 := f.member(t, false), f.member(t, false)
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			for _, p := range []int64{5, 7} {
				if _, err := models.AwardPoints(ctx, tx, t0, models.Award{MemberID: m1, Points: p, Reason: "attendance",
					RefType: "checkin", RefID: p, Actor: f.actor}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := models.MemberBalances(ctx, db.R, m1, m2, 999999)
		if err != nil {
			t.Fatal(err)
		}
		if got[m1].Points != 12 || got[m2] != (models.Balances{}) || got[999999] != (models.Balances{}) {
			t.Fatalf("balances = %+v", got)
		}
		err = db.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.AwardPoints(ctx, tx, t0, models.Award{MemberID: 999999, Points: 1, Reason: "x"})
			return err
		})
		if !errors.Is(err, models.ErrMemberNotFound) {
			t.Fatalf("unknown member: %v", err)
		}
		err = db.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.AwardPoints(ctx, tx, t0, models.Award{MemberID: m1, Points: 0, Reason: "x"})
			return err
		})
		if !errors.Is(err, models.ErrBadAmount) {
			t.Fatalf("zero points: %v", err)
		}
	})
}

func TestLotExpiryIsEndOfTwelfthMonthAfter(t *testing.T) {
	r := models.DefaultRules()
	sh := r.Location()
	for _, c := range []struct {
		earned time.Time
		want   time.Time
	}{
		{time.Date(2026, 3, 15, 10, 0, 0, 0, sh), time.Date(2027, 4, 1, 0, 0, 0, 0, sh)},
		{time.Date(2026, 12, 31, 23, 59, 0, 0, sh), time.Date(2028, 1, 1, 0, 0, 0, 0, sh)},
		// 2026-01-31 20:00 UTC is already February in Shanghai.
		{time.Date(2026, 1, 31, 20, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 0, 0, 0, 0, sh)},
	} {
		if got := models.LotExpiry(c.earned, r); !got.Equal(c.want) {
			t.Errorf("LotExpiry(%s) = %s, want %s", c.earned, got.In(sh), c.want)
		}
	}
}
