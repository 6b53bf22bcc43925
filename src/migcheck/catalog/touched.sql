-- migcheck change tracking: what each migration step touched, as PostgreSQL itself reports it.
--
-- Installed once per throwaway database (by a superuser: event triggers need one; without the
-- privilege nothing is installed and every snapshot is full). Two event triggers record the
-- objects every DDL command created, altered or dropped, in any session (the migrations'
-- connection, another connection, autocommit mode, DDL inside DO blocks and functions alike),
-- in information_schema.migcheck_touched; the snapshot function reads and clears that log and
-- renders again only what it names (see snapshot.sql).
--
-- Everything lives in information_schema, which the snapshot, the lock tracer and Alembic's
-- model comparison all leave out, so nothing here shows up in a report. The triggers fire
-- ALWAYS (also under session_replication_role = replica), only insert into migcheck's own log
-- (no lock on any user table), skip temporary objects, and never raise: when recording fails,
-- they record a marker that makes the next snapshot full, and if even that fails they stay
-- silent rather than break the migration.
--
-- information_schema.migcheck_parts maps the indexes, owned sequences and partitions (or
-- inheritance children) of every rendered table to that table ("a change to objid re-renders
-- table tbl"; tbl 0: a sequence listed outside tables). The snapshot function writes it when it
-- renders a table: once an index or sequence is dropped, PostgreSQL no longer knows its table.
DO $migcheck$
BEGIN
  IF to_regclass('information_schema.migcheck_touched') IS NOT NULL THEN
    RETURN;
  END IF;
  CREATE TABLE information_schema.migcheck_touched (
    classid oid NOT NULL,
    objid oid NOT NULL,
    kind text,
    parent text  -- a dropped constraint's, trigger's, policy's, rule's or default's relation;
                 -- a dropped table's own name
  );
  CREATE TABLE information_schema.migcheck_parts (
    objid oid NOT NULL,
    tbl oid NOT NULL,
    PRIMARY KEY (objid, tbl)
  );
  CREATE INDEX migcheck_parts_tbl ON information_schema.migcheck_parts (tbl);

  CREATE FUNCTION information_schema.migcheck_ddl_end() RETURNS event_trigger
  LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
  BEGIN
    BEGIN
      INSERT INTO information_schema.migcheck_touched (classid, objid, kind)
      SELECT c.classid, c.objid, c.object_type FROM pg_event_trigger_ddl_commands() c
      WHERE c.classid IS NOT NULL AND c.objid IS NOT NULL  -- GRANT: not in a snapshot
        AND coalesce(c.schema_name, '') NOT LIKE 'pg\_temp%';
    EXCEPTION WHEN OTHERS THEN
      BEGIN
        INSERT INTO information_schema.migcheck_touched VALUES (0, 0, 'unknown', NULL);
      EXCEPTION WHEN OTHERS THEN
        NULL;
      END;
    END;
  END
  $f$;

  CREATE FUNCTION information_schema.migcheck_sql_drop() RETURNS event_trigger
  LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
  BEGIN
    BEGIN
      INSERT INTO information_schema.migcheck_touched (classid, objid, kind, parent)
      SELECT d.classid, d.objid, d.object_type,
             CASE WHEN cardinality(d.address_names) = 3
                    OR d.object_type IN ('table', 'foreign table')
                  THEN format('%I.%I', d.address_names[1], d.address_names[2]) END
      FROM pg_event_trigger_dropped_objects() d
      WHERE (d.original OR d.normal)  -- not what went with its table (its indexes, ...)
        AND NOT d.is_temporary AND d.schema_name IS DISTINCT FROM 'pg_toast';
    EXCEPTION WHEN OTHERS THEN
      BEGIN
        INSERT INTO information_schema.migcheck_touched VALUES (0, 0, 'unknown', NULL);
      EXCEPTION WHEN OTHERS THEN
        NULL;
      END;
    END;
  END
  $f$;

  CREATE EVENT TRIGGER migcheck_ddl_end ON ddl_command_end
    EXECUTE FUNCTION information_schema.migcheck_ddl_end();
  CREATE EVENT TRIGGER migcheck_sql_drop ON sql_drop
    EXECUTE FUNCTION information_schema.migcheck_sql_drop();
  ALTER EVENT TRIGGER migcheck_ddl_end ENABLE ALWAYS;
  ALTER EVENT TRIGGER migcheck_sql_drop ENABLE ALWAYS;
EXCEPTION WHEN insufficient_privilege THEN
  NULL;  -- not a superuser: no tracking, every snapshot is full
END
$migcheck$;
