-- +goose Up
-- The cashier desk, finished: a refund records the purchase lines it gave
-- back (so a line is never refunded twice), campus managers approve at the
-- desk with a short PIN instead of their password, and the price list the
-- cashier taps instead of typing a category and an amount.
ALTER TABLE purchase_refunds ADD COLUMN line_nos TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_users ADD COLUMN approval_pin_hash TEXT NOT NULL DEFAULT '';
CREATE TABLE price_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  category TEXT NOT NULL,
  name TEXT NOT NULL,
  amount INTEGER NOT NULL,
  sort_order INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_price_items_name ON price_items (category, name);

-- +goose Down
DROP TABLE price_items;
ALTER TABLE staff_users DROP COLUMN approval_pin_hash;
ALTER TABLE purchase_refunds DROP COLUMN line_nos;
