package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Campaign statuses.
const (
	CampaignPending = "pending"
	CampaignRunning = "running"
	CampaignDone    = "done"
	CampaignSoldOut = "sold_out"
	CampaignFailed  = "failed"
)

// CampaignBatch is how many members one transaction of a bulk issue covers.
const CampaignBatch = 1000

// campaignLease is how long a worker owns a campaign without renewing it;
// a worker that died is replaced after this.
const campaignLease = time.Minute

// CouponCampaign is a bulk issue of one template to a segment (批量发券).
type CouponCampaign struct {
	ID          int64
	TemplateID  int64
	Name        string
	Segment     string // JSON of Segment
	Status      string
	Total       int64
	Issued      int64
	Skipped     int64
	CursorID    int64
	LeaseHolder string
	LeaseUntil  *time.Time
	Error       string
	CreatedBy   int64
	CreatedAt   time.Time
	StartedAt   *time.Time
	FinishedAt  *time.Time
}

// TableName maps CouponCampaign to its table.
func (CouponCampaign) TableName() string { return "coupon_campaigns" }

// Finished reports whether the campaign has stopped for good.
func (c CouponCampaign) Finished() bool {
	return c.Status == CampaignDone || c.Status == CampaignSoldOut || c.Status == CampaignFailed
}

// Processed is how many members the campaign has dealt with so far.
func (c CouponCampaign) Processed() int64 { return c.Issued + c.Skipped }

// ErrCampaignEmpty is a bulk issue to a segment with nobody in it.
var ErrCampaignEmpty = NewError(KindInvalid, "segment-empty", "err.segment_empty")

// StartCouponCampaign records a bulk issue of a template to a segment and
// returns it pending; RunCouponCampaign does the issuing. The segment's
// clock is frozen at now.
func StartCouponCampaign(ctx context.Context, db *DB, now time.Time, actor Actor, templateID int64, name string, seg Segment) (*CouponCampaign, error) {
	now = now.UTC()
	seg.AsOf = now
	if f := seg.Validate(); len(f) > 0 {
		return nil, Invalid(f)
	}
	tp, err := GetCouponTemplate(ctx, db.R, templateID)
	if err != nil {
		return nil, err
	}
	if tp.Status != "active" {
		return nil, ErrCouponClosed.With(tp.Name)
	}
	total, err := SegmentCount(ctx, db.R, now, seg)
	if err != nil {
		return nil, err
	}
	if total == 0 {
		return nil, ErrCampaignEmpty
	}
	js, err := json.Marshal(seg)
	if err != nil {
		return nil, fmt.Errorf("models: start campaign: %w", err)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = tp.Name
	}
	c := &CouponCampaign{TemplateID: tp.ID, Name: truncate(name, 80), Segment: string(js), Status: CampaignPending,
		Total: total, CreatedBy: actor.ID, CreatedAt: now}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		return Audit(ctx, tx, now, actor, "coupon_campaign.start", "coupon_campaign", c.ID,
			fmt.Sprintf("template=%d total=%d segment=%s", tp.ID, total, js))
	})
	if err != nil {
		return nil, fmt.Errorf("models: start campaign: %w", err)
	}
	return c, nil
}

// GetCouponCampaign loads a campaign.
func GetCouponCampaign(ctx context.Context, db *gorm.DB, id int64) (*CouponCampaign, error) {
	var c CouponCampaign
	err := db.WithContext(ctx).Take(&c, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: get campaign: %w", err)
	}
	return &c, nil
}

// ListCouponCampaigns lists a template's campaigns, newest first.
func ListCouponCampaigns(ctx context.Context, db *gorm.DB, templateID int64) ([]CouponCampaign, error) {
	var cs []CouponCampaign
	if err := db.WithContext(ctx).Where("template_id = ?", templateID).Order("id DESC").Limit(20).Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("models: list campaigns: %w", err)
	}
	return cs, nil
}

// NewWorkerID names this process for job leases.
func NewWorkerID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// claimCampaign takes (or renews) the lease of a campaign that is not
// finished and not held by a live worker.
func claimCampaign(ctx context.Context, db *DB, now time.Time, id int64, holder string) (bool, error) {
	now = now.UTC()
	r := db.W.WithContext(ctx).Exec(`UPDATE coupon_campaigns SET status = ?, lease_holder = ?, lease_until = ?,
		started_at = COALESCE(started_at, ?)
		WHERE id = ? AND status IN (?, ?) AND (lease_until IS NULL OR lease_until < ? OR lease_holder = ?)`,
		CampaignRunning, holder, now.Add(campaignLease), now, id, CampaignPending, CampaignRunning, now, holder)
	if r.Error != nil {
		return false, fmt.Errorf("models: claim campaign: %w", r.Error)
	}
	return r.RowsAffected == 1, nil
}

