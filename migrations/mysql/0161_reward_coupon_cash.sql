-- +goose Up
-- Rewards (积分奖励计划): a reward of kind "coupon" is exchanged for points
-- and issues a coupon of its template at once (积分兑换优惠券); the cash part
-- of a points + cash reward (换购) is taken at the hand-over, by a method,
-- and posted to the ledger (clearing account → revenue) and the shift.
ALTER TABLE rewards ADD COLUMN coupon_template_id BIGINT NULL;
ALTER TABLE reward_redemptions ADD COLUMN cash_method VARCHAR(16) NOT NULL DEFAULT '',
  ADD COLUMN cash_journal_id BIGINT NULL;

-- +goose Down
ALTER TABLE reward_redemptions DROP COLUMN cash_journal_id, DROP COLUMN cash_method;
ALTER TABLE rewards DROP COLUMN coupon_template_id;
