-- +goose Up
-- Who was seen and who bought, kept per member so the member-activity,
-- loyalty and cohort figures of a report ending today read a few thousand
-- summary rows instead of a window's purchases and check-ins (issue 16).
-- last_seen_day: the school day (yyyymmdd) of the member's latest check-in
-- or purchase; last_buy_day / prev_buy_day: of the latest purchase and the
-- one before it (equal when both fell on one day). The app writes them where
-- it writes check-ins and purchases; 0205 fills them from the history and
-- 0206 adds member_days, kept from them by triggers.
ALTER TABLE members ADD COLUMN last_seen_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN last_buy_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN prev_buy_day INTEGER NOT NULL DEFAULT 0;

-- Members first seen in a month, by campus and enrolment month (cohort,
-- yyyymm of created_at in school time): the retention triangle. Written by
-- the app when a check-in or purchase is a member's first of a month.
CREATE TABLE cohort_seen (
  campus_id INTEGER NOT NULL,
  cohort INTEGER NOT NULL,
  month INTEGER NOT NULL,
  slot INTEGER NOT NULL DEFAULT 0,
  n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, cohort, month, slot)
);

-- Coupons used in a date range: the loyalty report reads them by this
-- instead of the range's purchases.
CREATE INDEX ix_coupons_used ON coupons (used_at);

-- +goose Down
DROP INDEX ix_coupons_used;
DROP TABLE cohort_seen;
ALTER TABLE members DROP COLUMN prev_buy_day;
ALTER TABLE members DROP COLUMN last_buy_day;
ALTER TABLE members DROP COLUMN last_seen_day;
