-- +goose Up
-- A cashier's shift (班次) at one campus. open_key holds the cashier's id
-- while the shift is open and NULL once it is closed, so the unique key
-- allows exactly one open shift per cashier (NULLs never collide) on both
-- databases without a partial index.
CREATE TABLE shifts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campus_id BIGINT NOT NULL,
  cashier_id BIGINT NOT NULL,
  open_key BIGINT NULL,
  opened_at DATETIME(3) NOT NULL,
  opening_cash BIGINT NOT NULL DEFAULT 0,
  closed_at DATETIME(3) NULL,
  expected_cash BIGINT NULL,
  counted_cash BIGINT NULL,
  note VARCHAR(255) NOT NULL DEFAULT '',
  UNIQUE KEY uq_shifts_open (open_key),
  KEY ix_shifts_cashier (cashier_id, opened_at),
  KEY ix_shifts_campus (campus_id, opened_at),
  CONSTRAINT fk_shifts_campus FOREIGN KEY (campus_id) REFERENCES campuses (id),
  CONSTRAINT fk_shifts_cashier FOREIGN KEY (cashier_id) REFERENCES staff_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Shift and daily reports read refunds by time.
CREATE INDEX ix_purchase_refunds_at ON purchase_refunds (at);
CREATE INDEX ix_topup_refunds_at ON topup_refunds (at);

-- +goose Down
DROP INDEX ix_topup_refunds_at ON topup_refunds;
DROP INDEX ix_purchase_refunds_at ON purchase_refunds;
DROP TABLE shifts;
