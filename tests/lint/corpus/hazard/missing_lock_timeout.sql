-- expect: MC111
ALTER TABLE users ADD COLUMN nickname text;
