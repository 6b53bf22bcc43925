-- expect: MC303
-- squawk: ban-truncate-cascade
SET lock_timeout = '2s';
TRUNCATE customers CASCADE;
