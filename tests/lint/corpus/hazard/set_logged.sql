-- expect: MC117
SET lock_timeout = '2s';
ALTER TABLE staging_rows SET LOGGED;
