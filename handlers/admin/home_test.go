package admin_test

import (
	"context"
	"strings"
	"testing"

	"starcard/models"
	"starcard/models/dbtest"
)

// The back-office home shows what the school owes and how many children came.
func TestHomeShowsHeadlineNumbers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		w := newMemberAdmin(t, db)
		ctx := context.Background()
		now := w.a.Clock.Now()
		_, kids, err := models.CreateFamily(ctx, db, now, models.SystemActor, models.NewFamily{CampusID: w.sun,
			Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912345678", Relation: "mother"}},
			Children:  []models.NewMember{{Name: "张小明"}, {Name: "张小红"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.RecordTopup(ctx, db, now, models.Idem{Scope: "t", Key: "k1", Hash: "h"},
			models.TopupInput{MemberID: kids[0], Amount: 123456, Method: "cash", Actor: models.SystemActor}); err != nil {
			t.Fatal(err)
		}
		// Another campus's family and money are not the manager's to count.
		_, far, err := models.CreateFamily(ctx, db, now, models.SystemActor, models.NewFamily{CampusID: w.riv,
			Guardians: []models.NewGuardian{{Name: "赵敏", Phone: "13987654321", Relation: "mother"}},
			Children:  []models.NewMember{{Name: "赵一一"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.RecordTopup(ctx, db, now, models.Idem{Scope: "t", Key: "k2", Hash: "h"},
			models.TopupInput{MemberID: far[0], Amount: 50000, Method: "cash", Actor: models.SystemActor}); err != nil {
			t.Fatal(err)
		}
		cl := w.a.Client(t)
		cl.Login("mgr", "password123")
		_, body := cl.Get("/admin")
		// ¥1,234.56 topped up earns the default ¥100 bonus at ≥ ¥1,000.
		for _, want := range []string{"在册学员", "<strong>2</strong>", "预收储值余额", "¥1,334.56", "学员档案", "优惠券"} {
			if !strings.Contains(body, want) {
				t.Errorf("admin home lacks %q", want)
			}
		}
		if strings.Contains(body, "¥1,834.56") || strings.Contains(body, "<strong>3</strong>") {
			t.Errorf("a campus manager's headline counts another campus's children or money")
		}
		if strings.Contains(body, "/admin/outbox") {
			t.Errorf("a campus manager is offered the outbox, which is for service heads")
		}
	})
}
