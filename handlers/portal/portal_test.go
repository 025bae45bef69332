package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
)

// fix is two families at one campus: family A (phone PhoneA) with two
// children, family B (PhoneB) with one. B's child has a redemption, a
// complaint and a message, so every kind of id the portal takes exists for
// a family the test logs in as A never belongs to.
type fix struct {
	a              *apptest.App
	campus         int64
	A1, A2, B1     int64
	PhoneA, PhoneB string
	GuardianB      int64
	RewardID       int64
	TokenB         string
	ComplaintB     int64
	MessageB       int64
	MessageA       int64
}

func newFix(t *testing.T, db *models.DB) *fix { return newFixAt(t, db, fixedNow) }

// newFixAt builds the fixture with the app's clock at now (browser tests use
// the real time: the browser judges cookie expiry by its own clock).
func newFixAt(t *testing.T, db *models.DB, now time.Time) *fix {
	t.Helper()
	a := apptest.New(t, db)
	a.Clock.T = now
	ctx := context.Background()
	cp, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, db.W, now, "2026-09", "家长授权书：学校只在必要范围内使用孩子的信息。"); err != nil {
		t.Fatal(err)
	}
	f := &fix{a: a, campus: cp.ID, PhoneA: "13811112222", PhoneB: "13933334444"}
	mk := func(name, phone string, family int64) *models.Member {
		var m *models.Member
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			in := models.NewMember{Name: name, BirthDate: "2021-03-04", CampusID: cp.ID, FamilyID: family}
			if family == 0 {
				in.Guardians = []models.NewGuardian{{Name: name[:3] + "妈妈", Phone: phone, Relation: "mother", Consent: true}}
			}
			var err error
			m, err = models.CreateMember(ctx, tx, now, models.SystemActor, in)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a1 := mk("王小明", f.PhoneA, 0)
	f.A1, f.A2 = a1.ID, mk("王小红", "", a1.FamilyID).ID
	b1 := mk("李子涵", f.PhoneB, 0)
	f.B1 = b1.ID
	award := func(id, pts int64) {
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			_, err := models.AwardPoints(ctx, tx, now, models.Award{MemberID: id, Points: pts, Reason: "manual", RefType: "test", RefID: id, Actor: models.SystemActor})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	award(f.A1, 1200)
	award(f.B1, 900)
	rw, err := models.CreateReward(ctx, db, now, models.SystemActor, models.NewReward{Name: "恐龙绘本", Kind: models.RewardGift, PointsPrice: 300, Stock: 10})
	if err != nil {
		t.Fatal(err)
	}
	f.RewardID = rw.ID
	red, err := models.RedeemReward(ctx, db, now, models.SystemActor, f.B1, rw.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	f.TokenB = red.Token
	var gB []models.Guardian
	db.R.Where("phone = ?", f.PhoneB).Find(&gB)
	f.GuardianB = gB[0].ID
	pB, err := principalFor(ctx, db, now, f.PhoneB)
	if err != nil {
		t.Fatal(err)
	}
	c, err := models.SubmitComplaint(ctx, db, now, a.Deps.DataDir, pB, "", models.NewComplaint{Category: "service", Body: "前台老师态度不好", MemberID: f.B1})
	if err != nil {
		t.Fatal(err)
	}
	f.ComplaintB = c.ID
	f.MessageB = inbox(t, db, now, f.GuardianB, "李子涵已到园")
	var gA []models.Guardian
	db.R.Where("phone = ?", f.PhoneA).Find(&gA)
	f.MessageA = inbox(t, db, now, gA[0].ID, "王小明已到园")
	return f
}

func inbox(t *testing.T, db *models.DB, now time.Time, guardian int64, title string) int64 {
	t.Helper()
	m := models.InboxMessage{OutboxID: 900000 + guardian, GuardianID: guardian, Event: "arrival", Title: title, Body: title + "，08:05 刷卡入园。",
		CreatedAt: now}
	if err := db.W.Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// fixedNow is apptest's clock: Monday 2 November 2026, 09:30 in Shanghai.
var fixedNow = time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)

// principalFor logs a phone in through the model and resolves the session.
func principalFor(ctx context.Context, db *models.DB, now time.Time, phone string) (*models.GuardianPrincipal, error) {
	secret := []byte("x-secret-for-principal-only-x-secret")
	if _, err := models.RequestOTP(ctx, db, now, secret, phone, ""); err != nil {
		return nil, err
	}
	var data string
	db.R.Raw(`SELECT o.data FROM outbox o JOIN guardians g ON g.id = o.guardian_id WHERE o.event = 'otp' AND g.phone = ?
		ORDER BY o.id DESC LIMIT 1`, phone).Scan(&data)
	s, err := models.LoginWithOTP(ctx, db, now, secret, phone, models.NoticeCode(secret, data), "", "")
	if err != nil {
		return nil, err
	}
	p, _, err := models.ResolveGuardianSession(ctx, db.R, now, s.Token)
	return p, err
}

// login logs a parent in through the pages, reading the code from the outbox.
func login(t *testing.T, a *apptest.App, phone string) *apptest.Client {
	t.Helper()
	c := a.Client(t)
	c.Get("/portal/login")
	resp, body := c.PostForm("/portal/login/code", url.Values{"phone": {phone}})
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, "输入验证码") {
		t.Fatalf("code step missing: %s", body)
	}
	resp, body = c.PostForm("/portal/login", url.Values{"phone": {phone}, "code": {a.OTP(t, phone)}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal/" {
		t.Fatalf("login: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return c
}

// TestPortalPagesForOwnFamily walks every page a parent reaches and checks
// what they would notice on it, in Chinese.
func TestPortalPagesForOwnFamily(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		c := login(t, f.a, f.PhoneA)
		pages := []struct{ path, want string }{
			{"/portal/", "王小明"},
			{"/portal/", "1,200"},
			{fmt.Sprintf("/portal/kids/%d", f.A2), "王小红"},
			{fmt.Sprintf("/portal/kids/%d/card", f.A1), "卡号"},
			{fmt.Sprintf("/portal/kids/%d/history", f.A1), "+1,200"},
			{fmt.Sprintf("/portal/kids/%d/history", f.A1), "获得积分"},
			{fmt.Sprintf("/portal/kids/%d/coupons", f.A1), "暂无可用的优惠券"},
			{fmt.Sprintf("/portal/kids/%d/stamps", f.A1), "还没有集章卡"},
			{fmt.Sprintf("/portal/kids/%d/rewards", f.A1), "恐龙绘本"},
			{fmt.Sprintf("/portal/kids/%d/checkins", f.A1), "2026年11月"},
			{fmt.Sprintf("/portal/kids/%d/refer", f.A1), "/portal/join?ref="},
			{"/portal/feedback", "我要反馈"},
			{"/portal/inbox", "王小明已到园"},
			{"/portal/me", "138****2222"},
			{"/portal/settings", "免打扰时段"},
			{"/portal/privacy", "您已同意授权书"},
		}
		for _, p := range pages {
			resp, body := c.Get(p.path)
			apptest.Status(t, resp, http.StatusOK, body)
			if !strings.Contains(body, p.want) {
				t.Errorf("%s lacks %q", p.path, p.want)
			}
			if strings.Contains(body, "李子涵") {
				t.Errorf("%s shows another family's child", p.path)
			}
		}
		// The switcher lists both children; the inbox shows only this family's message.
		_, body := c.Get("/portal/")
		if !strings.Contains(body, fmt.Sprintf(`href="/portal/kids/%d"`, f.A2)) {
			t.Error("no switcher link to the second child")
		}
		_, body = c.Get("/portal/inbox")
		if strings.Contains(body, "李子涵已到园") {
			t.Error("inbox shows another family's message")
		}
		// The card QR is a PNG that only exists for the family's own children.
		resp, body := c.Get(fmt.Sprintf("/portal/kids/%d/card.png", f.A1))
		apptest.Status(t, resp, http.StatusOK, "")
		if _, err := png.Decode(strings.NewReader(body)); err != nil {
			t.Fatalf("card.png: %v", err)
		}
	})
}

// TestPortalOtherFamilyIs404 asks every portal route for another family's
// ids and wants 404 each time: the same answer as an id that does not exist.
// It also fails when a route with an id is added without a case here.
func TestPortalOtherFamilyIs404(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		c := login(t, f.a, f.PhoneA)
		c.Get("/portal/")
		b := fmt.Sprint(f.B1)
		// Family B's complaint resolved: its satisfaction check goes to B only.
		survey := resolveForCSAT(t, f, db)
		cases := []struct{ method, route, path string }{
			{"GET", "/portal/kids/:id", "/portal/kids/" + b},
			{"GET", "/portal/kids/:id/card", "/portal/kids/" + b + "/card"},
			{"GET", "/portal/kids/:id/card.png", "/portal/kids/" + b + "/card.png"},
			{"POST", "/portal/kids/:id/card/lost", "/portal/kids/" + b + "/card/lost"},
			{"GET", "/portal/kids/:id/history", "/portal/kids/" + b + "/history"},
			{"GET", "/portal/kids/:id/coupons", "/portal/kids/" + b + "/coupons"},
			{"GET", "/portal/kids/:id/stamps", "/portal/kids/" + b + "/stamps"},
			{"GET", "/portal/kids/:id/rewards", "/portal/kids/" + b + "/rewards"},
			{"POST", "/portal/kids/:id/rewards/:rid/redeem", fmt.Sprintf("/portal/kids/%s/rewards/%d/redeem", b, f.RewardID)},
			{"GET", "/portal/kids/:id/redemptions/:token", "/portal/kids/" + b + "/redemptions/" + f.TokenB},
			{"GET", "/portal/kids/:id/redemptions/:token/qr.png", "/portal/kids/" + b + "/redemptions/" + f.TokenB + "/qr.png"},
			{"GET", "/portal/kids/:id/checkins", "/portal/kids/" + b + "/checkins"},
			{"GET", "/portal/kids/:id/courses", "/portal/kids/" + b + "/courses"},
			{"POST", "/portal/kids/:id/courses/:cid/leave", "/portal/kids/" + b + "/courses/1/leave"},
			{"GET", "/portal/kids/:id/refer", "/portal/kids/" + b + "/refer"},
			// The points programmes: another family's child cannot see, draw, bid or sign up.
			{"GET", "/portal/kids/:id/programmes", "/portal/kids/" + b + "/programmes"},
			{"GET", "/portal/kids/:id/lotteries/:lid", "/portal/kids/" + b + "/lotteries/1"},
			{"POST", "/portal/kids/:id/lotteries/:lid/draw", "/portal/kids/" + b + "/lotteries/1/draw"},
			{"POST", "/portal/kids/:id/auctions/:aid/bids", "/portal/kids/" + b + "/auctions/1/bids"},
			{"POST", "/portal/kids/:id/parties/:pid/signup", "/portal/kids/" + b + "/parties/1/signup"},
			{"POST", "/portal/kids/:id/parties/:pid/withdraw", "/portal/kids/" + b + "/parties/1/withdraw"},
			{"GET", "/portal/kids/:id/refer/poster.png", "/portal/kids/" + b + "/refer/poster.png"},
			{"GET", "/portal/feedback/:id", fmt.Sprintf("/portal/feedback/%d", f.ComplaintB)},
			{"GET", "/portal/feedback/:id/photo", fmt.Sprintf("/portal/feedback/%d/photo", f.ComplaintB)},
			{"POST", "/portal/feedback/:id/confirm", fmt.Sprintf("/portal/feedback/%d/confirm", f.ComplaintB)},
			{"POST", "/portal/inbox/:id/read", fmt.Sprintf("/portal/inbox/%d/read", f.MessageB)},
			{"POST", "/portal/feedback/:id/reply", fmt.Sprintf("/portal/feedback/%d/reply", f.ComplaintB)},
			{"GET", "/portal/surveys/:id", fmt.Sprintf("/portal/surveys/%d", survey)},
			{"POST", "/portal/surveys/:id", fmt.Sprintf("/portal/surveys/%d", survey)},
			// The family's own child with another family's redemption token.
			{"GET", "/portal/kids/:id/redemptions/:token", fmt.Sprintf("/portal/kids/%d/redemptions/%s", f.A1, f.TokenB)},
			{"GET", "/portal/kids/:id/redemptions/:token/qr.png", fmt.Sprintf("/portal/kids/%d/redemptions/%s/qr.png", f.A1, f.TokenB)},
		}
		covered := map[string]bool{}
		for _, tc := range cases {
			covered[tc.method+" "+tc.route] = true
			var resp *http.Response
			var body string
			if tc.method == "GET" {
				resp, body = c.Get(tc.path)
			} else {
				resp, body = c.PostForm(tc.path, url.Values{"idem": {"k-" + tc.path}})
			}
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: status %d, want 404", tc.method, tc.path, resp.StatusCode)
			}
			if strings.Contains(body, "李子涵") || strings.Contains(body, "态度不好") {
				t.Errorf("%s %s leaks the other family's data", tc.method, tc.path)
			}
		}
		// Nothing changed for family B: the redemption is still open, the
		// complaint unconfirmed, the message unread.
		var open, unread int64
		db.R.Raw("SELECT COUNT(*) FROM reward_redemptions WHERE member_id = ? AND status = 'reserved'", f.B1).Scan(&open)
		db.R.Raw("SELECT COUNT(*) FROM notify_inbox WHERE id = ? AND read_at IS NULL", f.MessageB).Scan(&unread)
		var answers, replies int64
		db.R.Raw("SELECT COUNT(*) FROM survey_responses").Scan(&answers)
		db.R.Raw("SELECT COUNT(*) FROM complaint_updates WHERE complaint_id = ? AND actor_type = 'guardian' AND kind = 'reply'", f.ComplaintB).Scan(&replies)
		if open != 1 || unread != 1 || answers != 0 || replies != 0 {
			t.Fatalf("family B changed: open redemptions %d, unread %d, survey answers %d, replies %d", open, unread, answers, replies)
		}
		// Every portal route that takes an id is in the table above.
		for _, r := range f.a.Fiber.GetRoutes(true) {
			if !strings.HasPrefix(r.Path, "/portal/") || !strings.Contains(r.Path, ":") || r.Method == "HEAD" {
				continue
			}
			if r.Path == "/portal/icons/:name" || r.Path == "/portal/rewards/images/:name" {
				continue // the same for every family
			}
			if !covered[r.Method+" "+r.Path] {
				t.Errorf("route %s %s has no IDOR case", r.Method, r.Path)
			}
		}
	})
}

