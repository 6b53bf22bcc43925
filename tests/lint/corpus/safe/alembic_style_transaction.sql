BEGIN;
SET LOCAL lock_timeout = '2s';
ALTER TABLE invoices ADD COLUMN paid_at timestamptz;
ALTER TABLE invoices ADD COLUMN notes text DEFAULT '';
COMMENT ON COLUMN invoices.paid_at IS 'when the payment cleared';
UPDATE alembic_version SET version_num = 'a1b2c3' WHERE version_num = '9f8e7d';
COMMIT;
