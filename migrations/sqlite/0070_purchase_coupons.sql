-- +goose Up
-- Coupons spent on a purchase: the discount is kept on the purchase so that a
-- refund reverses it in proportion, and posted to its own system account.
ALTER TABLE purchases ADD COLUMN coupon_discount INTEGER NOT NULL DEFAULT 0;
INSERT INTO ledger_accounts (id, owner_type, owner_id, name, asset, created_at) VALUES
  (20, 'system', 0, 'coupon_discount', 'cny', '2026-01-01 00:00:00');

-- +goose Down
DELETE FROM ledger_accounts WHERE id = 20;
ALTER TABLE purchases DROP COLUMN coupon_discount;
