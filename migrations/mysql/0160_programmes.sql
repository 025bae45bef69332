-- +goose Up
-- Points programmes (seed 004 §积分奖励计划): a lottery with a prize table,
-- stock and odds whose draws are provably fair (the hash of the server seed
-- is published when the lottery opens, the seed when it closes); a points
-- auction whose bids hold points until it closes; parties members sign up
-- for with points and attend by a kiosk scan. Every point moves through the
-- ledger (holds, captures, releases, awards); these tables say why.
CREATE TABLE prog_lotteries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campus_id BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  cost_points BIGINT NOT NULL,
  seed_hash VARCHAR(64) NOT NULL,
  seed VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  ends_at DATETIME(3) NOT NULL,
  draws BIGINT NOT NULL DEFAULT 0,
  revealed_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_prog_lotteries_status (status, ends_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE prog_lottery_prizes (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lottery_id BIGINT NOT NULL,
  position BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  points BIGINT NOT NULL DEFAULT 0,
  coupon_template_id BIGINT NULL,
  weight BIGINT NOT NULL,
  stock BIGINT NOT NULL DEFAULT 0,
  awarded BIGINT NOT NULL DEFAULT 0,
  UNIQUE KEY uq_prog_lottery_prizes_pos (lottery_id, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE prog_lottery_draws (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lottery_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  draw_no BIGINT NOT NULL,
  roll BIGINT NOT NULL,
  drawn_prize_id BIGINT NOT NULL,
  prize_id BIGINT NULL,
  cost_points BIGINT NOT NULL,
  hold_id BIGINT NOT NULL DEFAULT 0,
  award_ref VARCHAR(64) NOT NULL DEFAULT '',
  handed_over_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_prog_lottery_draws_no (lottery_id, member_id, draw_no),
  KEY ix_prog_lottery_draws_member (member_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE prog_auctions (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campus_id BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  description VARCHAR(500) NOT NULL DEFAULT '',
  mode VARCHAR(16) NOT NULL,
  start_points BIGINT NOT NULL,
  step_points BIGINT NOT NULL DEFAULT 1,
  ends_at DATETIME(3) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  winner_bid_id BIGINT NULL,
  closed_at DATETIME(3) NULL,
  handed_over_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_prog_auctions_status (status, ends_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE prog_auction_bids (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  auction_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  points BIGINT NOT NULL,
  hold_id BIGINT NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  KEY ix_prog_auction_bids_auction (auction_id, status, points),
  KEY ix_prog_auction_bids_member (member_id, auction_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE prog_parties (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campus_id BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  place VARCHAR(64) NOT NULL DEFAULT '',
  day CHAR(10) NOT NULL,
  capacity BIGINT NOT NULL,
  points BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  closed_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_prog_parties_status (status, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE prog_party_signups (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  party_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  points BIGINT NOT NULL,
  hold_id BIGINT NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL,
  attended_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  UNIQUE KEY uq_prog_party_signups (party_id, member_id),
  KEY ix_prog_party_signups_member (member_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE prog_party_signups;
DROP TABLE prog_parties;
DROP TABLE prog_auction_bids;
DROP TABLE prog_auctions;
DROP TABLE prog_lottery_draws;
DROP TABLE prog_lottery_prizes;
DROP TABLE prog_lotteries;
