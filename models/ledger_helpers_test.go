package models_test

import (
	"context"
	"testing"
	"time"

	"starcard/models"
)

// t0 is a Monday morning in Shanghai, in UTC.
var t0 = time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)

// fixture is a campus and a staff actor to post with.
type fixture struct {
	db     *models.DB
	campus int64
	actor  models.Actor
}

func newFixture(t testing.TB, db *models.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	c, err := models.CreateCampus(ctx, db.W, t0, "C"+time.Now().Format("150405.000000000"), "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, campus: c.ID, actor: models.Actor{Type: "staff", ID: 1, CampusID: c.ID, Device: "test"}}
}

// member inserts a family and a member directly (the members package owns
// the real use case; the ledger only needs the rows).
func (f *fixture) member(t testing.TB, shared bool) int64 {
	t.Helper()
	return f.memberInFamily(t, f.family(t, shared))
}

func (f *fixture) family(t testing.TB, shared bool) int64 {
	t.Helper()
	sw := 0
	if shared {
		sw = 1
	}
	res := f.db.W.Exec(`INSERT INTO families (name, shared_wallet, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		"家庭", sw, t0, t0)
	if res.Error != nil {
		t.Fatal(res.Error)
	}
	var id int64
	if err := f.db.W.Raw(`SELECT MAX(id) FROM families`).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) memberInFamily(t testing.TB, family int64) int64 {
	t.Helper()
	if err := f.db.W.Exec(`INSERT INTO members (family_id, campus_id, name, notes, created_at, updated_at)
		VALUES (?, ?, ?, '', ?, ?)`, family, f.campus, "张小明", t0, t0).Error; err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := f.db.W.Raw(`SELECT MAX(id) FROM members`).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) balances(t testing.TB, member int64) models.Balances {
	t.Helper()
	m, err := models.MemberBalances(context.Background(), f.db.R, member)
	if err != nil {
		t.Fatal(err)
	}
	return m[member]
}
