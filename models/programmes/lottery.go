package programmes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"starcard/models"
)

// Prize kinds of a lottery.
const (
	PrizePoints = "points" // points credited at once
	PrizeCoupon = "coupon" // a coupon of a template, issued at once
	PrizeGift   = "gift"   // a present collected at the desk
	PrizeNone   = "none"   // 谢谢参与: nothing
)

// PrizeKinds lists the kinds in the order the admin form offers them.
var PrizeKinds = []string{PrizePoints, PrizeCoupon, PrizeGift, PrizeNone}

// MaxPrizes is the size of a prize table.
const MaxPrizes = 8

// Lottery is a points lottery (积分抽奖).
type Lottery struct {
	ID         int64      `json:"id"`
	CampusID   int64      `json:"campus_id"`
	Name       string     `json:"name"`
	CostPoints int64      `json:"cost_points"`
	SeedHash   string     `json:"seed_hash"`
	Seed       string     `json:"-"` // secret until revealed
	Status     string     `json:"status"`
	EndsAt     time.Time  `json:"ends_at"`
	Draws      int64      `json:"draws"`
	RevealedAt *time.Time `json:"revealed_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// TableName maps Lottery to its table.
func (Lottery) TableName() string { return "prog_lotteries" }

// RevealedSeed is the seed once the lottery is closed, "" before.
func (l Lottery) RevealedSeed() string {
	if l.RevealedAt == nil {
		return ""
	}
	return l.Seed
}

// Prize is one line of a lottery's prize table.
type Prize struct {
	ID               int64  `json:"id"`
	LotteryID        int64  `json:"lottery_id"`
	Position         int    `json:"position"`
	Name             string `json:"name"`
	Kind             string `json:"kind"`
	Points           int64  `json:"points,omitempty"`
	CouponTemplateID *int64 `json:"coupon_template_id,omitempty"`
	Weight           int64  `json:"weight"`
	Stock            int64  `json:"stock"`
	Awarded          int64  `json:"awarded"`
}

// TableName maps Prize to its table.
func (Prize) TableName() string { return "prog_lottery_prizes" }

// Left is how many of the prize remain (-1: no limit, a 谢谢参与 line).
func (p Prize) Left() int64 {
	if p.Kind == PrizeNone {
		return -1
	}
	return p.Stock - p.Awarded
}

// Draw is one draw of a member.
type Draw struct {
	ID           int64      `json:"id"`
	LotteryID    int64      `json:"lottery_id"`
	MemberID     int64      `json:"member_id"`
	DrawNo       int64      `json:"draw_no"`
	Roll         int64      `json:"roll"`
	DrawnPrizeID int64      `json:"drawn_prize_id"`
	PrizeID      *int64     `json:"prize_id"` // nil: the drawn prize had run out
	CostPoints   int64      `json:"cost_points"`
	HoldID       int64      `json:"-"`
	AwardRef     string     `json:"-"`
	HandedOverAt *time.Time `json:"handed_over_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// TableName maps Draw to its table.
func (Draw) TableName() string { return "prog_lottery_draws" }

// NewPrize is a prize line as the admin enters it.
type NewPrize struct {
	Name             string
	Kind             string
	Points           int64
	CouponTemplateID int64
	Weight           int64
	Stock            int64
}

// NewLottery is a lottery as the admin enters it. Its prize table is frozen
// when it is created, with the seed's commitment published.
type NewLottery struct {
	CampusID   int64
	Name       string
	CostPoints int64
	EndsAt     time.Time
	Prizes     []NewPrize
}

// Validate returns field errors (prizes as "prize_<n>_<field>").
func (n *NewLottery) Validate(now time.Time) map[string]string {
	f := map[string]string{}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" || utf8.RuneCountInString(n.Name) > 40 {
		f["name"] = "prog.err.name"
	}
	if n.CampusID <= 0 {
		f["campus_id"] = "err.required"
	}
	if n.CostPoints <= 0 || n.CostPoints > 1_000_000 {
		f["cost_points"] = "prog.err.points"
	}
	if !n.EndsAt.After(now) {
		f["ends_at"] = "prog.err.ends_at"
	}
	if len(n.Prizes) == 0 {
		f["prizes"] = "prog.err.prizes"
	}
	if len(n.Prizes) > MaxPrizes {
		f["prizes"] = "prog.err.prizes"
	}
	for i := range n.Prizes {
		p := &n.Prizes[i]
		p.Name = strings.TrimSpace(p.Name)
		k := fmt.Sprintf("prize_%d_", i)
		if p.Name == "" || utf8.RuneCountInString(p.Name) > 40 {
			f[k+"name"] = "prog.err.name"
		}
		if !slices.Contains(PrizeKinds, p.Kind) {
			f[k+"kind"] = "prog.err.prize_kind"
		}
		if p.Weight <= 0 || p.Weight > 1_000_000 {
			f[k+"weight"] = "prog.err.weight"
		}
		if p.Kind != PrizeNone && (p.Stock <= 0 || p.Stock > 1_000_000) {
			f[k+"stock"] = "prog.err.stock"
		}
		if p.Kind == PrizePoints && (p.Points <= 0 || p.Points > 1_000_000) {
			f[k+"points"] = "prog.err.points"
		}
		if p.Kind == PrizeCoupon && p.CouponTemplateID <= 0 {
			f[k+"coupon"] = "prog.err.coupon"
		}
	}
	return f
}

