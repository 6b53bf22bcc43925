SET lock_timeout = '2s';
DROP INDEX CONCURRENTLY IF EXISTS orders_legacy_idx;
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_legacy_check;
