-- migcheck schema snapshot: the user-visible schema as JSON text, whole or only what changed.
--
-- Installed per session as a temporary function. Its SET clauses hold for the duration of the
-- call only, leaving the caller's session untouched: search_path is pinned to pg_catalog, so every
-- pg_get_*def() and format_type() result is fully schema-qualified whatever search_path the
-- migrations left behind; plans are generic, so each query below is planned once per session,
-- not at every call (planning the large ones costs more than running them on a step's objects);
-- and joins are nested loops over the catalogs' indexes: a generic plan guesses hundreds of
-- touched objects and would hash or merge whole catalogs, a cost that grows with the schema,
-- where a step touches a handful. Rows are arrays [identity, field, ...] ordered by identity (an array of names, never
-- an OID), so two snapshots of the same schema are the same text. The field order of each
-- category is FIELDS in snapshot.py: change both together.
--
-- Each table (with its columns, constraints, indexes, owned sequences, triggers, policies and
-- rules) is one fragment; every other category (schemas, types, views, functions, sequences of
-- no column, event triggers, extensions, statistics, and what belongs to views) is "other".
--
-- mode 'full' renders everything and touches no tracking table. mode 'reset' renders everything
-- too, clears the log of touched objects and rebuilds migcheck_parts (see touched.sql). mode
-- 'targeted' reads and clears the log (what PostgreSQL's event triggers saw since the last call,
-- in every session) and renders only:
--   * the tables among the touched objects, the tables of touched indexes, constraints,
--     triggers, policies, rules, defaults and owned sequences (live, or for dropped ones the
--     relation their names or migcheck_parts give), and the inheritance children of touched
--     tables (ALTER TABLE on a parent changes its partitions);
--   * what depends on a touched object that is not a table or an index (pg_depend: the tables
--     whose columns, defaults, constraints, triggers, indexes or policies use a type, function,
--     sequence or collation, so a rename shows where the name is used), and what depends on the
--     tables in "also" (the caller passes tables it saw renamed, or with a column renamed:
--     foreign keys and views elsewhere spell their names);
--   * the categories of "other" whose objects were touched: views and what belongs to them
--     (indexes of materialized views, triggers, rules), types with domain constraints,
--     functions, statistics, sequences of no column, event triggers (not reported to event
--     triggers: their rows' fingerprint is compared); all of them for anything else (an
--     extension, a collation, ...). Several categories list every object of their kind (the
--     sequences of no column are found among all sequences), so rendering only the touched ones
--     keeps a step that changes an enum from paying for every table's sequence.
-- A touched schema, or a log entry the triggers could not record, renders everything; so does
-- tracking that cannot be trusted (not installed, an event trigger missing or disabled, or
-- event_triggers = off in this session).
--
-- OUT versions: the alembic version table's rows (JSON array);
-- OUT other_keys, other_values: the categories outside the table fragments rendered this time,
--     each category's JSON text (all of them when complete; NULL when none);
-- OUT tables: [[oid, identity or null, fragment or null], ...] for each table rendered, or
--             touched and gone (null: drop it); a fragment is the JSON text of an object holding
--             the table's own categories;
-- OUT signature: the fingerprint of the event trigger rows, passed back next time;
-- OUT complete: true when every table was rendered (tables is the whole list).
--
-- Left out: objects that belong to an extension, the alembic version table (and its key),
-- migcheck's own tracking (information_schema), ownership and grants, and NOT NULL constraints
-- (pg_constraint rows of type 'n' since PostgreSQL 18; the columns' notnull field covers them).
CREATE OR REPLACE FUNCTION pg_temp.migcheck_snapshot(version_table regclass, mode text,
                                                     also oid[], previous_signature text,
                                                     OUT versions text,
                                                     OUT other_keys text[],
                                                     OUT other_values text[],
                                                     OUT tables text, OUT signature text,
                                                     OUT complete boolean)
LANGUAGE plpgsql SET search_path = pg_catalog SET plan_cache_mode = force_generic_plan
  SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off
AS $migcheck$
DECLARE
  todo oid[] := '{}';
  other_all CONSTANT text[] := '{schema,constraint,index,sequence,type,view,function,trigger,'
                                '"event trigger",extension,rule,statistics}';
  other_todo text[] := '{}';  -- the categories of "other" to render
  need_all boolean := false;
  tracked boolean := false;
BEGIN
  IF version_table IS NOT NULL THEN
    EXECUTE format('SELECT json_agg(version_num::text ORDER BY version_num::text)::text FROM %s',
                   version_table) INTO versions;
  END IF;
  SELECT count(*) || ':' || coalesce(sum(et.xmin::text::int8), 0) INTO signature
  FROM pg_event_trigger et;
  IF mode <> 'full' THEN
    tracked := to_regclass('information_schema.migcheck_touched') IS NOT NULL
      AND to_regclass('information_schema.migcheck_parts') IS NOT NULL
      AND (SELECT count(*) FROM pg_event_trigger et
           WHERE et.evtname IN ('migcheck_ddl_end', 'migcheck_sql_drop')
             AND et.evtenabled = 'A') = 2
      AND coalesce(current_setting('event_triggers', true), 'on') <> 'off';
  END IF;

  IF mode = 'targeted' AND tracked THEN
    WITH
    logged AS (
      DELETE FROM information_schema.migcheck_touched l
      RETURNING l.classid, l.objid, l.kind, l.parent
    ),
    items AS (
      SELECT DISTINCT l.classid, l.objid, l.kind, l.parent FROM logged l
      UNION  -- a type's array type is renamed with it, and columns name it
      SELECT 'pg_type'::regclass, t.typarray, NULL, NULL
      FROM logged l JOIN pg_type t ON l.classid = 'pg_type'::regclass AND t.oid = l.objid
      WHERE t.typarray <> 0
    ),
    deps AS (  -- what depends on a touched object (not a table or index), or on an "also" table
      SELECT d.classid, d.objid
      FROM items i JOIN pg_depend d ON d.refclassid = i.classid AND d.refobjid = i.objid
      WHERE i.classid <> 'pg_namespace'::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_class c
                        WHERE i.classid = 'pg_class'::regclass AND c.oid = i.objid
                          AND c.relkind IN ('r', 'p', 'f', 'i', 'I'))
      UNION
      SELECT d.classid, d.objid
      FROM unnest(also) a(oid)
      JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = a.oid
    ),
    targets AS (
      SELECT i.classid, i.objid, i.parent FROM items i
      UNION ALL
      SELECT d.classid, d.objid, NULL FROM deps d
    ),
    rels AS (  -- the relation each target is, or belongs to
      SELECT t.objid AS rel FROM targets t WHERE t.classid = 'pg_class'::regclass
      UNION ALL
      SELECT x.indrelid FROM targets t
      JOIN pg_index x ON t.classid = 'pg_class'::regclass AND x.indexrelid = t.objid
      UNION ALL  -- an owned sequence's table
      SELECT d.refobjid FROM targets t
      JOIN pg_depend d ON t.classid = 'pg_class'::regclass AND d.classid = 'pg_class'::regclass
                      AND d.objid = t.objid AND d.refclassid = 'pg_class'::regclass
                      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
      UNION ALL
      SELECT h.inhrelid FROM targets t
      JOIN pg_inherits h ON t.classid = 'pg_class'::regclass AND h.inhparent = t.objid
      UNION ALL  -- what a dropped index or sequence, or a detached partition, belonged to
      SELECT NULLIF(p.tbl, 0) FROM items i
      JOIN information_schema.migcheck_parts p ON i.classid = 'pg_class'::regclass
                                               AND p.objid = i.objid
      UNION ALL
      SELECT con.conrelid FROM targets t
      JOIN pg_constraint con ON t.classid = 'pg_constraint'::regclass AND con.oid = t.objid
      UNION ALL
      SELECT tg.tgrelid FROM targets t
      JOIN pg_trigger tg ON t.classid = 'pg_trigger'::regclass AND tg.oid = t.objid
      UNION ALL
      SELECT pol.polrelid FROM targets t
      JOIN pg_policy pol ON t.classid = 'pg_policy'::regclass AND pol.oid = t.objid
      UNION ALL
      SELECT rw.ev_class FROM targets t
      JOIN pg_rewrite rw ON t.classid = 'pg_rewrite'::regclass AND rw.oid = t.objid
      UNION ALL
      SELECT ad.adrelid FROM targets t
      JOIN pg_attrdef ad ON t.classid = 'pg_attrdef'::regclass AND ad.oid = t.objid
      UNION ALL
      SELECT to_regclass(t.parent)::oid FROM targets t WHERE t.parent IS NOT NULL
    )
    SELECT
      (SELECT coalesce(array_agg(DISTINCT r.rel), '{}') FROM rels r
       LEFT JOIN pg_class c ON c.oid = r.rel
       WHERE r.rel IS NOT NULL AND (c.oid IS NULL OR c.relkind IN ('r', 'p', 'f'))),
      (SELECT coalesce(array_agg(DISTINCT k), '{}') FROM unnest(
         -- (each relkind looked up by oid: a join would scan pg_class for the kind)
         CASE WHEN EXISTS (SELECT 1 FROM rels r
                           WHERE (SELECT c.relkind FROM pg_class c WHERE c.oid = r.rel)
                                 IN ('v', 'm'))
              THEN '{view,index,trigger,rule}'::text[] ELSE '{}' END
         || CASE WHEN EXISTS (SELECT 1 FROM rels r
                              WHERE (SELECT c.relkind FROM pg_class c WHERE c.oid = r.rel)
                                    = 'c')
                   OR EXISTS (SELECT 1 FROM targets t WHERE t.classid = 'pg_type'::regclass)
                   OR EXISTS (SELECT 1 FROM targets t  -- a domain's constraint
                              JOIN pg_constraint con ON t.classid = 'pg_constraint'::regclass
                                                    AND con.oid = t.objid
                              WHERE con.conrelid = 0)
                 THEN '{type,constraint}'::text[] ELSE '{}' END
         || CASE WHEN EXISTS (SELECT 1 FROM targets t WHERE t.classid = 'pg_proc'::regclass)
                 THEN '{function}'::text[] ELSE '{}' END
         || CASE WHEN EXISTS (SELECT 1 FROM targets t
                              WHERE t.classid = 'pg_statistic_ext'::regclass)
                 THEN '{statistics}'::text[] ELSE '{}' END
         || CASE WHEN EXISTS (SELECT 1 FROM targets t  -- a sequence of no column
                      JOIN pg_class c ON t.classid = 'pg_class'::regclass AND c.oid = t.objid
                      WHERE c.relkind = 'S' AND NOT EXISTS (
                        SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.refclassid = 'pg_class'::regclass
                          AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0))
                   OR EXISTS (SELECT 1 FROM items i  -- one that was listed outside tables
                      JOIN information_schema.migcheck_parts p
                        ON i.classid = 'pg_class'::regclass AND p.objid = i.objid
                      WHERE p.tbl = 0)
                 THEN '{sequence}'::text[] ELSE '{}' END
         || CASE WHEN EXISTS (SELECT 1 FROM items i  -- a dropped relation that was not a table's
                      WHERE i.classid = 'pg_class'::regclass
                        AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = i.objid)
                        AND i.kind NOT IN ('table', 'foreign table', 'table column')
                        AND NOT EXISTS (SELECT 1 FROM information_schema.migcheck_parts p
                                        WHERE p.objid = i.objid AND p.tbl <> 0))
                 THEN '{sequence,view,index,trigger,rule}'::text[] ELSE '{}' END
         || CASE WHEN EXISTS (SELECT 1 FROM items i  -- a dropped part of something not a table
                      WHERE i.classid <> 'pg_class'::regclass
                        AND i.parent IS NOT NULL AND to_regclass(i.parent) IS NULL
                        AND NOT EXISTS (  -- (a table dropped with its parts: DROP TABLE)
                          SELECT 1 FROM items j
                          WHERE j.classid = 'pg_class'::regclass
                            AND j.kind IN ('table', 'foreign table')
                            AND j.parent = i.parent))
                 THEN '{type,constraint,view,index,trigger,rule}'::text[] ELSE '{}' END
         || CASE WHEN EXISTS (SELECT 1 FROM targets t  -- anything else: render it all
                      WHERE t.classid NOT IN ('pg_class'::regclass, 'pg_constraint'::regclass,
                                              'pg_trigger'::regclass, 'pg_policy'::regclass,
                                              'pg_rewrite'::regclass, 'pg_attrdef'::regclass,
                                              'pg_type'::regclass, 'pg_proc'::regclass,
                                              'pg_statistic_ext'::regclass))
                 THEN other_all ELSE '{}' END) k),
      (SELECT coalesce(bool_or(i.classid IN (0, 'pg_namespace'::regclass)), false) FROM items i)
    INTO todo, other_todo, need_all;
  END IF;

  complete := mode <> 'targeted' OR NOT tracked OR need_all;
  IF complete THEN
    SELECT coalesce(array_agg(c.oid), '{}') INTO todo FROM pg_class c
    WHERE c.relkind IN ('r', 'p', 'f');
    other_todo := other_all;
    IF tracked THEN
      DELETE FROM information_schema.migcheck_touched;
      DELETE FROM information_schema.migcheck_parts;
    END IF;
  END IF;
  IF signature IS DISTINCT FROM previous_signature THEN
    other_todo := other_todo || '{event trigger}'::text[];
  END IF;

  -- table fragments (only for the tables to render; per-table subqueries use the catalogs'
  -- indexes, which beats scanning them when one step touched one or two tables) --------------
  WITH
  todo AS MATERIALIZED (
    SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relispartition, c.relrowsecurity,
           c.relforcerowsecurity, c.reloptions, c.relispopulated, c.relpartbound, n.nspname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = ANY (todo) AND c.relkind IN ('r', 'p', 'f')
      AND c.oid IS DISTINCT FROM version_table::oid
      AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend e
                      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                        AND e.refclassid = 'pg_extension'::regclass AND e.deptype = 'e')
  ),
  fragments AS (
    SELECT r.oid AS rel, json_build_object(
      'table', json_build_array(json_build_array(
         json_build_array(r.nspname, r.relname),
         r.relkind,
         r.relpersistence,
         CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
         CASE WHEN r.relispartition THEN
           (SELECT format('%I.%I', pn.nspname, pc.relname)
            FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
            JOIN pg_namespace pn ON pn.oid = pc.relnamespace
            WHERE i.inhrelid = r.oid) END,
         CASE WHEN r.relispartition THEN pg_get_expr(r.relpartbound, r.oid) END,
         CASE WHEN NOT r.relispartition THEN
           (SELECT json_agg(format('%I.%I', pn.nspname, pc.relname) ORDER BY i.inhseqno)
            FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
            JOIN pg_namespace pn ON pn.oid = pc.relnamespace
            WHERE i.inhrelid = r.oid) END,
         r.relrowsecurity,
         r.relforcerowsecurity,
         array_to_json(r.reloptions),
         (SELECT ds.description FROM pg_description ds
          WHERE ds.objoid = r.oid AND ds.classoid = 'pg_class'::regclass
            AND ds.objsubid = 0))),
      'column', (
        SELECT json_agg(json_build_array(
                 json_build_array(r.nspname, r.relname, a.attname),
                 format_type(a.atttypid, a.atttypmod),
                 a.attnotnull,
                 CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                 CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
                 NULLIF(a.attidentity, ''),
                 CASE WHEN a.attcollation <> 0 AND a.attcollation <>
                           (SELECT t.typcollation FROM pg_type t WHERE t.oid = a.atttypid) THEN
                   (SELECT format('%I.%I', cn.nspname, co.collname)
                    FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                    WHERE co.oid = a.attcollation) END,
                 ds.description)
               ORDER BY a.attname COLLATE "C")
        FROM pg_attribute a
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        LEFT JOIN pg_description ds ON ds.objoid = r.oid AND ds.classoid = 'pg_class'::regclass
                                   AND ds.objsubid = a.attnum
        WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped),
      'constraint', (
        SELECT json_agg(json_build_array(
                 json_build_array(r.nspname, r.relname, con.conname),
                 'table', con.contype, pg_get_constraintdef(con.oid),
                 con.convalidated, con.condeferrable, con.condeferred,
                 ds.description)
               ORDER BY con.conname COLLATE "C")
        FROM pg_constraint con
        LEFT JOIN pg_description ds ON ds.objoid = con.oid
                                   AND ds.classoid = 'pg_constraint'::regclass
                                   AND ds.objsubid = 0
        WHERE con.conrelid = r.oid AND con.contype <> 'n'),
      'index', (
        SELECT json_agg(json_build_array(
                 json_build_array(ir.nspname, ir.relname),
                 format('%I.%I', r.nspname, r.relname),
                 pg_get_indexdef(i.indexrelid),
                 i.indisvalid,
                 i.indisunique,
                 i.indpred IS NOT NULL,
                 i.indexprs IS NOT NULL,
                 ds.description)
               ORDER BY ir.nspname COLLATE "C", ir.relname COLLATE "C")
        FROM pg_index i
        JOIN (SELECT c.oid, c.relname, n.nspname FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace) ir ON ir.oid = i.indexrelid
        LEFT JOIN pg_description ds ON ds.objoid = i.indexrelid
                                   AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
        WHERE i.indrelid = r.oid
          AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                          WHERE con.conrelid = r.oid AND con.conindid = i.indexrelid
                            AND con.contype IN ('p', 'u', 'x'))),
      'sequence', (
        SELECT json_agg(json_build_array(
                 json_build_array(sq.nspname, sq.relname),
                 format_type(sq.seqtypid, NULL),
                 sq.seqstart::text,
                 sq.seqincrement::text,
                 sq.seqmin::text,
                 sq.seqmax::text,
                 sq.seqcache::text,
                 sq.seqcycle,
                 sq.relpersistence,
                 format('%I.%I.%I', r.nspname, r.relname, sq.attname),
                 (SELECT ds.description FROM pg_description ds
                  WHERE ds.objoid = sq.seq AND ds.classoid = 'pg_class'::regclass
                    AND ds.objsubid = 0))
               ORDER BY sq.nspname COLLATE "C", sq.relname COLLATE "C")
        FROM (SELECT d.objid AS seq, sc.relname, sc.relpersistence,
                     (SELECT n.nspname FROM pg_namespace n WHERE n.oid = sc.relnamespace)
                       AS nspname,
                     (SELECT a.attname FROM pg_attribute a
                      WHERE a.attrelid = r.oid AND a.attnum = d.refobjsubid) AS attname,
                     (SELECT s FROM pg_sequence s WHERE s.seqrelid = d.objid) AS s
              FROM pg_depend d
              JOIN pg_class sc ON sc.oid = d.objid AND sc.relkind = 'S'
              WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = r.oid
                AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'
                AND d.refobjsubid > 0) sq0
        CROSS JOIN LATERAL (SELECT sq0.seq, sq0.relname, sq0.relpersistence, sq0.nspname,
                                   sq0.attname, (sq0.s).seqtypid, (sq0.s).seqstart,
                                   (sq0.s).seqincrement, (sq0.s).seqmin, (sq0.s).seqmax,
                                   (sq0.s).seqcache, (sq0.s).seqcycle) sq),
      'trigger', (
        SELECT json_agg(json_build_array(
                 json_build_array(r.nspname, r.relname, tg.tgname),
                 pg_get_triggerdef(tg.oid),
                 tg.tgenabled,
                 ds.description)
               ORDER BY tg.tgname COLLATE "C")
        FROM pg_trigger tg
        LEFT JOIN pg_description ds ON ds.objoid = tg.oid
                                   AND ds.classoid = 'pg_trigger'::regclass AND ds.objsubid = 0
        WHERE tg.tgrelid = r.oid AND NOT tg.tgisinternal),
      'policy', (
        SELECT json_agg(json_build_array(
                 json_build_array(r.nspname, r.relname, pol.polname),
                 pol.polcmd,
                 pol.polpermissive,
                 (SELECT json_agg(rn.name ORDER BY rn.name COLLATE "C")
                  FROM (SELECT CASE WHEN ro.oid = 0 THEN 'public'
                                    ELSE (SELECT rolname FROM pg_roles WHERE oid = ro.oid) END
                          AS name
                        FROM unnest(pol.polroles) AS ro(oid)) rn),
                 pg_get_expr(pol.polqual, pol.polrelid),
                 pg_get_expr(pol.polwithcheck, pol.polrelid),
                 ds.description)
               ORDER BY pol.polname COLLATE "C")
        FROM pg_policy pol
        LEFT JOIN pg_description ds ON ds.objoid = pol.oid
                                   AND ds.classoid = 'pg_policy'::regclass AND ds.objsubid = 0
        WHERE pol.polrelid = r.oid),
      'rule', (
        SELECT json_agg(json_build_array(
                 json_build_array(r.nspname, r.relname, rw.rulename),
                 pg_get_ruledef(rw.oid))
               ORDER BY rw.rulename COLLATE "C")
        FROM pg_rewrite rw
        WHERE rw.ev_class = r.oid AND rw.rulename <> '_RETURN')
    )::text AS fragment
    FROM todo r
  )
  SELECT json_agg(json_build_array(t.oid::int8, json_build_array(f.nspname, f.relname), f.fragment)
                  ORDER BY t.oid)::text
  INTO tables
  FROM unnest(todo) t(oid)
  LEFT JOIN (SELECT r.oid, r.nspname, r.relname, g.fragment FROM todo r
             JOIN fragments g ON g.rel = r.oid) f ON f.oid = t.oid
  WHERE f.oid IS NOT NULL OR NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.oid);

  IF tracked AND mode <> 'full' THEN
    INSERT INTO information_schema.migcheck_parts (objid, tbl)
    SELECT x.indexrelid, x.indrelid FROM pg_index x WHERE x.indrelid = ANY (todo)
    UNION
    SELECT d.objid, d.refobjid FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY (todo)
      AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
    UNION
    SELECT h.inhparent, h.inhrelid FROM pg_inherits h WHERE h.inhrelid = ANY (todo)
    ON CONFLICT DO NOTHING;
  END IF;

  IF cardinality(other_todo) = 0 THEN
    RETURN;
  END IF;

  -- everything else (usually few objects) -------------------------------------------------------
  WITH
  ns AS (
    SELECT n.oid, n.nspname FROM pg_namespace n
    WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
  ),
  ext_member AS MATERIALIZED (
    SELECT d.classid, d.objid FROM pg_depend d
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  ),
  rel AS MATERIALIZED (  -- views and materialized views
    SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.reloptions, c.relispopulated,
           ns.nspname
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm')
      AND NOT EXISTS (SELECT 1 FROM ext_member e
                      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid)
  ),
  seq AS MATERIALIZED (
    SELECT c.oid, c.relname, c.relpersistence, ns.nspname
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.relkind = 'S'
      AND NOT EXISTS (SELECT 1 FROM ext_member e
                      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid)
  ),
  descr AS MATERIALIZED (
    SELECT d.classoid, d.objoid, d.objsubid, d.description FROM pg_description d
    WHERE d.objoid >= 16384
    UNION ALL
    SELECT d.classoid, d.objoid, d.objsubid, d.description
    FROM pg_description d JOIN ns ON d.objoid = ns.oid
    WHERE d.classoid = 'pg_namespace'::regclass AND d.objoid < 16384
  ),
  schemas AS (
    SELECT json_agg(json_build_array(json_build_array(ns.nspname), ds.description)
                    ORDER BY ns.nspname COLLATE "C") AS j
    FROM ns
    LEFT JOIN descr ds ON ds.classoid = 'pg_namespace'::regclass AND ds.objoid = ns.oid
                      AND ds.objsubid = 0
    WHERE NOT EXISTS (SELECT 1 FROM ext_member e
                      WHERE e.classid = 'pg_namespace'::regclass AND e.objid = ns.oid)
  ),
  domain_constraints AS (
    SELECT json_agg(json_build_array(
             json_build_array(ns.nspname, t.typname, con.conname),
             'domain', con.contype, pg_get_constraintdef(con.oid),
             con.convalidated, con.condeferrable, con.condeferred,
             ds.description)
           ORDER BY ns.nspname COLLATE "C", t.typname COLLATE "C", con.conname COLLATE "C") AS j
    FROM pg_constraint con
    JOIN pg_type t ON t.oid = con.contypid
    JOIN ns ON ns.oid = t.typnamespace
    LEFT JOIN descr ds ON ds.classoid = 'pg_constraint'::regclass AND ds.objoid = con.oid
                      AND ds.objsubid = 0
    WHERE con.contypid <> 0 AND con.contype <> 'n'
  ),
  sequences AS (
    SELECT json_agg(json_build_array(
             json_build_array(r.nspname, r.relname),
             format_type(s.seqtypid, NULL),
             s.seqstart::text,
             s.seqincrement::text,
             s.seqmin::text,
             s.seqmax::text,
             s.seqcache::text,
             s.seqcycle,
             r.relpersistence,
             NULL::text,
             ds.description)
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C") AS j
    FROM seq r
    JOIN pg_sequence s ON s.seqrelid = r.oid
    LEFT JOIN descr ds ON ds.classoid = 'pg_class'::regclass AND ds.objoid = r.oid
                      AND ds.objsubid = 0
    WHERE NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                        AND d.refobjsubid > 0)
  ),
  types AS (
    SELECT json_agg(json_build_array(
             json_build_array(ns.nspname, t.typname),
             t.typtype,
             CASE WHEN t.typtype = 'e' THEN
               (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder)
                FROM pg_enum e WHERE e.enumtypid = t.oid) END,
             CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
             CASE WHEN t.typtype = 'd' THEN t.typnotnull END,
             t.typdefault,
             CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 THEN
               (SELECT format('%I.%I', cn.nspname, co.collname)
                FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                WHERE co.oid = t.typcollation
                  AND co.oid <> (SELECT bt.typcollation FROM pg_type bt
                                 WHERE bt.oid = t.typbasetype)) END,
             CASE WHEN t.typtype = 'c' THEN
               (SELECT json_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
                                ORDER BY a.attnum)
                FROM pg_attribute a
                WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
             CASE WHEN t.typtype = 'r' THEN
               (SELECT format_type(rg.rngsubtype, NULL) FROM pg_range rg
                WHERE rg.rngtypid = t.oid) END,
             ds.description)
           ORDER BY ns.nspname COLLATE "C", t.typname COLLATE "C") AS j
    FROM pg_type t
    JOIN ns ON ns.oid = t.typnamespace
    LEFT JOIN descr ds ON ds.classoid = 'pg_type'::regclass AND ds.objoid = t.oid
                      AND ds.objsubid = 0
    WHERE t.oid >= 16384 AND (t.typtype IN ('e', 'd', 'r')
           OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c
                                           WHERE c.oid = t.typrelid AND c.relkind = 'c')))
      AND NOT EXISTS (SELECT 1 FROM ext_member e
                      WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid)
  ),
  views AS (
    SELECT json_agg(json_build_array(
             json_build_array(r.nspname, r.relname),
             r.relkind,
             pg_get_viewdef(r.oid),
             array_to_json(r.reloptions),
             CASE WHEN r.relkind = 'm' THEN r.relispopulated END,
             ds.description)
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C") AS j
    FROM rel r
    LEFT JOIN descr ds ON ds.classoid = 'pg_class'::regclass AND ds.objoid = r.oid
                      AND ds.objsubid = 0
    WHERE r.relkind IN ('v', 'm')
  ),
  view_indexes AS (
    SELECT json_agg(json_build_array(
             json_build_array(ir.nspname, ir.relname),
             format('%I.%I', r.nspname, r.relname),
             pg_get_indexdef(i.indexrelid),
             i.indisvalid,
             i.indisunique,
             i.indpred IS NOT NULL,
             i.indexprs IS NOT NULL,
             ds.description)
           ORDER BY ir.nspname COLLATE "C", ir.relname COLLATE "C") AS j
    FROM rel r
    JOIN pg_index i ON i.indrelid = r.oid
    JOIN (SELECT c.oid, c.relname, n.nspname FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace) ir ON ir.oid = i.indexrelid
    LEFT JOIN descr ds ON ds.classoid = 'pg_class'::regclass AND ds.objoid = i.indexrelid
                      AND ds.objsubid = 0
    WHERE r.relkind = 'm'
  ),
  functions AS (
    SELECT json_agg(json_build_array(
             json_build_array(f.nspname, f.signature),
             f.prokind,
             CASE WHEN f.prokind = 'a' THEN
               (SELECT format('aggregate %s sfunc %s stype %s final %s combine %s initial %s',
                              f.signature, ag.aggtransfn::regproc::text,
                              format_type(ag.aggtranstype, NULL), ag.aggfinalfn::regproc::text,
                              ag.aggcombinefn::regproc::text, ag.agginitval)
                FROM pg_aggregate ag WHERE ag.aggfnoid = f.oid)
             ELSE pg_get_functiondef(f.oid) END,
             ds.description)
           ORDER BY f.nspname COLLATE "C", f.signature COLLATE "C") AS j
    FROM (SELECT p.oid, p.prokind, ns.nspname,
                 format('%s(%s)', p.proname, pg_get_function_identity_arguments(p.oid))
                   AS signature
          FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
          WHERE p.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM ext_member e
                            WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid)) f
    LEFT JOIN descr ds ON ds.classoid = 'pg_proc'::regclass AND ds.objoid = f.oid
                      AND ds.objsubid = 0
  ),
  view_triggers AS (
    SELECT json_agg(json_build_array(
             json_build_array(r.nspname, r.relname, tg.tgname),
             pg_get_triggerdef(tg.oid),
             tg.tgenabled,
             ds.description)
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C", tg.tgname COLLATE "C") AS j
    FROM pg_trigger tg
    JOIN rel r ON r.oid = tg.tgrelid AND r.relkind IN ('v', 'm')
    LEFT JOIN descr ds ON ds.classoid = 'pg_trigger'::regclass AND ds.objoid = tg.oid
                      AND ds.objsubid = 0
    WHERE NOT tg.tgisinternal
  ),
  event_triggers AS (
    SELECT json_agg(json_build_array(
             json_build_array(et.evtname),
             et.evtevent,
             et.evtfoid::regproc::text,
             et.evtenabled,
             array_to_json(et.evttags))
           ORDER BY et.evtname COLLATE "C") AS j
    FROM pg_event_trigger et
    WHERE et.evtname NOT IN ('migcheck_ddl_end', 'migcheck_sql_drop')
      AND NOT EXISTS (SELECT 1 FROM ext_member e
                      WHERE e.classid = 'pg_event_trigger'::regclass AND e.objid = et.oid)
  ),
  extensions AS (
    SELECT json_agg(json_build_array(json_build_array(x.extname), x.extversion, xn.nspname)
                    ORDER BY x.extname COLLATE "C") AS j
    FROM pg_extension x
    JOIN pg_namespace xn ON xn.oid = x.extnamespace
    WHERE x.extname <> 'plpgsql'
  ),
  view_rules AS (
    SELECT json_agg(json_build_array(json_build_array(r.nspname, r.relname, rw.rulename),
                                     pg_get_ruledef(rw.oid))
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C", rw.rulename COLLATE "C") AS j
    FROM pg_rewrite rw
    JOIN rel r ON r.oid = rw.ev_class AND r.relkind IN ('v', 'm')
    WHERE rw.rulename <> '_RETURN'
  ),
  statistics AS (
    SELECT json_agg(json_build_array(json_build_array(ns.nspname, st.stxname),
                                     pg_get_statisticsobjdef(st.oid))
                    ORDER BY ns.nspname COLLATE "C", st.stxname COLLATE "C") AS j
    FROM pg_statistic_ext st
    JOIN ns ON ns.oid = st.stxnamespace
  )
  SELECT array_agg(x.k ORDER BY x.k), array_agg(coalesce(x.v::text, 'null') ORDER BY x.k)
  INTO other_keys, other_values
  FROM (VALUES  -- each category's query runs only when it is to be rendered
    ('schema', CASE WHEN 'schema' = ANY (other_todo) THEN (SELECT j FROM schemas) END),
    ('constraint',
     CASE WHEN 'constraint' = ANY (other_todo) THEN (SELECT j FROM domain_constraints) END),
    ('index', CASE WHEN 'index' = ANY (other_todo) THEN (SELECT j FROM view_indexes) END),
    ('sequence', CASE WHEN 'sequence' = ANY (other_todo) THEN (SELECT j FROM sequences) END),
    ('type', CASE WHEN 'type' = ANY (other_todo) THEN (SELECT j FROM types) END),
    ('view', CASE WHEN 'view' = ANY (other_todo) THEN (SELECT j FROM views) END),
    ('function', CASE WHEN 'function' = ANY (other_todo) THEN (SELECT j FROM functions) END),
    ('trigger', CASE WHEN 'trigger' = ANY (other_todo) THEN (SELECT j FROM view_triggers) END),
    ('event trigger',
     CASE WHEN 'event trigger' = ANY (other_todo) THEN (SELECT j FROM event_triggers) END),
    ('extension', CASE WHEN 'extension' = ANY (other_todo) THEN (SELECT j FROM extensions) END),
    ('rule', CASE WHEN 'rule' = ANY (other_todo) THEN (SELECT j FROM view_rules) END),
    ('statistics', CASE WHEN 'statistics' = ANY (other_todo) THEN (SELECT j FROM statistics) END)
  ) x(k, v)
  WHERE x.k = ANY (other_todo);

  IF tracked AND mode <> 'full' AND 'sequence' = ANY (other_todo) THEN  -- the sequences it lists
    DELETE FROM information_schema.migcheck_parts WHERE tbl = 0;
    INSERT INTO information_schema.migcheck_parts (objid, tbl)
    SELECT q.seqrelid, 0 FROM pg_sequence q
    WHERE NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = q.seqrelid
        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0)
    ON CONFLICT DO NOTHING;
  END IF;
END
$migcheck$;
