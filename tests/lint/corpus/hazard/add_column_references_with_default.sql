-- expect: MC104
-- squawk: adding-foreign-key-constraint
SET lock_timeout = '2s';
ALTER TABLE comments ADD COLUMN author_id bigint NOT NULL DEFAULT 1 REFERENCES authors (id);