// TestPortalSessionsApartFromStaff: a staff cookie does not open the portal,
// and a parent logging out leaves staff logged in.
func TestPortalSessionsApartFromStaff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		f.a.Staff(t, "boss", models.RoleAdmin)
		staff := f.a.Client(t)
		staff.Login("boss", "password123")
		resp, _ := staff.Get("/portal/")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal/login" {
			t.Fatalf("staff cookie on /portal/: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// The same browser logs in as a parent, then out of the portal.
		parent := login(t, f.a, f.PhoneA)
		for _, ck := range staff.Jar.Cookies(&url.URL{Scheme: "http", Host: "starcard.test", Path: "/"}) {
			if ck.Name == "sc_staff" {
				parent.Jar.SetCookies(&url.URL{Scheme: "http", Host: "starcard.test", Path: "/"}, []*http.Cookie{ck})
			}
		}
		other := login(t, f.a, f.PhoneA) // the same parent on a second phone
		parent.Get("/portal/me")
		resp, _ = parent.PostForm("/portal/logout", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		resp, _ = parent.Get("/portal/")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("still in the portal after logout: %d", resp.StatusCode)
		}
		if resp, body := parent.Get("/admin"); resp.StatusCode != http.StatusOK {
			t.Fatalf("staff session ended with the parent's: %d %s", resp.StatusCode, body)
		}
		if resp, _ := other.Get("/portal/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("the parent's other phone was logged out: %d", resp.StatusCode)
		}
		// An unauthenticated deep link goes to the portal login, never the staff one.
		resp, _ = f.a.Client(t).Get(fmt.Sprintf("/portal/kids/%d/card", f.A1))
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/portal/login?next=/portal/kids/") {
			t.Fatalf("anonymous card: %d %s", resp.StatusCode, loc)
		}
	})
}

