-- expect: MC303
-- squawk: none
SET lock_timeout = '2s';
TRUNCATE TABLE sessions;
