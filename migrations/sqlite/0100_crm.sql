-- +goose Up
-- Customer grading (DOMAIN §3.9/§4b): the member keeps its current grade and
-- the ids of the conditions that held; guardians gain coded employer type and
-- position level (the free-text occupation/position stay); the enrolment date
-- feeds tenure conditions.
ALTER TABLE members ADD COLUMN grade_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE members ADD COLUMN enrolled_on TEXT NOT NULL DEFAULT '';
ALTER TABLE guardians ADD COLUMN employer_type TEXT NOT NULL DEFAULT '';
ALTER TABLE guardians ADD COLUMN position_level TEXT NOT NULL DEFAULT '';
CREATE INDEX ix_members_grade ON members (grade, campus_id);

-- Every change of a member's grade: by an event, the nightly rule run, an
-- override or its expiry.
CREATE TABLE crm_grade_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  scheme TEXT NOT NULL,
  from_grade TEXT NOT NULL,
  to_grade TEXT NOT NULL,
  reasons TEXT NOT NULL DEFAULT '',
  cause TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  actor_type TEXT NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  at DATETIME NOT NULL
);
CREATE INDEX ix_crm_grade_history_member ON crm_grade_history (member_id, id);
CREATE INDEX ix_crm_grade_history_at ON crm_grade_history (at);

-- A service head's grade override with its reason and expiry.
CREATE TABLE crm_grade_overrides (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  grade TEXT NOT NULL,
  reason TEXT NOT NULL,
  expires_at DATETIME NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  ended_at DATETIME NULL
);
CREATE INDEX ix_crm_grade_overrides_member ON crm_grade_overrides (member_id, expires_at);

-- The homeroom teacher of a class: follow-up tasks of its children go to them.
CREATE TABLE crm_class_teachers (
  class_id INTEGER PRIMARY KEY REFERENCES classes (id),
  staff_id INTEGER NOT NULL REFERENCES staff_users (id),
  updated_at DATETIME NOT NULL
);
CREATE INDEX ix_crm_class_teachers_staff ON crm_class_teachers (staff_id);

-- Follow-up tasks. period_key makes generation idempotent: one task per
-- member, kind and period, whichever instance generates it.
CREATE TABLE crm_tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  campus_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'homeroom',
  period_key TEXT NOT NULL,
  assignee_id INTEGER NULL,
  due_on TEXT NOT NULL,
  due_time TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'open',
  outcome TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  done_at DATETIME NULL,
  done_by INTEGER NULL
);
CREATE UNIQUE INDEX uq_crm_tasks_period ON crm_tasks (member_id, kind, period_key);
CREATE INDEX ix_crm_tasks_assignee ON crm_tasks (assignee_id, status, due_on);
CREATE INDEX ix_crm_tasks_due ON crm_tasks (status, due_on);

-- The contact log (沟通记录).
CREATE TABLE crm_contacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  staff_id INTEGER NOT NULL DEFAULT 0,
  actor_type TEXT NOT NULL DEFAULT 'staff',
  channel TEXT NOT NULL,
  content TEXT NOT NULL,
  outcome TEXT NOT NULL,
  next_step TEXT NOT NULL DEFAULT '',
  next_on TEXT NOT NULL DEFAULT '',
  task_id INTEGER NULL,
  next_task_id INTEGER NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_crm_contacts_member ON crm_contacts (member_id, id);

-- A teacher's monthly behaviour-points budget (小红花), set by the admin.
CREATE TABLE crm_point_budgets (
  staff_id INTEGER PRIMARY KEY REFERENCES staff_users (id),
  monthly_points INTEGER NOT NULL,
  updated_at DATETIME NOT NULL
);

-- Behaviour points given: the budget is the sum of a teacher's rows for a month.
CREATE TABLE crm_behaviour_awards (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  staff_id INTEGER NOT NULL,
  member_id INTEGER NOT NULL REFERENCES members (id),
  month INTEGER NOT NULL,
  points INTEGER NOT NULL,
  reason TEXT NOT NULL,
  journal_id INTEGER NOT NULL,
  batch TEXT NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_crm_behaviour_batch ON crm_behaviour_awards (batch, member_id);
CREATE INDEX ix_crm_behaviour_staff ON crm_behaviour_awards (staff_id, month);
CREATE INDEX ix_crm_behaviour_member ON crm_behaviour_awards (member_id, id);

-- The daily roll call of children not scanned at the door.
CREATE TABLE crm_roll_calls (
  member_id INTEGER NOT NULL REFERENCES members (id),
  day TEXT NOT NULL,
  status TEXT NOT NULL,
  staff_id INTEGER NOT NULL,
  at DATETIME NOT NULL,
  PRIMARY KEY (member_id, day)
);

-- +goose Down
DROP TABLE crm_roll_calls;
DROP TABLE crm_behaviour_awards;
DROP TABLE crm_point_budgets;
DROP TABLE crm_contacts;
DROP TABLE crm_tasks;
DROP TABLE crm_class_teachers;
DROP TABLE crm_grade_overrides;
DROP TABLE crm_grade_history;
DROP INDEX ix_members_grade;
ALTER TABLE guardians DROP COLUMN position_level;
ALTER TABLE guardians DROP COLUMN employer_type;
ALTER TABLE members DROP COLUMN enrolled_on;
ALTER TABLE members DROP COLUMN grade_reasons;
