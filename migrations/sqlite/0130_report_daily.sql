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
  campus_id INTEGER NOT NULL,
  day TEXT NOT NULL,
  metric TEXT NOT NULL,
  dim TEXT NOT NULL DEFAULT '',
  slot INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL DEFAULT 0,
  n INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (day, campus_id, metric, dim, slot)
);

CREATE TABLE report_backfill (
  source TEXT NOT NULL PRIMARY KEY,
  upto INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0
);

INSERT INTO report_backfill (source, upto, done) SELECT 'purchases', COALESCE(MAX(id), 0), 0 FROM purchases;
INSERT INTO report_backfill (source, upto, done) SELECT 'topups', COALESCE(MAX(id), 0), 0 FROM topups;
INSERT INTO report_backfill (source, upto, done) SELECT 'purchase_refunds', COALESCE(MAX(id), 0), 0 FROM purchase_refunds;
INSERT INTO report_backfill (source, upto, done) SELECT 'topup_refunds', COALESCE(MAX(id), 0), 0 FROM topup_refunds;
INSERT INTO report_backfill (source, upto, done) SELECT 'checkins', COALESCE(MAX(id), 0), 0 FROM checkins;
INSERT INTO report_backfill (source, upto, done) SELECT 'course_attendance', COALESCE(MAX(id), 0), 0 FROM course_attendance;

-- +goose Down
DROP TABLE report_backfill;
DROP TABLE report_daily;
