-- expect: MC105
-- squawk: none
DO $$
BEGIN
    SET LOCAL lock_timeout = '2s';
    ALTER TABLE users ALTER COLUMN tenant_id SET NOT NULL;
END
$$;