// CreateLottery opens a lottery: it draws the secret seed, stores its
// commitment and freezes the prize table.
func CreateLottery(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, n NewLottery) (*Lottery, error) {
	now = now.UTC()
	if f := n.Validate(now); len(f) > 0 {
		return nil, models.Invalid(f)
	}
	seed, hash, err := NewSeed()
	if err != nil {
		return nil, err
	}
	l := &Lottery{CampusID: n.CampusID, Name: n.Name, CostPoints: n.CostPoints, SeedHash: hash, Seed: seed,
		Status: StatusOpen, EndsAt: n.EndsAt.UTC(), CreatedAt: now}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		for i, p := range n.Prizes {
			if p.Kind == PrizeCoupon {
				if _, err := models.GetCouponTemplate(ctx, tx, p.CouponTemplateID); err != nil {
					return models.Invalid(map[string]string{fmt.Sprintf("prize_%d_coupon", i): "prog.err.coupon"})
				}
			}
		}
		if err := tx.Create(l).Error; err != nil {
			return err
		}
		for i, p := range n.Prizes {
			row := Prize{LotteryID: l.ID, Position: i, Name: p.Name, Kind: p.Kind, Weight: p.Weight, Stock: p.Stock}
			switch p.Kind {
			case PrizePoints:
				row.Points = p.Points
			case PrizeCoupon:
				row.CouponTemplateID = &p.CouponTemplateID
			case PrizeNone:
				row.Stock = 0
			}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
		}
		return models.Audit(ctx, tx, now, actor, "prog.lottery.create", "prog_lottery", l.ID,
			fmt.Sprintf("cost=%d commitment=%s", l.CostPoints, l.SeedHash))
	})
	if err != nil {
		return nil, fmt.Errorf("programmes: create lottery: %w", err)
	}
	return l, nil
}

// GetLottery loads a lottery and its prize table. u (staff, may be nil) must
// see its campus.
func GetLottery(ctx context.Context, db *gorm.DB, u *models.StaffUser, id int64) (*Lottery, []Prize, error) {
	var l Lottery
	if res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&l); res.Error != nil {
		return nil, nil, fmt.Errorf("programmes: get lottery: %w", res.Error)
	} else if res.RowsAffected == 0 || (u != nil && !u.CanSeeCampus(l.CampusID)) {
		return nil, nil, ErrLotteryNotFound
	}
	var ps []Prize
	if err := db.WithContext(ctx).Where("lottery_id = ?", id).Order("position").Find(&ps).Error; err != nil {
		return nil, nil, fmt.Errorf("programmes: get lottery: %w", err)
	}
	return &l, ps, nil
}

