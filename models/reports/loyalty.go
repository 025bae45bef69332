package reports

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"starcard/models"
)

// Loyalty is the period's loyalty section. Buyers count at the member's
// campus (from the kept purchase days for a period ending today, see
// kept.go, from the closing of a month start, see closed.go, else from the period's purchases by their (campus_id, at) index,
// every campus listed); money paid and coupons used count at the campus of
// the purchase (paid from the summaries, see paidFor; coupons by their
// used_at index); the rest at the member's campus. The member filters
// narrow every figure: paid by the grade and tier when paying, the rest by
// today's.
type Loyalty struct {
	Buyers         int64 // members on file (of the campuses) who bought in the period, at any campus
	RepeatBuyers   int64 // of them, those who bought twice or more
	Paid           int64 // fen paid at the campuses in the period less purchase refunds made in it (see paidFor)
	CouponsIssued  int64
	CouponsUsed    int64
	CouponCost     int64 // fen of discount given by the coupons used
	CouponSales    int64 // fen paid in purchases that used a coupon
	RewardsHanded  int64 // rewards handed over
	RewardPoints   int64 // points they cost
	StampsComplete int64 // stamp cards completed
	Referrals      []ReferralGrade
}

// RepeatPct is the repeat purchase rate in percent.
func (l Loyalty) RepeatPct() int64 { return Pct(l.RepeatBuyers, l.Buyers) }

// PerBuyer is the average paid per buying member (fen) in the period.
func (l Loyalty) PerBuyer() int64 {
	if l.Buyers == 0 {
		return 0
	}
	return (l.Paid + l.Buyers/2) / l.Buyers
}

// ReferralGrade is the referrals invited in the period by the referral's
// grade: invited, and those who went on to pay.
type ReferralGrade struct {
	Grade   string
	Invited int64
	Paid    int64
}

// Pct is the share of invitations that ended in a purchase.
func (g ReferralGrade) Pct() int64 { return Pct(g.Paid, g.Invited) }

// LoyaltyFor reads the loyalty section of the period.
func LoyaltyFor(ctx context.Context, db *gorm.DB, p Period) (*Loyalty, error) {
	l := &Loyalty{}
	q := db.WithContext(ctx)
	from, to := p.From.UTC(), p.To.UTC()
	pcampus := p.CampusIDs
	if pcampus == nil {
		all, err := everyCampus(ctx, db)
		if err != nil {
			return nil, err
		}
		pcampus = all
	}
	pc, pargs := campusFilter("p.campus_id", pcampus)
	fc, fargs := p.Filter.where(nil)
	mc, margs := p.Filter.where(p.CampusIDs)
	buy := append(append([]any{from, to}, pargs...), fargs...)
	var err error
	switch {
	case keptFits(ctx, db, p, p.Filter):
		l.Buyers, l.RepeatBuyers, err = buyersKept(ctx, db, p)
	case closedFits(ctx, db, p, p.Filter):
		l.Buyers, l.RepeatBuyers, err = buyersClosed(ctx, db, p)
	default:
		l.Buyers, l.RepeatBuyers, err = buyersFromHistory(ctx, db, p)
	}
	if err != nil {
		return nil, err
	}
	if l.Paid, err = paidFor(ctx, db, p, pc, pargs); err != nil {
		return nil, err
	}
	// Coupons used in the period, by the coupons' used_at index.
	var cu struct{ N, Cost, Sales int64 }
	if err := q.Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(c.used_discount), 0) AS cost FROM coupons c
		JOIN purchases p ON p.id = c.used_purchase_id JOIN members m ON m.id = p.member_id
		WHERE c.used_at >= ? AND c.used_at < ?`+pc+fc, buy...).Scan(&cu).Error; err != nil {
		return nil, fmt.Errorf("reports: coupons used: %w", err)
	}
	if err := q.Raw(`SELECT COALESCE(SUM(p.paid - p.refunded), 0) FROM purchases p JOIN members m ON m.id = p.member_id
		WHERE p.id IN (SELECT c.used_purchase_id FROM coupons c WHERE c.used_at >= ? AND c.used_at < ?)`+pc+fc,
		buy...).Scan(&cu.Sales).Error; err != nil {
		return nil, fmt.Errorf("reports: coupon sales: %w", err)
	}
	l.CouponsUsed, l.CouponCost, l.CouponSales = cu.N, cu.Cost, cu.Sales
	mem := append([]any{from, to}, margs...)
	if err := q.Raw(`SELECT COUNT(*) FROM coupons c JOIN members m ON m.id = c.member_id WHERE c.issued_at >= ? AND c.issued_at < ?`+mc,
		mem...).Scan(&l.CouponsIssued).Error; err != nil {
		return nil, fmt.Errorf("reports: coupons issued: %w", err)
	}
	var rw struct{ N, Points int64 }
	if err := q.Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(r.points), 0) AS points FROM reward_redemptions r JOIN members m ON m.id = r.member_id
		WHERE r.status = ? AND r.closed_at >= ? AND r.closed_at < ?`+mc, append([]any{models.RedemptionHandedOver}, mem...)...).Scan(&rw).Error; err != nil {
		return nil, fmt.Errorf("reports: rewards: %w", err)
	}
	l.RewardsHanded, l.RewardPoints = rw.N, rw.Points
	if err := q.Raw(`SELECT COUNT(*) FROM stamp_cards s JOIN members m ON m.id = s.member_id WHERE s.completed_at >= ? AND s.completed_at < ?`+mc,
		mem...).Scan(&l.StampsComplete).Error; err != nil {
		return nil, fmt.Errorf("reports: stamp cards: %w", err)
	}
	if err := q.Raw(`SELECT r.grade, COUNT(*) AS invited, COALESCE(SUM(CASE WHEN r.status IN (?, ?) THEN 1 ELSE 0 END), 0) AS paid
		FROM referrals r JOIN members m ON m.id = r.referrer_member_id WHERE r.invited_at >= ? AND r.invited_at < ?`+mc+` GROUP BY r.grade ORDER BY r.grade`,
		append([]any{models.ReferralPaid, models.ReferralRewarded}, mem...)...).Scan(&l.Referrals).Error; err != nil {
		return nil, fmt.Errorf("reports: referrals: %w", err)
	}
	return l, nil
}

