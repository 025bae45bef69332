-- +goose Up
-- Academic-year plans (学年制, seed 004): enrolment for 1–6 years with a
-- deposit (学习保证金) held apart in the member's deposit account; completing
-- the plan returns it, leaving early forfeits it. Six completed years make a
-- lifetime honorary member (终身荣誉学员).
CREATE TABLE year_plans (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  campus_id BIGINT NOT NULL,
  years INT NOT NULL,
  start_on CHAR(10) NOT NULL,
  end_on CHAR(10) NOT NULL,
  deposit BIGINT NOT NULL,
  method VARCHAR(16) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  account_id BIGINT NOT NULL DEFAULT 0,
  journal_id BIGINT NOT NULL DEFAULT 0,
  close_journal_id BIGINT NULL,
  reason VARCHAR(255) NOT NULL DEFAULT '',
  created_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  KEY ix_year_plans_member (member_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE honorary_members (
  member_id BIGINT NOT NULL PRIMARY KEY,
  plan_id BIGINT NOT NULL,
  since DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO ledger_accounts (id, owner_type, owner_id, name, asset, created_at) VALUES
  (124, 'system', 0, 'deposit_forfeited', 'cny', '2026-01-01 00:00:00');

-- +goose Down
DELETE FROM ledger_accounts WHERE id = 124;
DROP TABLE honorary_members;
DROP TABLE year_plans;