// TestPortalLoginRefusalsExplained: each refusal says why on the login page.
func TestPortalLoginRefusalsExplained(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		c := f.a.Client(t)
		c.Get("/portal/login")
		resp, body := c.PostForm("/portal/login/code", url.Values{"phone": {"12345"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请输入 11 位手机号") {
			t.Fatalf("bad phone: %d", resp.StatusCode)
		}
		c.PostForm("/portal/login/code", url.Values{"phone": {f.PhoneA}})
		code := f.a.OTP(t, f.PhoneA)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		resp, body = c.PostForm("/portal/login", url.Values{"phone": {f.PhoneA}, "code": {wrong}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "验证码不正确，还可以再试 4 次") {
			t.Fatalf("wrong code: %d", resp.StatusCode)
		}
		for i := 0; i < 3; i++ {
			c.PostForm("/portal/login", url.Values{"phone": {f.PhoneA}, "code": {wrong}})
		}
		resp, body = c.PostForm("/portal/login", url.Values{"phone": {f.PhoneA}, "code": {wrong}})
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "已暂停登录 15 分钟") {
			t.Fatalf("fifth wrong code: %d", resp.StatusCode)
		}
		resp, body = c.PostForm("/portal/login", url.Values{"phone": {f.PhoneA}, "code": {code}})
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "请 15 分钟后再试") {
			t.Fatalf("right code while locked: %d", resp.StatusCode)
		}
	})
}

