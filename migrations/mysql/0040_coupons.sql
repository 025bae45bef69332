-- +goose Up
-- Coupon templates (优惠券模板): see the SQLite twin for the why.
CREATE TABLE coupon_templates (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(80) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  amount_off BIGINT NOT NULL DEFAULT 0,
  percent_off INT NOT NULL DEFAULT 0,
  max_discount BIGINT NOT NULL DEFAULT 0,
  gift_value BIGINT NOT NULL DEFAULT 0,
  min_spend BIGINT NOT NULL DEFAULT 0,
  categories VARCHAR(120) NOT NULL DEFAULT '',
  valid_from DATETIME(3) NULL,
  valid_until DATETIME(3) NULL,
  valid_days INT NOT NULL DEFAULT 0,
  per_member_limit INT NOT NULL DEFAULT 0,
  total_quantity BIGINT NOT NULL DEFAULT 0,
  budget BIGINT NOT NULL DEFAULT 0,
  stackable TINYINT(1) NOT NULL DEFAULT 0,
  issued_count BIGINT NOT NULL DEFAULT 0,
  issued_value BIGINT NOT NULL DEFAULT 0,
  used_count BIGINT NOT NULL DEFAULT 0,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE coupon_campaigns (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  template_id BIGINT NOT NULL,
  name VARCHAR(80) NOT NULL DEFAULT '',
  segment TEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  total BIGINT NOT NULL DEFAULT 0,
  issued BIGINT NOT NULL DEFAULT 0,
  skipped BIGINT NOT NULL DEFAULT 0,
  cursor_id BIGINT NOT NULL DEFAULT 0,
  lease_holder VARCHAR(64) NOT NULL DEFAULT '',
  lease_until DATETIME(3) NULL,
  error VARCHAR(255) NOT NULL DEFAULT '',
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL,
  started_at DATETIME(3) NULL,
  finished_at DATETIME(3) NULL,
  KEY ix_coupon_campaigns_status (status, lease_until),
  CONSTRAINT fk_coupon_campaigns_template FOREIGN KEY (template_id) REFERENCES coupon_templates (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE coupons (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  template_id BIGINT NOT NULL,
  member_id BIGINT NOT NULL,
  code VARCHAR(16) NOT NULL,
  verify_code CHAR(6) NOT NULL,
  name VARCHAR(80) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  amount_off BIGINT NOT NULL DEFAULT 0,
  percent_off INT NOT NULL DEFAULT 0,
  max_discount BIGINT NOT NULL DEFAULT 0,
  gift_value BIGINT NOT NULL DEFAULT 0,
  min_spend BIGINT NOT NULL DEFAULT 0,
  categories VARCHAR(120) NOT NULL DEFAULT '',
  stackable TINYINT(1) NOT NULL DEFAULT 0,
  valid_from DATETIME(3) NOT NULL,
  valid_until DATETIME(3) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'active',
  source_key VARCHAR(64) NULL,
  campaign_id BIGINT NULL,
  issued_by_type VARCHAR(16) NOT NULL DEFAULT 'system',
  issued_by BIGINT NOT NULL DEFAULT 0,
  issued_at DATETIME(3) NOT NULL,
  used_at DATETIME(3) NULL,
  used_purchase_id BIGINT NULL,
  used_by BIGINT NOT NULL DEFAULT 0,
  used_discount BIGINT NOT NULL DEFAULT 0,
  UNIQUE KEY uq_coupons_code (code),
  UNIQUE KEY uq_coupons_source (source_key),
  KEY ix_coupons_member (member_id, status, valid_until),
  KEY ix_coupons_template_member (template_id, member_id),
  KEY ix_coupons_purchase (used_purchase_id),
  KEY ix_coupons_campaign (campaign_id, member_id),
  CONSTRAINT fk_coupons_template FOREIGN KEY (template_id) REFERENCES coupon_templates (id),
  CONSTRAINT fk_coupons_member FOREIGN KEY (member_id) REFERENCES members (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE coupon_redeem_failures (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  limit_key VARCHAR(80) NOT NULL,
  at DATETIME(3) NOT NULL,
  KEY ix_coupon_redeem_failures (limit_key, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Built-in templates the automatic triggers point at (loyalty settings name
-- them by id; an admin may edit their terms like any other template).
INSERT INTO coupon_templates (id, name, kind, amount_off, percent_off, max_discount, gift_value, min_spend, categories,
  valid_days, per_member_limit, stackable, status, created_at, updated_at) VALUES
  (1, '消费满200元返券', 'next_order', 2000, 0, 0, 0, 10000, '', 30, 0, 1, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (2, '生日礼金券', 'amount', 2000, 0, 0, 0, 0, '', 30, 0, 1, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (3, '转介绍感谢礼品', 'gift', 0, 0, 0, 20000, 0, '', 90, 0, 0, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (4, '转介绍新生学费优惠', 'percent', 0, 15, 0, 0, 0, 'tuition', 90, 0, 0, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (5, '升级礼券', 'amount', 5000, 0, 0, 0, 50000, '', 60, 0, 1, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
  (6, '集章奖励：免费课时一节', 'gift', 0, 0, 0, 15000, 0, 'tuition,interest_class', 60, 0, 1, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00');

-- +goose Down
DROP TABLE coupon_redeem_failures;
DROP TABLE coupons;
DROP TABLE coupon_campaigns;
DROP TABLE coupon_templates;
