-- +goose Up
-- The cashier desk, finished: a refund records the purchase lines it gave
-- back (so a line is never refunded twice), campus managers approve at the
-- desk with a short PIN instead of their password, and the price list the
-- cashier taps instead of typing a category and an amount.
ALTER TABLE purchase_refunds ADD COLUMN line_nos VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE staff_users ADD COLUMN approval_pin_hash VARCHAR(100) NOT NULL DEFAULT '';
CREATE TABLE price_items (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  category VARCHAR(32) NOT NULL,
  name VARCHAR(64) NOT NULL,
  amount BIGINT NOT NULL,
  sort_order INT NOT NULL DEFAULT 0,
  active TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_price_items_name (category, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE price_items;
ALTER TABLE staff_users DROP COLUMN approval_pin_hash;
ALTER TABLE purchase_refunds DROP COLUMN line_nos;
