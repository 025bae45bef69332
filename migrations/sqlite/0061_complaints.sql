-- +goose Up
CREATE TABLE complaints (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  family_id INTEGER NOT NULL,
  guardian_id INTEGER NOT NULL,
  member_id INTEGER NULL,
  campus_id INTEGER NOT NULL,
  kind TEXT NOT NULL DEFAULT 'complaint',
  category TEXT NOT NULL,
  body TEXT NOT NULL,
  photo TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'received',
  priority TEXT NOT NULL DEFAULT 'normal',
  owner_id INTEGER NOT NULL DEFAULT 0,
  channel TEXT NOT NULL DEFAULT 'portal',
  first_answer_due_at DATETIME NOT NULL,
  first_answer_at DATETIME NULL,
  resolved_at DATETIME NULL,
  confirmed_at DATETIME NULL,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL
);
CREATE INDEX ix_complaints_family ON complaints (family_id, id);
CREATE INDEX ix_complaints_status ON complaints (status, first_answer_due_at);
CREATE INDEX ix_complaints_campus ON complaints (campus_id, created_at);

CREATE TABLE complaint_updates (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  complaint_id INTEGER NOT NULL REFERENCES complaints (id),
  at DATETIME NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  note TEXT NOT NULL,
  public INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_complaint_updates_complaint ON complaint_updates (complaint_id, id);

-- +goose Down
DROP TABLE complaint_updates;
DROP TABLE complaints;
