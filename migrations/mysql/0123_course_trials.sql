-- +goose Up
-- Trial lessons (试听) booked for prospects and marked by the teacher; with
-- the lifecycle history they make the prospect funnel.
CREATE TABLE course_trials (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  course_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  on_day CHAR(10) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'booked',
  actor_type VARCHAR(16) NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  marked_at DATETIME(3) NULL,
  UNIQUE KEY uq_course_trials (course_id, member_id, on_day),
  KEY ix_course_trials_day (on_day, course_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE course_trials;
