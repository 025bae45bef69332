-- +goose Up
-- Accounts: one row per owner per account name. Member and family accounts
-- carry the running balance and the last sequence number (updated under a row
-- lock); system accounts (owner_type 'system') are never updated: their
-- balances are derived from postings, so no hot row serialises every sale.
CREATE TABLE ledger_accounts (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  owner_type VARCHAR(16) NOT NULL,
  owner_id BIGINT NOT NULL,
  name VARCHAR(32) NOT NULL,
  asset VARCHAR(8) NOT NULL,
  balance BIGINT NOT NULL DEFAULT 0,
  seq BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_ledger_accounts_owner (owner_type, owner_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One journal per business operation.
CREATE TABLE ledger_journals (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(32) NOT NULL,
  campus_id BIGINT NOT NULL DEFAULT 0,
  actor_type VARCHAR(16) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  device VARCHAR(64) NOT NULL DEFAULT '',
  ref_type VARCHAR(32) NOT NULL DEFAULT '',
  ref_id BIGINT NOT NULL DEFAULT 0,
  reason VARCHAR(255) NOT NULL DEFAULT '',
  reverses_id BIGINT NULL,
  at DATETIME(3) NOT NULL,
  KEY ix_ledger_journals_ref (ref_type, ref_id),
  KEY ix_ledger_journals_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Postings are immutable. Member/family postings carry seq and balance_after;
-- system postings leave both NULL (NULLs never collide in a unique index).
CREATE TABLE ledger_postings (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  journal_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  asset VARCHAR(8) NOT NULL,
  amount BIGINT NOT NULL,
  seq BIGINT NULL,
  balance_after BIGINT NULL,
  at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_ledger_postings_seq (account_id, seq),
  KEY ix_ledger_postings_journal (journal_id),
  KEY ix_ledger_postings_account (account_id, id),
  CONSTRAINT fk_ledger_postings_journal FOREIGN KEY (journal_id) REFERENCES ledger_journals (id),
  CONSTRAINT fk_ledger_postings_account FOREIGN KEY (account_id) REFERENCES ledger_accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Points lots: what each earn added and how much of it is left.
CREATE TABLE points_lots (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  journal_id BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  remaining BIGINT NOT NULL,
  earned_at DATETIME(3) NOT NULL,
  available_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  KEY ix_points_lots_account (account_id, expires_at),
  KEY ix_points_lots_expiry (expires_at, remaining),
  KEY ix_points_lots_journal (journal_id),
  CONSTRAINT fk_points_lots_account FOREIGN KEY (account_id) REFERENCES ledger_accounts (id),
  CONSTRAINT fk_points_lots_journal FOREIGN KEY (journal_id) REFERENCES ledger_journals (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every draw on a lot (negative = put back), so a lot's remaining is provable.
CREATE TABLE points_lot_draws (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  lot_id BIGINT NOT NULL,
  journal_id BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  KEY ix_points_lot_draws_lot (lot_id),
  KEY ix_points_lot_draws_journal (journal_id),
  CONSTRAINT fk_points_lot_draws_lot FOREIGN KEY (lot_id) REFERENCES points_lots (id),
  CONSTRAINT fk_points_lot_draws_journal FOREIGN KEY (journal_id) REFERENCES ledger_journals (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Two-phase holds on points or stored value.
CREATE TABLE ledger_holds (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  asset VARCHAR(8) NOT NULL,
  amount BIGINT NOT NULL,
  captured BIGINT NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL,
  journal_id BIGINT NOT NULL,
  ref_type VARCHAR(32) NOT NULL DEFAULT '',
  ref_id BIGINT NOT NULL DEFAULT 0,
  expires_at DATETIME(3) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  KEY ix_ledger_holds_open (status, expires_at),
  KEY ix_ledger_holds_account (account_id),
  CONSTRAINT fk_ledger_holds_account FOREIGN KEY (account_id) REFERENCES ledger_accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- System accounts have fixed ids (the code names them by constant).
INSERT INTO ledger_accounts (id, owner_type, owner_id, name, asset, created_at) VALUES
  (1, 'system', 0, 'points_issued', 'points', '2026-01-01 00:00:00'),
  (2, 'system', 0, 'points_spent', 'points', '2026-01-01 00:00:00'),
  (3, 'system', 0, 'points_expired', 'points', '2026-01-01 00:00:00'),
  (4, 'system', 0, 'points_held', 'points', '2026-01-01 00:00:00'),
  (5, 'system', 0, 'points_adjust', 'points', '2026-01-01 00:00:00'),
  (10, 'system', 0, 'clearing_cash', 'cny', '2026-01-01 00:00:00'),
  (11, 'system', 0, 'clearing_wechat', 'cny', '2026-01-01 00:00:00'),
  (12, 'system', 0, 'clearing_alipay', 'cny', '2026-01-01 00:00:00'),
  (13, 'system', 0, 'clearing_bank_card', 'cny', '2026-01-01 00:00:00'),
  (14, 'system', 0, 'revenue', 'cny', '2026-01-01 00:00:00'),
  (15, 'system', 0, 'bonus_expense', 'cny', '2026-01-01 00:00:00'),
  (16, 'system', 0, 'points_discount', 'cny', '2026-01-01 00:00:00'),
  (17, 'system', 0, 'bonus_forfeited', 'cny', '2026-01-01 00:00:00'),
  (18, 'system', 0, 'value_held', 'cny', '2026-01-01 00:00:00'),
  (19, 'system', 0, 'cny_adjust', 'cny', '2026-01-01 00:00:00');
-- Member accounts start well above the system range.
INSERT INTO ledger_accounts (id, owner_type, owner_id, name, asset, created_at) VALUES
  (999, 'system', 0, 'reserved', 'none', '2026-01-01 00:00:00');

-- +goose StatementBegin
CREATE TRIGGER ledger_journals_no_update BEFORE UPDATE ON ledger_journals FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger_journals is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ledger_journals_no_delete BEFORE DELETE ON ledger_journals FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger_journals is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger_postings is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'ledger_postings is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER points_lot_draws_no_update BEFORE UPDATE ON points_lot_draws FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'points_lot_draws is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER points_lot_draws_no_delete BEFORE DELETE ON points_lot_draws FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'points_lot_draws is append-only';
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER points_lot_draws_no_delete;
DROP TRIGGER points_lot_draws_no_update;
DROP TRIGGER ledger_postings_no_delete;
DROP TRIGGER ledger_postings_no_update;
DROP TRIGGER ledger_journals_no_delete;
DROP TRIGGER ledger_journals_no_update;
DROP TABLE ledger_holds;
DROP TABLE points_lot_draws;
DROP TABLE points_lots;
DROP TABLE ledger_postings;
DROP TABLE ledger_journals;
DROP TABLE ledger_accounts;
