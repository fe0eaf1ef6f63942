-- Security model of gitproxy_sink (issue 4): PUBLIC gets nothing, API
-- functions are SECURITY DEFINER with a pinned search_path, and the roles
-- set up by grant_runtime / grant_readonly hold exactly their privileges.
-- Written against the catalog, so it stays true as functions are added.
\set ON_ERROR_STOP 1
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS gitproxy_sink;
BEGIN;
SELECT plan(41);

-- run a statement as another role; returns 'ok' or the SQLSTATE
CREATE FUNCTION pg_temp.as_role(r text, stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  result text := 'ok';
BEGIN
  EXECUTE format('SET LOCAL ROLE %I', r);
  BEGIN
    EXECUTE stmt;
  EXCEPTION WHEN OTHERS THEN
    result := SQLSTATE;
  END;
  RESET ROLE;
  RETURN result;
END $$;

CREATE TEMP VIEW members AS
  SELECT d.classid, d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'gitproxy_sink';
CREATE TEMP VIEW member_functions AS
  SELECT p.* FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
   WHERE p.pronamespace = 'gitproxy'::regnamespace;
GRANT SELECT ON members, member_functions TO PUBLIC;

-- objects of this issue
SELECT has_table('gitproxy', 'sessions', 'session table exists at CREATE EXTENSION');
SELECT col_type_is('gitproxy', 'sessions', 'expire', 'timestamp with time zone', 'sessions.expire is timestamptz');
SELECT col_is_pk('gitproxy', 'sessions', 'sid_digest', 'sessions keyed by the digest of sid');
SELECT has_index('gitproxy', 'sessions', 'sessions_expire_idx', 'sessions.expire is indexed');
SELECT has_index('gitproxy', 'sessions', 'sessions_user_id_idx', 'sessions.user_id is indexed');
SELECT has_table('gitproxy', 'repo_push_rollups', 'rollup table exists');
SELECT is((SELECT extcondition[array_position(extconfig, 'gitproxy.repo_push_rollups'::regclass)]
             FROM pg_extension WHERE extname = 'gitproxy_sink'), 'WHERE false',
  'pg_dump writes no rollup rows (the trigger rebuilds them on restore)');
SELECT has_trigger('gitproxy', 'pushes', 'pushes_rollup_maintain', 'pushes carry the rollup trigger');
SELECT col_is_pk('gitproxy', 'repo_push_rollups', ARRAY['url_digest', 'slot'], 'rollup rows keyed by URL digest and backend slot (no row shared by two writers)');
SELECT hasnt_column('gitproxy', 'repo_push_rollups', 'latest_push_at_ms', 'rollups store no maximum (read from pushes)');
SELECT is((SELECT attgenerated::text FROM pg_attribute WHERE attrelid = 'gitproxy.pushes'::regclass AND attname = 'canonical_url_digest'),
  's', 'pushes.canonical_url_digest is a stored generated column');
SELECT has_index('gitproxy', 'pushes', 'pushes_canonical_url_pending_idx', ARRAY['canonical_url_digest', 'ts'],
  'latest pending push per URL by a plain column (repo_activity calls no function)');
SELECT has_trigger('gitproxy', 'repo_activity', 'repo_activity_read_only', 'repo_activity refuses changes through its trigger');
SELECT has_view('gitproxy', 'pending_pushes', 'view pending_pushes');
SELECT has_view('gitproxy', 'push_history', 'view push_history');
SELECT has_view('gitproxy', 'repo_activity', 'view repo_activity');
SELECT volatility_is('gitproxy', 'canonical_remote_url', ARRAY['text'], 'immutable', 'canonical_remote_url is immutable');

-- every API function: SECURITY DEFINER with search_path pinned
SELECT is_empty($$SELECT oid::regprocedure FROM member_functions
  WHERE prosecdef AND NOT coalesce(proconfig @> '{"search_path=pg_catalog, pg_temp"}', false)$$,
  'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp');
SELECT is_empty($$SELECT oid::regprocedure FROM member_functions
  WHERE NOT prosecdef AND provolatile <> 'i' AND prorettype <> 'trigger'::regtype
    AND proname NOT IN ('grant_runtime', 'grant_readonly', 'set_review_mode')
    -- internal helpers of the import functions, executable by no role
    AND proname NOT IN ('import_new_id', 'import_stored_doc', 'import_user_doc', 'import_repo_doc')
    -- internal helpers of the query filters (read only their arguments), executable by no role
    AND proname NOT IN ('query_match', 'query_regex')$$,
  'API functions that read or write are SECURITY DEFINER');
SELECT isnt_empty($$SELECT 1 FROM member_functions WHERE prosecdef$$, 'there are API functions');

-- PUBLIC: nothing
SELECT ok(NOT has_schema_privilege('public', 'gitproxy', 'USAGE') AND NOT has_schema_privilege('public', 'gitproxy', 'CREATE'),
  'PUBLIC has no privilege on schema gitproxy');
SELECT is_empty($$SELECT oid::regprocedure FROM pg_proc WHERE pronamespace = 'gitproxy'::regnamespace
  AND has_function_privilege('public', oid, 'EXECUTE')$$, 'PUBLIC can execute no function of gitproxy');
SELECT is_empty($$SELECT relname FROM pg_class WHERE relnamespace = 'gitproxy'::regnamespace AND relkind IN ('r', 'v', 'S', 'm', 'p')
  AND has_table_privilege('public', oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')$$,
  'PUBLIC has no privilege on any table, view or sequence');

-- every member has a description; the row types of tables and views and
-- the array types, which PostgreSQL 17 records as members too, are described
-- by their table, view or element type
SELECT is_empty($$SELECT pg_describe_object(classid, objid, 0) FROM members m
  WHERE obj_description(objid, (SELECT relname FROM pg_class WHERE oid = classid)) IS NULL
    AND NOT EXISTS (SELECT FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
                     WHERE m.classid = 'pg_type'::regclass AND t.oid = m.objid
                       AND (c.relkind IN ('r', 'p', 'v', 'm', 'f')
                            OR EXISTS (SELECT FROM pg_type e WHERE e.typarray = t.oid)))$$,
  'every member of the extension has a description');

-- runtime role
CREATE ROLE regress_gps_tap_runtime;
SELECT lives_ok($$SELECT gitproxy.grant_runtime('regress_gps_tap_runtime')$$, 'grant_runtime');
SELECT set_eq(
  $$SELECT oid FROM member_functions WHERE has_function_privilege('regress_gps_tap_runtime', oid, 'EXECUTE')$$,
  $$SELECT oid FROM member_functions WHERE (prosecdef OR provolatile = 'i') AND prorettype <> 'trigger'::regtype
      AND proname NOT IN ('grant_runtime', 'grant_readonly', 'rebuild_repo_push_rollups', 'session_clear')$$,
  'runtime role executes exactly the API and pure helpers');
SELECT is_empty($$SELECT relname FROM pg_class WHERE relnamespace = 'gitproxy'::regnamespace AND relkind IN ('r', 'v', 'S', 'm', 'p')
  AND has_table_privilege('regress_gps_tap_runtime', oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')$$,
  'runtime role has no privilege on any table, view or sequence');
SELECT is(pg_temp.as_role('regress_gps_tap_runtime', 'SELECT * FROM gitproxy.pushes'), '42501', 'runtime cannot SELECT pushes');
SELECT is(pg_temp.as_role('regress_gps_tap_runtime', $$INSERT INTO gitproxy.sessions (sid, sess, expire) VALUES ('x', '{}', now())$$), '42501', 'runtime cannot INSERT sessions');
SELECT is(pg_temp.as_role('regress_gps_tap_runtime', 'UPDATE gitproxy.repo_push_rollups SET pending = 0'), '42501', 'runtime cannot UPDATE rollups');
SELECT is(pg_temp.as_role('regress_gps_tap_runtime', 'DELETE FROM gitproxy.decision_log'), '42501', 'runtime cannot DELETE the decision log');
SELECT is(pg_temp.as_role('regress_gps_tap_runtime',
  $$SELECT gitproxy.write_audit('{"id": "tap-1", "type": "push", "timestamp": 1, "url": "https://tap.test/r"}'),
           gitproxy.authorise('tap-1', '{"reviewer": {"username": "t"}}'), gitproxy.delete_push('tap-1')$$),
  'ok', 'runtime runs a push lifecycle');
SELECT is(pg_temp.as_role('regress_gps_tap_runtime',
  $$SELECT gitproxy.session_set('tap-s', '{"passport": {"user": "t"}}'), gitproxy.session_get('tap-s'), gitproxy.session_destroy_user('t')$$),
  'ok', 'runtime uses the session store');
SELECT is(pg_temp.as_role('regress_gps_tap_runtime', 'SELECT gitproxy.rebuild_repo_push_rollups()'), '42501', 'runtime cannot rebuild rollups');

-- read-only role
CREATE ROLE regress_gps_tap_readonly;
SELECT lives_ok($$SELECT gitproxy.grant_readonly('regress_gps_tap_readonly')$$, 'grant_readonly');
SELECT set_eq(
  $$SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'gitproxy'::regnamespace AND has_table_privilege('regress_gps_tap_readonly', c.oid, 'SELECT')$$,
  $$SELECT c.oid FROM pg_class c JOIN members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid WHERE c.relkind = 'v'$$,
  'read-only role selects exactly the views');
SELECT is_empty($$SELECT oid FROM pg_proc WHERE pronamespace = 'gitproxy'::regnamespace
  AND has_function_privilege('regress_gps_tap_readonly', oid, 'EXECUTE')$$, 'read-only role executes no function');
SELECT is(pg_temp.as_role('regress_gps_tap_readonly', 'SELECT * FROM gitproxy.pending_pushes, gitproxy.repo_activity LIMIT 1'), 'ok', 'read-only reads views');
SELECT is(pg_temp.as_role('regress_gps_tap_readonly', $$SELECT gitproxy.session_set('x', '{}')$$), '42501', 'read-only cannot write');

-- only a superuser or the extension owner grants
CREATE ROLE regress_gps_tap_other;
GRANT USAGE ON SCHEMA gitproxy TO regress_gps_tap_other;
GRANT EXECUTE ON FUNCTION gitproxy.grant_runtime(regrole) TO regress_gps_tap_other;
SELECT is(pg_temp.as_role('regress_gps_tap_other', $$SELECT gitproxy.grant_runtime('regress_gps_tap_other')$$), '42501',
  'a role that may execute grant_runtime still cannot grant');
SELECT ok(NOT has_function_privilege('regress_gps_tap_other', 'gitproxy.write_audit(json)', 'EXECUTE'), 'and got nothing');

SELECT * FROM finish();
ROLLBACK;
