package admin_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// loyaltyWorld is an app with a campus, an admin logged in and n children
// (every one with 600 points).
func loyaltyWorld(t *testing.T, n int) (*apptest.App, *apptest.Client, int64, []int64) {
	t.Helper()
	a := apptest.New(t, dbtest.SQLite(t))
	ctx := context.Background()
	now := a.Clock.Now()
	campus, err := models.CreateCampus(ctx, a.DB.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	a.Staff(t, "boss", models.RoleAdmin)
	var ids []int64
	actor := models.Actor{Type: "staff", ID: 1}
	for i := 0; i < n; i++ {
		err := a.DB.Tx(ctx, func(tx *gorm.DB) error {
			m, err := models.CreateMember(ctx, tx, now, actor, models.NewMember{Name: "学员" + strconv.Itoa(i), CampusID: campus.ID,
				Guardians: []models.NewGuardian{{Name: "家长", Phone: "1391234" + strconv.Itoa(1000+i), Relation: "mother"}}})
			if err != nil {
				return err
			}
			ids = append(ids, m.ID)
			_, err = models.AwardPoints(ctx, tx, now, models.Award{MemberID: m.ID, Points: 600, Reason: "manual", Actor: actor})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c := a.Client(t)
	c.Login("boss", "password123")
	return a, c, campus.ID, ids
}

func TestCouponTemplateCreatedIssuedAndBulkIssued(t *testing.T) {
	a, c, campus, kids := loyaltyWorld(t, 12)
	resp, body := c.Get("/admin/coupons")
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, "消费满200元返券") || !strings.Contains(body, "生日礼金券") {
		t.Fatalf("the built-in templates are not listed")
	}
	// A bad form is re-rendered with Chinese field messages.
	resp, body = c.HX(http.MethodPost, "/admin/coupons", url.Values{"name": {""}, "kind": {"percent"}, "percent_off": {"150"}})
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	if !strings.Contains(body, "优惠比例在 1% 到 99% 之间") || !strings.Contains(body, "请填写有效天数或截止日期") {
		t.Fatalf("field messages missing: %s", body)
	}
	resp, body = c.HX(http.MethodPost, "/admin/coupons", url.Values{"name": {"¥50 召回券"}, "kind": {"amount"},
		"amount_off": {"50"}, "valid_days": {"30"}, "total_quantity": {"100"}, "cat_tuition": {"on"}})
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(html.UnescapeString(body), "已创建优惠券「¥50 召回券」") {
		t.Fatalf("not created: %s", body)
	}
	ts, _ := models.ListCouponTemplates(context.Background(), a.DB.R)
	tp := ts[0]
	if tp.Name != "¥50 召回券" || tp.AmountOff != 5000 || tp.Categories != "tuition" || tp.TotalQuantity != 100 {
		t.Fatalf("stored template: %+v", tp)
	}
	path := "/admin/coupons/" + strconv.FormatInt(tp.ID, 10)
	resp, body = c.Get(path)
	apptest.Status(t, resp, http.StatusOK, body)
	// By hand, with the member number.
	resp, body = c.HX(http.MethodPost, path+"/issue", url.Values{"member": {"#" + strconv.FormatInt(kids[0], 10)}})
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(html.UnescapeString(body), "已把「¥50 召回券」发给学员0，验证码") {
		t.Fatalf("hand issue: %s", body)
	}
	// The live count, then the bulk issue with its progress bar.
	seg := url.Values{"min_points": {"500"}, "campus_id": {strconv.FormatInt(campus, 10)}}
	resp, body = c.HX(http.MethodGet, path+"/segment?"+seg.Encode(), nil)
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, "符合条件的学员：12 人") {
		t.Fatalf("live count: %s", body)
	}
	resp, body = c.HX(http.MethodPost, path+"/campaigns", seg)
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, "<progress") {
		t.Fatalf("no progress bar: %s", body)
	}
	camps, _ := models.ListCouponCampaigns(context.Background(), a.DB.R, tp.ID)
	if len(camps) != 1 {
		t.Fatalf("campaigns: %v", camps)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, body = c.HX(http.MethodGet, "/admin/coupons/campaigns/"+strconv.FormatInt(camps[0].ID, 10), nil)
		apptest.Status(t, resp, http.StatusOK, body)
		if strings.Contains(body, `data-status="done"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bulk issue did not finish: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, "已发放 12 / 12（100%）") || strings.Contains(body, "hx-trigger") {
		t.Fatalf("finished bar: %s", body)
	}
	if got, _ := models.GetCouponTemplate(context.Background(), a.DB.R, tp.ID); got.IssuedCount != 13 {
		t.Fatalf("issued %d, want 13 (1 by hand + 12 in bulk)", got.IssuedCount)
	}
}

func TestRewardUploadStampAndReferralPages(t *testing.T) {
	a, c, _, kids := loyaltyWorld(t, 2)
	resp, body := c.Get("/admin/rewards")
	apptest.Status(t, resp, http.StatusOK, body)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	post := func(fields map[string]string, file []byte, name string) (*http.Response, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		mw.WriteField("_csrf", c.CSRF)
		if file != nil {
			fw, _ := mw.CreateFormFile("image", name)
			fw.Write(file)
		}
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, "/admin/rewards", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return c.Do(req)
	}
	resp, body = post(map[string]string{"name": "乐高积木", "kind": "gift", "points_price": "500", "stock": "3"}, png, "lego.png")
	apptest.Status(t, resp, http.StatusOK, body)
	rs, _ := models.ListRewards(context.Background(), a.DB.R)
	if len(rs) != 1 || rs[0].Image == "" || !strings.HasSuffix(rs[0].Image, ".png") {
		t.Fatalf("reward with image: %+v", rs)
	}
	resp, body = c.Get("/admin/rewards/images/" + rs[0].Image)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("image served: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// A script named .png is refused by its content; the reward is kept without it.
	resp, body = post(map[string]string{"name": "绘本", "kind": "gift", "points_price": "300", "stock": "3"},
		[]byte("<svg onload=alert(1)>"), "evil.png")
	if resp.StatusCode != 422 || !strings.Contains(html.UnescapeString(body), "图片不是 2 MB 以内的 PNG/JPEG/WebP/GIF") {
		t.Fatalf("fake image: %d %s", resp.StatusCode, body)
	}
	if resp, _ := c.Get("/admin/rewards/images/..%2F..%2Fsecret"); resp.StatusCode != 404 {
		t.Fatalf("path escape: %d", resp.StatusCode)
	}
	resp, body = c.Get("/admin/stamps")
	apptest.Status(t, resp, http.StatusOK, body)
	resp, body = c.HX(http.MethodPost, "/admin/stamps", url.Values{"name": {"上5节课送1节"}, "stamps_required": {"5"},
		"source": {"purchase"}, "category": {"interest_class"}, "reward_template_id": {"6"}, "first_stamp_free": {"on"}})
	apptest.Status(t, resp, http.StatusOK, body)
	ps, _ := models.ListStampPrograms(context.Background(), a.DB.R)
	resp, body = c.HX(http.MethodPost, "/admin/stamps/"+strconv.FormatInt(ps[0].ID, 10)+"/issue",
		url.Values{"member": {"#" + strconv.FormatInt(kids[0], 10)}})
	if resp.StatusCode != 200 || !strings.Contains(body, "已给学员0发卡，目前 1 个章") {
		t.Fatalf("stamp card issue: %d %s", resp.StatusCode, body)
	}
	code, _ := models.ReferralCode(context.Background(), a.DB, kids[0])
	resp, body = c.HX(http.MethodPost, "/admin/referrals/register", url.Values{"code": {code},
		"member": {"#" + strconv.FormatInt(kids[1], 10)}})
	if resp.StatusCode != 200 || !strings.Contains(body, "学员1 已登记，学费 15% 优惠券已发放") {
		t.Fatalf("referral register: %d %s", resp.StatusCode, body)
	}
	resp, body = c.Get("/admin/referrals")
	if resp.StatusCode != 200 || !strings.Contains(body, "已登记") {
		t.Fatalf("referral list: %s", body)
	}
	resp, body = c.Get("/admin/referrals/poster?member=%23" + strconv.FormatInt(kids[0], 10))
	if resp.StatusCode != 200 || !strings.Contains(body, code) {
		t.Fatalf("poster: %d", resp.StatusCode)
	}
}
