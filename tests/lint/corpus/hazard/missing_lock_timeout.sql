-- expect: MC111
-- squawk: require-lock-timeout
ALTER TABLE users ADD COLUMN nickname text;