// buyersFromHistory counts the members on file (of the campuses, narrowed
// by the filters) who bought in the period at any campus, and those who
// bought twice or more, from the period's purchases.
func buyersFromHistory(ctx context.Context, db *gorm.DB, p Period) (buyers, repeat int64, err error) {
	all, err := everyCampus(ctx, db)
	if err != nil {
		return 0, 0, err
	}
	mc, margs := p.Filter.where(p.CampusIDs)
	var b struct{ Buyers, RepeatN int64 }
	if err := db.WithContext(ctx).Raw(`SELECT COUNT(*) AS buyers, COALESCE(SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END), 0) AS repeat_n
		FROM (SELECT p.member_id, COUNT(*) AS n FROM purchases p JOIN members m ON m.id = p.member_id
		WHERE p.campus_id IN ? AND p.at >= ? AND p.at < ? AND m.archived_at IS NULL`+mc+` GROUP BY p.member_id) b`,
		append([]any{all, p.From.UTC(), p.To.UTC()}, margs...)...).Scan(&b).Error; err != nil {
		return 0, 0, fmt.Errorf("reports: repeat buyers: %w", err)
	}
	return b.Buyers, b.RepeatN, nil
}

// paidFor is the fen paid at the campuses in the period less the purchase
// refunds made in it, from the summaries (paidFromSummaries) unless a class
// or course narrows it or the grades are still being summed by the
// backfill (pc: the campus condition on purchases p).
func paidFor(ctx context.Context, db *gorm.DB, p Period, pc string, pargs []any) (int64, error) {
	f := p.Filter
	if f.ClassID == 0 && f.CourseID == 0 && (f.Empty() || backfilled(ctx, db, "purchase_grades", "purchase_refund_grades")) {
		return paidFromSummaries(ctx, db, p)
	}
	return paidFromPurchases(ctx, db, p, pc, pargs)
}

// paidFromSummaries reads paid less refunds from sales and refunds, or —
// narrowed to a grade or tier — from paid_by and refund_by, which count each
// payment under the grade and tier the member had when paying (and each
// refund under its purchase's).
func paidFromSummaries(ctx context.Context, db *gorm.DB, p Period) (int64, error) {
	f := p.Filter
	sales, refunds := MetricSales, MetricRefund
	if !f.Empty() {
		sales, refunds = MetricPaidBy, MetricRefundBy
	}
	rows, err := summaryRows(ctx, db, p, false, sales, refunds)
	if err != nil {
		return 0, fmt.Errorf("reports: paid: %w", err)
	}
	var paid int64
	for _, r := range rows {
		switch {
		case f.Empty() && r.Metric == MetricRefund && r.Dim != "purchase":
		case !f.Empty() && !f.paidUnder(r.Dim):
		case r.Metric == sales:
			paid += r.Amount
		default:
			paid -= r.Amount
		}
	}
	return paid, nil
}

// paidFromPurchases is the same from the period's purchases and refunds:
// narrowed by the grade and tier the purchase was paid under, and by the
// members' class and courses of today.
func paidFromPurchases(ctx context.Context, db *gorm.DB, p Period, pc string, pargs []any) (int64, error) {
	f := p.Filter
	fc, fargs := Filter{ClassID: f.ClassID, CourseID: f.CourseID}.where(nil)
	gc, gargs := f.gradeTier("p")
	fc, fargs = fc+gc, append(fargs, gargs...)
	args := append(append([]any{p.From.UTC(), p.To.UTC()}, pargs...), fargs...)
	var sales, refunds int64
	if err := db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(p.paid), 0) FROM purchases p JOIN members m ON m.id = p.member_id
		WHERE p.at >= ? AND p.at < ?`+pc+fc, args...).Scan(&sales).Error; err != nil {
		return 0, fmt.Errorf("reports: paid: %w", err)
	}
	if err := db.WithContext(ctx).Raw(`SELECT COALESCE(SUM(r.amount), 0) FROM purchase_refunds r JOIN purchases p ON p.id = r.purchase_id
		JOIN members m ON m.id = p.member_id WHERE r.at >= ? AND r.at < ?`+pc+fc, args...).Scan(&refunds).Error; err != nil {
		return 0, fmt.Errorf("reports: refunds: %w", err)
	}
	return sales - refunds, nil
}

// paidUnder reports whether a paid_by or refund_by dim ("grade/tier")
// falls under the filter's grade and tier.
func (f Filter) paidUnder(dim string) bool {
	grade, tier, _ := strings.Cut(dim, "/")
	switch {
	case f.Grade == UngradedKey && grade != "":
		return false
	case f.Grade != "" && f.Grade != UngradedKey && grade != f.Grade:
		return false
	}
	return f.Tier == "" || tier == f.Tier
}

// backfilled reports whether the reports job has summed every row of the
// backfill sources written before they were kept.
func backfilled(ctx context.Context, db *gorm.DB, sources ...string) bool {
	var pending int64
	err := db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM report_backfill WHERE source IN ? AND done < upto`, sources).Scan(&pending).Error
	return err == nil && pending == 0
}
