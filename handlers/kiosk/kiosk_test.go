package kiosk_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// kioskSchool is a campus with a kiosk device and one child with a card.
func kioskSchool(t *testing.T, db *models.DB) (*apptest.App, models.MemberView, int64) {
	t.Helper()
	a := apptest.New(t, db)
	ctx := context.Background()
	sun, err := models.CreateCampus(ctx, db.W, a.Clock.Now(), "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	riv, err := models.CreateCampus(ctx, db.W, a.Clock.Now(), "RIV", "滨江校区", "")
	if err != nil {
		t.Fatal(err)
	}
	cls, err := models.CreateClass(ctx, db.W, a.Clock.Now(), sun.ID, "小一班")
	if err != nil {
		t.Fatal(err)
	}
	var m *models.Member
	if err := db.Tx(ctx, func(tx *gorm.DB) error {
		m, err = models.CreateMember(ctx, tx, a.Clock.Now(), models.SystemActor, models.NewMember{Name: "张小明", CampusID: sun.ID,
			ClassID: cls.ID, Guardians: []models.NewGuardian{{Name: "王芳", Phone: "13912341234", Relation: "mother"}}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "door", models.RoleKiosk, sun.ID)
	vs, err := models.MemberViews(ctx, db.R, []int64{m.ID})
	if err != nil {
		t.Fatal(err)
	}
	return a, vs[0], riv.ID
}

func TestKioskScannerGunFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		a, m, _ := kioskSchool(t, db)
		cl := a.Client(t)
		cl.Login("door", "password123")
		resp, page := cl.Get("/kiosk")
		apptest.Status(t, resp, 200, page)
		for _, want := range []string{"入园签到", "阳光校区", "data-keep-focus", "qr-scanner-1.4.2.umd.min.js", "今日已入园 0 人"} {
			if !strings.Contains(page, want) {
				t.Errorf("kiosk page lacks %q", want)
			}
		}
		a.Clock.T = time.Date(2026, 11, 2, 0, 1, 0, 0, time.UTC) // 08:01 in Shanghai
		steps := []struct {
			code string
			mode string
			want []string
		}{
			{m.CardNo, "", []string{`data-kind="ok"`, "张小明", "小一班", "签到成功 08:01", "今日已入园 1 人"}},
			{m.CardNo, "", []string{`data-kind="dup"`, "已签到 08:01"}},
			{m.CardNo[:9] + string('0'+(m.CardNo[9]-'0'+1)%10), "", []string{`data-kind="err"`, "校验位"}},
			{"8000000000", "", []string{`data-kind="err"`}},
			{"SC1:" + m.CardNo + ":1:AAAAAAAAAAAAAAAA", "", []string{`data-kind="err"`, "无法识别"}},
			{"", "", []string{`data-kind="err"`, "请先扫码"}},
			{m.CardNo, "departure", []string{`data-kind="out"`, "离园成功 08:01"}},
		}
		for i, s := range steps {
			resp, body := cl.HX("POST", "/kiosk/checkin", url.Values{"code": {s.code}, "mode": {s.mode}})
			apptest.Status(t, resp, 200, body)
			for _, w := range s.want {
				if !strings.Contains(body, w) {
					t.Errorf("step %d (%q): answer lacks %q:\n%s", i, s.code, w, body)
				}
			}
		}
		if _, err := models.FreezeCard(context.Background(), db, a.Clock.Now(), models.SystemActor, m.ID); err != nil {
			t.Fatal(err)
		}
		resp, body := cl.HX("POST", "/kiosk/checkin", url.Values{"code": {models.CardToken(a.Deps.Secret, m.CardNo, 1)}})
		apptest.Status(t, resp, 200, body)
		if !strings.Contains(body, "挂失") || !strings.Contains(body, `data-kind="err"`) {
			t.Fatalf("frozen card answer: %s", body)
		}
		var n int64
		db.R.Raw("SELECT COUNT(*) FROM checkins").Scan(&n)
		if n != 2 {
			t.Fatalf("%d check-ins recorded, want 2 (arrival, departure)", n)
		}
	})
}
