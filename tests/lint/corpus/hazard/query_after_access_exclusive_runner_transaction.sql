-- expect: MC112
-- squawk: none
-- Written for a runner that wraps the file in one transaction (SET LOCAL says so).
SET LOCAL lock_timeout = '2s';
ALTER TABLE authors ADD COLUMN email text;
SELECT count(*) FROM authors;
