// Package programmes holds the points programmes of seed 004 §积分奖励计划:
// the points lottery (积分抽奖), the points auction (积分竞拍) and points
// parties (积分派对). Every point moves through the core ledger — a charge
// is a hold captured at once (so it spends the soonest-expiring lots), a bid
// or a sign-up is a hold captured or released later, a prize is an award —
// so `starcard verify` covers them unchanged. The core never imports this
// package; it learns about it through the hooks registered in init.
package programmes

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Refusals of this package; the message keys live in views/i18n/programmes.toml.
var (
	ErrBadSeed          = models.NewError(models.KindInvalid, "bad-seed", "prog.err.bad_seed")
	ErrLotteryNotFound  = models.NewError(models.KindNotFound, "unknown-lottery", "prog.err.unknown_lottery")
	ErrLotteryClosed    = models.NewError(models.KindConflict, "lottery-closed", "prog.err.lottery_closed")
	ErrLotteryPoints    = models.NewError(models.KindConflict, "insufficient-points", "prog.err.lottery_points")
	ErrDrawNotFound     = models.NewError(models.KindNotFound, "unknown-draw", "prog.err.unknown_draw")
	ErrAuctionNotFound  = models.NewError(models.KindNotFound, "unknown-auction", "prog.err.unknown_auction")
	ErrAuctionClosed    = models.NewError(models.KindConflict, "auction-closed", "prog.err.auction_closed")
	ErrAuctionPoints    = models.NewError(models.KindConflict, "insufficient-points", "prog.err.auction_points")
	ErrBidTooLow        = models.NewError(models.KindConflict, "bid-too-low", "prog.err.bid_too_low")
	ErrPartyNotFound    = models.NewError(models.KindNotFound, "unknown-party", "prog.err.unknown_party")
	ErrPartyClosed      = models.NewError(models.KindConflict, "party-closed", "prog.err.party_closed")
	ErrPartyFull        = models.NewError(models.KindConflict, "party-full", "prog.err.party_full")
	ErrPartyPoints      = models.NewError(models.KindConflict, "insufficient-points", "prog.err.party_points")
	ErrAlreadySignedUp  = models.NewError(models.KindConflict, "already-signed-up", "prog.err.already_signed_up")
	ErrNotSignedUp      = models.NewError(models.KindConflict, "not-signed-up", "prog.err.not_signed_up")
	ErrAlreadyHandedOut = models.NewError(models.KindConflict, "already-handed-over", "prog.err.handed_over")
)

// Scheduled jobs of this package.
const (
	// JobCloseDue closes the lotteries (revealing their seeds) and the
	// auctions (charging the winner, releasing the others) whose time is up.
	JobCloseDue = "programmes.close_due"
	// JobSettleParties charges the sign-ups of parties that are over.
	JobSettleParties = "programmes.settle_parties"
)

// Ledger references of this package's holds, captures and awards.
const (
	RefDraw   = "prog_lottery_draw"
	RefBid    = "prog_auction_bid"
	RefSignup = "prog_party_signup"
)

func init() {
	models.RegisterArrivalHook(attendOnArrival)
	models.RegisterJobs(func(db *models.DB, loc *time.Location) []models.Job {
		return []models.Job{
			{Name: JobCloseDue, Every: 5 * time.Minute, Run: func(ctx context.Context, now time.Time) (string, error) {
				l, a, err := CloseDue(ctx, db, now)
				return fmt.Sprintf("%d lotteries, %d auctions closed", l, a), err
			}},
			{Name: JobSettleParties, Daily: "00:30", Run: func(ctx context.Context, now time.Time) (string, error) {
				n, err := SettleParties(ctx, db, now, loc)
				return fmt.Sprintf("%d parties settled", n), err
			}},
		}
	})
	models.RegisterVerifyCheck("lottery prize awarded beyond its stock",
		`SELECT id AS a, stock AS b, awarded AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g FROM prog_lottery_prizes
		WHERE kind <> 'none' AND (awarded > stock OR awarded < 0)`,
		"prize %[1]d: stock %[2]d, awarded %[3]d")
	models.RegisterVerifyCheck("auction with more than one winner or a winner not charged",
		`SELECT a.id AS a, COUNT(b.id) AS b, 0 AS c, 0 AS d, 0 AS e, 0 AS f, 0 AS g FROM prog_auctions a
		LEFT JOIN prog_auction_bids b ON b.auction_id = a.id AND b.status = 'won'
		GROUP BY a.id, a.status, a.winner_bid_id
		HAVING COUNT(b.id) > 1 OR (a.winner_bid_id IS NOT NULL AND COUNT(b.id) <> 1)`,
		"auction %[1]d: %[2]d winning bids")
}

