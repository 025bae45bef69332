-- +goose Up
-- Points programmes (seed 004 §积分奖励计划): a lottery with a prize table,
-- stock and odds whose draws are provably fair (the hash of the server seed
-- is published when the lottery opens, the seed when it closes); a points
-- auction whose bids hold points until it closes; parties members sign up
-- for with points and attend by a kiosk scan. Every point moves through the
-- ledger (holds, captures, releases, awards); these tables say why.
CREATE TABLE prog_lotteries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  campus_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  cost_points INTEGER NOT NULL,
  seed_hash TEXT NOT NULL,
  seed TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open',
  ends_at DATETIME NOT NULL,
  draws INTEGER NOT NULL DEFAULT 0,
  revealed_at DATETIME NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_prog_lotteries_status ON prog_lotteries (status, ends_at);

CREATE TABLE prog_lottery_prizes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lottery_id INTEGER NOT NULL REFERENCES prog_lotteries (id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  points INTEGER NOT NULL DEFAULT 0,
  coupon_template_id INTEGER NULL,
  weight INTEGER NOT NULL,
  stock INTEGER NOT NULL DEFAULT 0,
  awarded INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX uq_prog_lottery_prizes_pos ON prog_lottery_prizes (lottery_id, position);

CREATE TABLE prog_lottery_draws (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lottery_id INTEGER NOT NULL REFERENCES prog_lotteries (id),
  member_id INTEGER NOT NULL,
  draw_no INTEGER NOT NULL,
  roll INTEGER NOT NULL,
  drawn_prize_id INTEGER NOT NULL,
  prize_id INTEGER NULL,
  cost_points INTEGER NOT NULL,
  hold_id INTEGER NOT NULL DEFAULT 0,
  award_ref TEXT NOT NULL DEFAULT '',
  handed_over_at DATETIME NULL,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_prog_lottery_draws_no ON prog_lottery_draws (lottery_id, member_id, draw_no);
CREATE INDEX ix_prog_lottery_draws_member ON prog_lottery_draws (member_id, id);

CREATE TABLE prog_auctions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  campus_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL,
  start_points INTEGER NOT NULL,
  step_points INTEGER NOT NULL DEFAULT 1,
  ends_at DATETIME NOT NULL,
  status TEXT NOT NULL DEFAULT 'open',
  winner_bid_id INTEGER NULL,
  closed_at DATETIME NULL,
  handed_over_at DATETIME NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_prog_auctions_status ON prog_auctions (status, ends_at);

CREATE TABLE prog_auction_bids (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  auction_id INTEGER NOT NULL REFERENCES prog_auctions (id),
  member_id INTEGER NOT NULL,
  points INTEGER NOT NULL,
  hold_id INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  closed_at DATETIME NULL
);
CREATE INDEX ix_prog_auction_bids_auction ON prog_auction_bids (auction_id, status, points);
CREATE INDEX ix_prog_auction_bids_member ON prog_auction_bids (member_id, auction_id);

CREATE TABLE prog_parties (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  campus_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  place TEXT NOT NULL DEFAULT '',
  day TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  points INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'open',
  closed_at DATETIME NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_prog_parties_status ON prog_parties (status, day);

CREATE TABLE prog_party_signups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  party_id INTEGER NOT NULL REFERENCES prog_parties (id),
  member_id INTEGER NOT NULL,
  points INTEGER NOT NULL,
  hold_id INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  attended_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  closed_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_prog_party_signups ON prog_party_signups (party_id, member_id);
CREATE INDEX ix_prog_party_signups_member ON prog_party_signups (member_id, status);

-- +goose Down
DROP TABLE prog_party_signups;
DROP TABLE prog_parties;
DROP TABLE prog_auction_bids;
DROP TABLE prog_auctions;
DROP TABLE prog_lottery_draws;
DROP TABLE prog_lottery_prizes;
DROP TABLE prog_lotteries;