// TestPortalFeedbackExportAndRedeem covers the parent's writes: a complaint
// with a photo, a reward redeemed once despite a double tap, the data export.
func TestPortalFeedbackExportAndRedeem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		f := newFix(t, db)
		c := login(t, f.a, f.PhoneA)
		c.Get("/portal/feedback")

		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"_csrf": c.CSRF, "kind": "complaint", "category": "teaching",
			"member_id": fmt.Sprint(f.A1), "body": "午睡时间教室太吵，孩子睡不好"} {
			_ = w.WriteField(k, v)
		}
		fw, _ := w.CreateFormFile("photo", "room.png")
		icon, _ := models.PortalIconPNG(64)
		fw.Write(icon)
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, "/portal/feedback", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		resp, body := c.Do(req)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("feedback: %d %s", resp.StatusCode, body)
		}
		loc := resp.Header.Get("Location")
		_, body = c.Get(loc)
		if !strings.Contains(body, "午睡时间教室太吵") || !strings.Contains(body, "已受理") || !strings.Contains(body, "/photo") {
			t.Fatal("the complaint page lacks the text, status or photo")
		}
		photo := strings.TrimSuffix(strings.SplitN(loc, "?", 2)[0], "/") + "/photo"
		if resp, _ := c.Get(photo); resp.StatusCode != http.StatusOK {
			t.Fatalf("photo: %d", resp.StatusCode)
		}
		var row struct {
			Status   string
			CampusID int64
			MemberID int64
		}
		db.R.Raw("SELECT status, campus_id, member_id FROM complaints WHERE body LIKE ?", "%午睡%").Scan(&row)
		if row.Status != "received" || row.CampusID != f.campus || row.MemberID != f.A1 {
			t.Fatalf("stored complaint %+v", row)
		}
		// An empty complaint is refused on the form, in Chinese.
		resp, body = c.PostForm("/portal/feedback", url.Values{"category": {"teaching"}, "body": {"差"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请写下具体情况") {
			t.Fatalf("short complaint: %d", resp.StatusCode)
		}

		// Redeem: two taps with the same form key reserve once.
		_, body = c.Get(fmt.Sprintf("/portal/kids/%d/rewards", f.A1))
		key := regexp.MustCompile(`name="idem" value="([^"]+)"`).FindStringSubmatch(body)
		if key == nil {
			t.Fatal("no redeem form")
		}
		path := fmt.Sprintf("/portal/kids/%d/rewards/%d/redeem", f.A1, f.RewardID)
		r1, _ := c.PostForm(path, url.Values{"idem": {key[1]}})
		r2, _ := c.PostForm(path, url.Values{"idem": {key[1]}})
		if r1.StatusCode != http.StatusSeeOther || r1.Header.Get("Location") != r2.Header.Get("Location") {
			t.Fatalf("double tap: %d %s / %s", r1.StatusCode, r1.Header.Get("Location"), r2.Header.Get("Location"))
		}
		_, body = c.Get(r1.Header.Get("Location"))
		if !strings.Contains(body, "兑换成功") || !strings.Contains(body, "/qr.png") {
			t.Fatal("redemption page lacks the QR")
		}
		var n int64
		db.R.Raw("SELECT COUNT(*) FROM reward_redemptions WHERE member_id = ?", f.A1).Scan(&n)
		if n != 1 {
			t.Fatalf("%d redemptions after a double tap, want 1", n)
		}
		_, body = c.Get("/portal/")
		if !strings.Contains(body, "900") {
			t.Error("points after redeeming 300 of 1,200 are not 900")
		}

		// Export: JSON and Excel carry both children and the ledger.
		resp, body = c.Get("/portal/privacy/export.json")
		apptest.Status(t, resp, http.StatusOK, "")
		var ex models.FamilyExport
		if err := json.Unmarshal([]byte(body), &ex); err != nil {
			t.Fatal(err)
		}
		if len(ex.Children) != 2 || ex.Children[0].Profile.Name != "王小明" || len(ex.Children[0].Ledger) == 0 || len(ex.Complaints) != 1 {
			t.Fatalf("export: %d children, complaints %d", len(ex.Children), len(ex.Complaints))
		}
		if strings.Contains(body, "李子涵") {
			t.Fatal("export has another family's data")
		}
		resp, body = c.Get("/portal/privacy/export.xlsx")
		apptest.Status(t, resp, http.StatusOK, "")
		x, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows("孩子")
		if err != nil || len(rows) != 3 || rows[1][1] != "王小明" {
			t.Fatalf("excel children sheet: %v %v", rows, err)
		}
		// Erasure: asked once; a second request is explained.
		c.Get("/portal/privacy")
		if resp, _ := c.PostForm("/portal/privacy/erasure", url.Values{"reason": {"孩子转学"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("erasure: %d", resp.StatusCode)
		}
		_, body = c.Get("/portal/privacy?ok=erasure")
		if !strings.Contains(body, "删除申请处理中") {
			t.Fatal("erasure status not shown")
		}
		resp, body = c.PostForm("/portal/privacy/erasure", url.Values{})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "您已提交过删除申请") {
			t.Fatalf("second erasure: %d", resp.StatusCode)
		}
	})
}

// TestPortalInstallable: manifest, icons and the service worker at its scope.
func TestPortalInstallable(t *testing.T) {
	f := newFix(t, dbtest.SQLite(t))
	c := f.a.Client(t)
	resp, body := c.Get("/portal/manifest.webmanifest")
	apptest.Status(t, resp, http.StatusOK, body)
	var m struct {
		Name     string
		StartURL string `json:"start_url"`
		Scope    string
		Icons    []struct{ Src, Sizes string }
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil || m.StartURL != "/portal/" || len(m.Icons) != 2 {
		t.Fatalf("manifest %s: %v", body, err)
	}
	for _, ic := range m.Icons {
		resp, body := c.Get(ic.Src)
		img, err := png.Decode(strings.NewReader(body))
		if resp.StatusCode != 200 || err != nil || fmt.Sprintf("%dx%d", img.Bounds().Dx(), img.Bounds().Dy()) != ic.Sizes {
			t.Fatalf("icon %s: %d %v", ic.Src, resp.StatusCode, err)
		}
	}
	resp, body = c.Get("/portal/sw.js")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") || !strings.Contains(body, "__last-card") {
		t.Fatalf("sw.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
