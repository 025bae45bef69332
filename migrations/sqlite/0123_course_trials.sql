-- +goose Up
-- Trial lessons (试听) booked for prospects and marked by the teacher; with
-- the lifecycle history they make the prospect funnel.
CREATE TABLE course_trials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  course_id INTEGER NOT NULL REFERENCES courses (id),
  member_id INTEGER NOT NULL REFERENCES members (id),
  on_day TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'booked',
  actor_type TEXT NOT NULL,
  actor_id INTEGER NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  marked_at DATETIME NULL
);
CREATE UNIQUE INDEX uq_course_trials ON course_trials (course_id, member_id, on_day);
CREATE INDEX ix_course_trials_day ON course_trials (on_day, course_id);

-- +goose Down
DROP TABLE course_trials;