// DrawLottery draws once for a member: it charges the lottery's price in
// points exactly once per idempotency key (a retried or double-tapped draw
// returns the first draw), rolls HMAC(seed, member, draw no.) onto the
// prize table, takes the prize from stock by a conditional update (a prize
// that ran out becomes 谢谢参与, recorded as such) and awards it.
func DrawLottery(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, lotteryID, memberID int64, key string) (*Draw, error) {
	now = now.UTC()
	rules, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return nil, err
	}
	return runOnce[Draw](ctx, db, now, models.Idem{Scope: fmt.Sprintf("prog.lottery:%d", memberID), Key: key,
		Hash: models.RequestHash([]byte(fmt.Sprint(lotteryID)))}, "draw", func(tx *gorm.DB) (int64, error) {
		r, err := postDraw(ctx, tx, now, rules, actor, lotteryID, memberID)
		if err != nil {
			return 0, err
		}
		return r.ID, nil
	})
}

func postDraw(ctx context.Context, tx *gorm.DB, now time.Time, rules models.Rules, actor models.Actor, lotteryID, memberID int64) (*Draw, error) {
	tx = tx.WithContext(ctx)
	// The lottery row lock serialises its draws: stock and draw numbers are
	// decided one draw at a time.
	l, err := lockByID[Lottery](ctx, tx, "prog_lotteries", lotteryID, ErrLotteryNotFound)
	if err != nil {
		return nil, err
	}
	if err := admit(ctx, tx, now, memberID, l.CampusID, l.Status == StatusOpen && now.Before(l.EndsAt),
		ErrLotteryNotFound, ErrLotteryClosed, l.Name); err != nil {
		return nil, err
	}
	var prizes []Prize
	if err := tx.Where("lottery_id = ?", l.ID).Order("position").Find(&prizes).Error; err != nil {
		return nil, fmt.Errorf("programmes: draw: %w", err)
	}
	var last int64
	if err := tx.Raw(`SELECT COALESCE(MAX(draw_no), 0) FROM prog_lottery_draws WHERE lottery_id = ? AND member_id = ?`,
		l.ID, memberID).Scan(&last).Error; err != nil {
		return nil, fmt.Errorf("programmes: draw: %w", err)
	}
	weights := make([]int64, len(prizes))
	for i, p := range prizes {
		weights[i] = p.Weight
	}
	o, err := Recompute(l.Seed, l.ID, memberID, last+1, weights)
	if err != nil {
		return nil, err
	}
	won := prizes[o.Position]
	d := &Draw{LotteryID: l.ID, MemberID: memberID, DrawNo: last + 1, Roll: o.Roll, DrawnPrizeID: won.ID,
		CostPoints: l.CostPoints, CreatedAt: now}
	if err := tx.Create(d).Error; err != nil {
		return nil, fmt.Errorf("programmes: draw: %w", err)
	}
	act := actor
	act.CampusID = l.CampusID
	hold, err := spend(ctx, tx, now, rules, act, memberID, l.CostPoints, RefDraw, d.ID)
	if errors.Is(err, models.ErrInsufficientPoints) {
		return nil, ErrLotteryPoints.With(l.CostPoints)
	}
	if err != nil {
		return nil, err
	}
	d.HoldID = hold
	if won.Kind == PrizeNone {
		d.PrizeID = &won.ID
	} else {
		up := tx.Exec(`UPDATE prog_lottery_prizes SET awarded = awarded + 1 WHERE id = ? AND awarded < stock`, won.ID)
		if up.Error != nil {
			return nil, fmt.Errorf("programmes: draw: %w", up.Error)
		}
		if up.RowsAffected == 1 {
			d.PrizeID = &won.ID
		}
	}
	if d.PrizeID != nil {
		switch won.Kind {
		case PrizePoints:
			jid, err := models.AwardPoints(ctx, tx, now, models.Award{MemberID: memberID, Points: won.Points, Reason: "lottery",
				RefType: RefDraw, RefID: d.ID, Actor: act})
			if err != nil {
				return nil, err
			}
			d.AwardRef = fmt.Sprintf("journal:%d", jid)
		case PrizeCoupon:
			c, err := models.IssueCoupon(ctx, tx, now, models.CouponIssue{TemplateID: *won.CouponTemplateID, MemberID: memberID,
				SourceKey: fmt.Sprintf("prog.draw:%d", d.ID), Actor: act})
			if err != nil {
				return nil, err
			}
			d.AwardRef = fmt.Sprintf("coupon:%d", c.ID)
		}
	}
	if err := tx.Exec(`UPDATE prog_lottery_draws SET hold_id = ?, prize_id = ?, award_ref = ? WHERE id = ?`,
		d.HoldID, d.PrizeID, d.AwardRef, d.ID).Error; err != nil {
		return nil, fmt.Errorf("programmes: draw: %w", err)
	}
	if err := tx.Exec(`UPDATE prog_lotteries SET draws = draws + 1 WHERE id = ?`, l.ID).Error; err != nil {
		return nil, fmt.Errorf("programmes: draw: %w", err)
	}
	return d, models.Audit(ctx, tx, now, actor, "prog.lottery.draw", "prog_lottery", l.ID,
		fmt.Sprintf("member=%d draw_no=%d roll=%d prize=%d cost=%d", memberID, d.DrawNo, d.Roll, won.ID, l.CostPoints))
}

