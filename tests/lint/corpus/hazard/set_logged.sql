-- expect: MC117
-- squawk: none
SET lock_timeout = '2s';
ALTER TABLE staging_rows SET LOGGED;
