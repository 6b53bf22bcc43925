-- expect: MC102
SET lock_timeout = '2s';
DROP INDEX IF EXISTS orders_status_idx;
