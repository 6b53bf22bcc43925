-- expect: MC102
-- squawk: require-concurrent-index-deletion
SET lock_timeout = '2s';
DROP INDEX IF EXISTS orders_status_idx;
