package programmes_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
	"starcard/models/programmes"
)

// t0 is Tuesday 1 December 2026, 16:30 in Shanghai.
var t0 = time.Date(2026, 12, 1, 8, 30, 0, 0, time.UTC)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

type fix struct {
	db     *models.DB
	campus int64
	actor  models.Actor
	n      int
}

func newFix(t *testing.T, db *models.DB) *fix {
	t.Helper()
	ctx := context.Background()
	c, err := models.CreateCampus(ctx, db.W, t0, "C1", "阳光校区", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PublishConsent(ctx, db.W, t0, "v1", "同意"); err != nil {
		t.Fatal(err)
	}
	return &fix{db: db, campus: c.ID, actor: models.Actor{Type: "staff", ID: 1, CampusID: c.ID, Device: "test"}}
}

// member creates a child with that many points.
func (f *fix) member(t *testing.T, name string, points int64) int64 {
	t.Helper()
	ctx := context.Background()
	var m *models.Member
	err := f.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		m, err = models.CreateMember(ctx, tx, t0, f.actor, models.NewMember{Name: name, CampusID: f.campus,
			Guardians: []models.NewGuardian{{Name: name + "妈妈", Phone: fmt.Sprintf("1390000%04d", f.n), Relation: "mother", Consent: true}}})
		if err != nil || points == 0 {
			return err
		}
		_, err = models.AwardPoints(ctx, tx, t0, models.Award{MemberID: m.ID, Points: points, Reason: "manual", RefType: "test", Actor: f.actor})
		return err
	})
	f.n++
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func (f *fix) points(t *testing.T, member int64) int64 {
	t.Helper()
	b, err := models.MemberBalances(context.Background(), f.db.R, member)
	if err != nil {
		t.Fatal(err)
	}
	return b[member].Points
}

func (f *fix) verify(t *testing.T) {
	t.Helper()
	rep, err := models.Verify(context.Background(), f.db)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Clean() {
		t.Fatalf("verify: %s", strings.Join(rep.Problems, "\n"))
	}
}

