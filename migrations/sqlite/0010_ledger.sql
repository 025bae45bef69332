-- +goose Up
-- Accounts: one row per owner per account name. Member and family accounts
-- carry the running balance and the last sequence number (updated under a row
-- lock); system accounts (owner_type 'system') are never updated: their
-- balances are derived from postings, so no hot row serialises every sale.
CREATE TABLE ledger_accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_type TEXT NOT NULL,
  owner_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  asset TEXT NOT NULL,
  balance INTEGER NOT NULL DEFAULT 0,
  seq INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_ledger_accounts_owner ON ledger_accounts (owner_type, owner_id, name);

-- One journal per business operation.
CREATE TABLE ledger_journals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  campus_id INTEGER NOT NULL DEFAULT 0,
  actor_type TEXT NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  device TEXT NOT NULL DEFAULT '',
  ref_type TEXT NOT NULL DEFAULT '',
  ref_id INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT '',
  reverses_id INTEGER NULL,
  at DATETIME NOT NULL
);
CREATE INDEX ix_ledger_journals_ref ON ledger_journals (ref_type, ref_id);
CREATE INDEX ix_ledger_journals_at ON ledger_journals (at);

-- Postings are immutable. Member/family postings carry seq and balance_after;
-- system postings leave both NULL (NULLs never collide in a unique index).
CREATE TABLE ledger_postings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  journal_id INTEGER NOT NULL REFERENCES ledger_journals (id),
  account_id INTEGER NOT NULL REFERENCES ledger_accounts (id),
  asset TEXT NOT NULL,
  amount INTEGER NOT NULL,
  seq INTEGER NULL,
  balance_after INTEGER NULL,
  at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_ledger_postings_seq ON ledger_postings (account_id, seq);
CREATE INDEX ix_ledger_postings_journal ON ledger_postings (journal_id);
CREATE INDEX ix_ledger_postings_account ON ledger_postings (account_id, id);

-- Points lots: what each earn added and how much of it is left.
CREATE TABLE points_lots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES ledger_accounts (id),
  journal_id INTEGER NOT NULL REFERENCES ledger_journals (id),
  amount INTEGER NOT NULL,
  remaining INTEGER NOT NULL,
  earned_at DATETIME NOT NULL,
  available_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL
);
CREATE INDEX ix_points_lots_account ON points_lots (account_id, expires_at);
CREATE INDEX ix_points_lots_expiry ON points_lots (expires_at, remaining);
CREATE INDEX ix_points_lots_journal ON points_lots (journal_id);

-- Every draw on a lot (negative = put back), so a lot's remaining is provable.
CREATE TABLE points_lot_draws (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lot_id INTEGER NOT NULL REFERENCES points_lots (id),
  journal_id INTEGER NOT NULL REFERENCES ledger_journals (id),
  amount INTEGER NOT NULL
);
CREATE INDEX ix_points_lot_draws_lot ON points_lot_draws (lot_id);
CREATE INDEX ix_points_lot_draws_journal ON points_lot_draws (journal_id);

-- Two-phase holds on points or stored value.
CREATE TABLE ledger_holds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id INTEGER NOT NULL REFERENCES ledger_accounts (id),
  member_id INTEGER NOT NULL,
  asset TEXT NOT NULL,
  amount INTEGER NOT NULL,
  captured INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  journal_id INTEGER NOT NULL REFERENCES ledger_journals (id),
  ref_type TEXT NOT NULL DEFAULT '',
  ref_id INTEGER NOT NULL DEFAULT 0,
  expires_at DATETIME NOT NULL,
  created_at DATETIME NOT NULL,
  closed_at DATETIME NULL
);
CREATE INDEX ix_ledger_holds_open ON ledger_holds (status, expires_at);
CREATE INDEX ix_ledger_holds_account ON ledger_holds (account_id);

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
CREATE TRIGGER ledger_journals_no_update BEFORE UPDATE ON ledger_journals
BEGIN SELECT RAISE(ABORT, 'ledger_journals is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ledger_journals_no_delete BEFORE DELETE ON ledger_journals
BEGIN SELECT RAISE(ABORT, 'ledger_journals is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER points_lot_draws_no_update BEFORE UPDATE ON points_lot_draws
BEGIN SELECT RAISE(ABORT, 'points_lot_draws is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER points_lot_draws_no_delete BEFORE DELETE ON points_lot_draws
BEGIN SELECT RAISE(ABORT, 'points_lot_draws is append-only'); END;
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
