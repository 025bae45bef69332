-- +goose Up
-- report_daily folded by month for the months that have ended (issue 16):
-- a year's money by month reads twelve months' rows instead of 365 days'.
-- The reports job folds each ended month once every source row is summed
-- (report_backfill's 'monthly' row: upto = the last month folded, yyyymm);
-- an event dated in a folded month adds to both tables in its transaction.
-- Verify proves each folded month equal to its days.
CREATE TABLE report_monthly (
  month CHAR(7) NOT NULL,
  campus_id BIGINT NOT NULL,
  metric VARCHAR(16) NOT NULL,
  dim VARCHAR(32) NOT NULL DEFAULT '',
  amount BIGINT NOT NULL DEFAULT 0,
  n BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (month, campus_id, metric, dim)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO report_backfill (source, upto, done) VALUES ('monthly', 0, 0);

-- +goose Down
DELETE FROM report_backfill WHERE source = 'monthly';
DROP TABLE report_monthly;
