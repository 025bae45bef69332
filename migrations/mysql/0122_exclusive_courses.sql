-- +goose Up
-- Points-exclusive courses (积分专享课程, seed 004): short courses whose seats
-- members buy with points at their tier's price (held until the course
-- opens) and guests buy with money at the normal price. Below the minimum by
-- the start date, the course is cancelled and everyone is refunded.
CREATE TABLE exclusive_courses (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campus_id BIGINT NOT NULL,
  name VARCHAR(64) NOT NULL,
  hours INT NOT NULL,
  sessions INT NOT NULL DEFAULT 1,
  capacity INT NOT NULL,
  min_to_open INT NOT NULL DEFAULT 20,
  starts_on CHAR(10) NOT NULL,
  price BIGINT NOT NULL,
  points_silver BIGINT NOT NULL,
  points_gold BIGINT NOT NULL,
  points_platinum BIGINT NOT NULL,
  teacher_id BIGINT NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL DEFAULT 'open',
  settled_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  KEY ix_exclusive_courses_status (status, starts_on)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE exclusive_enrolments (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  course_id BIGINT NOT NULL,
  member_id BIGINT NULL,
  guest_name VARCHAR(64) NOT NULL DEFAULT '',
  guest_phone VARCHAR(32) NOT NULL DEFAULT '',
  points BIGINT NOT NULL DEFAULT 0,
  hold_id BIGINT NULL,
  amount BIGINT NOT NULL DEFAULT 0,
  method VARCHAR(16) NOT NULL DEFAULT '',
  journal_id BIGINT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'enrolled',
  created_at DATETIME(3) NOT NULL,
  closed_at DATETIME(3) NULL,
  UNIQUE KEY uq_exclusive_enrolments_member (course_id, member_id),
  KEY ix_exclusive_enrolments_course (course_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE exclusive_enrolments;
DROP TABLE exclusive_courses;
