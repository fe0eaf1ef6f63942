-- pgTAP: schema, push store objects and the rules every API function follows
-- (the latter are checked over the whole schema, so they cover every issue).
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS gitproxy_sink;
BEGIN;
SELECT plan(24);

SELECT has_schema('gitproxy');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'gitproxy_sink'), '1.1', 'extension version 1.1');
SELECT is((SELECT e.extname FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
            WHERE d.classid = 'pg_namespace'::regclass AND d.objid = 'gitproxy'::regnamespace
              AND d.deptype = 'e'), 'gitproxy_sink', 'schema gitproxy belongs to the extension');
SELECT ok(NOT (SELECT extrelocatable FROM pg_extension WHERE extname = 'gitproxy_sink'), 'not relocatable');

SELECT has_table('gitproxy', 'pushes', 'push store table');
SELECT has_pk('gitproxy', 'pushes', 'pushes has a primary key');
SELECT col_is_pk('gitproxy', 'pushes', 'id_digest', 'pushes keyed by the digest of id (ids of any length)');
SELECT col_type_is('gitproxy', 'pushes', 'doc', 'jsonb', 'pushes.doc is jsonb');
SELECT col_type_is('gitproxy', 'pushes', 'ts', 'double precision', 'pushes.ts is float8 (JavaScript numbers)');
SELECT has_index('gitproxy', 'pushes', 'pushes_pending_idx', 'partial index for the default filter');
SELECT has_index('gitproxy', 'pushes', 'pushes_type_listing_idx', 'index for {type} listings');
SELECT has_table('gitproxy', 'decision_log', 'decision log table');
SELECT has_trigger('gitproxy', 'decision_log', 'decision_log_append_only', 'decision log is append-only');

SELECT is_definer('gitproxy', 'write_audit', ARRAY['json'], 'write_audit is SECURITY DEFINER');
SELECT has_function('gitproxy', 'write_audit', ARRAY['json']);
SELECT has_function('gitproxy', 'get_pushes', ARRAY['json', 'integer', 'text', 'boolean']);
SELECT function_returns('gitproxy', 'get_push', ARRAY['text'], 'json');

-- rules for every function of the schema
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'gitproxy'::regnamespace
     AND pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE')$$,
  'PUBLIC cannot execute any gitproxy function');
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'gitproxy'::regnamespace AND p.prosecdef
     AND (p.proconfig IS NULL OR NOT 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig))$$,
  'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp');
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'gitproxy'::regnamespace
     AND coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), '') = ''$$,
  'every gitproxy function has a COMMENT');
SELECT is_empty($$
  SELECT c.oid::regclass::text FROM pg_class c
   WHERE c.relnamespace = 'gitproxy'::regnamespace AND c.relkind IN ('r', 'v', 'p')
     AND coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), '') = ''$$,
  'every gitproxy table and view has a COMMENT');
SELECT is_empty($$
  SELECT c.oid::regclass::text FROM pg_class c
   WHERE c.relnamespace = 'gitproxy'::regnamespace AND c.relkind = 'r'
     -- derived from users.doc by trigger and rebuilt as users are restored
     AND c.relname <> 'user_public_keys'
     -- import staging rows never outlive their transaction
     AND c.relname <> 'import_staging'
     AND NOT c.oid = ANY ((SELECT extconfig FROM pg_extension WHERE extname = 'gitproxy_sink')::oid[])$$,
  'every gitproxy table holding data is marked with pg_extension_config_dump');
SELECT is_empty($$
  SELECT c.oid::regclass::text FROM pg_class c
   WHERE c.relnamespace = 'gitproxy'::regnamespace AND c.relkind IN ('r', 'v', 'S')
     AND pg_catalog.has_table_privilege('public', c.oid, 'SELECT')$$,
  'PUBLIC cannot read any gitproxy table, view or sequence');
SELECT ok(NOT pg_catalog.has_schema_privilege('public', 'gitproxy', 'CREATE'),
  'PUBLIC cannot create objects in schema gitproxy');

SELECT * FROM finish();
ROLLBACK;
