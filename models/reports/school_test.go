package reports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// schoolClock is the wall clock now, the first midnight of its school day
// (Shanghai), the next one, and its month's first.
func schoolClock() (now, today, tomorrow, month time.Time) {
	now = time.Now().UTC()
	l := now.In(shanghai)
	today = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, shanghai)
	return now, today, today.AddDate(0, 0, 1), time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, shanghai)
}

// liveSchool is a school whose history the tests write through the use
// cases at times relative to the wall clock: the kept days and the folded
// months describe the school as of now.
type liveSchool struct {
	db     *models.DB
	campus []int64
	actor  []models.Actor
	n      int
}

// newLiveSchool publishes the consent and opens one campus per code, all at since.
func newLiveSchool(t *testing.T, db *models.DB, since time.Time, codes ...string) *liveSchool {
	t.Helper()
	ctx := context.Background()
	if _, err := models.PublishConsent(ctx, db.W, since, "v1", "同意"); err != nil {
		t.Fatal(err)
	}
	s := &liveSchool{db: db}
	for _, code := range codes {
		c, err := models.CreateCampus(ctx, db.W, since, code, code+"校区", "")
		if err != nil {
			t.Fatal(err)
		}
		s.campus = append(s.campus, c.ID)
		s.actor = append(s.actor, models.Actor{Type: "staff", ID: 1, CampusID: c.ID, Device: "test"})
	}
	return s
}

// member puts a child with one consenting guardian on file at campus c, joined then.
func (s *liveSchool) member(t *testing.T, c int, joined time.Time, name string) int64 {
	t.Helper()
	ctx := context.Background()
	s.n++
	var id int64
	if err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		m, err := models.CreateMember(ctx, tx, joined.UTC(), s.actor[c], models.NewMember{Name: name, CampusID: s.campus[c],
			Guardians: []models.NewGuardian{{Name: "家长", Phone: fmt.Sprintf("1370002%04d", s.n), Relation: "mother", Consent: true}}})
		if err == nil {
			id = m.ID
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// buy records a meal paid in cash by the member at campus c, dated at.
func (s *liveSchool) buy(t *testing.T, c int, member int64, at time.Time, amount int64) {
	t.Helper()
	s.n++
	if _, err := models.RecordPurchase(context.Background(), s.db, at.UTC(), models.Idem{Scope: "test", Key: fmt.Sprint("live-buy-", s.n)},
		models.PurchaseInput{MemberID: member, Items: []models.PurchaseItem{{Category: models.CategoryMeals, Amount: amount}},
			Payments: []models.Payment{{Method: "cash", Amount: amount}}, Actor: s.actor[c]}); err != nil {
		t.Fatal(err)
	}
}
