-- expect: MC303
SET lock_timeout = '2s';
TRUNCATE TABLE sessions;
