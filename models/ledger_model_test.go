package models_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"starcard/models"
	"starcard/models/dbtest"
)

// The randomised model test runs thousands of mixed operations against the
// real database and against a small in-memory reference, and compares every
// balance after every operation; verify must be clean at the end.

type mLot struct {
	seq       int // creation order (lot ids grow in the same order)
	amount    int64
	remaining int64
	avail     time.Time
	expires   time.Time
}

type mWallet struct{ principal, bonus int64 }

type mMember struct {
	id     int64
	points int64
	w      *mWallet
	lots   []*mLot
	tier   string
	spend  int64
}

type mPurchase struct {
	id                               int64
	m                                *mMember
	paid, refunded, earned, redeemed int64
	discount, svb, svp               int64
	pays                             map[string]int64
	done                             map[string]int64
	drawn                            map[*mLot]int64 // net points taken from each lot by the purchase
	own                              *mLot
}

type mTopup struct {
	id                      int64
	m                       *mMember
	amount, bonus, refunded int64
}

type mHold struct {
	id     int64
	m      *mMember
	asset  string
	parts  []int64 // per row in order: points, or bonus then principal
	kinds  []string
	drawn  map[*mLot]int64
	closed bool
}

type model struct {
	r       models.Rules
	lotSeq  int
	members []*mMember
}

func (md *model) newLot(m *mMember, amount int64, now time.Time, pendingDays int) *mLot {
	md.lotSeq++
	l := &mLot{seq: md.lotSeq, amount: amount, remaining: amount, avail: now.AddDate(0, 0, pendingDays),
		expires: models.LotExpiry(now, md.r)}
	m.lots = append(m.lots, l)
	return l
}

func sortLots(ls []*mLot, less func(a, b *mLot) bool) []*mLot {
	out := append([]*mLot(nil), ls...)
	sort.SliceStable(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

func soonest(a, b *mLot) bool {
	if !a.expires.Equal(b.expires) {
		return a.expires.Before(b.expires)
	}
	return a.seq < b.seq
}

func latest(a, b *mLot) bool {
	if !a.expires.Equal(b.expires) {
		return a.expires.After(b.expires)
	}
	return a.seq > b.seq
}

func (m *mMember) spendable(now time.Time) int64 {
	var n int64
	for _, l := range m.lots {
		if l.remaining > 0 && l.expires.After(now) && !l.avail.After(now) {
			n += l.remaining
		}
	}
	return n
}

// draw takes need points from spendable lots soonest-expiring first.
func (m *mMember) draw(now time.Time, need int64) map[*mLot]int64 {
	got := map[*mLot]int64{}
	for _, l := range sortLots(m.lots, soonest) {
		if need == 0 {
			break
		}
		if l.remaining <= 0 || !l.expires.After(now) || l.avail.After(now) {
			continue
		}
		t := min(need, l.remaining)
		l.remaining -= t
		got[l] += t
		need -= t
	}
	m.points -= sumMap(got)
	return got
}

// restore puts n points back into drawn lots, latest-expiring first.
func restore(drawn map[*mLot]int64, n int64) int64 {
	var ls []*mLot
	for l, v := range drawn {
		if v > 0 {
			ls = append(ls, l)
		}
	}
	put := int64(0)
	for _, l := range sortLots(ls, latest) {
		if n == 0 {
			break
		}
		t := min(n, drawn[l])
		l.remaining += t
		drawn[l] -= t
		n -= t
		put += t
	}
	return put
}

func sumMap(m map[*mLot]int64) int64 {
	var s int64
	for _, v := range m {
		s += v
	}
	return s
}

func TestLedgerRandomisedModel(t *testing.T) {
	env, _ := strconv.Atoi(os.Getenv("STARCARD_LEDGER_MODEL_OPS"))
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		// Thousands without -race; fewer under it on SQLite, where the race
		// detector slows the pure-Go engine ~15×. STARCARD_LEDGER_MODEL_OPS
		// asks for a longer run.
		ops := 2000
		if raceOn && db.Dialect == models.SQLite {
			ops = 400
		} else if raceOn {
			ops = 1000
		}
		if env > 0 {
			ops = env
		}
		for i, seed := range []uint64{7, 11} {
			if i > 0 && raceOn && env == 0 {
				break
			}
			runModel(t, db, ops, seed)
		}
	})
}

