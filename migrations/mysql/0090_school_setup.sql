-- +goose Up
-- The school itself (one row, id 1): its name and contacts shown on receipts,
-- the portal, cards and notices, and where the first-run wizard stands.
CREATE TABLE school_settings (
  id BIGINT NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL DEFAULT '',
  short_name VARCHAR(32) NOT NULL DEFAULT '',
  logo MEDIUMBLOB NULL,
  logo_type VARCHAR(32) NOT NULL DEFAULT '',
  phone VARCHAR(32) NOT NULL DEFAULT '',
  address VARCHAR(255) NOT NULL DEFAULT '',
  setup_step VARCHAR(16) NOT NULL DEFAULT '',
  setup_done_at DATETIME(3) NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
-- A closed campus keeps its members and history but takes no new ones.
ALTER TABLE campuses ADD COLUMN closed_at DATETIME(3) NULL;
-- Staff hear their notices (the daily summary…) by SMS or e-mail.
ALTER TABLE staff_users ADD COLUMN phone VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE staff_users ADD COLUMN email VARCHAR(255) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE staff_users DROP COLUMN email;
ALTER TABLE staff_users DROP COLUMN phone;
ALTER TABLE campuses DROP COLUMN closed_at;
DROP TABLE school_settings;
