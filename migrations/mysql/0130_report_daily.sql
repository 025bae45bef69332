-- +goose Up
-- Per-day money and activity summaries the reports read instead of the
-- ledger (issue 16). A row is one campus's day (in the school's time zone),
-- one metric (sales, method, category, topup, bonus, refund, checkin, hours)
-- and one dimension of it (a payment method, a category…). Each event adds
-- to its row in the event's own transaction; slot (the event's id mod 8)
-- spreads concurrent events of one campus over several rows so they do not
-- queue on one row lock; the backfill job folds the slots of past days into
-- slot 0, so a year's report reads one row per campus, day and figure. The
-- key starts with the day: a report reads a range of days, clustered.
-- report_backfill holds, per source table, the last id that existed before
-- the summaries did (upto) and how far the backfill job has summed them (done).
CREATE TABLE report_daily (
  campus_id BIGINT NOT NULL,
  day CHAR(10) NOT NULL,
  metric VARCHAR(16) NOT NULL,
  dim VARCHAR(32) NOT NULL DEFAULT '',
  slot SMALLINT NOT NULL DEFAULT 0,
  amount BIGINT NOT NULL DEFAULT 0,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, campus_id, metric, dim, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE report_backfill (
  source VARCHAR(32) NOT NULL PRIMARY KEY,
  upto BIGINT NOT NULL DEFAULT 0,
  done BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO report_backfill (source, upto, done) SELECT 'purchases', COALESCE(MAX(id), 0), 0 FROM purchases;
INSERT INTO report_backfill (source, upto, done) SELECT 'topups', COALESCE(MAX(id), 0), 0 FROM topups;
INSERT INTO report_backfill (source, upto, done) SELECT 'purchase_refunds', COALESCE(MAX(id), 0), 0 FROM purchase_refunds;
INSERT INTO report_backfill (source, upto, done) SELECT 'topup_refunds', COALESCE(MAX(id), 0), 0 FROM topup_refunds;
INSERT INTO report_backfill (source, upto, done) SELECT 'checkins', COALESCE(MAX(id), 0), 0 FROM checkins;
INSERT INTO report_backfill (source, upto, done) SELECT 'course_attendance', COALESCE(MAX(id), 0), 0 FROM course_attendance;

-- +goose Down
DROP TABLE report_backfill;
DROP TABLE report_daily;
