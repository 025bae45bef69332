package messaging

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"starcard/models"
)

// Kinds of timeline entry. Money kinds carry Amount (fen), points kinds
// Points, class-hour kinds Hours.
const (
	TLPurchase    = "purchase"
	TLRefund      = "refund"
	TLTopup       = "topup"
	TLTopupRefund = "topup_refund"
	TLCouponIssue = "coupon_issued"
	TLCouponUse   = "coupon_used"
	TLReward      = "reward"
	TLStamp       = "stamp"
	TLHoursBought = "hours_bought"
	TLHoursUsed   = "hours_used"
	TLComplaint   = "complaint"
	TLContact     = "contact"
	TLTier        = "tier"
	TLAdjust      = "adjustment"
	TLPoints      = "points"
)

// TimelineEntry is one thing that happened to a member, as one line.
type TimelineEntry struct {
	At      time.Time
	Kind    string
	RefID   int64
	Receipt string // the receipt number printed at the desk, when there is one
	Title   string // a name: the coupon, reward, course, programme…
	Text    string // free text: a reason, a note
	Status  string
	Code    string // a coded detail (a category, a channel, a tier, an asset)
	Amount  int64
	Points  int64
	Hours   int64
	Items   []models.PurchaseItem
}

// timelineRow is one row of a timeline source query.
type timelineRow struct {
	At                              time.Time
	Kind, Title, Text, Status, Code string
	RefID, Amount, Points, Hours    int64
	Items                           string
}

// TimelineFilter picks the entries of one page.
type TimelineFilter struct {
	Before time.Time // entries strictly older; zero: the newest
	Limit  int
	// Money keeps only what a parent's statement shows: purchases, refunds,
	// top-ups, rewards, points awards and adjustments, class hours.
	Money bool
}