// RunCouponCampaign issues a campaign's coupons in batches of CampaignBatch
// members, one transaction per batch. Each batch moves the campaign's cursor
// in the same transaction as its coupons, and every coupon carries the
// unique source key "cp:<campaign>:<member>", so a job that is stopped and
// run again (here or on another instance, once the lease runs out) carries
// on where it was and never gives a member two coupons. now is read per
// batch. It returns when the campaign is finished, or if another worker
// holds it.
func RunCouponCampaign(ctx context.Context, db *DB, now func() time.Time, id int64, holder string) error {
	ok, err := claimCampaign(ctx, db, now(), id, holder)
	if err != nil || !ok {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		done, err := campaignBatch(ctx, db, now(), id, holder)
		if err != nil {
			if errors.Is(err, errLeaseLost) {
				return nil
			}
			if ctx.Err() != nil {
				// Shut down mid-batch: the batch rolled back, the lease runs
				// out and ResumeCouponCampaigns carries on from the cursor.
				return ctx.Err()
			}
			msg := "internal"
			if e, ok := AsError(err); ok {
				msg = e.Code
			}
			slog.Error("models: coupon campaign failed", "campaign", id, "err", err)
			db.W.WithContext(ctx).Exec(`UPDATE coupon_campaigns SET status = ?, error = ?, finished_at = ? WHERE id = ?`,
				CampaignFailed, msg, now().UTC(), id)
			return fmt.Errorf("models: run campaign %d: %w", id, err)
		}
		if done {
			return nil
		}
	}
}

var errLeaseLost = errors.New("campaign lease lost")

