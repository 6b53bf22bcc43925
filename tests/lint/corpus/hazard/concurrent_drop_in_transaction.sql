-- expect: MC103
-- squawk: none
BEGIN;
DROP INDEX CONCURRENTLY IF EXISTS orders_user_idx;
COMMIT;
