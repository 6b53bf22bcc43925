-- expect: MC109
-- squawk: changing-column-type
-- The current types are not in the file: each change is free only from a binary-compatible type,
-- so MC109 warns that it may rewrite (the safe twin, with the types known, is safe/varchar_widening_known.sql).
SET lock_timeout = '2s';
ALTER TABLE users ALTER COLUMN display_name TYPE varchar(200);
ALTER TABLE users ALTER COLUMN bio TYPE text;
