-- expect: MC117
-- squawk: none
SET lock_timeout = '2s';
ALTER TABLE orders SET TABLESPACE fast_ssd;
