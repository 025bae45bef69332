package models_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// lyNow is a Tuesday morning in Shanghai.
var lyNow = time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)

// lyFix is a campus, an admin actor and a way to make members.
type lyFix struct {
	db     *models.DB
	campus int64
	actor  models.Actor
}

var lyPhones atomic.Int64

func newLyFix(t testing.TB, db *models.DB) *lyFix {
	t.Helper()
	c, err := models.CreateCampus(context.Background(), db.W, lyNow, fmt.Sprintf("L%d", lyPhones.Add(1)), "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	return &lyFix{db: db, campus: c.ID, actor: models.Actor{Type: "staff", ID: 1, CampusID: c.ID}}
}

// phone returns a fresh valid mobile number.
func lyPhone() string { return fmt.Sprintf("139%08d", lyPhones.Add(1)) }

// member creates a member with one guardian through the members use case.
func (f *lyFix) member(t testing.TB, name, phone, birth string) *models.Member {
	t.Helper()
	var m *models.Member
	err := f.db.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		m, err = models.CreateMember(context.Background(), tx, lyNow, f.actor, models.NewMember{Name: name, BirthDate: birth,
			CampusID: f.campus, Guardians: []models.NewGuardian{{Name: name + "妈妈", Phone: phone, Relation: "mother"}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// template creates a coupon template valid 30 days from issue.
func (f *lyFix) template(t testing.TB, n models.NewCouponTemplate) *models.CouponTemplate {
	t.Helper()
	if n.Name == "" {
		n.Name = "测试券"
	}
	if n.Kind == "" {
		n.Kind, n.AmountOff = models.CouponAmount, 2000
	}
	if n.ValidDays == 0 && n.ValidUntil == nil {
		n.ValidDays = 30
	}
	tp, err := models.CreateCouponTemplate(context.Background(), f.db, lyNow, f.actor, n)
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func (f *lyFix) count(t testing.TB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := f.db.W.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