func (f *fix) lottery(t *testing.T, cost int64, prizes ...programmes.NewPrize) *programmes.Lottery {
	t.Helper()
	l, err := programmes.CreateLottery(context.Background(), f.db, t0, f.actor, programmes.NewLottery{CampusID: f.campus,
		Name: "新年抽奖", CostPoints: cost, EndsAt: t0.Add(48 * time.Hour), Prizes: prizes})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestLotteryChargesOncePerKeyAndNeverOversells: 16 goroutines draw with
// the same key (one charge, one draw), then 24 goroutines of 8 members race
// distinct keys for a prize table whose only real prize has 5 in stock:
// every draw is charged exactly once, the prize is never given more than its
// stock, and after the close every draw is reproduced from the revealed seed.
func TestLotteryChargesOncePerKeyAndNeverOversells(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFix(t, db)
		l := f.lottery(t, 10, programmes.NewPrize{Name: "五积分", Kind: programmes.PrizePoints, Points: 5, Weight: 1, Stock: 5})
		ming := f.member(t, "张小明", 100)

		var wg sync.WaitGroup
		ids := make([]int64, 16)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := programmes.DrawLottery(ctx, db, t0, f.actor, l.ID, ming, "same-key")
				if err != nil {
					t.Errorf("draw: %v", err)
					return
				}
				ids[i] = d.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("same key gave draws %v", ids)
			}
		}
		if got := f.points(t, ming); got != 100-10+5 {
			t.Fatalf("points after one draw %d, want 95 (charged 10 once, won 5)", got)
		}

		members := make([]int64, 8)
		for i := range members {
			members[i] = f.member(t, fmt.Sprintf("学员%d", i), 30)
		}
		var mu sync.Mutex
		errs := map[string]int{}
		for i := 0; i < 24; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := programmes.DrawLottery(ctx, db, t0, f.actor, l.ID, members[i%8], fmt.Sprintf("k-%d", i))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs[fmt.Sprint(err)]++
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("draws refused: %v", errs)
		}
		_, prizes, err := programmes.GetLottery(ctx, db.R, nil, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if prizes[0].Awarded != 5 || prizes[0].Left() != 0 {
			t.Fatalf("prize awarded %d (stock 5)", prizes[0].Awarded)
		}
		// 25 draws: 5 won 5 points, 20 found the prize gone; each paid 10.
		var total int64
		for _, m := range members {
			total += f.points(t, m)
		}
		total += f.points(t, ming)
		if want := int64(100+8*30) - 25*10 + 5*5; total != want {
			t.Fatalf("points left %d, want %d", total, want)
		}
		// A ninth draw for a member with 0 points left is refused and charges nothing.
		poor := f.member(t, "王小虎", 5)
		if _, err := programmes.DrawLottery(ctx, db, t0, f.actor, l.ID, poor, "poor"); !errors.Is(err, programmes.ErrLotteryPoints) {
			t.Fatalf("draw without points: %v", err)
		}
		if got := f.points(t, poor); got != 5 {
			t.Fatalf("refused draw charged: %d", got)
		}

		lBefore, _, _ := programmes.GetLottery(ctx, db.R, nil, l.ID)
		if lBefore.RevealedSeed() != "" {
			t.Fatal("seed visible before the close")
		}
		if n, _, err := programmes.CloseDue(ctx, db, t0.Add(49*time.Hour)); err != nil || n != 1 {
			t.Fatalf("close due: %d %v", n, err)
		}
		if n, _, _ := programmes.CloseDue(ctx, db, t0.Add(50*time.Hour)); n != 0 {
			t.Fatalf("closed twice")
		}
		lc, prizes, _ := programmes.GetLottery(ctx, db.R, nil, l.ID)
		if programmes.Commitment(lc.RevealedSeed()) != l.SeedHash {
			t.Fatal("revealed seed does not match the commitment")
		}
		draws, err := programmes.LotteryDraws(ctx, db.R, lc, prizes, 0, 100)
		if err != nil || len(draws) != 25 {
			t.Fatalf("draws %d %v", len(draws), err)
		}
		for _, d := range draws {
			if d.Verified == nil || !*d.Verified {
				t.Fatalf("draw %d not verified", d.ID)
			}
		}
		if _, err := programmes.DrawLottery(ctx, db, t0.Add(49*time.Hour), f.actor, l.ID, ming, "late"); !errors.Is(err, programmes.ErrLotteryClosed) {
			t.Fatalf("draw after close: %v", err)
		}
		f.verify(t)
	})
}

// TestAuctionRacingBidsHoldPointsAndCloseOnce: members race bids in an open
// auction; the points of the leading bid are held (not spendable), overtaken
// bids are released; closing charges the winner once and releases the rest,
// and a second close (another instance's job) changes nothing.
func TestAuctionRacingBidsHoldPointsAndCloseOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFix(t, db)
		for _, mode := range []string{programmes.ModeOpen, programmes.ModeSealed} {
			a, err := programmes.CreateAuction(ctx, db, t0, f.actor, programmes.NewAuction{CampusID: f.campus, Name: "乐高套装 " + mode,
				Mode: mode, StartPoints: 100, StepPoints: 10, EndsAt: t0.Add(24 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			members := make([]int64, 6)
			for i := range members {
				members[i] = f.member(t, fmt.Sprintf("%s竞拍%d", mode, i), 1000)
			}
			var wg sync.WaitGroup
			for i := 0; i < 12; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Two racing bids per member with the same key: one hold each.
					_, err := programmes.PlaceBid(ctx, db, t0, f.actor, a.ID, members[i%6], int64(100+(i%6)*50), fmt.Sprintf("%s-b%d", mode, i%6))
					if err != nil && !errors.Is(err, programmes.ErrBidTooLow) {
						t.Errorf("bid: %v", err)
					}
				}()
			}
			wg.Wait()
			top := members[5] // bid 350, the highest
			v, err := programmes.AuctionFor(ctx, db.R, *a, 0)
			if err != nil {
				t.Fatal(err)
			}
			if v.Leading == nil || v.Leading.MemberID != top || v.Leading.Points != 350 {
				t.Fatalf("%s: leading %+v", mode, v.Leading)
			}
			if got := f.points(t, top); got != 650 {
				t.Fatalf("%s: leader's spendable points %d, want 650 (350 held)", mode, got)
			}
			var held int64
			for _, m := range members {
				held += 1000 - f.points(t, m)
			}
			if mode == programmes.ModeOpen && held != 350 {
				t.Fatalf("open: %d points held, want only the leader's 350", held)
			}
			// The held points cannot be spent on a lottery draw that needs them.
			var wg2 sync.WaitGroup
			closed := make([]bool, 4)
			for i := range closed {
				wg2.Add(1)
				go func() {
					defer wg2.Done()
					var err error
					closed[i], err = programmes.CloseAuction(ctx, db, t0.Add(25*time.Hour), models.SystemActor, nil, a.ID)
					if err != nil {
						t.Errorf("close: %v", err)
					}
				}()
			}
			wg2.Wait()
			n := 0
			for _, c := range closed {
				if c {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%s: closed %d times", mode, n)
			}
			for i, m := range members {
				want := int64(1000)
				if m == top {
					want = 650
				}
				if got := f.points(t, m); got != want {
					t.Fatalf("%s: member %d has %d points after the close, want %d", mode, i, got, want)
				}
			}
			if _, err := programmes.PlaceBid(ctx, db, t0.Add(25*time.Hour), f.actor, a.ID, members[0], 900, mode+"-late"); !errors.Is(err, programmes.ErrAuctionClosed) {
				t.Fatalf("bid after close: %v", err)
			}
		}
		f.verify(t)
	})
}