// lockByID reads one programme row (a lottery, an auction, a party) and locks
// it for the rest of the transaction: its row lock serialises the draws, bids
// and sign-ups that compete for it.
func lockByID[T any](ctx context.Context, tx *gorm.DB, table string, id int64, notFound error) (T, error) {
	var row T
	if res := tx.WithContext(ctx).Raw(`SELECT * FROM `+table+` WHERE id = ?`+forUpdate(tx), id).Scan(&row); res.Error != nil {
		return row, fmt.Errorf("programmes: %s: %w", table, res.Error)
	} else if res.RowsAffected == 0 {
		return row, notFound
	}
	return row, nil
}

func forUpdate(tx *gorm.DB) string {
	if tx.Dialector.Name() == "mysql" {
		return " FOR UPDATE"
	}
	return ""
}

// spend charges points at once through a hold captured in full, so the
// points come out of the soonest-expiring lots like every other spend.
func spend(ctx context.Context, tx *gorm.DB, now time.Time, r models.Rules, actor models.Actor, memberID, points int64,
	refType string, refID int64) (int64, error) {
	hold, err := models.ReserveHold(ctx, tx, now, r, models.HoldInput{MemberID: memberID, Asset: models.AssetPoints,
		Amount: points, ExpiresAt: now.Add(time.Hour), RefType: refType, RefID: refID, Actor: actor})
	if err != nil {
		return 0, err
	}
	if err := models.CaptureHold(ctx, tx, now, actor, hold, points); err != nil {
		return 0, err
	}
	return hold, nil
}

// memberCampus is the member's campus (ErrMemberNotFound when unknown).
func memberCampus(ctx context.Context, tx *gorm.DB, memberID int64) (int64, error) {
	var c []int64
	if err := tx.WithContext(ctx).Raw(`SELECT campus_id FROM members WHERE id = ? AND archived_at IS NULL`, memberID).
		Scan(&c).Error; err != nil {
		return 0, fmt.Errorf("programmes: member campus: %w", err)
	}
	if len(c) == 0 {
		return 0, models.ErrMemberNotFound
	}
	return c[0], nil
}

// CloseDue closes every lottery and auction whose end has passed; each in
// its own transaction, and closing twice changes nothing.
func CloseDue(ctx context.Context, db *models.DB, now time.Time) (lotteries, auctions int, err error) {
	var ids []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT id FROM prog_lotteries WHERE status = ? AND ends_at <= ? ORDER BY id`,
		StatusOpen, now.UTC()).Scan(&ids).Error; err != nil {
		return 0, 0, fmt.Errorf("programmes: close due: %w", err)
	}
	for _, id := range ids {
		done, err := CloseLottery(ctx, db, now, models.SystemActor, nil, id)
		if err != nil {
			return lotteries, auctions, err
		}
		if done {
			lotteries++
		}
	}
	ids = nil
	if err := db.R.WithContext(ctx).Raw(`SELECT id FROM prog_auctions WHERE status = ? AND ends_at <= ? ORDER BY id`,
		StatusOpen, now.UTC()).Scan(&ids).Error; err != nil {
		return lotteries, 0, fmt.Errorf("programmes: close due: %w", err)
	}
	for _, id := range ids {
		done, err := CloseAuction(ctx, db, now, models.SystemActor, nil, id)
		if err != nil {
			return lotteries, auctions, err
		}
		if done {
			auctions++
		}
	}
	return lotteries, auctions, nil
}

// Statuses shared by lotteries, auctions and parties.
const (
	StatusOpen      = "open"
	StatusClosed    = "closed"
	StatusCancelled = "cancelled"
	StatusDone      = "done"
)

// runOnce runs post once per idempotency key and returns the row it made:
// the answer stored with the key is the row's id, so a replay (a double tap,
// a retried request) returns the first time's row and changes nothing.
func runOnce[T any](ctx context.Context, db *models.DB, now time.Time, id models.Idem, what string,
	post func(tx *gorm.DB) (int64, error)) (*T, error) {
	out, err := models.RunIdempotent(ctx, db, now, id, func(tx *gorm.DB) (int, []byte, error) {
		rowID, err := post(tx)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(map[string]int64{"id": rowID})
		return 201, b, err
	})
	if err != nil {
		return nil, err
	}
	var ref struct{ ID int64 }
	if err := json.Unmarshal(out.Body, &ref); err != nil {
		return nil, fmt.Errorf("programmes: %s: %w", what, err)
	}
	var row T
	if err := db.W.WithContext(ctx).Take(&row, ref.ID).Error; err != nil {
		return nil, fmt.Errorf("programmes: %s: %w", what, err)
	}
	return &row, nil
}

// admit lets a member into a programme whose row the caller has locked: a
// member of another campus is told it does not exist, a programme no longer
// open says so by name, and the member's wallet is locked for the points
// that will move.
func admit(ctx context.Context, tx *gorm.DB, now time.Time, memberID, campusID int64, open bool, notFound error,
	closed *models.Error, name string) error {
	campus, err := memberCampus(ctx, tx, memberID)
	if err != nil {
		return err
	}
	if campus != campusID {
		return notFound
	}
	if !open {
		return closed.With(name)
	}
	_, err = models.LockMember(ctx, tx, now, memberID)
	return err
}