// CloseLottery closes an open lottery and reveals its seed. It reports
// whether it closed it (false: already closed).
func CloseLottery(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, u *models.StaffUser, id int64) (bool, error) {
	now = now.UTC()
	done := false
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		l, err := lockByID[Lottery](ctx, tx, "prog_lotteries", id, ErrLotteryNotFound)
		if err != nil {
			return err
		}
		if u != nil && !u.CanSeeCampus(l.CampusID) {
			return ErrLotteryNotFound
		}
		if l.Status != StatusOpen {
			return nil
		}
		done = true
		if err := tx.Exec(`UPDATE prog_lotteries SET status = ?, revealed_at = ? WHERE id = ?`, StatusClosed, now, id).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "prog.lottery.close", "prog_lottery", id, "seed revealed")
	})
	if err != nil {
		return false, fmt.Errorf("programmes: close lottery: %w", err)
	}
	return done, nil
}

// DrawView is a draw with its prizes' names and the recomputation a
// verifier would make once the seed is revealed.
type DrawView struct {
	Draw
	LotteryName string `json:"lottery_name"`
	MemberName  string `json:"member_name"`
	DrawnName   string `json:"drawn_name"`
	DrawnKind   string `json:"drawn_kind"`
	OutOfStock  bool   `json:"out_of_stock"`
	MAC         string `json:"mac,omitempty"`      // once revealed
	Verified    *bool  `json:"verified,omitempty"` // once revealed: the seed reproduces the roll and the prize
}

// VerifyState is "ok" or "bad" once the seed is revealed, "" before.
func (v DrawView) VerifyState() string {
	switch {
	case v.Verified == nil:
		return ""
	case *v.Verified:
		return "ok"
	}
	return "bad"
}

// Won reports whether the draw won something (not 谢谢参与, not run out).
func (v DrawView) Won() bool { return !v.OutOfStock && v.DrawnKind != PrizeNone }

// LotteryDraws lists a lottery's draws, newest first (memberID 0: everyone's),
// each verified against the seed once it is revealed.
func LotteryDraws(ctx context.Context, db *gorm.DB, l *Lottery, prizes []Prize, memberID int64, limit int) ([]DrawView, error) {
	q := db.WithContext(ctx).Table("prog_lottery_draws d").
		Select("d.*, COALESCE(m.name, '') AS member_name").
		Joins("LEFT JOIN members m ON m.id = d.member_id").Where("d.lottery_id = ?", l.ID)
	if memberID != 0 {
		q = q.Where("d.member_id = ?", memberID)
	}
	var rows []struct {
		Draw
		MemberName string
	}
	if err := q.Order("d.id DESC").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("programmes: draws: %w", err)
	}
	weights := make([]int64, len(prizes))
	byID := map[int64]Prize{}
	for i, p := range prizes {
		weights[i] = p.Weight
		byID[p.ID] = p
	}
	out := make([]DrawView, len(rows))
	for i, r := range rows {
		p := byID[r.DrawnPrizeID]
		v := DrawView{Draw: r.Draw, LotteryName: l.Name, MemberName: r.MemberName, DrawnName: p.Name, DrawnKind: p.Kind,
			OutOfStock: r.PrizeID == nil}
		if seed := l.RevealedSeed(); seed != "" {
			o, err := Recompute(seed, l.ID, r.MemberID, r.DrawNo, weights)
			ok := err == nil && o.Roll == r.Roll && prizes[o.Position].ID == r.DrawnPrizeID && Commitment(seed) == l.SeedHash
			v.MAC, v.Verified = o.MAC, &ok
		}
		out[i] = v
	}
	return out, nil
}

