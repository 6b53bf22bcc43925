-- The current types are known from the file: widening varchar and varchar to text are free.
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN display_name varchar(100);
ALTER TABLE users ADD COLUMN bio varchar(500);
ALTER TABLE users ALTER COLUMN display_name TYPE varchar(200);
ALTER TABLE users ALTER COLUMN bio TYPE text;
