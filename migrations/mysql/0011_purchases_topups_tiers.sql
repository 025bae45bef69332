-- +goose Up
-- A purchase at the desk: what was bought, how it was paid, what it earned.
-- refunded and points_reversed grow with each refund (under the member lock).
CREATE TABLE purchases (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL DEFAULT 0,
  total BIGINT NOT NULL,
  tier_discount BIGINT NOT NULL DEFAULT 0,
  points_redeemed BIGINT NOT NULL DEFAULT 0,
  points_discount BIGINT NOT NULL DEFAULT 0,
  paid BIGINT NOT NULL,
  sv_principal BIGINT NOT NULL DEFAULT 0,
  sv_bonus BIGINT NOT NULL DEFAULT 0,
  points_earned BIGINT NOT NULL DEFAULT 0,
  tier VARCHAR(32) NOT NULL DEFAULT 'silver',
  items TEXT NOT NULL,
  payments TEXT NOT NULL,
  refunded BIGINT NOT NULL DEFAULT 0,
  points_reversed BIGINT NOT NULL DEFAULT 0,
  actor_type VARCHAR(32) NOT NULL DEFAULT '',
  actor_id BIGINT NOT NULL DEFAULT 0,
  at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_purchases_member_at ON purchases (member_id, at);
CREATE INDEX ix_purchases_campus_at ON purchases (campus_id, at);

CREATE TABLE purchase_refunds (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  purchase_id BIGINT NOT NULL,
  journal_id BIGINT NOT NULL DEFAULT 0,
  amount BIGINT NOT NULL,
  reason VARCHAR(255) NOT NULL,
  points_reversed BIGINT NOT NULL DEFAULT 0,
  points_shortfall BIGINT NOT NULL DEFAULT 0,
  points_returned BIGINT NOT NULL DEFAULT 0,
  sv_principal BIGINT NOT NULL DEFAULT 0,
  sv_bonus BIGINT NOT NULL DEFAULT 0,
  owed TEXT NOT NULL,
  actor_type VARCHAR(32) NOT NULL DEFAULT '',
  actor_id BIGINT NOT NULL DEFAULT 0,
  at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_purchase_refunds_purchase ON purchase_refunds (purchase_id);

CREATE TABLE topups (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL DEFAULT 0,
  amount BIGINT NOT NULL,
  bonus BIGINT NOT NULL DEFAULT 0,
  bonus_points BIGINT NOT NULL DEFAULT 0,
  method VARCHAR(32) NOT NULL,
  refunded BIGINT NOT NULL DEFAULT 0,
  bonus_forfeited BIGINT NOT NULL DEFAULT 0,
  actor_type VARCHAR(32) NOT NULL DEFAULT '',
  actor_id BIGINT NOT NULL DEFAULT 0,
  at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_topups_member_at ON topups (member_id, at);
CREATE INDEX ix_topups_campus_at ON topups (campus_id, at);

CREATE TABLE topup_refunds (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  topup_id BIGINT NOT NULL,
  journal_id BIGINT NOT NULL DEFAULT 0,
  amount BIGINT NOT NULL,
  bonus_forfeited BIGINT NOT NULL DEFAULT 0,
  reason VARCHAR(255) NOT NULL,
  actor_type VARCHAR(32) NOT NULL DEFAULT '',
  actor_id BIGINT NOT NULL DEFAULT 0,
  at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_topup_refunds_topup ON topup_refunds (topup_id);

CREATE TABLE tier_history (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  from_tier VARCHAR(32) NOT NULL,
  to_tier VARCHAR(32) NOT NULL,
  cause VARCHAR(32) NOT NULL,
  detail VARCHAR(255) NOT NULL DEFAULT '',
  spend BIGINT NOT NULL DEFAULT 0,
  actor_type VARCHAR(32) NOT NULL DEFAULT '',
  actor_id BIGINT NOT NULL DEFAULT 0,
  at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_tier_history_member ON tier_history (member_id, id);

CREATE TABLE tier_overrides (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  tier VARCHAR(32) NOT NULL,
  reason VARCHAR(255) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  actor_type VARCHAR(32) NOT NULL DEFAULT '',
  actor_id BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_tier_overrides_member ON tier_overrides (member_id, expires_at);

ALTER TABLE purchases ADD CONSTRAINT fk_purchases_member FOREIGN KEY (member_id) REFERENCES members (id);
ALTER TABLE purchase_refunds ADD CONSTRAINT fk_purchase_refunds_purchase FOREIGN KEY (purchase_id) REFERENCES purchases (id);
ALTER TABLE topups ADD CONSTRAINT fk_topups_member FOREIGN KEY (member_id) REFERENCES members (id);
ALTER TABLE topup_refunds ADD CONSTRAINT fk_topup_refunds_topup FOREIGN KEY (topup_id) REFERENCES topups (id);
ALTER TABLE tier_history ADD CONSTRAINT fk_tier_history_member FOREIGN KEY (member_id) REFERENCES members (id);
ALTER TABLE tier_overrides ADD CONSTRAINT fk_tier_overrides_member FOREIGN KEY (member_id) REFERENCES members (id);

-- +goose StatementBegin
CREATE TRIGGER purchase_refunds_no_update BEFORE UPDATE ON purchase_refunds FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'purchase_refunds is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER purchase_refunds_no_delete BEFORE DELETE ON purchase_refunds FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'purchase_refunds is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tier_history_no_update BEFORE UPDATE ON tier_history FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'tier_history is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tier_history_no_delete BEFORE DELETE ON tier_history FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'tier_history is append-only';
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
