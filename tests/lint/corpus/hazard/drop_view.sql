-- expect: MC301
SET lock_timeout = '2s';
DROP VIEW IF EXISTS monthly_revenue;
