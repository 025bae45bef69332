-- +goose Up
-- A cashier's shift (班次) at one campus. open_key holds the cashier's id
-- while the shift is open and NULL once it is closed, so the unique index
-- allows exactly one open shift per cashier (NULLs never collide).
CREATE TABLE shifts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  campus_id INTEGER NOT NULL REFERENCES campuses (id),
  cashier_id INTEGER NOT NULL REFERENCES staff_users (id),
  open_key INTEGER NULL,
  opened_at DATETIME NOT NULL,
  opening_cash INTEGER NOT NULL DEFAULT 0,
  closed_at DATETIME NULL,
  expected_cash INTEGER NULL,
  counted_cash INTEGER NULL,
  note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX uq_shifts_open ON shifts (open_key);
CREATE INDEX ix_shifts_cashier ON shifts (cashier_id, opened_at);
CREATE INDEX ix_shifts_campus ON shifts (campus_id, opened_at);

-- Shift and daily reports read refunds by time.
CREATE INDEX ix_purchase_refunds_at ON purchase_refunds (at);
CREATE INDEX ix_topup_refunds_at ON topup_refunds (at);

-- +goose Down
DROP INDEX ix_topup_refunds_at;
DROP INDEX ix_purchase_refunds_at;
DROP TABLE shifts;
