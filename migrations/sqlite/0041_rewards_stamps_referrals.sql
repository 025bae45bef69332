-- +goose Up
-- Rewards catalogue (积分奖励): stock is taken by a conditional UPDATE under
-- the row lock, so it is never oversold.
CREATE TABLE rewards (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  points_price INTEGER NOT NULL,
  points_gold INTEGER NOT NULL DEFAULT 0,
  points_platinum INTEGER NOT NULL DEFAULT 0,
  cash_price INTEGER NOT NULL DEFAULT 0,
  normal_price INTEGER NOT NULL DEFAULT 0,
  stock INTEGER NOT NULL DEFAULT 0,
  per_member_limit INTEGER NOT NULL DEFAULT 0,
  available_from DATETIME NULL,
  available_until DATETIME NULL,
  image TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  redeemed INTEGER NOT NULL DEFAULT 0,
  created_by INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);

-- A redemption is an order: reserved (points held) → handed_over (captured)
-- or cancelled (released). token is what the redemption QR carries.
CREATE TABLE reward_redemptions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  reward_id INTEGER NOT NULL REFERENCES rewards (id),
  member_id INTEGER NOT NULL REFERENCES members (id),
  token TEXT NOT NULL,
  points INTEGER NOT NULL,
  cash INTEGER NOT NULL DEFAULT 0,
  hold_id INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  campus_id INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  closed_at DATETIME NULL,
  closed_by INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX uq_reward_redemptions_token ON reward_redemptions (token);
CREATE INDEX ix_reward_redemptions_member ON reward_redemptions (member_id, reward_id, status);
CREATE INDEX ix_reward_redemptions_status ON reward_redemptions (status, expires_at);

-- Stamp programs (集章卡, seed 004 case 7) and each member's cards.
CREATE TABLE stamp_programs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  stamps_required INTEGER NOT NULL,
  source TEXT NOT NULL,
  category TEXT NOT NULL DEFAULT '',
  min_amount INTEGER NOT NULL DEFAULT 0,
  first_stamp_free INTEGER NOT NULL DEFAULT 1,
  reward_template_id INTEGER NOT NULL REFERENCES coupon_templates (id),
  active INTEGER NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL
);

CREATE TABLE stamp_cards (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  program_id INTEGER NOT NULL REFERENCES stamp_programs (id),
  member_id INTEGER NOT NULL REFERENCES members (id),
  round INTEGER NOT NULL,
  stamps INTEGER NOT NULL DEFAULT 0,
  completed_at DATETIME NULL,
  reward_coupon_id INTEGER NULL,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_stamp_cards_round ON stamp_cards (program_id, member_id, round);
CREATE INDEX ix_stamp_cards_member ON stamp_cards (member_id);

-- One row per stamp; source_key makes stamping idempotent per event.
CREATE TABLE stamp_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  card_id INTEGER NOT NULL REFERENCES stamp_cards (id),
  source_key TEXT NOT NULL,
  at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_stamp_events_source ON stamp_events (card_id, source_key);

-- Referral codes, one per member, and referrals (转介绍, seed 003).
CREATE TABLE referral_codes (
  member_id INTEGER NOT NULL PRIMARY KEY REFERENCES members (id),
  code TEXT NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_referral_codes_code ON referral_codes (code);

CREATE TABLE referrals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  referrer_member_id INTEGER NOT NULL REFERENCES members (id),
  invitee_name TEXT NOT NULL DEFAULT '',
  invitee_phone TEXT NOT NULL DEFAULT '',
  referred_member_id INTEGER NULL,
  referred_family_id INTEGER NULL,
  status TEXT NOT NULL,
  grade TEXT NOT NULL DEFAULT '',
  referrer_gift INTEGER NOT NULL DEFAULT 0,
  discount_percent INTEGER NOT NULL DEFAULT 0,
  referrer_coupon_id INTEGER NULL,
  discount_coupon_id INTEGER NULL,
  purchase_id INTEGER NULL,
  invited_at DATETIME NOT NULL,
  registered_at DATETIME NULL,
  paid_at DATETIME NULL,
  rewarded_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_referrals_family ON referrals (referred_family_id);
CREATE INDEX ix_referrals_referrer ON referrals (referrer_member_id, status);
CREATE INDEX ix_referrals_status ON referrals (status, invited_at);

-- Birthday gifts, at most one per member per year.
CREATE TABLE birthday_gifts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  year INTEGER NOT NULL,
  coupon_id INTEGER NULL,
  given_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_birthday_gifts ON birthday_gifts (member_id, year);

-- +goose Down
DROP TABLE birthday_gifts;
DROP TABLE referrals;
DROP TABLE referral_codes;
DROP TABLE stamp_events;
DROP TABLE stamp_cards;
DROP TABLE stamp_programs;
DROP TABLE reward_redemptions;
DROP TABLE rewards;
