-- migcheck schema snapshot: one call returns the whole user-visible schema as JSON text.
--
-- Installed per session as a temporary function. Its SET clause pins search_path to pg_catalog
-- for the duration of the call only, so every pg_get_*def() and format_type() result is fully
-- schema-qualified whatever search_path the migrations left behind, and the caller's session is
-- untouched. The result is one JSON object with a key per category; each category is an array
-- of rows [identity, field, field, ...] ordered by identity (an array of names, never an OID),
-- so two snapshots of the same schema are the same text. The field order of each category is
-- FIELDS in snapshot.py: change both together.
--
-- Left out: objects that belong to an extension, the alembic version table (and its key),
-- ownership and grants, and NOT NULL constraints (pg_constraint rows of type 'n' since
-- PostgreSQL 18; the columns' notnull field covers them).
CREATE OR REPLACE FUNCTION pg_temp.migcheck_snapshot(version_table regclass,
                                                     OUT versions text, OUT snapshot text)
LANGUAGE plpgsql SET search_path = pg_catalog AS $migcheck$
BEGIN
  IF version_table IS NOT NULL THEN
    EXECUTE format('SELECT json_agg(version_num::text ORDER BY version_num::text)::text FROM %s',
                   version_table) INTO versions;
  END IF;
  WITH
  ns AS (
    SELECT n.oid, n.nspname FROM pg_namespace n
    WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
  ),
  ext_member AS MATERIALIZED (
    SELECT d.classid, d.objid FROM pg_depend d WHERE d.deptype = 'e' AND d.objid >= 16384
  ),
  rel AS MATERIALIZED (
    SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relispartition, c.relrowsecurity,
           c.relforcerowsecurity, c.reloptions, c.relispopulated, c.relpartbound, ns.nspname
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
    WHERE c.oid >= 16384 AND c.oid IS DISTINCT FROM version_table::oid
      AND NOT EXISTS (SELECT 1 FROM ext_member e
                      WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid)
  ),
  descr AS MATERIALIZED (
    SELECT d.classoid, d.objoid, d.objsubid, d.description FROM pg_description d
    WHERE d.objoid >= 16384 OR d.classoid = 'pg_namespace'::regclass
  ),
  parent AS MATERIALIZED (
    SELECT i.inhrelid, i.inhseqno, format('%I.%I', pn.nspname, pc.relname) AS name
    FROM pg_inherits i
    JOIN pg_class pc ON pc.oid = i.inhparent
    JOIN pg_namespace pn ON pn.oid = pc.relnamespace
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
  tables AS (
    SELECT json_agg(json_build_array(
             json_build_array(r.nspname, r.relname),
             r.relkind,
             r.relpersistence,
             CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
             CASE WHEN r.relispartition THEN
               (SELECT p.name FROM parent p WHERE p.inhrelid = r.oid) END,
             CASE WHEN r.relispartition THEN pg_get_expr(r.relpartbound, r.oid) END,
             CASE WHEN NOT r.relispartition THEN
               (SELECT json_agg(p.name ORDER BY p.inhseqno) FROM parent p
                WHERE p.inhrelid = r.oid) END,
             r.relrowsecurity,
             r.relforcerowsecurity,
             array_to_json(r.reloptions),
             ds.description)
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C") AS j
    FROM rel r
    LEFT JOIN descr ds ON ds.classoid = 'pg_class'::regclass AND ds.objoid = r.oid
                      AND ds.objsubid = 0
    WHERE r.relkind IN ('r', 'p', 'f')
  ),
  columns AS (
    SELECT json_agg(json_build_array(
             json_build_array(r.nspname, r.relname, a.attname),
             format_type(a.atttypid, a.atttypmod),
             a.attnotnull,
             CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
             CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,
             NULLIF(a.attidentity, ''),
             CASE WHEN a.attcollation <> t.typcollation THEN
               (SELECT format('%I.%I', cn.nspname, co.collname)
                FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                WHERE co.oid = a.attcollation) END,
             ds.description)
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C", a.attname COLLATE "C") AS j
    FROM rel r
    JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
                        AND a.attrelid >= 16384
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    LEFT JOIN descr ds ON ds.classoid = 'pg_class'::regclass AND ds.objoid = r.oid
                      AND ds.objsubid = a.attnum
    WHERE r.relkind IN ('r', 'p', 'f')
  ),
  constraints AS (
    SELECT json_agg(k.row ORDER BY k.s COLLATE "C", k.o COLLATE "C", k.n COLLATE "C") AS j
    FROM (
      SELECT r.nspname AS s, r.relname AS o, con.conname AS n,
             json_build_array(json_build_array(r.nspname, r.relname, con.conname),
                              'table', con.contype, pg_get_constraintdef(con.oid),
                              con.convalidated, con.condeferrable, con.condeferred,
                              ds.description) AS row
      FROM pg_constraint con
      JOIN rel r ON r.oid = con.conrelid AND r.relkind IN ('r', 'p', 'f')
      LEFT JOIN descr ds ON ds.classoid = 'pg_constraint'::regclass AND ds.objoid = con.oid
                        AND ds.objsubid = 0
      WHERE con.contype <> 'n'
      UNION ALL
      SELECT ns.nspname, t.typname, con.conname,
             json_build_array(json_build_array(ns.nspname, t.typname, con.conname),
                              'domain', con.contype, pg_get_constraintdef(con.oid),
                              con.convalidated, con.condeferrable, con.condeferred,
                              ds.description)
      FROM pg_constraint con
      JOIN pg_type t ON t.oid = con.contypid
      JOIN ns ON ns.oid = t.typnamespace
      LEFT JOIN descr ds ON ds.classoid = 'pg_constraint'::regclass AND ds.objoid = con.oid
                        AND ds.objsubid = 0
      WHERE con.contypid <> 0 AND con.contype <> 'n'
    ) k
  ),
  indexes AS (
    SELECT json_agg(json_build_array(
             json_build_array(ir.nspname, ir.relname),
             format('%I.%I', tr.nspname, tr.relname),
             pg_get_indexdef(i.indexrelid),
             i.indisvalid,
             i.indisunique,
             i.indpred IS NOT NULL,
             i.indexprs IS NOT NULL,
             ds.description)
           ORDER BY ir.nspname COLLATE "C", ir.relname COLLATE "C") AS j
    FROM pg_index i
    JOIN rel ir ON ir.oid = i.indexrelid
    JOIN rel tr ON tr.oid = i.indrelid
    LEFT JOIN descr ds ON ds.classoid = 'pg_class'::regclass AND ds.objoid = i.indexrelid
                      AND ds.objsubid = 0
    WHERE i.indexrelid NOT IN (SELECT con.conindid FROM pg_constraint con
                               WHERE con.contype IN ('p', 'u', 'x'))
  ),
  seq_owner AS MATERIALIZED (
    SELECT d.objid, d.deptype, format('%I.%I.%I', on_.nspname, oc.relname, oa.attname) AS name
    FROM pg_depend d
    JOIN pg_class oc ON oc.oid = d.refobjid
    JOIN pg_namespace on_ ON on_.oid = oc.relnamespace
    JOIN pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.objid >= 16384 AND d.refobjsubid > 0
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
             so.name,
             ds.description)
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C") AS j
    FROM rel r
    JOIN pg_sequence s ON s.seqrelid = r.oid
    LEFT JOIN seq_owner so ON so.objid = r.oid
    LEFT JOIN descr ds ON ds.classoid = 'pg_class'::regclass AND ds.objoid = r.oid
                      AND ds.objsubid = 0
    WHERE so.deptype IS DISTINCT FROM 'i'
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
  triggers AS (
    SELECT json_agg(json_build_array(
             json_build_array(r.nspname, r.relname, tg.tgname),
             pg_get_triggerdef(tg.oid),
             tg.tgenabled,
             ds.description)
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C", tg.tgname COLLATE "C") AS j
    FROM pg_trigger tg
    JOIN rel r ON r.oid = tg.tgrelid
    LEFT JOIN descr ds ON ds.classoid = 'pg_trigger'::regclass AND ds.objoid = tg.oid
                      AND ds.objsubid = 0
    WHERE tg.oid >= 16384 AND NOT tg.tgisinternal
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
  policies AS (
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
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C", pol.polname COLLATE "C") AS j
    FROM pg_policy pol
    JOIN rel r ON r.oid = pol.polrelid
    LEFT JOIN descr ds ON ds.classoid = 'pg_policy'::regclass AND ds.objoid = pol.oid
                      AND ds.objsubid = 0
  ),
  rules AS (
    SELECT json_agg(json_build_array(json_build_array(r.nspname, r.relname, rw.rulename),
                                     pg_get_ruledef(rw.oid))
           ORDER BY r.nspname COLLATE "C", r.relname COLLATE "C", rw.rulename COLLATE "C") AS j
    FROM pg_rewrite rw
    JOIN rel r ON r.oid = rw.ev_class
    WHERE rw.oid >= 16384 AND rw.rulename <> '_RETURN'
  ),
  statistics AS (
    SELECT json_agg(json_build_array(json_build_array(ns.nspname, st.stxname),
                                     pg_get_statisticsobjdef(st.oid))
                    ORDER BY ns.nspname COLLATE "C", st.stxname COLLATE "C") AS j
    FROM pg_statistic_ext st
    JOIN ns ON ns.oid = st.stxnamespace
  )
  SELECT json_build_object(
    'schema', (SELECT j FROM schemas),
    'table', (SELECT j FROM tables),
    'column', (SELECT j FROM columns),
    'constraint', (SELECT j FROM constraints),
    'index', (SELECT j FROM indexes),
    'sequence', (SELECT j FROM sequences),
    'type', (SELECT j FROM types),
    'view', (SELECT j FROM views),
    'function', (SELECT j FROM functions),
    'trigger', (SELECT j FROM triggers),
    'event trigger', (SELECT j FROM event_triggers),
    'extension', (SELECT j FROM extensions),
    'policy', (SELECT j FROM policies),
    'rule', (SELECT j FROM rules),
    'statistics', (SELECT j FROM statistics)
  )::text INTO snapshot;
END
$migcheck$;
