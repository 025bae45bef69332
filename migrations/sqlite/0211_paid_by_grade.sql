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
ALTER TABLE purchases ADD COLUMN grade TEXT NOT NULL DEFAULT '';
UPDATE purchases SET grade = (SELECT m.grade FROM members m WHERE m.id = purchases.member_id)
  WHERE EXISTS (SELECT 1 FROM members m WHERE m.id = purchases.member_id AND m.grade <> '');

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
ALTER TABLE purchases DROP COLUMN grade;
