-- +goose Up
-- Academic-year plans (学年制, seed 004): enrolment for 1–6 years with a
-- deposit (学习保证金) held apart in the member's deposit account; completing
-- the plan returns it, leaving early forfeits it. Six completed years make a
-- lifetime honorary member (终身荣誉学员).
CREATE TABLE year_plans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  campus_id INTEGER NOT NULL,
  years INTEGER NOT NULL,
  start_on TEXT NOT NULL,
  end_on TEXT NOT NULL,
  deposit INTEGER NOT NULL,
  method TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active',
  account_id INTEGER NOT NULL DEFAULT 0,
  journal_id INTEGER NOT NULL DEFAULT 0,
  close_journal_id INTEGER NULL,
  reason TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  closed_at DATETIME NULL
);
CREATE INDEX ix_year_plans_member ON year_plans (member_id, status);

CREATE TABLE honorary_members (
  member_id INTEGER PRIMARY KEY REFERENCES members (id),
  plan_id INTEGER NOT NULL REFERENCES year_plans (id),
  since DATETIME NOT NULL
);

INSERT INTO ledger_accounts (id, owner_type, owner_id, name, asset, created_at) VALUES
  (124, 'system', 0, 'deposit_forfeited', 'cny', '2026-01-01 00:00:00');

-- +goose Down
DELETE FROM ledger_accounts WHERE id = 124;
DROP TABLE honorary_members;
DROP TABLE year_plans;
