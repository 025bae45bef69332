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

// Auction modes.
const (
	ModeOpen   = "open"   // everyone sees the highest bid; an outbid bid is released at once
	ModeSealed = "sealed" // nobody sees the others' bids; every bid holds its points until the close
)

// Bid statuses.
const (
	BidActive   = "active"   // holding its points
	BidOutbid   = "outbid"   // open mode: overtaken, points released
	BidReplaced = "replaced" // the member raised it: points released, the new bid holds
	BidWon      = "won"      // charged at the close
	BidLost     = "lost"     // released at the close
)

// Auction is a points auction (积分竞拍).
type Auction struct {
	ID           int64      `json:"id"`
	CampusID     int64      `json:"campus_id"`
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	Mode         string     `json:"mode"`
	StartPoints  int64      `json:"start_points"`
	StepPoints   int64      `json:"step_points"`
	EndsAt       time.Time  `json:"ends_at"`
	Status       string     `json:"status"`
	WinnerBidID  *int64     `json:"winner_bid_id,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	HandedOverAt *time.Time `json:"handed_over_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

// TableName maps Auction to its table.
func (Auction) TableName() string { return "prog_auctions" }

// Bid is one bid of a member.
type Bid struct {
	ID        int64      `json:"id"`
	AuctionID int64      `json:"auction_id"`
	MemberID  int64      `json:"member_id"`
	Points    int64      `json:"points"`
	HoldID    int64      `json:"-"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
}

// TableName maps Bid to its table.
func (Bid) TableName() string { return "prog_auction_bids" }

// NewAuction is an auction as the admin enters it.
type NewAuction struct {
	CampusID    int64
	Name        string
	Description string
	Mode        string
	StartPoints int64
	StepPoints  int64
	EndsAt      time.Time
}

// CreateAuction opens an auction.
func CreateAuction(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, n NewAuction) (*Auction, error) {
	now = now.UTC()
	n.Name, n.Description = strings.TrimSpace(n.Name), strings.TrimSpace(n.Description)
	if n.StepPoints == 0 {
		n.StepPoints = 1
	}
	f := map[string]string{}
	if n.Name == "" || utf8.RuneCountInString(n.Name) > 40 {
		f["name"] = "prog.err.name"
	}
	if utf8.RuneCountInString(n.Description) > 200 {
		f["description"] = "prog.err.description"
	}
	if !slices.Contains([]string{ModeOpen, ModeSealed}, n.Mode) {
		f["mode"] = "prog.err.mode"
	}
	if n.StartPoints <= 0 || n.StartPoints > 10_000_000 {
		f["start_points"] = "prog.err.points"
	}
	if n.StepPoints <= 0 || n.StepPoints > 1_000_000 {
		f["step_points"] = "prog.err.points"
	}
	if !n.EndsAt.After(now) {
		f["ends_at"] = "prog.err.ends_at"
	}
	if n.CampusID <= 0 {
		f["campus_id"] = "err.required"
	}
	if len(f) > 0 {
		return nil, models.Invalid(f)
	}
	a := &Auction{CampusID: n.CampusID, Name: n.Name, Description: n.Description, Mode: n.Mode, StartPoints: n.StartPoints,
		StepPoints: n.StepPoints, EndsAt: n.EndsAt.UTC(), Status: StatusOpen, CreatedAt: now}
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(a).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "prog.auction.create", "prog_auction", a.ID, a.Mode)
	})
	if err != nil {
		return nil, fmt.Errorf("programmes: create auction: %w", err)
	}
	return a, nil
}

// MinBid is the least a member may bid now, given the leading bid (nil: none).
func MinBid(a Auction, leading *Bid, own *Bid) int64 {
	least := a.StartPoints
	if a.Mode == ModeOpen && leading != nil {
		least = max(least, leading.Points+a.StepPoints)
	}
	if own != nil {
		least = max(least, own.Points+a.StepPoints)
	}
	return least
}

// PlaceBid bids points for a member, once per idempotency key. The bid
// holds its points in the ledger (the member cannot spend them elsewhere);
// the member's earlier bid on the auction is released. In an open auction
// the bid must beat the leading one by the step, and the overtaken bid is
// released at once; in a sealed one each bid only has to reach the start
// and beat the member's own.
func PlaceBid(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, auctionID, memberID, points int64, key string) (*Bid, error) {
	now = now.UTC()
	rules, err := models.LoadRules(ctx, db.R, now)
	if err != nil {
		return nil, err
	}
	return runOnce[Bid](ctx, db, now, models.Idem{Scope: fmt.Sprintf("prog.bid:%d", memberID), Key: key,
		Hash: models.RequestHash([]byte(fmt.Sprintf("%d:%d", auctionID, points)))}, "bid", func(tx *gorm.DB) (int64, error) {
		r, err := postBid(ctx, tx, now, rules, actor, auctionID, memberID, points)
		if err != nil {
			return 0, err
		}
		return r.ID, nil
	})
}

func leadingBid(ctx context.Context, tx *gorm.DB, auctionID int64) (*Bid, error) {
	var bs []Bid
	if err := tx.WithContext(ctx).Where("auction_id = ? AND status = ?", auctionID, BidActive).
		Order("points DESC, id").Limit(1).Find(&bs).Error; err != nil {
		return nil, fmt.Errorf("programmes: leading bid: %w", err)
	}
	if len(bs) == 0 {
		return nil, nil
	}
	return &bs[0], nil
}

func ownBid(ctx context.Context, tx *gorm.DB, auctionID, memberID int64) (*Bid, error) {
	var bs []Bid
	if err := tx.WithContext(ctx).Where("auction_id = ? AND member_id = ? AND status = ?", auctionID, memberID, BidActive).
		Limit(1).Find(&bs).Error; err != nil {
		return nil, fmt.Errorf("programmes: own bid: %w", err)
	}
	if len(bs) == 0 {
		return nil, nil
	}
	return &bs[0], nil
}

func postBid(ctx context.Context, tx *gorm.DB, now time.Time, rules models.Rules, actor models.Actor, auctionID, memberID, points int64) (*Bid, error) {
	tx = tx.WithContext(ctx)
	// The auction row lock serialises its bids: two racing bids are compared
	// one after the other, never both against the same leader.
	a, err := lockByID[Auction](ctx, tx, "prog_auctions", auctionID, ErrAuctionNotFound)
	if err != nil {
		return nil, err
	}
	if err := admit(ctx, tx, now, memberID, a.CampusID, a.Status == StatusOpen && now.Before(a.EndsAt),
		ErrAuctionNotFound, ErrAuctionClosed, a.Name); err != nil {
		return nil, err
	}
	lead, err := leadingBid(ctx, tx, a.ID)
	if err != nil {
		return nil, err
	}
	own, err := ownBid(ctx, tx, a.ID, memberID)
	if err != nil {
		return nil, err
	}
	if least := MinBid(a, lead, own); points < least || points > 100_000_000 {
		return nil, ErrBidTooLow.With(least)
	}
	act := actor
	act.CampusID = a.CampusID
	if own != nil {
		if err := models.ReleaseHold(ctx, tx, now, act, own.HoldID); err != nil {
			return nil, err
		}
		if err := tx.Exec(`UPDATE prog_auction_bids SET status = ?, closed_at = ? WHERE id = ?`, BidReplaced, now, own.ID).Error; err != nil {
			return nil, fmt.Errorf("programmes: bid: %w", err)
		}
	}
	b := &Bid{AuctionID: a.ID, MemberID: memberID, Points: points, Status: BidActive, CreatedAt: now}
	if err := tx.Create(b).Error; err != nil {
		return nil, fmt.Errorf("programmes: bid: %w", err)
	}
	hold, err := models.ReserveHold(ctx, tx, now, rules, models.HoldInput{MemberID: memberID, Asset: models.AssetPoints,
		Amount: points, ExpiresAt: a.EndsAt.AddDate(0, 0, 7), RefType: RefBid, RefID: b.ID, Actor: act})
	if errors.Is(err, models.ErrInsufficientPoints) {
		return nil, ErrAuctionPoints.With(points)
	}
	if err != nil {
		return nil, err
	}
	b.HoldID = hold
	if err := tx.Exec(`UPDATE prog_auction_bids SET hold_id = ? WHERE id = ?`, hold, b.ID).Error; err != nil {
		return nil, fmt.Errorf("programmes: bid: %w", err)
	}
	if a.Mode == ModeOpen && lead != nil && lead.MemberID != memberID {
		if err := models.ReleaseHold(ctx, tx, now, act, lead.HoldID); err != nil && !errors.Is(err, models.ErrHoldClosed) {
			return nil, err
		}
		if err := tx.Exec(`UPDATE prog_auction_bids SET status = ?, closed_at = ? WHERE id = ?`, BidOutbid, now, lead.ID).Error; err != nil {
			return nil, fmt.Errorf("programmes: bid: %w", err)
		}
	}
	return b, models.Audit(ctx, tx, now, actor, "prog.auction.bid", "prog_auction", a.ID,
		fmt.Sprintf("member=%d points=%d", memberID, points))
}

// CloseAuction closes an auction whose time is up (or any open one, when
// staff close it early: u non-nil): the highest bid — the earliest among
// equals — is charged, every other bid's points are released. It reports
// whether it closed the auction; a second close changes nothing.
func CloseAuction(ctx context.Context, db *models.DB, now time.Time, actor models.Actor, u *models.StaffUser, id int64) (bool, error) {
	now = now.UTC()
	done := false
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		a, err := lockByID[Auction](ctx, tx, "prog_auctions", id, ErrAuctionNotFound)
		if err != nil {
			return err
		}
		if u != nil && !u.CanSeeCampus(a.CampusID) {
			return ErrAuctionNotFound
		}
		if a.Status != StatusOpen {
			return nil
		}
		done = true
		var bids []Bid
		if err := tx.Where("auction_id = ? AND status = ?", id, BidActive).Order("points DESC, id").Find(&bids).Error; err != nil {
			return err
		}
		act := actor
		act.CampusID = a.CampusID
		var winner *int64
		for i, b := range bids {
			status := BidLost
			if winner == nil {
				err := models.CaptureHold(ctx, tx, now, act, b.HoldID, b.Points)
				if err == nil {
					status, winner = BidWon, &bids[i].ID
				} else if !errors.Is(err, models.ErrHoldClosed) {
					return err
				}
			} else if err := models.ReleaseHold(ctx, tx, now, act, b.HoldID); err != nil && !errors.Is(err, models.ErrHoldClosed) {
				return err
			}
			if err := tx.Exec(`UPDATE prog_auction_bids SET status = ?, closed_at = ? WHERE id = ?`, status, now, b.ID).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec(`UPDATE prog_auctions SET status = ?, winner_bid_id = ?, closed_at = ? WHERE id = ?`,
			StatusClosed, winner, now, id).Error; err != nil {
			return err
		}
		return models.Audit(ctx, tx, now, actor, "prog.auction.close", "prog_auction", id, fmt.Sprintf("bids=%d", len(bids)))
	})
	if err != nil {
		return false, fmt.Errorf("programmes: close auction: %w", err)
	}
	return done, nil
}

// AuctionView is an auction as a member (or staff) sees it.
type AuctionView struct {
	Auction
	Bidders    int64
	Leading    *Bid   // open mode, or staff, or closed
	WinnerName string // once closed
	Own        *Bid   // the member's active or final bid
	MinBid     int64
}

// AuctionFor describes an auction for a member (memberID 0: staff, who see
// the leading bid even in a sealed auction).
func AuctionFor(ctx context.Context, db *gorm.DB, a Auction, memberID int64) (AuctionView, error) {
	v := AuctionView{Auction: a}
	if err := db.WithContext(ctx).Raw(`SELECT COUNT(DISTINCT member_id) FROM prog_auction_bids WHERE auction_id = ?`, a.ID).
		Scan(&v.Bidders).Error; err != nil {
		return v, fmt.Errorf("programmes: auction: %w", err)
	}
	lead, err := leadingBid(ctx, db, a.ID)
	if err != nil {
		return v, err
	}
	if a.WinnerBidID != nil {
		var w Bid
		if err := db.WithContext(ctx).Take(&w, *a.WinnerBidID).Error; err != nil {
			return v, fmt.Errorf("programmes: auction: %w", err)
		}
		lead = &w
		if err := db.WithContext(ctx).Raw(`SELECT name FROM members WHERE id = ?`, w.MemberID).Scan(&v.WinnerName).Error; err != nil {
			return v, fmt.Errorf("programmes: auction: %w", err)
		}
	}
	if a.Mode == ModeOpen || memberID == 0 || a.Status != StatusOpen {
		v.Leading = lead
	}
	if memberID != 0 {
		var bs []Bid
		if err := db.WithContext(ctx).Where("auction_id = ? AND member_id = ? AND status IN ?", a.ID, memberID,
			[]string{BidActive, BidWon, BidLost, BidOutbid}).Order("id DESC").Limit(1).Find(&bs).Error; err != nil {
			return v, fmt.Errorf("programmes: auction: %w", err)
		}
		if len(bs) == 1 {
			v.Own = &bs[0]
		}
	}
	var active *Bid
	if v.Own != nil && v.Own.Status == BidActive {
		active = v.Own
	}
	v.MinBid = MinBid(a, lead, active)
	return v, nil
}

// GetAuction loads an auction u (staff, may be nil) may see.
func GetAuction(ctx context.Context, db *gorm.DB, u *models.StaffUser, id int64) (*Auction, error) {
	var a Auction
	if res := db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&a); res.Error != nil {
		return nil, fmt.Errorf("programmes: get auction: %w", res.Error)
	} else if res.RowsAffected == 0 || (u != nil && !u.CanSeeCampus(a.CampusID)) {
		return nil, ErrAuctionNotFound
	}
	return &a, nil
}

// ListAuctions lists auctions of the given campuses (nil: all) for a member
// (0: staff); openOnly keeps those still taking bids.
func ListAuctions(ctx context.Context, db *gorm.DB, campusIDs []int64, memberID int64, openOnly bool, now time.Time) ([]AuctionView, error) {
	q := db.WithContext(ctx).Model(&Auction{})
	if campusIDs != nil {
		if len(campusIDs) == 0 {
			return nil, nil
		}
		q = q.Where("campus_id IN ?", campusIDs)
	}
	if openOnly {
		q = q.Where("status = ? AND ends_at > ?", StatusOpen, now.UTC())
	}
	var as []Auction
	if err := q.Order("CASE WHEN status = 'open' THEN 0 ELSE 1 END, ends_at DESC, id DESC").Limit(100).Find(&as).Error; err != nil {
		return nil, fmt.Errorf("programmes: list auctions: %w", err)
	}
	out := make([]AuctionView, 0, len(as))
	for _, a := range as {
		v, err := AuctionFor(ctx, db, a, memberID)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
