-- expect: MC302
SET lock_timeout = '2s';
ALTER TABLE users DROP COLUMN legacy_flags;
