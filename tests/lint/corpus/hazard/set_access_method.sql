-- expect: MC117
-- squawk: none
SET lock_timeout = '2s';
ALTER TABLE events SET ACCESS METHOD columnar;
