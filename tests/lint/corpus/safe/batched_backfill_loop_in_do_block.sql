-- Batches of 5,000 rows, each committed (PostgreSQL 11+ allows COMMIT in a DO block run outside a transaction).
DO $$
DECLARE
    batch_size int := 5000;
    rows_updated int;
BEGIN
    LOOP
        UPDATE users SET newsletter = false
        WHERE id IN (SELECT id FROM users WHERE newsletter IS NULL LIMIT batch_size);
        GET DIAGNOSTICS rows_updated = ROW_COUNT;
        EXIT WHEN rows_updated = 0;
        COMMIT;
    END LOOP;
END
$$;
