-- +goose Up
-- Rewards catalogue, stamp cards, referrals and birthday gifts: see the
-- SQLite twin for the why.
CREATE TABLE rewards (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(80) NOT NULL,
  description VARCHAR(500) NOT NULL DEFAULT '',
  kind VARCHAR(16) NOT NULL,
  points_price BIGINT NOT NULL,
  points_gold BIGINT NOT NULL DEFAULT 0,
  points_platinum BIGINT NOT NULL DEFAULT 0,
  cash_price BIGINT NOT NULL DEFAULT 0,
  normal_price BIGINT NOT NULL DEFAULT 0,
  stock BIGINT NOT NULL DEFAULT 0,
  per_member_limit INT NOT NULL DEFAULT 0,
  available_from DATETIME(3) NULL,
  available_until DATETIME(3) NULL,
  image VARCHAR(80) NOT NULL DEFAULT '',
  active TINYINT(1) NOT NULL DEFAULT 1,
  redeemed BIGINT NOT NULL DEFAULT 0,
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE reward_redemptions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  reward_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  token VARCHAR(32) NOT NULL,
  points BIGINT NOT NULL,
  cash BIGINT NOT NULL DEFAULT 0,
  hold_id BIGINT NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL,
  campus_id BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  closed_by BIGINT NOT NULL DEFAULT 0,
  UNIQUE KEY uq_reward_redemptions_token (token),
  KEY ix_reward_redemptions_member (member_id, reward_id, status),
  KEY ix_reward_redemptions_status (status, expires_at),
  CONSTRAINT fk_reward_redemptions_reward FOREIGN KEY (reward_id) REFERENCES rewards (id),
  CONSTRAINT fk_reward_redemptions_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE stamp_programs (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(80) NOT NULL,
  stamps_required INT NOT NULL,
  source VARCHAR(16) NOT NULL,
  category VARCHAR(32) NOT NULL DEFAULT '',
  min_amount BIGINT NOT NULL DEFAULT 0,
  first_stamp_free TINYINT(1) NOT NULL DEFAULT 1,
  reward_template_id BIGINT NOT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL,
  CONSTRAINT fk_stamp_programs_template FOREIGN KEY (reward_template_id) REFERENCES coupon_templates (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE stamp_cards (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  program_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  round INT NOT NULL,
  stamps INT NOT NULL DEFAULT 0,
  completed_at DATETIME(3) NULL,
  reward_coupon_id BIGINT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_stamp_cards_round (program_id, member_id, round),
  KEY ix_stamp_cards_member (member_id),
  CONSTRAINT fk_stamp_cards_program FOREIGN KEY (program_id) REFERENCES stamp_programs (id),
  CONSTRAINT fk_stamp_cards_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE stamp_events (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  card_id BIGINT NOT NULL,
  source_key VARCHAR(64) NOT NULL,
  at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_stamp_events_source (card_id, source_key),
  CONSTRAINT fk_stamp_events_card FOREIGN KEY (card_id) REFERENCES stamp_cards (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE referral_codes (
  member_id BIGINT NOT NULL PRIMARY KEY,
  code VARCHAR(16) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_referral_codes_code (code),
  CONSTRAINT fk_referral_codes_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE referrals (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  referrer_member_id BIGINT NOT NULL,
  invitee_name VARCHAR(40) NOT NULL DEFAULT '',
  invitee_phone VARCHAR(20) NOT NULL DEFAULT '',
  referred_member_id BIGINT NULL,
  referred_family_id BIGINT NULL,
  status VARCHAR(16) NOT NULL,
  grade VARCHAR(16) NOT NULL DEFAULT '',
  referrer_gift BIGINT NOT NULL DEFAULT 0,
  discount_percent INT NOT NULL DEFAULT 0,
  referrer_coupon_id BIGINT NULL,
  discount_coupon_id BIGINT NULL,
  purchase_id BIGINT NULL,
  invited_at DATETIME(3) NOT NULL,
  registered_at DATETIME(3) NULL,
  paid_at DATETIME(3) NULL,
  rewarded_at DATETIME(3) NULL,
  UNIQUE KEY uq_referrals_family (referred_family_id),
  KEY ix_referrals_referrer (referrer_member_id, status),
  KEY ix_referrals_status (status, invited_at),
  CONSTRAINT fk_referrals_referrer FOREIGN KEY (referrer_member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE birthday_gifts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  year INT NOT NULL,
  coupon_id BIGINT NULL,
  given_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_birthday_gifts (member_id, year),
  CONSTRAINT fk_birthday_gifts_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE birthday_gifts;
DROP TABLE referrals;
DROP TABLE referral_codes;
DROP TABLE stamp_events;
DROP TABLE stamp_cards;
DROP TABLE stamp_programs;
DROP TABLE reward_redemptions;
DROP TABLE rewards;
