-- +goose Up
-- Net spend per member per school day (yyyymmdd), kept in the purchase's and
-- the refund's transaction: the tier window sums at most ~366 rows however
-- often a member buys, instead of every purchase in the window.
CREATE TABLE member_spend_days (
  member_id BIGINT NOT NULL,
  day INT NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (member_id, day),
  CONSTRAINT fk_member_spend_days_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO member_spend_days (member_id, day, amount)
  SELECT member_id, CAST(DATE_FORMAT(DATE_ADD(at, INTERVAL 8 HOUR), '%Y%m%d') AS UNSIGNED), SUM(paid - refunded)
  FROM purchases GROUP BY member_id, CAST(DATE_FORMAT(DATE_ADD(at, INTERVAL 8 HOUR), '%Y%m%d') AS UNSIGNED);

-- +goose Down
DROP TABLE member_spend_days;
