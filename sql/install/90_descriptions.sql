-- Descriptions of extension members that other files create implicitly:
-- identity sequences (e.g. gitproxy.decision_log_log_id_seq).  Runs last, so
-- every table of every part of the extension is covered; an explicit
-- COMMENT ON SEQUENCE elsewhere takes precedence.

DO $$
DECLARE
  s record;
BEGIN
  FOR s IN
    SELECT q.oid::pg_catalog.regclass AS seq, t.oid::pg_catalog.regclass AS tbl, a.attname
      FROM pg_catalog.pg_class q
      JOIN pg_catalog.pg_depend d
        ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.objid OPERATOR(pg_catalog.=) q.oid AND d.deptype OPERATOR(pg_catalog.=) 'i'
       AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
      JOIN pg_catalog.pg_class t ON t.oid OPERATOR(pg_catalog.=) d.refobjid
      JOIN pg_catalog.pg_attribute a
        ON a.attrelid OPERATOR(pg_catalog.=) t.oid AND a.attnum OPERATOR(pg_catalog.=) d.refobjsubid
     WHERE q.relkind OPERATOR(pg_catalog.=) 'S'
       AND q.relnamespace OPERATOR(pg_catalog.=) 'gitproxy'::pg_catalog.regnamespace
       AND pg_catalog.obj_description(q.oid, 'pg_class') IS NULL
  LOOP
    EXECUTE pg_catalog.format('COMMENT ON SEQUENCE %s IS %L', s.seq,
      pg_catalog.format('identity sequence of %s.%I (dumped with the table''s data)', s.tbl, s.attname));
  END LOOP;
END
$$;