func runModel(t *testing.T, db *models.DB, ops int, seed uint64) {
	ctx := context.Background()
	f := newFixture(t, db)
	r := models.DefaultRules()
	r.ExpiryMonths = 1
	r.PendingDays = 2
	r.TierThresholds = map[string]int64{models.TierSilver: 0, models.TierGold: 50000, models.TierPlatinum: 200000}
	r.CategoryPermille[models.CategoryTuition] = 2000
	r.TopupBands = []models.TopupBand{{MinAmount: 100000, BonusAmount: 10000, BonusPoints: 50}, {MinAmount: 200000, BonusAmount: 30000}}
	r.PrepaidCap = 300000
	if err := models.SaveRules(ctx, db, t0.Add(-time.Hour), f.actor, r, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := models.LoadRules(ctx, db.R, t0)
	if err != nil || got.ExpiryMonths != 1 || got.PrepaidCap != 300000 || got.CategoryPermille[models.CategoryMeals] != 1000 {
		t.Fatalf("rules did not round-trip: %+v %v", got, err)
	}
	md := &model{r: r}
	shared := &mWallet{}
	fam := f.family(t, true)
	for i := 0; i < 6; i++ {
		var id int64
		w := &mWallet{}
		if i >= 4 {
			id, w = f.memberInFamily(t, fam), shared
		} else {
			id = f.member(t, false)
		}
		md.members = append(md.members, &mMember{id: id, w: w, tier: models.TierSilver})
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	now := t0
	var purchases []*mPurchase
	var topups []*mTopup
	var holds []*mHold
	tx := func(fn func(tx *gorm.DB) error) error { return db.Tx(ctx, fn) }
	counts := map[string]int{}

	for op := 0; op < ops; op++ {
		now = now.Add(time.Duration(rng.IntN(180)+1) * time.Minute)
		m := md.members[rng.IntN(len(md.members))]
		var kind string
		switch x := rng.IntN(100); {
		case x < 15:
			kind = "award"
			pts := int64(rng.IntN(300) + 1)
			err := tx(func(tx *gorm.DB) error {
				_, err := models.AwardPoints(ctx, tx, now, models.Award{MemberID: m.id, Points: pts, Reason: "attendance",
					RefType: "checkin", RefID: int64(op), Actor: f.actor})
				return err
			})
			if err != nil {
				t.Fatalf("op %d award: %v", op, err)
			}
			m.points += pts
			md.newLot(m, pts, now, 0)
		case x < 35:
			kind = "topup"
			amount := int64(rng.IntN(250000) + 100)
			band, _ := models.TopupBonus(r, m.tier, amount)
			var res *models.TopupResult
			err := tx(func(tx *gorm.DB) (err error) {
				res, err = models.PostTopup(ctx, tx, now, r, models.TopupInput{MemberID: m.id, Amount: amount, Method: "wechat", Actor: f.actor})
				return err
			})
			if m.w.principal+m.w.bonus+amount+band.BonusAmount > r.PrepaidCap {
				if !errors.Is(err, models.ErrPrepaidCap) {
					t.Fatalf("op %d topup over cap: %v", op, err)
				}
				kind = "topup-refused"
				break
			}
			if err != nil {
				t.Fatalf("op %d topup: %v", op, err)
			}
			m.w.principal += amount
			m.w.bonus += band.BonusAmount
			if band.BonusPoints > 0 {
				m.points += band.BonusPoints
				md.newLot(m, band.BonusPoints, now, 0)
			}
			topups = append(topups, &mTopup{id: res.ID, m: m, amount: amount, bonus: band.BonusAmount})
		case x < 65:
			kind = "purchase"
			var items []models.PurchaseItem
			for n := rng.IntN(3) + 1; n > 0; n-- {
				items = append(items, models.PurchaseItem{Category: models.Categories[rng.IntN(len(models.Categories))],
					Amount: int64(rng.IntN(60000) + 1)})
			}
			q0, _ := models.QuotePurchase(r, m.tier, items, 0)
			var redeem int64
			if sp := m.spendable(now); sp > 0 && rng.IntN(2) == 0 {
				redeem = min(sp, q0.RedeemCap*r.RedeemPointsPerYuan/100, int64(rng.IntN(500)+1))
				if rng.IntN(10) == 0 {
					redeem = sp + 1 // more than spendable: refused
				}
			}
			q, qerr := models.QuotePurchase(r, m.tier, items, redeem)
			sv := int64(0)
			if q.Due > 0 && qerr == nil {
				sv = min(q.Due, int64(rng.IntN(int(q.Due)+1)))
				if rng.IntN(8) == 0 {
					sv = q.Due // may exceed the wallet: refused
				}
			}
			var pays []models.Payment
			if sv > 0 {
				pays = append(pays, models.Payment{Method: "stored_value", Amount: sv})
			}
			if q.Due-sv > 0 {
				pays = append(pays, models.Payment{Method: []string{"cash", "alipay"}[rng.IntN(2)], Amount: q.Due - sv})
			}
			var res *models.PurchaseResult
			err := tx(func(tx *gorm.DB) (err error) {
				res, err = models.PostPurchase(ctx, tx, now, r, models.PurchaseInput{MemberID: m.id, Items: items,
					Payments: pays, PointsToRedeem: redeem, Actor: f.actor})
				return err
			})
			switch {
			case qerr != nil:
				if err == nil {
					t.Fatalf("op %d: quote refused (%v) but purchase passed", op, qerr)
				}
				kind = "purchase-refused"
			case sv > m.w.principal+m.w.bonus:
				if !errors.Is(err, models.ErrInsufficientBalance) {
					t.Fatalf("op %d purchase short of stored value: %v", op, err)
				}
				kind = "purchase-refused"
			case redeem > m.spendable(now):
				if !errors.Is(err, models.ErrInsufficientPoints) {
					t.Fatalf("op %d purchase short of points: %v", op, err)
				}
				kind = "purchase-refused"
			case err != nil:
				t.Fatalf("op %d purchase: %v", op, err)
			default:
				p := &mPurchase{id: res.ID, m: m, paid: q.Due, earned: q.PointsEarned, redeemed: redeem,
					discount: q.PointsDiscount, pays: map[string]int64{}, done: map[string]int64{}}
				if res.PointsEarned != q.PointsEarned || res.Total != q.Total || res.PointsRedeemed != redeem {
					t.Fatalf("op %d purchase answer %+v, quote %+v", op, res, q)
				}
				p.drawn = m.draw(now, redeem)
				for _, k := range r.PaymentOrder {
					if k == "bonus" {
						p.svb = min(sv-p.svp, m.w.bonus)
					} else {
						p.svp = min(sv-p.svb, m.w.principal)
					}
				}
				m.w.bonus -= p.svb
				m.w.principal -= p.svp
				for _, py := range pays {
					if py.Method != "stored_value" {
						p.pays[py.Method] += py.Amount
					}
				}
				if q.PointsEarned > 0 {
					m.points += q.PointsEarned
					p.own = md.newLot(m, q.PointsEarned, now, r.PendingDays)
				}
				m.tier = models.TierAfterPurchase(r, m.tier, m.spend+q.Due)
				m.spend += q.Due
				if res.Tier != m.tier {
					t.Fatalf("op %d tier %s, model %s", op, res.Tier, m.tier)
				}
				purchases = append(purchases, p)
			}
		case x < 78:
			kind = "refund"
			if len(purchases) == 0 {
				break
			}
			p := purchases[rng.IntN(len(purchases))]
			left := p.paid - p.refunded
			var amt *int64
			if left > 0 && rng.IntN(3) > 0 {
				a := int64(rng.IntN(int(left)) + 1)
				amt = &a
			}
			var res *models.RefundResult
			err := tx(func(tx *gorm.DB) (err error) {
				res, err = models.PostRefund(ctx, tx, now, models.RefundInput{PurchaseID: p.id, Amount: amt, Reason: "家长要求", Actor: f.actor})
				return err
			})
			if left == 0 {
				if !errors.Is(err, models.ErrNothingToRefund) {
					t.Fatalf("op %d refund of a refunded purchase: %v", op, err)
				}
				kind = "refund-refused"
				break
			}
			if err != nil {
				t.Fatalf("op %d refund: %v", op, err)
			}
			amount := left
			if amt != nil {
				amount = *amt
			}
			modelRefund(t, op, p, amount, res)
		case x < 85:
			kind = "topup-refund"
			if len(topups) == 0 {
				break
			}
			tp := topups[rng.IntN(len(topups))]
			left := tp.amount - tp.refunded
			a := int64(rng.IntN(int(max(left, 1))) + 1)
			err := tx(func(tx *gorm.DB) error {
				_, err := models.PostTopupRefund(ctx, tx, now, models.TopupRefundInput{TopupID: tp.id, Amount: &a, Reason: "退费", Actor: f.actor})
				return err
			})
			switch {
			case left == 0:
				if !errors.Is(err, models.ErrNothingToRefund) {
					t.Fatalf("op %d: %v", op, err)
				}
				kind = "topup-refund-refused"
			case a > left:
				if !errors.Is(err, models.ErrRefundTooLarge) {
					t.Fatalf("op %d: %v", op, err)
				}
				kind = "topup-refund-refused"
			case a > tp.m.w.principal:
				if !errors.Is(err, models.ErrInsufficientBalance) {
					t.Fatalf("op %d topup refund over principal: %v", op, err)
				}
				kind = "topup-refund-refused"
			case err != nil:
				t.Fatalf("op %d topup refund: %v", op, err)
			default:
				forfeit := min(models.Cumulative(tp.bonus, tp.amount, tp.refunded, a), tp.m.w.bonus)
				tp.refunded += a
				tp.m.w.principal -= a
				tp.m.w.bonus -= forfeit
			}
		case x < 92:
			kind = "hold"
			h := &mHold{m: m, drawn: map[*mLot]int64{}}
			var in models.HoldInput
			if rng.IntN(2) == 0 {
				h.asset = models.AssetPoints
				in = models.HoldInput{MemberID: m.id, Asset: "points", Amount: int64(rng.IntN(200) + 1)}
			} else {
				h.asset = "stored_value"
				in = models.HoldInput{MemberID: m.id, Asset: "stored_value", Amount: int64(rng.IntN(30000) + 1)}
			}
			in.ExpiresAt, in.Actor = now.Add(time.Duration(rng.IntN(48)+1)*time.Hour), f.actor
			var id int64
			err := tx(func(tx *gorm.DB) (err error) {
				id, err = models.ReserveHold(ctx, tx, now, r, in)
				return err
			})
			if h.asset == models.AssetPoints {
				if in.Amount > m.spendable(now) {
					if !errors.Is(err, models.ErrInsufficientPoints) {
						t.Fatalf("op %d hold: %v", op, err)
					}
					kind = "hold-refused"
					break
				}
				if err != nil {
					t.Fatalf("op %d hold: %v", op, err)
				}
				h.drawn = m.draw(now, in.Amount)
				h.parts, h.kinds = []int64{in.Amount}, []string{"points"}
			} else {
				if in.Amount > m.w.bonus+m.w.principal {
					if !errors.Is(err, models.ErrInsufficientBalance) {
						t.Fatalf("op %d hold: %v", op, err)
					}
					kind = "hold-refused"
					break
				}
				if err != nil {
					t.Fatalf("op %d hold: %v", op, err)
				}
				b := min(in.Amount, m.w.bonus)
				pr := in.Amount - b
				if b > 0 {
					h.parts, h.kinds = append(h.parts, b), append(h.kinds, "bonus")
				}
				if pr > 0 {
					h.parts, h.kinds = append(h.parts, pr), append(h.kinds, "principal")
				}
				m.w.bonus -= b
				m.w.principal -= pr
			}
			h.id = id
			holds = append(holds, h)
		case x < 97:
			kind = "close-hold"
			var open []*mHold
			for _, h := range holds {
				if !h.closed {
					open = append(open, h)
				}
			}
			if len(open) == 0 {
				break
			}
			h := open[rng.IntN(len(open))]
			var total int64
			for _, p := range h.parts {
				total += p
			}
			capture := int64(0)
			if rng.IntN(2) == 0 {
				capture = int64(rng.IntN(int(total)) + 1)
			}
			err := tx(func(tx *gorm.DB) error {
				if capture == 0 {
					return models.ReleaseHold(ctx, tx, now, f.actor, h.id)
				}
				return models.CaptureHold(ctx, tx, now, f.actor, h.id, capture)
			})
			if err != nil {
				t.Fatalf("op %d close hold: %v", op, err)
			}
			modelCloseHold(h, capture)
		default:
			kind = "expire"
			now = now.AddDate(0, 0, rng.IntN(20))
			n, err := models.ExpirePoints(ctx, db, now)
			if err != nil {
				t.Fatalf("op %d expire: %v", op, err)
			}
			var want int64
			for _, mm := range md.members {
				for _, l := range mm.lots {
					if !l.expires.After(now) && l.remaining > 0 {
						want += l.remaining
						mm.points -= l.remaining
						l.remaining = 0
					}
				}
			}
			if n != want {
				t.Fatalf("op %d: expired %d, model %d", op, n, want)
			}
			if rng.IntN(2) == 0 {
				if _, err := models.ReleaseExpiredHolds(ctx, db, now); err != nil {
					t.Fatal(err)
				}
				for _, h := range holds {
					if !h.closed && h.expiresBy(now, db, t) {
						modelCloseHold(h, 0)
					}
				}
			}
		}
		counts[kind]++
		checkAll(t, f, op, kind, md.members)
	}
	checkAll(t, f, ops, "final", md.members)
	rep, err := models.Verify(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Clean() {
		t.Fatalf("verify found problems:\n%v", rep.Problems)
	}
	t.Logf("%d ops %v; %d journals, %d postings", ops, counts, rep.Journals, rep.Postings)
}

// expiresBy asks the database whether a hold has been closed by the
// expired-holds job (the model does not keep hold expiry times).
func (h *mHold) expiresBy(now time.Time, db *models.DB, t *testing.T) bool {
	var status string
	if err := db.R.Raw(`SELECT status FROM ledger_holds WHERE journal_id = ? LIMIT 1`, h.id).Scan(&status).Error; err != nil {
		t.Fatal(err)
	}
	return status == models.HoldReleased
}

func modelCloseHold(h *mHold, capture int64) {
	h.closed = true
	left := capture
	for i, p := range h.parts {
		take := min(left, p)
		left -= take
		back := p - take
		switch h.kinds[i] {
		case "points":
			h.m.points += back
			restore(h.drawn, back)
		case "bonus":
			h.m.w.bonus += back
		case "principal":
			h.m.w.principal += back
		}
	}
}

func modelRefund(t *testing.T, op int, p *mPurchase, amount int64, res *models.RefundResult) {
	t.Helper()
	m := p.m
	parts := []string{"bonus", "principal"}
	total := map[string]int64{"bonus": p.svb, "principal": p.svp}
	var methods []string
	for k := range p.pays {
		methods = append(methods, k)
	}
	sort.Strings(methods)
	for _, k := range methods {
		parts = append(parts, k)
		total[k] = p.pays[k]
	}
	w := make([]int64, len(parts))
	for i, k := range parts {
		w[i] = total[k] - p.done[k]
	}
	sh := models.ShareOf(amount, w)
	for i, k := range parts {
		p.done[k] += sh[i]
	}
	m.w.bonus += sh[0]
	m.w.principal += sh[1]
	back := models.Cumulative(p.redeemed, p.paid, p.refunded, amount)
	put := restore(p.drawn, back)
	m.points += put
	target := models.Cumulative(p.earned, p.paid, p.refunded, amount)
	target = min(target, m.points)
	// take back: own lot first, then soonest-expiring
	need := target
	order := sortLots(m.lots, soonest)
	if p.own != nil {
		order = append([]*mLot{p.own}, order...)
	}
	seen := map[*mLot]bool{}
	for _, l := range order {
		if need == 0 {
			break
		}
		if seen[l] {
			continue
		}
		seen[l] = true
		tk := min(need, l.remaining)
		if tk <= 0 {
			continue
		}
		l.remaining -= tk
		need -= tk
	}
	reversed := target - need
	m.points -= reversed
	p.refunded += amount
	m.spend -= amount
	if res.Amount != amount || res.PointsReversed != reversed || res.PointsReturned != put ||
		res.StoredValueReturned != sh[0]+sh[1] {
		t.Fatalf("op %d refund answer %+v; model amount %d reversed %d returned %d sv %d", op, res, amount, reversed, put, sh[0]+sh[1])
	}
}

// checkAll compares every member's balances with the model in one query.
func checkAll(t *testing.T, f *fixture, op int, kind string, ms []*mMember) {
	t.Helper()
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	got, err := models.MemberBalances(context.Background(), f.db.R, ids...)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		want := models.Balances{Points: m.points, StoredValuePrincipal: m.w.principal, StoredValueBonus: m.w.bonus}
		if got[m.id] != want {
			t.Fatalf("op %d (%s) member %d: balances %+v, model %+v", op, kind, m.id, got[m.id], want)
		}
	}
}
