package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

func countRows(t testing.TB, db *models.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.R.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCheckInDuplicateWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		m := s.child(t, "张小明", "13912341234", true)
		v := s.view(t, m.ID)
		qr := models.CardToken(memSecret, v.CardNo, v.CardVersion)
		scan := func(at time.Time, in models.CardInput, kind string) *models.CheckinResult {
			t.Helper()
			r, err := models.CheckIn(ctx, db, at, memSecret, memLoc, models.CheckinRequest{Input: in, Campuses: []int64{s.sun}, Kind: kind,
				Actor: models.Actor{Type: "staff", ID: 9, Device: "kiosk"}})
			if err != nil {
				t.Fatalf("scan at %s: %v", at, err)
			}
			return r
		}
		cases := []struct {
			at     time.Duration
			in     models.CardInput
			kind   string
			status string
			first  time.Duration
		}{
			{0, models.CardInput{QR: qr}, "", models.CheckinCheckedIn, 0},
			{3 * time.Minute, models.CardInput{QR: qr}, "", models.CheckinDuplicate, 0},
			{9*time.Minute + 59*time.Second, models.CardInput{CardNo: v.CardNo}, "", models.CheckinDuplicate, 0},
			{10*time.Minute + time.Second, models.CardInput{QR: qr}, "", models.CheckinCheckedIn, 10*time.Minute + time.Second},
			{8 * time.Hour, models.CardInput{QR: qr}, models.CheckinDeparture, models.CheckinCheckedOut, 8 * time.Hour},
			{8*time.Hour + time.Minute, models.CardInput{QR: qr}, models.CheckinDeparture, models.CheckinDuplicate, 8 * time.Hour},
		}
		for i, c := range cases {
			r := scan(memNow.Add(c.at), c.in, c.kind)
			if r.Status != c.status || !r.At.Equal(memNow.Add(c.first)) || r.Name != "张小明" || r.ClassName != "小一班" {
				t.Fatalf("scan %d: %+v, want %s at +%s", i, r, c.status, c.first)
			}
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM checkins WHERE member_id = ?", m.ID); n != 3 {
			t.Fatalf("%d check-in rows, want 3", n)
		}
		// Each new arrival queued one notice for the one consenting guardian.
		if n := countRows(t, db, "SELECT COUNT(*) FROM outbox WHERE event = 'arrival' AND member_id = ?", m.ID); n != 2 {
			t.Fatalf("%d arrival notices, want 2", n)
		}
		// A longer window set by an admin applies to the next scan.
		if err := models.SaveCheckinSettings(ctx, db, memNow.Add(9*time.Hour), memActor, models.CheckinSettings{WindowMinutes: 120}); err != nil {
			t.Fatal(err)
		}
		if r := scan(memNow.Add(9*time.Hour+30*time.Minute), models.CardInput{QR: qr}, models.CheckinDeparture); r.Status != models.CheckinDuplicate {
			t.Fatalf("120-minute window: %+v", r)
		}
	})
}

func TestCheckInRefusalsRecordNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		frozen := s.child(t, "李雷", "13800001111", true)
		replaced := s.child(t, "韩梅梅", "13700002222", true)
		other := s.create(t, models.NewMember{Name: "王小波", CampusID: s.riv,
			Guardians: []models.NewGuardian{{Name: "王强", Phone: "13600003333", Relation: "father", Consent: true}}})
		fv, rv, ov := s.view(t, frozen.ID), s.view(t, replaced.ID), s.view(t, other.ID)
		if _, err := models.FreezeCard(ctx, db, memNow, memActor, frozen.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.ReplaceCard(ctx, tx, memNow, memActor, replaced.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		good := models.CardToken(memSecret, fv.CardNo, fv.CardVersion)
		cases := []struct {
			name string
			in   models.CardInput
			want error
		}{
			{"forged", models.CardInput{QR: models.CardToken([]byte("not-our-secret-not-our-secret-xx"), ov.CardNo, 1)}, models.ErrUnknownCard},
			{"tampered", models.CardInput{QR: good[:len(good)-2] + "AA"}, models.ErrUnknownCard},
			{"unknown number", models.CardInput{CardNo: models.NewCardNo()}, models.ErrUnknownCard},
			{"frozen", models.CardInput{QR: good}, models.ErrCardFrozen},
			{"replaced", models.CardInput{QR: models.CardToken(memSecret, rv.CardNo, rv.CardVersion)}, models.ErrCardReplaced},
			{"wrong campus", models.CardInput{QR: models.CardToken(memSecret, ov.CardNo, ov.CardVersion)}, models.ErrWrongCampus},
		}
		for _, c := range cases {
			_, err := models.CheckIn(ctx, db, memNow, memSecret, memLoc, models.CheckinRequest{Input: c.in, Campuses: []int64{s.sun}})
			if !errors.Is(err, c.want) || !models.IsCardRefusal(err) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM checkins"); n != 0 {
			t.Fatalf("refused scans recorded %d check-ins", n)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM outbox"); n != 0 {
			t.Fatalf("refused scans queued %d notices", n)
		}
	})
}

func TestCheckInConcurrentScansCountOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		m := s.child(t, "张小明", "13912341234", true)
		v := s.view(t, m.ID)
		qr := models.CardToken(memSecret, v.CardNo, v.CardVersion)
		var wg sync.WaitGroup
		statuses := make(chan string, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := models.CheckIn(context.Background(), db, memNow, memSecret, memLoc, models.CheckinRequest{Input: models.CardInput{QR: qr}})
				if err != nil {
					t.Error(err)
					return
				}
				statuses <- r.Status
			}()
		}
		wg.Wait()
		close(statuses)
		news := 0
		for st := range statuses {
			if st == models.CheckinCheckedIn {
				news++
			}
		}
		if news != 1 || countRows(t, db, "SELECT COUNT(*) FROM checkins") != 1 {
			t.Fatalf("%d new arrivals from 8 simultaneous scans", news)
		}
	})
}

func TestAttendancePointsOffByDefaultOncePerDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		m := s.child(t, "张小明", "13912341234", false)
		v := s.view(t, m.ID)
		in := models.CardInput{CardNo: v.CardNo}
		r, err := models.CheckIn(ctx, db, memNow, memSecret, memLoc, models.CheckinRequest{Input: in})
		if err != nil || r.PointsEarned != 0 {
			t.Fatalf("default off: %+v %v", r, err)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM outbox"); n != 0 {
			t.Fatalf("no consent, yet %d notices queued", n)
		}
		if err := models.SaveCheckinSettings(ctx, db, memNow, memActor, models.CheckinSettings{WindowMinutes: 10, AttendancePoints: true}); err != nil {
			t.Fatal(err)
		}
		want := models.DefaultRules().AttendancePoints
		r, err = models.CheckIn(ctx, db, memNow.Add(3*time.Hour), memSecret, memLoc, models.CheckinRequest{Input: in})
		if err != nil || r.PointsEarned != want {
			t.Fatalf("first arrival with the rule on: %+v %v", r, err)
		}
		r, err = models.CheckIn(ctx, db, memNow.Add(5*time.Hour), memSecret, memLoc, models.CheckinRequest{Input: in})
		if err != nil || r.Status != models.CheckinCheckedIn || r.PointsEarned != 0 {
			t.Fatalf("second arrival the same day: %+v %v", r, err)
		}
		r, err = models.CheckIn(ctx, db, memNow.Add(24*time.Hour), memSecret, memLoc, models.CheckinRequest{Input: in})
		if err != nil || r.PointsEarned != want {
			t.Fatalf("next day: %+v %v", r, err)
		}
		if b := s.view(t, m.ID).Balances; b.Points != 2*want {
			t.Fatalf("points balance %d, want %d", b.Points, 2*want)
		}
	})
}
