-- +goose Up
-- A purchase at the desk: what was bought, how it was paid, what it earned.
-- refunded and points_reversed grow with each refund (under the member lock).
CREATE TABLE purchases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  campus_id INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL,
  tier_discount INTEGER NOT NULL DEFAULT 0,
  points_redeemed INTEGER NOT NULL DEFAULT 0,
  points_discount INTEGER NOT NULL DEFAULT 0,
  paid INTEGER NOT NULL,
  sv_principal INTEGER NOT NULL DEFAULT 0,
  sv_bonus INTEGER NOT NULL DEFAULT 0,
  points_earned INTEGER NOT NULL DEFAULT 0,
  tier TEXT NOT NULL DEFAULT 'silver',
  items TEXT NOT NULL,
  payments TEXT NOT NULL,
  refunded INTEGER NOT NULL DEFAULT 0,
  points_reversed INTEGER NOT NULL DEFAULT 0,
  actor_type TEXT NOT NULL DEFAULT '',
  actor_id INTEGER NOT NULL DEFAULT 0,
  at DATETIME NOT NULL
);
CREATE INDEX ix_purchases_member_at ON purchases (member_id, at);
CREATE INDEX ix_purchases_campus_at ON purchases (campus_id, at);

CREATE TABLE purchase_refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  purchase_id INTEGER NOT NULL REFERENCES purchases (id),
  journal_id INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL,
  reason TEXT NOT NULL,
  points_reversed INTEGER NOT NULL DEFAULT 0,
  points_shortfall INTEGER NOT NULL DEFAULT 0,
  points_returned INTEGER NOT NULL DEFAULT 0,
  sv_principal INTEGER NOT NULL DEFAULT 0,
  sv_bonus INTEGER NOT NULL DEFAULT 0,
  owed TEXT NOT NULL,
  actor_type TEXT NOT NULL DEFAULT '',
  actor_id INTEGER NOT NULL DEFAULT 0,
  at DATETIME NOT NULL
);
CREATE INDEX ix_purchase_refunds_purchase ON purchase_refunds (purchase_id);

CREATE TABLE topups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  campus_id INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL,
  bonus INTEGER NOT NULL DEFAULT 0,
  bonus_points INTEGER NOT NULL DEFAULT 0,
  method TEXT NOT NULL,
  refunded INTEGER NOT NULL DEFAULT 0,
  bonus_forfeited INTEGER NOT NULL DEFAULT 0,
  actor_type TEXT NOT NULL DEFAULT '',
  actor_id INTEGER NOT NULL DEFAULT 0,
  at DATETIME NOT NULL
);
CREATE INDEX ix_topups_member_at ON topups (member_id, at);
CREATE INDEX ix_topups_campus_at ON topups (campus_id, at);

CREATE TABLE topup_refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topup_id INTEGER NOT NULL REFERENCES topups (id),
  journal_id INTEGER NOT NULL DEFAULT 0,
  amount INTEGER NOT NULL,
  bonus_forfeited INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL,
  actor_type TEXT NOT NULL DEFAULT '',
  actor_id INTEGER NOT NULL DEFAULT 0,
  at DATETIME NOT NULL
);
CREATE INDEX ix_topup_refunds_topup ON topup_refunds (topup_id);

CREATE TABLE tier_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  from_tier TEXT NOT NULL,
  to_tier TEXT NOT NULL,
  cause TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  spend INTEGER NOT NULL DEFAULT 0,
  actor_type TEXT NOT NULL DEFAULT '',
  actor_id INTEGER NOT NULL DEFAULT 0,
  at DATETIME NOT NULL
);
CREATE INDEX ix_tier_history_member ON tier_history (member_id, id);

CREATE TABLE tier_overrides (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  tier TEXT NOT NULL,
  reason TEXT NOT NULL,
  expires_at DATETIME NOT NULL,
  actor_type TEXT NOT NULL DEFAULT '',
  actor_id INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_tier_overrides_member ON tier_overrides (member_id, expires_at);

-- +goose StatementBegin
CREATE TRIGGER purchase_refunds_no_update BEFORE UPDATE ON purchase_refunds
BEGIN SELECT RAISE(ABORT, 'purchase_refunds is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER purchase_refunds_no_delete BEFORE DELETE ON purchase_refunds
BEGIN SELECT RAISE(ABORT, 'purchase_refunds is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tier_history_no_update BEFORE UPDATE ON tier_history
BEGIN SELECT RAISE(ABORT, 'tier_history is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tier_history_no_delete BEFORE DELETE ON tier_history
BEGIN SELECT RAISE(ABORT, 'tier_history is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER tier_history_no_delete;
DROP TRIGGER tier_history_no_update;
DROP TRIGGER purchase_refunds_no_delete;
DROP TRIGGER purchase_refunds_no_update;
DROP TABLE tier_overrides;
DROP TABLE tier_history;
DROP TABLE topup_refunds;
DROP TABLE topups;
DROP TABLE purchase_refunds;
DROP TABLE purchases;