// TestPartySignUpCapacityAttendanceAndCancel: places never exceed the
// capacity under racing sign-ups; a kiosk scan on the day charges the held
// points; cancelling the party gives every point back.
func TestPartySignUpCapacityAttendanceAndCancel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		f := newFix(t, db)
		p, err := programmes.CreateParty(ctx, db, t0, shanghai, f.actor, programmes.NewParty{CampusID: f.campus, Name: "圣诞派对",
			Place: "一楼大厅", Day: "2026-12-03", Capacity: 3, Points: 50})
		if err != nil {
			t.Fatal(err)
		}
		members := make([]int64, 5)
		for i := range members {
			members[i] = f.member(t, fmt.Sprintf("派对%d", i), 200)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, full := 0, 0
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := programmes.SignUp(ctx, db, t0, shanghai, f.actor, p.ID, members[i%5], fmt.Sprintf("s%d", i%5))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, programmes.ErrPartyFull):
					full++
				default:
					t.Errorf("sign up: %v", err)
				}
			}()
		}
		wg.Wait()
		views, err := programmes.ListParties(ctx, db.R, nil, 0, true, "2026-12-01")
		if err != nil || len(views) != 1 || views[0].Taken != 3 {
			t.Fatalf("taken %+v %v", views, err)
		}
		var in []int64
		var spent int64
		for _, m := range members {
			if pts := f.points(t, m); pts == 150 {
				in = append(in, m)
			} else if pts != 200 {
				t.Fatalf("member has %d points", pts)
			}
			spent += 200 - f.points(t, m)
		}
		if len(in) != 3 || spent != 150 {
			t.Fatalf("signed up %d, held %d", len(in), spent)
		}
		// The first signed-up child scans in at the kiosk on the day.
		card, err := models.CurrentCard(ctx, db.R, in[0])
		if err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC)
		if _, err := models.CheckIn(ctx, db, day, []byte("secret"), shanghai, models.CheckinRequest{
			Input: models.CardInput{CardNo: card.CardNo}, Actor: models.Actor{Type: "staff", ID: 9, Device: "kiosk"}}); err != nil {
			t.Fatalf("check in: %v", err)
		}
		_, rows, err := programmes.PartySignups(ctx, db.R, nil, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		attended := 0
		for _, r := range rows {
			if r.Status == programmes.SignupAttended {
				attended++
			}
		}
		if attended != 1 {
			t.Fatalf("attended %d, want 1", attended)
		}
		n, err := programmes.CancelParty(ctx, db, day, f.actor, nil, p.ID)
		if err != nil || n != 3 {
			t.Fatalf("cancel: %d %v", n, err)
		}
		for _, m := range members {
			if got := f.points(t, m); got != 200 {
				t.Fatalf("after cancel %d points, want 200", got)
			}
		}
		f.verify(t)
	})
}
