-- migcheck schema snapshot: one call returns the whole user-visible schema as JSON text.
--
-- Installed per session as a temporary function. Its SET clause pins search_path to pg_catalog
-- for the duration of the call only, so every pg_get_*def() and format_type() result is fully
-- schema-qualified whatever search_path the migrations left behind, and the caller's session is
-- untouched. Rows are arrays [identity, field, ...] ordered by identity (an array of names, never
-- an OID), so two snapshots of the same schema are the same text. The field order of each
-- category is FIELDS in snapshot.py: change both together.
--
-- Tables are the bulk of a schema, and one migration step touches few of them. Each table (with
-- its columns, constraints, indexes, owned sequences, triggers, policies and rules) is one
-- fragment. When the caller passes the OIDs a step touched (the relations and objects its
-- session held locks on, see verify/session.py), only the tables among them, the tables of
-- touched indexes, sequences, constraints and triggers, and the tables depending on a touched
-- object (a foreign key to it, a default using it, a column of that type) are rendered; the
-- others come back as NULL and the caller reuses their previous fragment. touched NULL renders
-- every table. With own_locks, the locks this session holds now (a step not yet committed) are
-- added to touched.
--
-- OUT versions: the alembic version table's rows (JSON array);
-- OUT other: every category outside the table fragments (JSON object);
-- OUT tables: [[oid, identity, fragment or null], ...] in identity order; a fragment is the
--             JSON text of an object holding the table's own categories;
-- OUT names: [[oid, name], ...] of the schemas, types, functions and sequences that table text
--            can name: renaming one of them takes no lock on the tables that use it, so the
--            caller renders every table again when a name changed. A sequence owned by a
--            column has "@<table oid>" after its name: dropping it, or ALTER SEQUENCE ...
--            OWNED BY, locks the sequence but not the table whose fragment lists it, so the
--            caller renders every table again when an owned sequence vanished or changed owner;
-- OUT signature: a fingerprint of the rows behind "other" (see below). When the caller passes
--            touched and the signature it got last time, and nothing there changed, "other"
--            and "names" come back NULL: the caller's copies still hold.
--
-- Left out: objects that belong to an extension, the alembic version table (and its key),
-- ownership and grants, and NOT NULL constraints (pg_constraint rows of type 'n' since
-- PostgreSQL 18; the columns' notnull field covers them).
CREATE OR REPLACE FUNCTION pg_temp.migcheck_snapshot(version_table regclass, touched oid[],
                                                     previous_signature text,
                                                     own_locks boolean,
                                                     OUT versions text, OUT other text,
                                                     OUT tables text, OUT names text,
                                                     OUT signature text)
LANGUAGE plpgsql SET search_path = pg_catalog AS $migcheck$
BEGIN
  IF version_table IS NOT NULL THEN
    EXECUTE format('SELECT json_agg(version_num::text ORDER BY version_num::text)::text FROM %s',
                   version_table) INTO versions;
  END IF;
  IF own_locks AND touched IS NOT NULL THEN  -- the uncommitted step's locks are part of it
    touched := touched || ARRAY(
      SELECT DISTINCT coalesce(l.relation, l.objid) FROM pg_locks l
      WHERE l.pid = pg_backend_pid() AND l.locktype IN ('relation', 'object')
        AND coalesce(l.relation, l.objid) >= 16384);
  END IF;
  -- The count and sum of the xmin of every row the categories outside tables are rendered from.
  -- Within one run only migcheck's session writes, so a row that appears later has a larger
  -- xmin than any row it replaces: any change there changes the signature.
  SELECT count(*) || ':' || coalesce(sum(s.x), 0) INTO signature
  FROM (
    SELECT n.xmin::text::int8 AS x FROM pg_namespace n
    WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
    UNION ALL
    SELECT t.xmin::text::int8 FROM pg_type t
    WHERE t.oid >= 16384 AND t.typtype IN ('e', 'd', 'r', 'm')
    UNION ALL
    SELECT e.xmin::text::int8 FROM pg_enum e WHERE e.oid >= 16384
    UNION ALL
    SELECT p.xmin::text::int8 FROM pg_proc p WHERE p.oid >= 16384
    UNION ALL
    SELECT c.xmin::text::int8 FROM pg_class c
    WHERE c.oid >= 16384 AND c.relkind IN ('v', 'm', 'S', 'c')
    UNION ALL
    SELECT a.xmin::text::int8 FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE c.oid >= 16384 AND c.relkind = 'c'
    UNION ALL
    SELECT q.xmin::text::int8 FROM pg_sequence q WHERE q.seqrelid >= 16384
    UNION ALL
    SELECT con.xmin::text::int8 FROM pg_constraint con WHERE con.oid >= 16384 AND con.contypid <> 0
    UNION ALL
    SELECT rw.xmin::text::int8 FROM pg_rewrite rw WHERE rw.oid >= 16384
    UNION ALL
    SELECT i.xmin::text::int8 FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid
    WHERE c.oid >= 16384 AND c.relkind = 'm'
    UNION ALL
    SELECT tg.xmin::text::int8 FROM pg_trigger tg  -- not a foreign key's own triggers
    WHERE tg.oid >= 16384 AND NOT tg.tgisinternal
    UNION ALL
    SELECT d.xmin::text::int8 FROM pg_description d WHERE d.objoid >= 16384
    UNION ALL
    SELECT x.xmin::text::int8 FROM pg_extension x
    UNION ALL
    SELECT et.xmin::text::int8 FROM pg_event_trigger et
    UNION ALL
    SELECT st.xmin::text::int8 FROM pg_statistic_ext st
  ) s;
  WITH
  ns AS (
    SELECT n.oid, n.nspname FROM pg_namespace n
    WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
  ),
  ext_member AS MATERIALIZED (
    SELECT d.classid, d.objid FROM pg_depend d
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  ),
  rel AS MATERIALIZED (
    SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relispartition, c.relrowsecurity,
           c.relforcerowsecurity, c.reloptions, c.relispopulated, c.relpartbound, ns.nspname
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.oid IS DISTINCT FROM version_table::oid
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
  tabs AS MATERIALIZED (
    SELECT r.oid, r.nspname, r.relname FROM rel r WHERE r.relkind IN ('r', 'p', 'f')
  ),

  -- the tables to render -------------------------------------------------------------------
  todo AS MATERIALIZED (
    SELECT r.* FROM rel r
    WHERE r.relkind IN ('r', 'p', 'f')
      AND (touched IS NULL
           OR r.oid = ANY (touched)
           OR r.oid IN (
             -- what a touched object belongs to: an index's or sequence's table, ...
             SELECT d.refobjid FROM pg_depend d
             WHERE d.classid IN ('pg_class'::regclass, 'pg_constraint'::regclass,
                                 'pg_trigger'::regclass, 'pg_policy'::regclass,
                                 'pg_rewrite'::regclass, 'pg_attrdef'::regclass)
               AND d.objid = ANY (touched) AND d.refclassid = 'pg_class'::regclass
             UNION ALL
             -- ... and what depends on a touched object: foreign keys, defaults, columns
             SELECT coalesce(ix.indrelid, con.conrelid, ad.adrelid, tg.tgrelid, pol.polrelid,
                             CASE WHEN d.classid = 'pg_class'::regclass THEN d.objid END)
             FROM pg_depend d
             LEFT JOIN pg_index ix ON d.classid = 'pg_class'::regclass AND ix.indexrelid = d.objid
             LEFT JOIN pg_constraint con ON d.classid = 'pg_constraint'::regclass
                                        AND con.oid = d.objid
             LEFT JOIN pg_attrdef ad ON d.classid = 'pg_attrdef'::regclass AND ad.oid = d.objid
             LEFT JOIN pg_trigger tg ON d.classid = 'pg_trigger'::regclass AND tg.oid = d.objid
             LEFT JOIN pg_policy pol ON d.classid = 'pg_policy'::regclass AND pol.oid = d.objid
             WHERE d.refclassid IN ('pg_class'::regclass, 'pg_type'::regclass,
                                    'pg_proc'::regclass)
               AND d.refobjid = ANY (touched)))
  ),

  -- table fragments (only for the tables to render; per-table subqueries use the catalogs'
  -- indexes, which beats scanning them when one step touched one or two tables) --------------
  fragments AS MATERIALIZED (
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
  ),
  table_list AS (
    SELECT json_agg(json_build_array(t.oid, json_build_array(t.nspname, t.relname), f.fragment)
                    ORDER BY t.nspname COLLATE "C", t.relname COLLATE "C") AS j
    FROM tabs t
    LEFT JOIN fragments f ON f.rel = t.oid
  ),

  -- everything else, rendered on every call (usually few objects) ---------------------------
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
    FROM rel r
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
    JOIN rel ir ON ir.oid = i.indexrelid
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
    WHERE NOT EXISTS (SELECT 1 FROM ext_member e
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
  SELECT CASE WHEN touched IS NULL OR signature IS DISTINCT FROM previous_signature THEN
         json_build_object(
           'schema', (SELECT j FROM schemas),
           'constraint', (SELECT j FROM domain_constraints),
           'index', (SELECT j FROM view_indexes),
           'sequence', (SELECT j FROM sequences),
           'type', (SELECT j FROM types),
           'view', (SELECT j FROM views),
           'function', (SELECT j FROM functions),
           'trigger', (SELECT j FROM view_triggers),
           'event trigger', (SELECT j FROM event_triggers),
           'extension', (SELECT j FROM extensions),
           'rule', (SELECT j FROM view_rules),
           'statistics', (SELECT j FROM statistics)
         )::text END,
         (SELECT j FROM table_list)::text,
         CASE WHEN touched IS NULL OR signature IS DISTINCT FROM previous_signature THEN
         (SELECT json_agg(json_build_array(n.oid, n.name) ORDER BY n.oid)::text
          FROM (SELECT ns.oid, ns.nspname::text AS name FROM ns
                UNION ALL
                SELECT t.oid, t.typnamespace || '.' || t.typname FROM pg_type t
                WHERE t.oid >= 16384 AND t.typtype IN ('e', 'd', 'r', 'c', 'm')
                UNION ALL
                SELECT p.oid, p.pronamespace || '.' || p.proname FROM pg_proc p
                WHERE p.oid >= 16384
                UNION ALL
                SELECT r.oid, r.nspname || '.' || r.relname || coalesce('@' || (
                         SELECT min(d.refobjid)::text FROM pg_depend d
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                           AND d.refclassid = 'pg_class'::regclass
                           AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0), '')
                FROM rel r
                WHERE r.relkind = 'S') n) END
    INTO other, tables, names;
END
$migcheck$;
