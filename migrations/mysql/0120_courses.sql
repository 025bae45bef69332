-- +goose Up
-- Courses a school sells class hours of (课程), and who attends them.
CREATE TABLE courses (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campus_id BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  category VARCHAR(32) NOT NULL,
  hours_per_lesson INT NOT NULL DEFAULT 1,
  price_per_hour BIGINT NOT NULL,
  teacher_id BIGINT NOT NULL DEFAULT 0,
  weekdays VARCHAR(16) NOT NULL DEFAULT '',
  lesson_time VARCHAR(5) NOT NULL DEFAULT '',
  validity_months INT NOT NULL DEFAULT 12,
  consume_on VARCHAR(16) NOT NULL DEFAULT 'roll_call',
  max_prepaid_hours INT NOT NULL DEFAULT 60,
  renewal_at_hours INT NOT NULL DEFAULT 4,
  archived_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_courses_campus_name (campus_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A course's class list: a package bought puts the child on it.
CREATE TABLE course_members (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  course_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  joined_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_course_members (course_id, member_id),
  KEY ix_course_members_member (member_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A class-hour package (课时包): hours credited to the member's hours account
-- for the course, drawn by attendance soonest-ending first; what is left at
-- valid_until expires. remaining is provable from the draws.
CREATE TABLE class_hour_packages (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  member_id BIGINT NOT NULL,
  course_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  purchase_id BIGINT NOT NULL,
  journal_id BIGINT NOT NULL,
  hours INT NOT NULL,
  bonus_hours INT NOT NULL DEFAULT 0,
  remaining INT NOT NULL,
  paid BIGINT NOT NULL,
  refunded BIGINT NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  valid_until DATETIME(3) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_class_hour_packages_account (account_id, valid_until),
  KEY ix_class_hour_packages_member (member_id, course_id),
  UNIQUE KEY uq_class_hour_packages_purchase (purchase_id),
  KEY ix_class_hour_packages_expiry (valid_until, remaining)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every draw on a package (negative = hours put back by a correction).
CREATE TABLE class_hour_draws (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  package_id BIGINT NOT NULL,
  journal_id BIGINT NOT NULL,
  hours INT NOT NULL,
  KEY ix_class_hour_draws_package (package_id),
  KEY ix_class_hour_draws_journal (journal_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One attendance mark per member, course and lesson day (课消 at most once).
CREATE TABLE course_attendance (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  course_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  on_day CHAR(10) NOT NULL,
  status VARCHAR(16) NOT NULL,
  hours INT NOT NULL DEFAULT 0,
  journal_id BIGINT NULL,
  actor_type VARCHAR(16) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_course_attendance (member_id, course_id, on_day),
  KEY ix_course_attendance_course (course_id, on_day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO ledger_accounts (id, owner_type, owner_id, name, asset, created_at) VALUES
  (120, 'system', 0, 'hours_issued', 'hours', '2026-01-01 00:00:00'),
  (121, 'system', 0, 'hours_consumed', 'hours', '2026-01-01 00:00:00'),
  (122, 'system', 0, 'hours_expired', 'hours', '2026-01-01 00:00:00'),
  (123, 'system', 0, 'hours_refunded', 'hours', '2026-01-01 00:00:00');

-- +goose StatementBegin
CREATE TRIGGER class_hour_draws_no_update BEFORE UPDATE ON class_hour_draws FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'class_hour_draws is append-only';
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER class_hour_draws_no_delete BEFORE DELETE ON class_hour_draws FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'class_hour_draws is append-only';
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
