package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"
	"gorm.io/gorm"

	"starcard/handlers/apptest"
	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/programmes"
)

// progSchool is one campus with a child whose parent has 500 points, and an
// open lottery, auction and party.
type progSchool struct {
	a        *apptest.App
	db       *models.DB
	campus   int64
	ming     int64
	phone    string
	lottery  *programmes.Lottery
	auction  *programmes.Auction
	party    *programmes.Party
	actor    models.Actor
	tomorrow string
}

func newProgSchool(t *testing.T, db *models.DB, now time.Time) *progSchool {
	t.Helper()
	ctx := context.Background()
	a := apptest.New(t, db)
	a.Clock.T = now
	c, err := models.CreateCampus(ctx, db.W, now, "SUN", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, db.W, now, "v1", "同意"); err != nil {
		t.Fatal(err)
	}
	boss := a.Staff(t, "boss", models.RoleAdmin)
	s := &progSchool{a: a, db: db, campus: c.ID, phone: "13900000001",
		actor: models.Actor{Type: "staff", ID: boss.ID, CampusID: c.ID}}
	if err := db.Tx(ctx, func(tx *gorm.DB) error {
		m, err := models.CreateMember(ctx, tx, now, s.actor, models.NewMember{Name: "张小明", CampusID: c.ID,
			Guardians: []models.NewGuardian{{Name: "张妈妈", Phone: s.phone, Relation: "mother", Consent: true}}})
		if err != nil {
			return err
		}
		s.ming = m.ID
		_, err = models.AwardPoints(ctx, tx, now, models.Award{MemberID: m.ID, Points: 500, Reason: "manual", RefType: "test", Actor: s.actor})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if s.lottery, err = programmes.CreateLottery(ctx, db, now, s.actor, programmes.NewLottery{CampusID: c.ID, Name: "元旦抽奖",
		CostPoints: 20, EndsAt: now.Add(72 * time.Hour), Prizes: []programmes.NewPrize{
			{Name: "绘本一套", Kind: programmes.PrizeGift, Weight: 1, Stock: 3},
			{Name: "50 积分", Kind: programmes.PrizePoints, Points: 50, Weight: 3, Stock: 100},
			{Name: "谢谢参与", Kind: programmes.PrizeNone, Weight: 6}}}); err != nil {
		t.Fatal(err)
	}
	if s.auction, err = programmes.CreateAuction(ctx, db, now, s.actor, programmes.NewAuction{CampusID: c.ID, Name: "乐高积木套装",
		Description: "全新未拆封", Mode: programmes.ModeOpen, StartPoints: 100, StepPoints: 10, EndsAt: now.Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	s.tomorrow = now.In(apptest.Shanghai).AddDate(0, 0, 1).Format(time.DateOnly)
	if s.party, err = programmes.CreateParty(ctx, db, now, apptest.Shanghai, s.actor, programmes.NewParty{CampusID: c.ID,
		Name: "亲子圣诞派对", Place: "一楼大厅", Day: s.tomorrow, Capacity: 20, Points: 50}); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *progSchool) points(t *testing.T) int64 {
	t.Helper()
	b, err := models.MemberBalances(context.Background(), s.db.R, s.ming)
	if err != nil {
		t.Fatal(err)
	}
	return b[s.ming].Points
}

func (s *progSchool) parent(t *testing.T) *apptest.Client {
	t.Helper()
	c := s.a.Client(t)
	u, _ := url.Parse("http://starcard.test/portal/")
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "sc_portal", Value: s.a.ParentSession(t, s.phone), Path: "/portal"}})
	return c
}

// TestProgrammePages drives the admin and parent pages without a browser:
// a lottery form with bad numbers re-renders with Chinese field messages
// (422, nothing created); a parent's double-submitted draw is charged once;
// a bid below the minimum is refused with the minimum; a bid and a party
// sign-up hold their points; cancelling the party gives them back.
func TestProgrammePages(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newProgSchool(t, db, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	boss := s.a.Client(t)
	boss.Login("boss", "password123")
	resp, body := boss.Get("/admin/programmes")
	apptest.Status(t, resp, http.StatusOK, body)
	for _, w := range []string{"元旦抽奖", "乐高积木套装", "亲子圣诞派对", "10.0%"} {
		if !strings.Contains(body, w) {
			t.Fatalf("admin page lacks %q", w)
		}
	}
	resp, body = boss.PostForm("/admin/programmes/lotteries", url.Values{"name": {"春季抽奖"}, "cost_points": {"1.5"},
		"ends_at": {"2026-12-20T18:00"}, "prize_0_name": {"贴纸"}, "prize_0_kind": {"gift"}, "prize_0_weight": {"abc"}, "prize_0_stock": {"5"}})
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	for _, w := range []string{"请填写正整数积分", "权重须为正整数"} {
		if !strings.Contains(body, w) {
			t.Fatalf("refused form lacks %q", w)
		}
	}
	resp, body = boss.PostForm("/admin/programmes/lotteries", url.Values{"name": {"春季抽奖"}, "cost_points": {"15"},
		"ends_at": {"2026-12-20T18:00"}, "prize_0_name": {"贴纸"}, "prize_0_kind": {"gift"}, "prize_0_weight": {"1"}, "prize_0_stock": {"5"},
		"prize_1_name": {"谢谢参与"}, "prize_1_kind": {"none"}, "prize_1_weight": {"4"}})
	apptest.Status(t, resp, http.StatusSeeOther, body)

	mum := s.parent(t)
	kid := "/portal/kids/" + strconv.FormatInt(s.ming, 10)
	resp, body = mum.Get(kid + "/programmes")
	apptest.Status(t, resp, http.StatusOK, body)
	lot := kid + "/lotteries/" + strconv.FormatInt(s.lottery.ID, 10)
	mum.Get(lot)
	before := s.points(t)
	var loc string
	for i := 0; i < 2; i++ { // a double tap: the same page's key twice
		resp, body = mum.PostForm(lot+"/draw", url.Values{"idem": {"page-key-1"}})
		apptest.Status(t, resp, http.StatusSeeOther, body)
		if i == 1 && resp.Header.Get("Location") != loc {
			t.Fatalf("the retry landed on %s, not %s", resp.Header.Get("Location"), loc)
		}
		loc = resp.Header.Get("Location")
	}
	after := s.points(t)
	if spent := before - after; spent != 20 && spent != 20-50 {
		t.Fatalf("a double-submitted draw moved %d points (want one charge of 20)", spent)
	}
	resp, body = mum.Get(loc)
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, "第 1 次") || !strings.Contains(body, s.lottery.SeedHash) {
		t.Fatal("the draw result or the published hash is missing")
	}

	auc := kid + "/auctions/" + strconv.FormatInt(s.auction.ID, 10) + "/bids"
	resp, body = mum.PostForm(auc, url.Values{"points": {"50"}, "idem": {"bid-1"}})
	apptest.Status(t, resp, http.StatusConflict, body)
	if !strings.Contains(body, "出价至少 100 积分") {
		t.Fatal("the refusal does not say the minimum")
	}
	resp, body = mum.PostForm(auc, url.Values{"points": {"abc"}, "idem": {"bid-2"}})
	apptest.Status(t, resp, http.StatusUnprocessableEntity, body)
	p0 := s.points(t)
	resp, body = mum.PostForm(auc, url.Values{"points": {"120"}, "idem": {"bid-3"}})
	apptest.Status(t, resp, http.StatusSeeOther, body)
	resp, body = mum.PostForm(kid+"/parties/"+strconv.FormatInt(s.party.ID, 10)+"/signup", url.Values{"idem": {"party-1"}})
	apptest.Status(t, resp, http.StatusSeeOther, body)
	resp, body = mum.Get(resp.Header.Get("Location"))
	apptest.Status(t, resp, http.StatusOK, body)
	if !strings.Contains(body, "报名成功，50 积分已冻结") || !strings.Contains(body, "积分冻结中") {
		t.Fatal("the sign-up is not confirmed on the page")
	}
	if got := s.points(t); got != p0-120-50 {
		t.Fatalf("points after a bid of 120 and a sign-up of 50: %d, want %d", got, p0-170)
	}
	resp, body = boss.PostForm("/admin/programmes/parties/"+strconv.FormatInt(s.party.ID, 10)+"/cancel", nil)
	apptest.Status(t, resp, http.StatusSeeOther, body)
	if got := s.points(t); got != p0-120 {
		t.Fatalf("after the party was cancelled: %d points, want %d", got, p0-120)
	}
	rep, err := models.Verify(context.Background(), db)
	if err != nil || !rep.Clean() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

// TestBrowserProgrammesPhone is the parent's journey on a 390×844 phone:
// the programmes page, a lottery draw confirmed once, the result and its
// verification, then a bid on the auction whose points show as held; and
// the admin's page on a 1366×768 desk.
func TestBrowserProgrammesPhone(t *testing.T) {
	b := apptest.Browser(t)
	db := dbtest.SQLite(t)
	s := newProgSchool(t, db, time.Now().UTC())
	base := s.a.Serve(t)

	ctx := b.MustIncognito()
	p := apptest.Page(t, ctx, base+"/portal/login", 390, 844)
	if err := p.SetCookies([]*proto.NetworkCookieParam{{Name: "sc_portal", Value: s.a.ParentSession(t, s.phone), URL: base + "/portal/",
		Path: "/portal", HTTPOnly: true}}); err != nil {
		t.Fatal(err)
	}
	p.MustNavigate(base + "/portal/").MustWaitLoad()
	apptest.ClickAndWait(t, p, "a[data-programmes]")
	apptest.WaitText(t, p, ".p-balline", "可用积分：500")
	apptest.Shot(t, p, "programmes-portal-list")
	apptest.ClickAndWait(t, p, fmt.Sprintf("a[data-lottery='%d']", s.lottery.ID))
	p.MustElement("summary[data-draw-open]").MustClick()
	apptest.Shot(t, p, "programmes-portal-lottery-confirm")
	apptest.ClickAndWait(t, p, "button[data-draw]")
	apptest.WaitText(t, p, ".prog-result", "第 1 次")
	got := p.MustElement(".p-balline").MustText()
	if got != "可用积分：480" && got != "可用积分：530" {
		t.Fatalf("balance after one draw: %q", got)
	}
	p.MustElement("#verify summary").MustClick()
	apptest.WaitText(t, p, "#verify", s.lottery.SeedHash)
	apptest.Shot(t, p, "programmes-portal-lottery-result")

	p.MustNavigate(fmt.Sprintf("%s/portal/kids/%d/programmes", base, s.ming)).MustWaitLoad()
	in := p.MustElement(fmt.Sprintf("[data-auction='%d'] input[name=points]", s.auction.ID))
	in.MustSelectAllText().MustInput("150")
	apptest.ClickAndWait(t, p, fmt.Sprintf("[data-auction='%d'] button[type=submit]", s.auction.ID))
	apptest.WaitText(t, p, "#flash", "出价成功，150 积分已冻结")
	apptest.WaitText(t, p, fmt.Sprintf("[data-auction='%d'] .prog-own", s.auction.ID), "积分冻结中")
	apptest.Shot(t, p, "programmes-portal-bid")

	desk := apptest.Page(t, b.MustIncognito(), base+"/login?next=/admin/programmes", 1366, 768)
	desk.MustElement(`input[name=username]`).MustInput("boss")
	desk.MustElement(`input[name=password]`).MustInput("password123")
	apptest.ClickAndWait(t, desk, `button[type=submit]`)
	apptest.WaitText(t, desk, "#auctions", "当前最高：150 积分")
	apptest.Shot(t, desk, "programmes-admin")
	desk.MustNavigate(fmt.Sprintf("%s/admin/programmes/lotteries/%d", base, s.lottery.ID)).MustWaitLoad()
	apptest.WaitText(t, desk, "main", "张小明")
	apptest.Shot(t, desk, "programmes-admin-lottery")
}
