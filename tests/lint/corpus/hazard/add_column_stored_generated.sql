-- expect: MC107
-- squawk: adding-field-with-default
SET lock_timeout = '2s';
ALTER TABLE people ADD COLUMN full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED;
