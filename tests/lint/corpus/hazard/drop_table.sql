-- expect: MC301
SET lock_timeout = '2s';
DROP TABLE old_reports;