// LotteryRow is a lottery in a list, with its prize table.
type LotteryRow struct {
	Lottery
	Prizes []Prize
}

// Odds is a prize's chance in percent with one decimal, as text ("12.5%").
func (r LotteryRow) Odds(p Prize) string { return odds(r.Prizes, p) }

func odds(ps []Prize, p Prize) string {
	var total int64
	for _, q := range ps {
		total += q.Weight
	}
	if total == 0 {
		return "0%"
	}
	tenths := models.MulDiv(p.Weight, 1000, total)
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}

// PrizeOdds is the chance of a prize in a table, as text.
func PrizeOdds(ps []Prize, p Prize) string { return odds(ps, p) }

// ListLotteries lists the lotteries of the given campuses (nil: all), the
// open ones first; openOnly keeps those still drawing at now.
func ListLotteries(ctx context.Context, db *gorm.DB, campusIDs []int64, openOnly bool, now time.Time) ([]LotteryRow, error) {
	q := db.WithContext(ctx).Model(&Lottery{})
	if campusIDs != nil {
		if len(campusIDs) == 0 {
			return nil, nil
		}
		q = q.Where("campus_id IN ?", campusIDs)
	}
	if openOnly {
		q = q.Where("status = ? AND ends_at > ?", StatusOpen, now.UTC())
	}
	var ls []Lottery
	if err := q.Order("CASE WHEN status = 'open' THEN 0 ELSE 1 END, ends_at DESC, id DESC").Limit(100).Find(&ls).Error; err != nil {
		return nil, fmt.Errorf("programmes: list lotteries: %w", err)
	}
	out := make([]LotteryRow, len(ls))
	ids := make([]int64, len(ls))
	for i, l := range ls {
		out[i].Lottery, ids[i] = l, l.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var ps []Prize
	if err := db.WithContext(ctx).Where("lottery_id IN ?", ids).Order("lottery_id, position").Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("programmes: list lotteries: %w", err)
	}
	for i := range out {
		for _, p := range ps {
			if p.LotteryID == out[i].ID {
				out[i].Prizes = append(out[i].Prizes, p)
			}
		}
	}
	return out, nil
}

// HandOverPrize records that a won gift was collected at the desk.
func HandOverPrize(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, u *models.StaffUser, drawID int64) error {
	now = now.UTC()
	return db.Tx(ctx, func(tx *gorm.DB) error {
		var row struct {
			Draw
			CampusID int64
			Kind     string
		}
		if res := tx.Raw(`SELECT d.*, l.campus_id, p.kind FROM prog_lottery_draws d JOIN prog_lotteries l ON l.id = d.lottery_id
			JOIN prog_lottery_prizes p ON p.id = d.drawn_prize_id WHERE d.id = ?`, drawID).Scan(&row); res.Error != nil {
			return fmt.Errorf("programmes: hand over: %w", res.Error)
		} else if res.RowsAffected == 0 || (u != nil && !u.CanSeeCampus(row.CampusID)) || row.PrizeID == nil || row.Kind != PrizeGift {
			return ErrDrawNotFound
		}
		up := tx.Exec(`UPDATE prog_lottery_draws SET handed_over_at = ? WHERE id = ? AND handed_over_at IS NULL`, now, drawID)
		if up.Error != nil {
			return fmt.Errorf("programmes: hand over: %w", up.Error)
		}
		if up.RowsAffected == 0 {
			return ErrAlreadyHandedOut
		}
		return models.Audit(ctx, tx, now, actor, "prog.lottery.hand_over", "prog_lottery_draw", drawID, "")
	})
}
