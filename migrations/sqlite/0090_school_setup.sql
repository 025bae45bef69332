-- +goose Up
-- The school itself (one row, id 1): its name and contacts shown on receipts,
-- the portal, cards and notices, and where the first-run wizard stands.
CREATE TABLE school_settings (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  short_name TEXT NOT NULL DEFAULT '',
  logo BLOB NULL,
  logo_type TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  setup_step TEXT NOT NULL DEFAULT '',
  setup_done_at DATETIME NULL,
  updated_at DATETIME NOT NULL
);
-- A closed campus keeps its members and history but takes no new ones.
ALTER TABLE campuses ADD COLUMN closed_at DATETIME NULL;
-- Staff hear their notices (the daily summary…) by SMS or e-mail.
ALTER TABLE staff_users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE staff_users DROP COLUMN email;
ALTER TABLE staff_users DROP COLUMN phone;
ALTER TABLE campuses DROP COLUMN closed_at;
DROP TABLE school_settings;
