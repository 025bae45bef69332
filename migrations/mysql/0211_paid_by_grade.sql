-- +goose Up
-- Money paid by grade and tier (issue 16): the loyalty report narrowed to
-- a grade or tier read the window's purchases joined to their members (15 s
-- at a million members). A payment now counts under the grade and tier the
-- member had when paying — a month's figure stays what it was when a child
-- changes grade later — kept in report_daily as metric paid_by (a
-- purchase's amount paid) and refund_by (a purchase refund's amount, under
-- its purchase's grade and tier), dim 'grade/tier'. The purchase keeps the
-- grade it was made under (its tier column has always kept the tier); the
-- purchases made before this take the member's grade of today, the best
-- known. The reports job sums them from the two new backfill sources,
-- and folds the months again once it has (report_monthly starts over).
ALTER TABLE purchases ADD COLUMN grade VARCHAR(16) NOT NULL DEFAULT '';
UPDATE purchases p JOIN members m ON m.id = p.member_id SET p.grade = m.grade WHERE m.grade <> '';
ALTER TABLE report_daily MODIFY dim VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE report_monthly MODIFY dim VARCHAR(64) NOT NULL DEFAULT '';

INSERT INTO report_backfill (source, upto, done)
  SELECT 'purchase_grades', COALESCE(MAX(id), 0), 0 FROM purchases;
INSERT INTO report_backfill (source, upto, done)
  SELECT 'purchase_refund_grades', COALESCE(MAX(id), 0), 0 FROM purchase_refunds;
DELETE FROM report_monthly;
UPDATE report_backfill SET upto = 0, done = 0 WHERE source = 'monthly';

-- +goose Down
DELETE FROM report_monthly;
UPDATE report_backfill SET upto = 0, done = 0 WHERE source = 'monthly';
DELETE FROM report_daily WHERE metric IN ('paid_by', 'refund_by');
DELETE FROM report_backfill WHERE source IN ('purchase_grades', 'purchase_refund_grades');
ALTER TABLE report_monthly MODIFY dim VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE report_daily MODIFY dim VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE purchases DROP COLUMN grade;
