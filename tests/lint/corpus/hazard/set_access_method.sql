-- expect: MC117
SET lock_timeout = '2s';
ALTER TABLE events SET ACCESS METHOD columnar;
