-- +goose Up
-- Running totals of what the school owes, per campus and account name, so
-- the liabilities report reads a few hundred rows instead of every member's
-- accounts (issue 16). ledger_accounts.campus_id is the campus an account
-- counts at: a member's accounts at the member's campus, a family's shared
-- wallet at the campus of the family's first child (lowest member id); 0 for
-- system accounts. The core's post() adds each posting's net change to
-- ledger_totals in the posting's own transaction, one multi-row upsert, at
-- slot = account id mod 8 so concurrent desks of one campus do not queue on
-- one row; a member's move to another campus moves the balances between the
-- campuses in the move's transaction. Name 'hours_value' holds what refunding
-- the class-hour packages now would pay back (models/courses keeps it at the
-- package's campus_id, set the same way). Verify proves both equal to the
-- accounts and packages they sum.
ALTER TABLE ledger_accounts ADD COLUMN campus_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE class_hour_packages ADD COLUMN campus_id INTEGER NOT NULL DEFAULT 0;

CREATE TABLE ledger_totals (
  campus_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  slot INTEGER NOT NULL DEFAULT 0,
  asset TEXT NOT NULL,
  balance INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (campus_id, name, slot)
);

UPDATE ledger_accounts SET campus_id = COALESCE((SELECT m.campus_id FROM members m WHERE m.id = ledger_accounts.owner_id), 0)
  WHERE owner_type = 'member';
UPDATE ledger_accounts SET campus_id = COALESCE((SELECT m.campus_id FROM members m WHERE m.family_id = ledger_accounts.owner_id
  ORDER BY m.id LIMIT 1), 0) WHERE owner_type = 'family';
UPDATE class_hour_packages SET campus_id = COALESCE((SELECT m.campus_id FROM members m WHERE m.id = class_hour_packages.member_id), 0);

INSERT INTO ledger_totals (campus_id, name, slot, asset, balance)
  SELECT campus_id, name, 0, MIN(asset), SUM(balance) FROM ledger_accounts
  WHERE owner_type <> 'system' GROUP BY campus_id, name;
INSERT INTO ledger_totals (campus_id, name, slot, asset, balance)
  SELECT campus_id, 'hours_value', 0, 'cny',
    SUM((paid * (CASE WHEN remaining > bonus_hours THEN remaining - bonus_hours ELSE 0 END)) / hours)
  FROM class_hour_packages WHERE status = 'active' AND remaining > 0 AND hours > 0 GROUP BY campus_id;

-- +goose Down
DROP TABLE ledger_totals;
ALTER TABLE class_hour_packages DROP COLUMN campus_id;
ALTER TABLE ledger_accounts DROP COLUMN campus_id;
