-- expect: MC301
-- squawk: ban-drop-table
SET lock_timeout = '2s';
DROP TABLE IF EXISTS settings CASCADE;
CREATE TABLE settings (key text PRIMARY KEY, value jsonb NOT NULL);
