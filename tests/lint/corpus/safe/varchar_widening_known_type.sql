SET lock_timeout = '2s';
ALTER TABLE tags ADD COLUMN label varchar(50);
ALTER TABLE tags ALTER COLUMN label TYPE varchar(120);
ALTER TABLE tags ADD COLUMN price numeric(8, 2);
ALTER TABLE tags ALTER COLUMN price TYPE numeric(12, 2);
