package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

var (
	memNow    = time.Date(2026, 11, 2, 0, 1, 0, 0, time.UTC) // Monday 08:01 in Shanghai
	memSecret = []byte("member-test-secret-member-test-secret")
	memLoc    = mustLoadLoc("Asia/Shanghai")
	memActor  = models.Actor{Type: "staff", ID: 1}
)

func mustLoadLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// memSchool is a campus pair with a class each and a published consent text.
type memSchool struct {
	db             *models.DB
	sun, riv       int64
	sunCls, rivCls int64
}

func newMemSchool(t testing.TB, db *models.DB) *memSchool {
	t.Helper()
	ctx := context.Background()
	s := &memSchool{db: db}
	a, err := models.CreateCampus(ctx, db.W, memNow, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := models.CreateCampus(ctx, db.W, memNow, "RIV", "滨江校区", "")
	if err != nil {
		t.Fatal(err)
	}
	s.sun, s.riv = a.ID, b.ID
	ca, err := models.CreateClass(ctx, db.W, memNow, s.sun, "小一班")
	if err != nil {
		t.Fatal(err)
	}
	cb, err := models.CreateClass(ctx, db.W, memNow, s.riv, "中二班")
	if err != nil {
		t.Fatal(err)
	}
	s.sunCls, s.rivCls = ca.ID, cb.ID
	if _, err := models.PublishConsent(ctx, db.W, memNow.Add(-time.Hour), "2026-09", "家长同意书"); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *memSchool) create(t testing.TB, in models.NewMember) *models.Member {
	t.Helper()
	var m *models.Member
	err := s.db.Tx(context.Background(), func(tx *gorm.DB) error {
		var err error
		m, err = models.CreateMember(context.Background(), tx, memNow, memActor, in)
		return err
	})
	if err != nil {
		t.Fatalf("create member %s: %v", in.Name, err)
	}
	return m
}

func (s *memSchool) child(t testing.TB, name, phone string, consent bool) *models.Member {
	t.Helper()
	return s.create(t, models.NewMember{Name: name, BirthDate: "2021-05-01", CampusID: s.sun, ClassID: s.sunCls,
		Guardians: []models.NewGuardian{{Name: "王芳", Phone: phone, Relation: "妈妈", Consent: consent}}})
}

func (s *memSchool) view(t testing.TB, id int64) models.MemberView {
	t.Helper()
	vs, err := models.MemberViews(context.Background(), s.db.R, []int64{id})
	if err != nil || len(vs) != 1 {
		t.Fatalf("member view %d: %v %v", id, vs, err)
	}
	return vs[0]
}

func TestCreateMemberValidates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		cases := []struct {
			name  string
			in    models.NewMember
			field string
		}{
			{"no name", models.NewMember{CampusID: s.sun, Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912341234"}}}, "name"},
			{"bad phone", models.NewMember{Name: "张小明", CampusID: s.sun, Guardians: []models.NewGuardian{{Name: "王芳", Phone: "1391234"}}}, "guardians[0].phone"},
			{"no guardian", models.NewMember{Name: "张小明", CampusID: s.sun}, "guardians"},
			{"future birth", models.NewMember{Name: "张小明", BirthDate: "2030-01-01", CampusID: s.sun, Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912341234"}}}, "birth_date"},
			{"class of another campus", models.NewMember{Name: "张小明", CampusID: s.sun, ClassID: s.rivCls, Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912341234"}}}, "class_id"},
			{"no campus", models.NewMember{Name: "张小明", Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912341234"}}}, "campus_id"},
		}
		for _, c := range cases {
			err := db.Tx(context.Background(), func(tx *gorm.DB) error {
				_, err := models.CreateMember(context.Background(), tx, memNow, memActor, c.in)
				return err
			})
			e, ok := models.AsError(err)
			if !ok || e.Fields[c.field] == "" {
				t.Errorf("%s: want a message on %s, got %v", c.name, c.field, err)
			}
		}
		var n int64
		db.R.Raw("SELECT COUNT(*) FROM members").Scan(&n)
		if n != 0 {
			t.Fatalf("refused creations left %d members", n)
		}
	})
}

func TestFamilyWithTwoChildrenSharesGuardians(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		first := s.child(t, "张小明", "13912341234", true)
		second := s.create(t, models.NewMember{Name: "张小红", CampusID: s.sun, FamilyID: first.FamilyID})
		f, err := models.GetFamily(context.Background(), db.R, first.FamilyID)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Children) != 2 || f.Children[1].ID != second.ID {
			t.Fatalf("family children = %+v", f.Children)
		}
		v := s.view(t, second.ID)
		if len(v.Guardians) != 1 || v.Guardians[0].Phone != "13912341234" || !v.Consent {
			t.Fatalf("sibling guardians = %+v consent=%v", v.Guardians, v.Consent)
		}
		if v.CardNo == "" || v.CardNo == s.view(t, first.ID).CardNo || v.Status != "active" {
			t.Fatalf("sibling card = %q status %q", v.CardNo, v.Status)
		}
		// The phone tail finds both children.
		ids, _, err := models.SearchMemberIDs(context.Background(), db.R, models.SearchQuery{Q: "1234"})
		if err != nil || len(ids) != 2 {
			t.Fatalf("phone tail search = %v, %v", ids, err)
		}
	})
}

func TestMaskedPhonesForCashierAndTeacher(t *testing.T) {
	v := models.MemberView{Guardians: []models.GuardianView{{Phone: "13912341234"}}}
	for _, c := range []struct {
		role models.Role
		want string
	}{
		{models.RoleCashier, "139****1234"}, {models.RoleTeacher, "139****1234"}, {models.RoleKiosk, "139****1234"},
		{models.RoleAdmin, "13912341234"}, {models.RoleCampusManager, "13912341234"},
	} {
		if got := v.Masked(c.role).Guardians[0].Phone; got != c.want {
			t.Errorf("%s sees %s, want %s", c.role, got, c.want)
		}
	}
	if v.Guardians[0].Phone != "13912341234" {
		t.Fatal("Masked changed the original")
	}
}

func TestProfileViewIsAuditedAndCampusScoped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		m := s.child(t, "李雷", "13800001111", true)
		ctx := context.Background()
		teacher := &models.StaffUser{ID: 7, Role: models.RoleTeacher, CampusIDs: []int64{s.sun}}
		other := &models.StaffUser{ID: 8, Role: models.RoleTeacher, CampusIDs: []int64{s.riv}}
		v, err := models.ViewMemberProfile(ctx, db, memNow, models.Actor{Type: "staff", ID: 7}, teacher, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Guardians[0].Phone != "138****1111" {
			t.Fatalf("teacher sees %s", v.Guardians[0].Phone)
		}
		if _, err := models.ViewMemberProfile(ctx, db, memNow, models.Actor{Type: "staff", ID: 8}, other, m.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("other campus: %v", err)
		}
		es, err := models.ListAudit(ctx, db.R, "member", m.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		views := 0
		for _, e := range es {
			if e.Action == "member.view" {
				views++
				if e.ActorID != 7 {
					t.Errorf("view audited for actor %d", e.ActorID)
				}
			}
		}
		if views != 1 {
			t.Fatalf("%d profile views audited, want 1", views)
		}
	})
}

func TestLifecycleKeepsHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		m := s.child(t, "韩梅梅", "13700002222", false)
		ctx := context.Background()
		if err := models.SetLifecycle(ctx, db, memNow.Add(time.Hour), memActor, m.ID, models.LifecycleActive, "开学"); err != nil {
			t.Fatal(err)
		}
		if err := models.SetLifecycle(ctx, db, memNow.Add(2*time.Hour), memActor, m.ID, models.LifecycleGraduated, ""); err != nil {
			t.Fatal(err)
		}
		if err := models.SetLifecycle(ctx, db, memNow, memActor, m.ID, "bogus", ""); err == nil {
			t.Fatal("bogus lifecycle accepted")
		}
		h, err := models.LifecycleHistory(ctx, db.R, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range h {
			got = append(got, e.FromStatus+">"+e.ToStatus)
		}
		if strings.Join(got, ",") != "active>graduated,enrolled>active,>enrolled" {
			t.Fatalf("history = %v", got)
		}
		if v := s.view(t, m.ID); v.Lifecycle != models.LifecycleGraduated || v.Consent {
			t.Fatalf("view lifecycle %s consent %v", v.Lifecycle, v.Consent)
		}
	})
}

