package models_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
	"starcard/models/dbtest"
)

// An attendance stamp program is stamped by real arrivals at the door, not
// by duplicate scans or departures.
func TestCheckInStampsAttendancePrograms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		m := s.child(t, "李小雨", "13912340000", true)
		v := s.view(t, m.ID)
		p, err := models.CreateStampProgram(ctx, db, memNow, memActor, models.NewStampProgram{Name: "签到集章",
			StampsRequired: 3, Source: models.StampFromAttendance, RewardTemplateID: 6})
		if err != nil {
			t.Fatal(err)
		}
		scan := func(at time.Time, kind string) {
			t.Helper()
			if _, err := models.CheckIn(ctx, db, at, memSecret, memLoc, models.CheckinRequest{
				Input: models.CardInput{CardNo: v.CardNo}, Kind: kind}); err != nil {
				t.Fatal(err)
			}
		}
		scan(memNow, "")                                       // arrival: stamp 1
		scan(memNow.Add(2*time.Minute), "")                    // duplicate: no stamp
		scan(memNow.Add(8*time.Hour), models.CheckinDeparture) // departure: no stamp
		scan(memNow.Add(24*time.Hour), "")                     // next day: stamp 2
		cards, err := models.MemberStampCards(ctx, db.R, m.ID)
		if err != nil || len(cards) != 1 || cards[0].ProgramID != p.ID || cards[0].Stamps != 2 {
			t.Fatalf("stamp cards after two arrivals: %+v %v", cards, err)
		}
		scan(memNow.Add(48*time.Hour), "") // third arrival fills the card: a free-lesson coupon
		cards, _ = models.MemberStampCards(ctx, db.R, m.ID)
		if cards[len(cards)-1].CompletedAt == nil {
			t.Fatalf("the card is not completed after three arrivals: %+v", cards)
		}
		coupons, err := models.MemberCoupons(ctx, db.R, m.ID, memNow.Add(48*time.Hour))
		if err != nil || len(coupons) == 0 {
			t.Fatalf("no reward coupon: %v %v", coupons, err)
		}
	})
}
