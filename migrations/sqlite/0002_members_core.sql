-- +goose Up
CREATE TABLE families (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL DEFAULT '',
  shared_wallet INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);

CREATE TABLE guardians (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  family_id INTEGER NOT NULL REFERENCES families (id),
  name TEXT NOT NULL,
  phone TEXT NOT NULL,
  relation TEXT NOT NULL DEFAULT '',
  occupation TEXT NOT NULL DEFAULT '',
  position TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE INDEX ix_guardians_family ON guardians (family_id);
CREATE INDEX ix_guardians_phone ON guardians (phone);

CREATE TABLE classes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  campus_id INTEGER NOT NULL REFERENCES campuses (id),
  name TEXT NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_classes_campus_name ON classes (campus_id, name);

CREATE TABLE members (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  family_id INTEGER NOT NULL REFERENCES families (id),
  campus_id INTEGER NOT NULL REFERENCES campuses (id),
  class_id INTEGER NULL REFERENCES classes (id),
  name TEXT NOT NULL,
  gender TEXT NOT NULL DEFAULT '',
  birth_date DATE NULL,
  lifecycle TEXT NOT NULL DEFAULT 'enrolled',
  tier TEXT NOT NULL DEFAULT 'silver',
  grade TEXT NOT NULL DEFAULT 'normal',
  notes TEXT NOT NULL DEFAULT '',
  archived_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE INDEX ix_members_family ON members (family_id);
CREATE INDEX ix_members_campus_class ON members (campus_id, class_id);

-- +goose Down
DROP TABLE members;
DROP TABLE classes;
DROP TABLE guardians;
DROP TABLE families;