func TestConsentVersionsAndNotices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		m := s.child(t, "刘洋", "13600003333", true)
		ids, err := models.ConsentingGuardians(ctx, db.R, m.ID)
		if err != nil || len(ids) != 1 {
			t.Fatalf("consenting = %v %v", ids, err)
		}
		// A new text needs agreeing to again.
		if _, err := models.PublishConsent(ctx, db.W, memNow.Add(time.Minute), "2027-01", "新版同意书"); err != nil {
			t.Fatal(err)
		}
		if ids, _ := models.ConsentingGuardians(ctx, db.R, m.ID); len(ids) != 0 {
			t.Fatalf("consent carried over to a new version: %v", ids)
		}
		g := s.view(t, m.ID).Guardians[0]
		if err := models.RecordConsent(ctx, db, memNow.Add(2*time.Minute), memActor, g.ID, "paper"); err != nil {
			t.Fatal(err)
		}
		v := s.view(t, m.ID)
		if !v.Consent || v.Guardians[0].ConsentVer != "2027-01" || !v.Guardians[0].ConsentAt.Equal(memNow.Add(2*time.Minute)) {
			t.Fatalf("consent after re-agreeing: %+v", v.Guardians[0])
		}
		if err := models.WithdrawConsent(ctx, db, memNow.Add(3*time.Minute), memActor, g.ID); err != nil {
			t.Fatal(err)
		}
		if v := s.view(t, m.ID); v.Consent {
			t.Fatal("withdrawn consent still counts")
		}
	})
}

func TestArchivedMemberLeavesSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		s := newMemSchool(t, db)
		ctx := context.Background()
		m := s.child(t, "欧阳娜娜", "13500004444", true)
		find := func() int {
			ids, _, err := models.SearchMemberIDs(ctx, db.R, models.SearchQuery{Q: "oynn"})
			if err != nil {
				t.Fatal(err)
			}
			return len(ids)
		}
		if find() != 1 {
			t.Fatal("not found before archiving")
		}
		if err := models.SetArchived(ctx, db, memNow, memActor, m.ID, true); err != nil {
			t.Fatal(err)
		}
		if find() != 0 {
			t.Fatal("archived member still found")
		}
		if v := s.view(t, m.ID); v.Status != "archived" {
			t.Fatalf("status %s", v.Status)
		}
		if err := models.SetArchived(ctx, db, memNow, memActor, m.ID, false); err != nil {
			t.Fatal(err)
		}
		if find() != 1 {
			t.Fatal("restored member not found")
		}
	})
}
