-- +goose Up
-- Courses a school sells class hours of (课程), and who attends them.
CREATE TABLE courses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  campus_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  hours_per_lesson INTEGER NOT NULL DEFAULT 1,
  price_per_hour INTEGER NOT NULL,
  teacher_id INTEGER NOT NULL DEFAULT 0,
  weekdays TEXT NOT NULL DEFAULT '',
  lesson_time TEXT NOT NULL DEFAULT '',
  validity_months INTEGER NOT NULL DEFAULT 12,
  consume_on TEXT NOT NULL DEFAULT 'roll_call',
  max_prepaid_hours INTEGER NOT NULL DEFAULT 60,
  renewal_at_hours INTEGER NOT NULL DEFAULT 4,
  archived_at DATETIME NULL,
  created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_courses_campus_name ON courses (campus_id, name);

-- A course's class list: a package bought puts the child on it.
CREATE TABLE course_members (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  course_id INTEGER NOT NULL REFERENCES courses (id),
  member_id INTEGER NOT NULL REFERENCES members (id),
  joined_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_course_members ON course_members (course_id, member_id);
CREATE INDEX ix_course_members_member ON course_members (member_id);

-- A class-hour package (课时包): hours credited to the member's hours account
-- for the course, drawn by attendance soonest-ending first; what is left at
-- valid_until expires. remaining is provable from the draws.
CREATE TABLE class_hour_packages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id INTEGER NOT NULL REFERENCES members (id),
  course_id INTEGER NOT NULL REFERENCES courses (id),
  account_id INTEGER NOT NULL REFERENCES ledger_accounts (id),
  purchase_id INTEGER NOT NULL,
  journal_id INTEGER NOT NULL REFERENCES ledger_journals (id),
  hours INTEGER NOT NULL,
  bonus_hours INTEGER NOT NULL DEFAULT 0,
  remaining INTEGER NOT NULL,
  paid INTEGER NOT NULL,
  refunded INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active',
  valid_until DATETIME NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_class_hour_packages_account ON class_hour_packages (account_id, valid_until);
CREATE INDEX ix_class_hour_packages_member ON class_hour_packages (member_id, course_id);
CREATE UNIQUE INDEX uq_class_hour_packages_purchase ON class_hour_packages (purchase_id);
CREATE INDEX ix_class_hour_packages_expiry ON class_hour_packages (valid_until, remaining);

-- Every draw on a package (negative = hours put back by a correction).
CREATE TABLE class_hour_draws (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  package_id INTEGER NOT NULL REFERENCES class_hour_packages (id),
  journal_id INTEGER NOT NULL REFERENCES ledger_journals (id),
  hours INTEGER NOT NULL
);
CREATE INDEX ix_class_hour_draws_package ON class_hour_draws (package_id);
CREATE INDEX ix_class_hour_draws_journal ON class_hour_draws (journal_id);

-- One attendance mark per member, course and lesson day (课消 at most once).
CREATE TABLE course_attendance (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  course_id INTEGER NOT NULL REFERENCES courses (id),
  member_id INTEGER NOT NULL REFERENCES members (id),
  on_day TEXT NOT NULL,
  status TEXT NOT NULL,
  hours INTEGER NOT NULL DEFAULT 0,
  journal_id INTEGER NULL,
  actor_type TEXT NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_course_attendance ON course_attendance (member_id, course_id, on_day);
CREATE INDEX ix_course_attendance_course ON course_attendance (course_id, on_day);

INSERT INTO ledger_accounts (id, owner_type, owner_id, name, asset, created_at) VALUES
  (120, 'system', 0, 'hours_issued', 'hours', '2026-01-01 00:00:00'),
  (121, 'system', 0, 'hours_consumed', 'hours', '2026-01-01 00:00:00'),
  (122, 'system', 0, 'hours_expired', 'hours', '2026-01-01 00:00:00'),
  (123, 'system', 0, 'hours_refunded', 'hours', '2026-01-01 00:00:00');

-- +goose StatementBegin
CREATE TRIGGER class_hour_draws_no_update BEFORE UPDATE ON class_hour_draws
BEGIN SELECT RAISE(ABORT, 'class_hour_draws is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER class_hour_draws_no_delete BEFORE DELETE ON class_hour_draws
BEGIN SELECT RAISE(ABORT, 'class_hour_draws is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER class_hour_draws_no_delete;
DROP TRIGGER class_hour_draws_no_update;
DELETE FROM ledger_accounts WHERE id IN (120, 121, 122, 123);
DROP TABLE course_attendance;
DROP TABLE class_hour_draws;
DROP TABLE class_hour_packages;
DROP TABLE course_members;
DROP TABLE courses;
