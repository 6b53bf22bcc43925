SET lock_timeout = '2s';
ALTER TABLE customers ADD COLUMN IF NOT EXISTS external_ref text;
DROP INDEX CONCURRENTLY IF EXISTS customers_external_ref_idx;
CREATE UNIQUE INDEX CONCURRENTLY customers_external_ref_idx ON customers (external_ref);
ALTER TABLE customers ADD CONSTRAINT customers_external_ref_key UNIQUE USING INDEX customers_external_ref_idx;
