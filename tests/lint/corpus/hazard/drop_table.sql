-- expect: MC301
-- squawk: ban-drop-table
SET lock_timeout = '2s';
DROP TABLE old_reports;
