-- expect: MC119
-- squawk: none
BEGIN;
SET LOCAL lock_timeout = '2s';
LOCK TABLE inventory IN ACCESS EXCLUSIVE MODE;
COMMIT;
