-- +goose Up
-- Points-exclusive courses (积分专享课程, seed 004): short courses whose seats
-- members buy with points at their tier's price (held until the course
-- opens) and guests buy with money at the normal price. Below the minimum by
-- the start date, the course is cancelled and everyone is refunded.
CREATE TABLE exclusive_courses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  campus_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  hours INTEGER NOT NULL,
  sessions INTEGER NOT NULL DEFAULT 1,
  capacity INTEGER NOT NULL,
  min_to_open INTEGER NOT NULL DEFAULT 20,
  starts_on TEXT NOT NULL,
  price INTEGER NOT NULL,
  points_silver INTEGER NOT NULL,
  points_gold INTEGER NOT NULL,
  points_platinum INTEGER NOT NULL,
  teacher_id INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'open',
  settled_at DATETIME NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX ix_exclusive_courses_status ON exclusive_courses (status, starts_on);

CREATE TABLE exclusive_enrolments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  course_id INTEGER NOT NULL REFERENCES exclusive_courses (id),
  member_id INTEGER NULL,
  guest_name TEXT NOT NULL DEFAULT '',
  guest_phone TEXT NOT NULL DEFAULT '',
  points INTEGER NOT NULL DEFAULT 0,
  hold_id INTEGER NULL,
  amount INTEGER NOT NULL DEFAULT 0,
  method TEXT NOT NULL DEFAULT '',
  journal_id INTEGER NULL,
  status TEXT NOT NULL DEFAULT 'enrolled',
  created_at DATETIME NOT NULL,
  closed_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_exclusive_enrolments_member ON exclusive_enrolments (course_id, member_id);
CREATE INDEX ix_exclusive_enrolments_course ON exclusive_enrolments (course_id, status);

-- +goose Down
DROP TABLE exclusive_enrolments;
DROP TABLE exclusive_courses;