// campaignBatch issues one batch and reports whether the campaign is finished.
func campaignBatch(ctx context.Context, db *DB, now time.Time, id int64, holder string) (bool, error) {
	now = now.UTC()
	finished := false
	err := db.Tx(ctx, func(tx *gorm.DB) error {
		finished = false
		var c CouponCampaign
		if err := tx.Raw(`SELECT * FROM coupon_campaigns WHERE id = ?`+forUpdate(tx), id).Scan(&c).Error; err != nil {
			return err
		}
		if c.ID == 0 || c.Status != CampaignRunning || c.LeaseHolder != holder {
			return errLeaseLost
		}
		var seg Segment
		if err := json.Unmarshal([]byte(c.Segment), &seg); err != nil {
			return err
		}
		ids, err := segmentIDs(ctx, tx, seg, c.CursorID, CampaignBatch)
		if err != nil {
			return err
		}
		finish := func(status string, skippedMore int64) error {
			finished = true
			return tx.Exec(`UPDATE coupon_campaigns SET status = ?, skipped = skipped + ?, finished_at = ?, lease_until = NULL
				WHERE id = ?`, status, skippedMore, now, id).Error
		}
		if len(ids) == 0 {
			return finish(CampaignDone, 0)
		}
		tp, err := lockTemplate(ctx, tx, c.TemplateID)
		if err != nil {
			return err
		}
		rest := max(c.Total-c.Processed(), int64(len(ids)))
		if tp.Status != "active" {
			return finish(CampaignSoldOut, rest)
		}
		// Members who already have this campaign's coupon (a resumed batch)
		// or who have reached the template's per-member limit are skipped.
		have := map[int64]int64{}
		var rows []struct {
			MemberID int64
			N        int64
		}
		if err := tx.Raw(`SELECT member_id, COUNT(*) AS n FROM coupons WHERE campaign_id = ? AND member_id IN ?
			GROUP BY member_id`, c.ID, ids).Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			have[r.MemberID] = -1
		}
		if tp.PerMemberLimit > 0 {
			rows = rows[:0]
			if err := tx.Raw(`SELECT member_id, COUNT(*) AS n FROM coupons WHERE template_id = ? AND member_id IN ?
				AND status <> ? GROUP BY member_id`, tp.ID, ids, CouponVoid).Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				if r.N >= int64(tp.PerMemberLimit) && have[r.MemberID] == 0 {
					have[r.MemberID] = r.N
				}
			}
		}
		loc, err := schoolLoc(ctx, tx, now)
		if err != nil {
			return err
		}
		v, err := ValidityAt(*tp, now, loc)
		if err != nil {
			return finish(CampaignSoldOut, rest)
		}
		left := tp.Remaining()
		var skipped int64
		var soldOut bool
		coupons := make([]Coupon, 0, len(ids))
		actor := Actor{Type: "staff", ID: c.CreatedBy}
		cid := c.ID
		for _, m := range ids {
			if have[m] != 0 {
				skipped++
				continue
			}
			if left >= 0 && int64(len(coupons)) >= left {
				soldOut = true
				break
			}
			cp := newCoupon(tp, tp.CouponTerms, m, v, now, actor)
			key := fmt.Sprintf("cp:%d:%d", c.ID, m)
			cp.SourceKey, cp.CampaignID = &key, &cid
			coupons = append(coupons, *cp)
		}
		n := int64(len(coupons))
		if n > 0 {
			if err := tx.CreateInBatches(coupons, 500).Error; err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE coupon_templates SET issued_count = issued_count + ?, issued_value = issued_value + ?,
				updated_at = ? WHERE id = ?`, n, n*tp.FaceValue(), now, tp.ID).Error; err != nil {
				return err
			}
			if err := enqueueCouponNotices(ctx, tx, now, loc, coupons); err != nil {
				return err
			}
		}
		last := ids[len(ids)-1]
		if err := tx.Exec(`UPDATE coupon_campaigns SET issued = issued + ?, skipped = skipped + ?, cursor_id = ?, lease_until = ?
			WHERE id = ?`, n, skipped, last, now.Add(campaignLease), id).Error; err != nil {
			return err
		}
		if soldOut {
			c.Issued += n
			c.Skipped += skipped
			return finish(CampaignSoldOut, max(c.Total-c.Processed(), 0))
		}
		return nil
	})
	return finished, err
}

// enqueueCouponNotices queues one "coupon_issued" notice per guardian for a
// batch of coupons with two statements, the same rows EnqueueNotice writes.
func enqueueCouponNotices(ctx context.Context, tx *gorm.DB, now time.Time, loc *time.Location, cs []Coupon) error {
	byMember := make(map[int64]*Coupon, len(cs))
	ids := make([]int64, 0, len(cs))
	for i := range cs {
		byMember[cs[i].MemberID] = &cs[i]
		ids = append(ids, cs[i].MemberID)
	}
	var gs []struct {
		ID       int64
		MemberID int64
	}
	if err := tx.WithContext(ctx).Raw(`SELECT g.id, m.id AS member_id FROM members m JOIN guardians g ON g.family_id = m.family_id
		WHERE m.id IN ?`, ids).Scan(&gs).Error; err != nil {
		return fmt.Errorf("models: coupon notices: %w", err)
	}
	rows := make([]OutboxRow, 0, len(gs))
	for _, g := range gs {
		c := byMember[g.MemberID]
		data, _ := json.Marshal(map[string]any{"coupon": c.Name,
			"expires": c.ValidUntil.Add(-time.Second).In(loc).Format("2006-01-02")})
		rows = append(rows, OutboxRow{DedupeKey: fmt.Sprintf("coupon_issued:%d:g%d", c.ID, g.ID), Event: "coupon_issued",
			MemberID: g.MemberID, GuardianID: g.ID, Data: string(data), Status: OutboxPending, NextAttemptAt: now, CreatedAt: now})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 500).Error; err != nil {
		return fmt.Errorf("models: coupon notices: %w", err)
	}
	return nil
}

// ResumeCouponCampaigns runs every campaign left pending or whose worker
// died (lease run out); the scheduler calls it every minute and at start.
// It returns how many it ran.
func ResumeCouponCampaigns(ctx context.Context, db *DB, now func() time.Time, holder string) (int, error) {
	var ids []int64
	if err := db.R.WithContext(ctx).Raw(`SELECT id FROM coupon_campaigns WHERE status IN (?, ?)
		AND (lease_until IS NULL OR lease_until < ?) ORDER BY id`, CampaignPending, CampaignRunning, now().UTC()).
		Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("models: resume campaigns: %w", err)
	}
	for _, id := range ids {
		if err := RunCouponCampaign(ctx, db, now, id, holder); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
