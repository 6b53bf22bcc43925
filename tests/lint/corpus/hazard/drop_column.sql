-- expect: MC302
-- squawk: ban-drop-column
SET lock_timeout = '2s';
ALTER TABLE users DROP COLUMN legacy_flags;