// Timeline gathers a member's history from every area's tables, newest
// first. Each source is read with its own bounded query and the lines are
// merged here, so a busy kind cannot crowd the others out of a page.
func Timeline(ctx context.Context, db *gorm.DB, memberID int64, f TimelineFilter) ([]TimelineEntry, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	before := f.Before
	if before.IsZero() {
		before = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	before = before.UTC()
	var out []TimelineEntry
	type src struct {
		money bool
		sql   string
	}
	// Every query returns the TimelineEntry columns (items as JSON text).
	srcs := []src{
		{true, `SELECT p.at, 'purchase' AS kind, p.id AS ref_id, '' AS title, '' AS text, '' AS status, '' AS code,
			p.paid AS amount, p.points_earned - p.points_redeemed AS points, 0 AS hours, p.items
			FROM purchases p WHERE p.member_id = ? AND p.at < ? ORDER BY p.at DESC LIMIT ?`},
		{true, `SELECT r.at, 'refund' AS kind, r.purchase_id AS ref_id, '' AS title, r.reason AS text, '' AS status, '' AS code,
			-r.amount AS amount, r.points_returned - r.points_reversed AS points, 0 AS hours, '' AS items
			FROM purchase_refunds r JOIN purchases p ON p.id = r.purchase_id
			WHERE p.member_id = ? AND r.at < ? ORDER BY r.at DESC LIMIT ?`},
		{true, `SELECT t.at, 'topup' AS kind, t.id AS ref_id, '' AS title, '' AS text, t.method AS status, '' AS code,
			t.amount + t.bonus AS amount, t.bonus_points AS points, 0 AS hours, '' AS items
			FROM topups t WHERE t.member_id = ? AND t.at < ? ORDER BY t.at DESC LIMIT ?`},
		{true, `SELECT r.at, 'topup_refund' AS kind, r.topup_id AS ref_id, '' AS title, r.reason AS text, '' AS status, '' AS code,
			-(r.amount + r.bonus_forfeited) AS amount, 0 AS points, 0 AS hours, '' AS items
			FROM topup_refunds r JOIN topups t ON t.id = r.topup_id
			WHERE t.member_id = ? AND r.at < ? ORDER BY r.at DESC LIMIT ?`},
		{false, `SELECT c.issued_at AS at, 'coupon_issued' AS kind, c.id AS ref_id, c.name AS title, '' AS text, c.status, '' AS code,
			0 AS amount, 0 AS points, 0 AS hours, '' AS items
			FROM coupons c WHERE c.member_id = ? AND c.issued_at < ? ORDER BY c.issued_at DESC LIMIT ?`},
		{false, `SELECT c.used_at AS at, 'coupon_used' AS kind, c.id AS ref_id, c.name AS title, '' AS text, c.status, '' AS code,
			c.used_discount AS amount, 0 AS points, 0 AS hours, '' AS items
			FROM coupons c WHERE c.member_id = ? AND c.used_at IS NOT NULL AND c.used_at < ? ORDER BY c.used_at DESC LIMIT ?`},
		{true, `SELECT r.created_at AS at, 'reward' AS kind, r.id AS ref_id, w.name AS title, '' AS text, r.status, '' AS code,
			-r.cash AS amount, -r.points AS points, 0 AS hours, '' AS items
			FROM reward_redemptions r JOIN rewards w ON w.id = r.reward_id
			WHERE r.member_id = ? AND r.created_at < ? ORDER BY r.created_at DESC LIMIT ?`},
		{false, `SELECT e.at, 'stamp' AS kind, c.id AS ref_id, p.name AS title, '' AS text, '' AS status, '' AS code,
			0 AS amount, c.stamps AS points, p.stamps_required AS hours, '' AS items
			FROM stamp_events e JOIN stamp_cards c ON c.id = e.card_id JOIN stamp_programs p ON p.id = c.program_id
			WHERE c.member_id = ? AND e.at < ? ORDER BY e.at DESC LIMIT ?`},
		{true, `SELECT k.created_at AS at, 'hours_bought' AS kind, k.id AS ref_id, co.name AS title, '' AS text, k.status, '' AS code,
			k.paid AS amount, 0 AS points, k.hours + k.bonus_hours AS hours, '' AS items
			FROM class_hour_packages k JOIN courses co ON co.id = k.course_id
			WHERE k.member_id = ? AND k.created_at < ? ORDER BY k.created_at DESC LIMIT ?`},
		{true, `SELECT a.at, 'hours_used' AS kind, a.id AS ref_id, co.name AS title, a.on_day AS text, a.status, '' AS code,
			0 AS amount, 0 AS points, -a.hours AS hours, '' AS items
			FROM course_attendance a JOIN courses co ON co.id = a.course_id
			WHERE a.member_id = ? AND a.hours > 0 AND a.at < ? ORDER BY a.at DESC LIMIT ?`},
		{false, `SELECT c.created_at AS at, 'complaint' AS kind, c.id AS ref_id, '' AS title, c.body AS text, c.status, c.category AS code,
			0 AS amount, 0 AS points, 0 AS hours, '' AS items
			FROM complaints c WHERE c.member_id = ? AND c.created_at < ? ORDER BY c.created_at DESC LIMIT ?`},
		{false, `SELECT c.created_at AS at, 'contact' AS kind, c.id AS ref_id, c.outcome AS title, c.content AS text, '' AS status,
			c.channel AS code, 0 AS amount, 0 AS points, 0 AS hours, '' AS items
			FROM crm_contacts c WHERE c.member_id = ? AND c.created_at < ? ORDER BY c.created_at DESC LIMIT ?`},
		{false, `SELECT h.at, 'tier' AS kind, h.id AS ref_id, h.from_tier AS title, h.detail AS text, h.cause AS status, h.to_tier AS code,
			0 AS amount, 0 AS points, 0 AS hours, '' AS items
			FROM tier_history h WHERE h.member_id = ? AND h.at < ? ORDER BY h.at DESC LIMIT ?`},
		{true, `SELECT a.decided_at AS at, 'adjustment' AS kind, a.id AS ref_id, '' AS title, a.reason AS text, a.status, a.asset AS code,
			CASE WHEN a.asset = 'points' THEN 0 ELSE a.amount END AS amount,
			CASE WHEN a.asset = 'points' THEN a.amount ELSE 0 END AS points, 0 AS hours, '' AS items
			FROM member_adjustments a WHERE a.member_id = ? AND a.status = 'applied' AND a.decided_at < ?
			ORDER BY a.decided_at DESC LIMIT ?`},
		// Points given for a reason (attendance, behaviour, a survey…) and
		// points that expired: their postings on the member's points account.
		{true, `SELECT j.at, 'points' AS kind, j.id AS ref_id, j.kind AS title, j.reason AS text, '' AS status, j.ref_type AS code,
			0 AS amount, p.amount AS points, 0 AS hours, '' AS items
			FROM ledger_postings p JOIN ledger_journals j ON j.id = p.journal_id
			JOIN ledger_accounts a ON a.id = p.account_id
			WHERE a.owner_type = 'member' AND a.owner_id = ? AND a.name = 'points' AND j.kind IN ('earn', 'expire')
			AND j.at < ? ORDER BY j.at DESC LIMIT ?`},
	}
	for _, s := range srcs {
		if f.Money && !s.money {
			continue
		}
		var rows []timelineRow
		if err := db.WithContext(ctx).Raw(s.sql, memberID, before, f.Limit).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("messaging: timeline: %w", err)
		}
		for _, r := range rows {
			e := TimelineEntry{At: r.At, Kind: r.Kind, RefID: r.RefID, Title: r.Title, Text: r.Text, Status: r.Status,
				Code: r.Code, Amount: r.Amount, Points: r.Points, Hours: r.Hours}
			if r.Items != "" {
				_ = json.Unmarshal([]byte(r.Items), &e.Items)
			}
			switch e.Kind {
			case TLPurchase, TLRefund:
				e.Receipt = models.DeskReceiptNo(models.ReceiptPurchase, e.RefID)
			case TLTopup, TLTopupRefund:
				e.Receipt = models.DeskReceiptNo(models.ReceiptTopup, e.RefID)
			}
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}
