-- +goose Up
CREATE TABLE campuses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_campuses_code ON campuses (code);

CREATE TABLE staff_users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  disabled_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_staff_users_username ON staff_users (username);

CREATE TABLE staff_campuses (
  user_id INTEGER NOT NULL REFERENCES staff_users (id),
  campus_id INTEGER NOT NULL REFERENCES campuses (id),
  PRIMARY KEY (user_id, campus_id)
);

CREATE TABLE sessions (
  id TEXT NOT NULL PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES staff_users (id),
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ix_sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at DATETIME NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id INTEGER NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL DEFAULT '',
  object_id INTEGER NOT NULL DEFAULT 0,
  campus_id INTEGER NOT NULL DEFAULT 0,
  ip TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL
);
CREATE INDEX ix_audit_object ON audit_log (object_type, object_id, at);
CREATE INDEX ix_audit_actor ON audit_log (actor_type, actor_id, at);
CREATE INDEX ix_audit_at ON audit_log (at);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- +goose StatementEnd

CREATE TABLE settings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  effective_at DATETIME NOT NULL,
  changed_by INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_settings_name ON settings (name, effective_at);

-- +goose Down
DROP TABLE settings;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE staff_campuses;
DROP TABLE staff_users;
DROP TABLE campuses;
