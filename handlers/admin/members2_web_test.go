package admin_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// TestBroadcastTierAndErasurePages drives the service head's pages over
// HTTP: a broadcast previewed with its reach, refused with field messages,
// scheduled and sent now; a tier set by hand with its history; an erasure
// request refused while stored value is held, then carried out.
func TestBroadcastTierAndErasurePages(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	ctx := context.Background()
	now := a.Clock.Now()
	db := a.DB
	c1, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, db.W, now, "v1", "同意"); err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "svc", models.RoleServiceHead)
	actor := models.Actor{Type: "staff", ID: 1, CampusID: c1.ID}
	var m *models.Member
	if err := db.Tx(ctx, func(tx *gorm.DB) error {
		m, err = models.CreateMember(ctx, tx, now, actor, models.NewMember{Name: "周一诺", CampusID: c1.ID,
			Guardians: []models.NewGuardian{{Name: "林静", Phone: "13988887777", Relation: "mother", Consent: true}}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c := a.Client(t)
	c.Login("svc", "password123")

	// Broadcast: a missing title is a field message; the preview counts; send now queues it.
	form := url.Values{"kind": {"invitation"}, "title": {""}, "body": {"元旦亲子游园会，欢迎报名！"}, "campus_id": {fmt.Sprint(c1.ID)}}
	resp, body := c.HX(http.MethodPost, "/admin/broadcasts/preview", form)
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "请填写标题") {
		t.Fatalf("no field message: %s", body)
	}
	form.Set("title", "元旦游园会")
	resp, body = c.HX(http.MethodPost, "/admin/broadcasts/preview", form)
	apptest.Status(t, resp, http.StatusOK, body)
	for _, want := range []string{"【星卡】元旦亲子游园会，欢迎报名！", "<strong>1</strong> 个家庭", "<strong>1</strong> 条短信计费"} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("preview lacks %q: %s", want, body)
		}
	}
	form.Set("send_on", now.In(apptest.Shanghai).AddDate(0, 0, 7).Format("2006-01-02"))
	form.Set("key", "compose-1")
	for i := 0; i < 2; i++ { // a double click sends the form twice
		resp, body = c.PostForm("/admin/broadcasts", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
	}
	var id, n int64
	db.R.Raw("SELECT COUNT(*) FROM broadcasts").Scan(&n)
	if n != 1 {
		t.Fatalf("%d broadcasts from one form sent twice", n)
	}
	db.R.Raw("SELECT id FROM broadcasts ORDER BY id DESC LIMIT 1").Scan(&id)
	resp, body = c.PostForm(fmt.Sprintf("/admin/broadcasts/%d/send", id), url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("send now: %d %s", resp.StatusCode, body)
	}
	var queued int64
	db.R.Raw("SELECT COUNT(*) FROM outbox WHERE event = 'broadcast'").Scan(&queued)
	if queued != 1 {
		t.Fatalf("%d broadcast notices queued, want 1", queued)
	}
	_, body = c.Get("/admin/broadcasts")
	if !strings.Contains(body, "已发出") {
		t.Errorf("the list does not show the broadcast as sent: %s", body)
	}

	// Tier override with an expiry, shown in the history.
	path := fmt.Sprintf("/admin/members/%d/tier", m.ID)
	resp, body = c.PostForm(path, url.Values{"tier": {"gold"}, "reason": {""}, "expires_at": {"2099-01-01"}})
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "请填写原因") {
		t.Fatalf("no reason message: %s", body)
	}
	resp, _ = c.PostForm(path, url.Values{"tier": {"gold"}, "reason": {"老客户关怀"}, "expires_at": {"2099-01-01"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("tier override: %d", resp.StatusCode)
	}
	_, body = c.Get(path)
	if !strings.Contains(body, "当前等级：金卡") || !strings.Contains(body, "人工指定") {
		t.Errorf("tier page: %s", body)
	}

	// Erasure: refused while stored value is held, done once it is refunded.
	if _, err := models.RecordTopup(ctx, db, now, models.Idem{Scope: "t", Key: "top", Hash: "top"},
		models.TopupInput{MemberID: m.ID, Amount: 5000, Method: "cash", Actor: actor}); err != nil {
		t.Fatal(err)
	}
	var gid int64
	db.R.Raw("SELECT id FROM guardians WHERE phone = '13988887777'").Scan(&gid)
	if err := db.W.Exec("INSERT INTO erasure_requests (family_id, guardian_id, reason, status, open_family_id, created_at) VALUES (?, ?, '不再就读', 'requested', ?, ?)",
		m.FamilyID, gid, m.FamilyID, now).Error; err != nil {
		t.Fatal(err)
	}
	var rid int64
	db.R.Raw("SELECT id FROM erasure_requests").Scan(&rid)
	resp, body = c.PostForm(fmt.Sprintf("/admin/privacy-requests/%d", rid), url.Values{"outcome": {"done"}, "confirm": {"1"}})
	apptest.Status(t, resp, http.StatusConflict, body)
	if !strings.Contains(body, "还有储值 ¥50.00 未退") {
		t.Fatalf("no balance refusal: %s", body)
	}
	var topup int64
	db.R.Raw("SELECT id FROM topups").Scan(&topup)
	if _, err := models.RecordTopupRefund(ctx, db, now, models.Idem{Scope: "t", Key: "back", Hash: "back"},
		models.TopupRefundInput{TopupID: topup, Reason: "退学", Actor: actor}); err != nil {
		t.Fatal(err)
	}
	resp, body = c.PostForm(fmt.Sprintf("/admin/privacy-requests/%d", rid), url.Values{"outcome": {"done"}, "confirm": {"1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("erase: %d %s", resp.StatusCode, body)
	}
	var name, phone string
	db.R.Raw("SELECT m.name FROM members m WHERE m.id = ?", m.ID).Scan(&name)
	db.R.Raw("SELECT phone FROM guardians WHERE id = ?", gid).Scan(&phone)
	if name != "已删除" || phone != "" {
		t.Fatalf("after erasure: name %q phone %q", name, phone)
	}
	if rep, err := models.Verify(ctx, db); err != nil || !rep.Clean() {
		t.Fatalf("verify after erasure: %v %v", err, rep.Problems)
	}
}
