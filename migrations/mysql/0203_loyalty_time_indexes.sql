-- +goose Up
-- The loyalty report reads coupons issued, rewards handed over, stamp cards
-- completed and referrals invited in a date range (issue 16): a range of
-- these indexes instead of every row of the tables.
CREATE INDEX ix_coupons_issued ON coupons (issued_at);
CREATE INDEX ix_reward_redemptions_closed ON reward_redemptions (status, closed_at);
CREATE INDEX ix_stamp_cards_completed ON stamp_cards (completed_at);
CREATE INDEX ix_referrals_invited ON referrals (invited_at);

-- +goose Down
DROP INDEX ix_referrals_invited ON referrals;
DROP INDEX ix_stamp_cards_completed ON stamp_cards;
DROP INDEX ix_reward_redemptions_closed ON reward_redemptions;
DROP INDEX ix_coupons_issued ON coupons;
