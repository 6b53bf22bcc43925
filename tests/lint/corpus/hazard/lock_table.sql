-- expect: MC119
BEGIN;
SET LOCAL lock_timeout = '2s';
LOCK TABLE inventory IN ACCESS EXCLUSIVE MODE;
COMMIT;
