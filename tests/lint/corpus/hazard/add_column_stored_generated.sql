-- expect: MC107
SET lock_timeout = '2s';
ALTER TABLE people ADD COLUMN full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED;
