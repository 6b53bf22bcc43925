-- Expand: add the new column and keep it in sync; the old one is dropped in a later release.
BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE customers ADD COLUMN IF NOT EXISTS full_name text;
CREATE OR REPLACE FUNCTION customers_sync_full_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.full_name := COALESCE(NEW.full_name, NEW.name);
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS customers_sync_full_name ON customers;
CREATE TRIGGER customers_sync_full_name BEFORE INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION customers_sync_full_name();
COMMIT;
