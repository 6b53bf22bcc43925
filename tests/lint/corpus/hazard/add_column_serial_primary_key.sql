-- expect: MC108 MC110
-- squawk: adding-serial-primary-key-field
SET lock_timeout = '2s';
ALTER TABLE legacy_rows ADD COLUMN id serial PRIMARY KEY;
