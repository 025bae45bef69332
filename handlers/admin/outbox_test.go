package admin_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

func TestNoticeTemplateCheckedPreviewedAndSaved(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	a.Staff(t, "svc", models.RoleServiceHead)
	c := a.Client(t)
	c.Login("svc", "password123")
	resp, body := c.Get("/admin/notice-templates/topup/zh-CN")
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, "充值{{amount}}已到账") && !strings.Contains(html.UnescapeString(body), "充值{{amount}}已到账") {
		t.Fatalf("the edit form does not show the built-in text")
	}
	// An unknown variable is refused with a Chinese message naming it.
	form := url.Values{"subject": {"充值到账"}, "body": {"{{member}}充值{{amout}}"}}
	resp, body = c.HX(http.MethodPost, "/admin/notice-templates/topup/zh-CN", form)
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	if b := html.UnescapeString(body); !strings.Contains(b, "模板里的变量 {{amout}} 不存在") || !strings.Contains(b, "amount") {
		t.Fatalf("refusal does not name the variable: %s", body)
	}
	// Preview fills sample values and stores nothing.
	form.Set("body", "{{member}}充值{{amount}}，赠送{{bonus}}")
	resp, body = c.HX(http.MethodPost, "/admin/notice-templates/topup/zh-CN/preview", form)
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, "张小明充值¥1,280.00，赠送¥100.00") {
		t.Fatalf("preview: %s", body)
	}
	tp, _ := models.NoticeTemplateFor(context.Background(), a.DB.R, "topup", "zh-CN")
	if tp.ID != 0 {
		t.Fatal("preview stored the template")
	}
	resp, body = c.HX(http.MethodPost, "/admin/notice-templates/topup/zh-CN", form)
	apptest.Status(t, resp, http.StatusOK, body)
	tp, _ = models.NoticeTemplateFor(context.Background(), a.DB.R, "topup", "zh-CN")
	if tp.Body != "{{member}}充值{{amount}}，赠送{{bonus}}" {
		t.Fatalf("saved %q", tp.Body)
	}
}

func TestOutboxShowsLogMessagesAndResendsDeadLetters(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	ctx := context.Background()
	a.Staff(t, "boss", models.RoleAdmin)
	a.Staff(t, "cash", models.RoleCashier)
	now := a.Clock.Now()
	camp, _ := models.CreateCampus(ctx, a.DB.W, now, "SUN", "阳光校区", "")
	var fam, g int64
	a.DB.W.Exec("INSERT INTO families (name, created_at, updated_at) VALUES ('王家', ?, ?)", now, now)
	a.DB.W.Raw("SELECT MAX(id) FROM families").Scan(&fam)
	a.DB.W.Exec("INSERT INTO guardians (family_id, name, phone, created_at, updated_at) VALUES (?, '王丽', '13912345678', ?, ?)", fam, now, now)
	a.DB.W.Raw("SELECT MAX(id) FROM guardians").Scan(&g)
	a.DB.W.Exec("INSERT INTO members (family_id, campus_id, name, notes, created_at, updated_at) VALUES (?, ?, '王小明', '', ?, ?)", fam, camp.ID, now, now)
	for _, n := range []models.Notice{
		{Event: "otp", GuardianID: g, DedupeKey: "otp:1", Data: map[string]any{"code": "731946", "minutes": 5}},
		{Event: "complaint_update", GuardianID: g, DedupeKey: "c:1", Data: map[string]any{"status": "已回访"}},
	} {
		if err := a.DB.Tx(ctx, func(tx *gormDB) error { return models.EnqueueNotice(ctx, tx, now, n) }); err != nil {
			t.Fatal(err)
		}
	}
	w := models.NewWorker(a.DB, models.NotifyConfig{SMS: models.LogSMS{}, Loc: apptest.Shanghai}, a.Clock.Now)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	a.DB.W.Exec("UPDATE outbox SET status = 'dead', last_error = 'provider refused' WHERE event = 'complaint_update'")

	cashier := a.Client(t)
	cashier.Login("cash", "password123")
	if resp, _ := cashier.Get("/admin/outbox"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a cashier reached the outbox: %d", resp.StatusCode)
	}
	c := a.Client(t)
	c.Login("boss", "password123")
	resp, body := c.Get("/admin/outbox")
	apptest.Status(t, resp, http.StatusOK, body)
	// One-time codes are never shown or logged in clear (issue 11).
	if !strings.Contains(body, "您的验证码是******") || strings.Contains(body, "731946") {
		t.Fatalf("the log provider's message is not on the outbox page with its code masked")
	}
	if !strings.Contains(body, "provider refused") || !strings.Contains(body, "重新发送") {
		t.Fatalf("the dead letter is not offered for resending")
	}
	var dead int64
	a.DB.W.Raw("SELECT id FROM outbox WHERE status = 'dead'").Scan(&dead)
	resp, body = c.HX(http.MethodPost, "/admin/outbox/"+itoa(dead)+"/resend", url.Values{})
	apptest.Status(t, resp, http.StatusOK, body)
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var st string
	a.DB.W.Raw("SELECT status FROM outbox WHERE id = ?", dead).Scan(&st)
	if st != models.OutboxSent {
		t.Fatalf("after resend: %s", st)
	}
	for _, p := range []string{"/admin/jobs", "/admin/holidays", "/admin/message-stats", "/admin/notice-templates"} {
		resp, body := c.Get(p)
		apptest.Status(t, resp, http.StatusOK, body)
	}
	if _, body := c.Get("/admin/holidays"); !strings.Contains(body, "中秋节") {
		t.Fatal("the seeded calendar is missing")
	}
	if _, body := c.Get("/admin/message-stats?month=2026-11"); !strings.Contains(body, "登录验证码") {
		t.Fatal("the month's statistics miss the code sent")
	}
}

type gormDB = gorm.DB

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
