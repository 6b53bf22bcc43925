-- expect: MC301
-- squawk: ban-drop-view
SET lock_timeout = '2s';
DROP VIEW IF EXISTS monthly_revenue;
