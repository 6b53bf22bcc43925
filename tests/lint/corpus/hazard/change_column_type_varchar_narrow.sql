-- expect: MC109
-- squawk: changing-column-type
SET lock_timeout = '2s';
ALTER TABLE tags ADD COLUMN label varchar(100);
ALTER TABLE tags ALTER COLUMN label TYPE varchar(20);
