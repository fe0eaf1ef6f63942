-- Least privilege: grant_runtime / grant_readonly, no direct table access,
-- hostile objects on the caller's search_path, values stored literally.
CREATE ROLE regress_gps_runtime;
CREATE ROLE regress_gps_readonly;
CREATE ROLE regress_gps_nobody;
SELECT gitproxy.grant_runtime('regress_gps_runtime');
SELECT gitproxy.grant_readonly('regress_gps_readonly');
-- idempotent
SELECT gitproxy.grant_runtime('regress_gps_runtime');

-- Checks below are written over the whole catalog (other parts of the
-- extension add functions and tables) and print only exceptions.
CREATE TEMP VIEW gitproxy_functions AS
  SELECT p.*, EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                       WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                         AND e.extname = 'gitproxy_sink') AS member
    FROM pg_proc p WHERE p.pronamespace = 'gitproxy'::regnamespace;
CREATE TEMP VIEW gitproxy_relations AS
  SELECT c.* FROM pg_class c WHERE c.relnamespace = 'gitproxy'::regnamespace AND c.relkind IN ('r', 'v', 'S', 'm', 'p');
GRANT SELECT ON gitproxy_functions, gitproxy_relations TO PUBLIC;

-- the runtime role executes the API (SECURITY DEFINER) and the pure helpers
-- (IMMUTABLE) ...
SELECT count(*) >= 20 AS api_functions_granted FROM gitproxy_functions
 WHERE has_function_privilege('regress_gps_runtime', oid, 'EXECUTE');
SELECT oid::regprocedure AS api_function_not_granted FROM gitproxy_functions
 WHERE member AND (prosecdef OR provolatile = 'i') AND prorettype <> 'trigger'::regtype
   AND NOT has_function_privilege('regress_gps_runtime', oid, 'EXECUTE')
   AND proname NOT IN ('grant_runtime', 'grant_readonly', 'rebuild_repo_push_rollups', 'session_clear');
-- ... and nothing else: not the administrative functions, not the trigger functions
SELECT oid::regprocedure AS runtime_cannot_execute FROM gitproxy_functions
 WHERE NOT has_function_privilege('regress_gps_runtime', oid, 'EXECUTE') AND prorettype <> 'trigger'::regtype
 ORDER BY oid::regprocedure::text;
SELECT count(*) AS trigger_functions_granted FROM gitproxy_functions
 WHERE prorettype = 'trigger'::regtype AND has_function_privilege('regress_gps_runtime', oid, 'EXECUTE');
-- no privilege at all on any table, view or sequence, for runtime, nor for PUBLIC
SELECT count(*) >= 8 AS relations_checked FROM gitproxy_relations;
SELECT relname AS runtime_or_public_has_privilege FROM gitproxy_relations
 WHERE has_table_privilege('regress_gps_runtime', oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
    OR has_table_privilege('public', oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
    OR (CASE WHEN relkind = 'S' THEN has_sequence_privilege('regress_gps_runtime', oid, 'USAGE,SELECT,UPDATE') END);
-- the read-only role: SELECT on every view, nothing else, no function
SELECT relname AS view_not_readable FROM gitproxy_relations
 WHERE relkind = 'v' AND NOT has_table_privilege('regress_gps_readonly', oid, 'SELECT');
SELECT relname AS readonly_other_privilege FROM gitproxy_relations
 WHERE (relkind <> 'v' AND has_table_privilege('regress_gps_readonly', oid, 'SELECT'))
    OR has_table_privilege('regress_gps_readonly', oid, 'INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER');
SELECT count(*) AS readonly_executable_functions FROM gitproxy_functions
 WHERE has_function_privilege('regress_gps_readonly', oid, 'EXECUTE');
-- PUBLIC: nothing on the schema, no function
SELECT has_schema_privilege('public', 'gitproxy', 'USAGE') AS public_usage,
       has_schema_privilege('public', 'gitproxy', 'CREATE') AS public_create,
       (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'gitproxy'::regnamespace
         AND has_function_privilege('public', p.oid, 'EXECUTE')) AS public_functions,
       has_schema_privilege('regress_gps_runtime', 'gitproxy', 'CREATE') AS runtime_create;

-- the runtime role touches no table directly: every statement on every
-- table and view fails (42501; 55000 for a view that is not updatable at all),
-- except INSERT into the import staging table (23502 below: DEFAULT VALUES
-- leaves its line_no and doc NULL)
SET ROLE regress_gps_runtime;
CREATE TEMP TABLE direct_access AS
SELECT c.relname, o.op, left(test_err(format(o.stmt, c.relname, a.attname)), 5) AS sqlstate
  FROM gitproxy_relations c
 CROSS JOIN LATERAL (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
         AND a.attidentity = '' AND a.attgenerated = '' ORDER BY a.attnum LIMIT 1) a
 CROSS JOIN (VALUES ('1 select', 'SELECT 1 FROM gitproxy.%I LIMIT 1'),
                    ('2 insert', 'INSERT INTO gitproxy.%I DEFAULT VALUES'),
                    ('3 update', 'UPDATE gitproxy.%1$I SET %2$I = %2$I'),
                    ('4 delete', 'DELETE FROM gitproxy.%I')) o(op, stmt)
 WHERE c.relkind IN ('r', 'v');
SELECT count(DISTINCT relname) >= 7 AS tables_and_views_tried FROM direct_access;
SELECT op, sqlstate, count(*) > 0 AS seen FROM direct_access GROUP BY op, sqlstate ORDER BY op, sqlstate;
SELECT relname, op, sqlstate AS allowed FROM direct_access WHERE sqlstate NOT IN ('42501', '55000');
-- ... and there only line_no and doc, not the column that keys a row to its transaction
SELECT a.attname, has_column_privilege('regress_gps_runtime', a.attrelid, a.attnum, 'INSERT') AS may_insert,
       has_column_privilege('regress_gps_runtime', a.attrelid, a.attnum, 'SELECT,UPDATE') AS may_read_or_update
  FROM pg_attribute a WHERE a.attrelid = 'gitproxy.import_staging'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT test_err($$SELECT nextval('gitproxy.decision_log_log_id_seq')$$);
SELECT test_err($$TRUNCATE gitproxy.pushes$$);
-- ... nor the administrative functions and the grants
SELECT test_err($$SELECT gitproxy.rebuild_repo_push_rollups()$$);
SELECT test_err($$SELECT gitproxy.session_clear()$$);
SELECT test_err($$SELECT gitproxy.grant_runtime('regress_gps_nobody')$$);
SELECT test_err($$SELECT gitproxy.pushes_rollup_maintain()$$);
SELECT test_err($$CREATE TABLE gitproxy.mine (x int)$$);

-- ... but runs the whole push lifecycle and the session store through the API
SELECT gitproxy.write_audit('{"id": "role-1", "type": "push", "timestamp": 1700000000000, "url": "https://roles.test/org/repo.git", "userEmail": "dev@roles.test", "error": false, "blocked": true, "allowPush": false, "authorised": false}');
SELECT push->>'id' AS pending_id FROM gitproxy.get_pushes('{"url": "https://roles.test/org/repo.git"}') p;
SELECT gitproxy.authorise('role-1', '{"reviewer": {"username": "Lead", "email": "lead@roles.test"}}');
SELECT gitproxy.reject('role-1', '{"reason": "late veto", "reviewer": {"username": "lead"}}');
SELECT gitproxy.cancel('role-1');
SELECT d->'authorised' AS authorised, d->'canceled' AS canceled, d->'rejected' AS rejected
  FROM (SELECT gitproxy.get_push('role-1')::jsonb AS d) s;
SELECT url, pending, approved, canceled FROM gitproxy.get_repo_push_rollups() WHERE url = 'roles.test/org/repo';
SELECT push->>'id' AS profile_id FROM gitproxy.get_pushes_for_user_profile('{dev@roles.test}', 'LEAD') push;
SELECT gitproxy.canonical_remote_url('git@roles.test:Org/Repo.git') AS key,
       gitproxy.derive_created_at('60c896400000000000000000') AS created;
SELECT gitproxy.delete_push('role-1');
SELECT gitproxy.get_push('role-1') IS NULL AS deleted;
SELECT gitproxy.session_set('role-s1', '{"cookie": {"expires": "2099-01-01T00:00:00.000Z"}, "passport": {"user": "dev"}}');
SELECT gitproxy.session_touch('role-s1', '2099-02-01 00:00:00+00');
SELECT gitproxy.session_get('role-s1')::jsonb -> 'passport' AS passport;
SELECT count(*) AS listed FROM gitproxy.session_all() WHERE sid = 'role-s1';
SELECT gitproxy.session_length() >= 1 AS has_length;
SELECT gitproxy.session_prune(10) >= 0 AS pruned;
SELECT gitproxy.session_destroy_user('dev') AS logged_out;
SELECT gitproxy.session_set('role-s2', '{}');
SELECT gitproxy.session_destroy('role-s2');
SELECT gitproxy.session_get('role-s2') IS NULL AS destroyed;
RESET ROLE;
-- the decisions are on record, with the database session user
SELECT action, reviewer, state_before, db_role FROM gitproxy.decision_log WHERE push_id = 'role-1' ORDER BY log_id;

-- hostile objects: functions and an operator named like built-ins, first on
-- the caller's search_path, cannot change what an API function does
CREATE SCHEMA regress_hostile;
CREATE FUNCTION regress_hostile.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01 00:00:00+00'::timestamptz $$;
CREATE FUNCTION regress_hostile.texteq(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR regress_hostile.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_hostile.texteq);
CREATE FUNCTION regress_hostile.jsonb_build_object(text, jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{"hacked": true}'::jsonb $$;
CREATE FUNCTION regress_hostile.count(jsonb) RETURNS bigint LANGUAGE sql AS $$ SELECT 42::bigint $$;
CREATE FUNCTION regress_hostile.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'hacked' $$;
GRANT USAGE ON SCHEMA regress_hostile TO regress_gps_runtime;
SET ROLE regress_gps_runtime;
SET search_path = regress_hostile, pg_catalog, public;
-- the traps are armed for the caller's own statements
SELECT 'a' = 'b' AS hostile_equals, now() = '2000-01-01 00:00:00+00' AS hostile_now;
SELECT gitproxy.write_audit('{"id": "hostile-1", "type": "push", "timestamp": 1, "url": "https://hostile.test/x"}');
SELECT gitproxy.write_audit('{"id": "hostile-2", "type": "push", "timestamp": 2, "url": "https://hostile.test/y"}');
SELECT gitproxy.get_push('hostile-2')::jsonb ->> 'id' AS exact_lookup;
SELECT gitproxy.get_push('no-such-id') IS NULL AS no_false_match;
SELECT gitproxy.authorise('hostile-1', '{"reviewer": {"username": "x"}}')::jsonb AS authorise_result;
SELECT gitproxy.get_push('hostile-1')::jsonb -> 'attestation' AS attestation;
SELECT gitproxy.session_set('hostile-s', '{}', pg_catalog.now() - interval '1 hour');
SELECT gitproxy.session_get('hostile-s') IS NULL AS expired_by_the_real_clock;
SELECT gitproxy.session_destroy_user('someone-else') AS nobody_logged_out;
SELECT url, pending, approved FROM gitproxy.get_repo_push_rollups() r WHERE r.url OPERATOR(pg_catalog.~~) 'hostile.test%' ORDER BY 1;
SELECT push->>'id' AS id FROM gitproxy.get_pushes('{"url": "https://hostile.test/y"}') p;
RESET search_path;
RESET ROLE;
DROP SCHEMA regress_hostile CASCADE;

-- values containing quotes, backslashes, $, SQL fragments and NULs are stored literally
SET ROLE regress_gps_runtime;
SELECT gitproxy.write_audit($j${"id": "lit-'; DROP TABLE gitproxy.pushes; --", "type": "push", "timestamp": 3,
  "message": "quote ' double \" backslash \\ dollar $1 $$ $tag$ nul \u0000 end",
  "url": "https://literal.test/a'b\"c\\d$e"}$j$);
-- (the document cannot be cast to jsonb, so its text is searched)
SELECT strpos(d, $m$"id": "lit-'; DROP TABLE gitproxy.pushes; --"$m$) > 0 AS id_literal,
       strpos(d, $m$"url": "https://literal.test/a'b\"c\\d$e"$m$) > 0 AS url_literal,
       strpos(d, $m$"message": "quote ' double \" backslash \\ dollar $1 $$ $tag$ nul \u0000 end"$m$) > 0 AS message_literal
  FROM (SELECT gitproxy.get_push($$lit-'; DROP TABLE gitproxy.pushes; --$$)::text AS d) s;
SELECT gitproxy.session_set($$s-'; DELETE FROM gitproxy.sessions; --$$, $j${"csrf": "\u0000 ' \" \\ $1 $$"}$j$);
SELECT gitproxy.session_get($$s-'; DELETE FROM gitproxy.sessions; --$$) AS session_literal;
SELECT gitproxy.session_destroy($$s-'; DELETE FROM gitproxy.sessions; --$$);
SELECT gitproxy.delete_push($$lit-'; DROP TABLE gitproxy.pushes; --$$);
RESET ROLE;
SELECT count(*) >= 0 AS pushes_table_still_there FROM gitproxy.pushes;

-- who may grant: a superuser or the extension's owner (42501 otherwise)
SELECT test_err($$SELECT gitproxy.grant_runtime(NULL)$$);
SELECT test_err($$SELECT gitproxy.grant_readonly('-')$$);
GRANT USAGE ON SCHEMA gitproxy TO regress_gps_nobody;
GRANT EXECUTE ON FUNCTION gitproxy.grant_runtime(regrole), gitproxy.grant_readonly(regrole) TO regress_gps_nobody;
SET ROLE regress_gps_nobody;
SELECT test_err($$SELECT gitproxy.grant_runtime('regress_gps_nobody')$$);
SELECT test_err($$SELECT gitproxy.grant_readonly('regress_gps_nobody')$$);
RESET ROLE;
SELECT count(*) AS nobody_got_functions FROM pg_proc p WHERE p.pronamespace = 'gitproxy'::regnamespace
   AND has_function_privilege('regress_gps_nobody', p.oid, 'EXECUTE') AND p.proname NOT LIKE 'grant\_%';

-- functions added to the extension later are covered at the next call;
-- functions in the schema that are not members are not
CREATE FUNCTION gitproxy.regress_added() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'SELECT 1';
CREATE FUNCTION gitproxy.regress_stranger() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'SELECT 2';
REVOKE ALL ON FUNCTION gitproxy.regress_added(), gitproxy.regress_stranger() FROM PUBLIC;
ALTER EXTENSION gitproxy_sink ADD FUNCTION gitproxy.regress_added();
SELECT gitproxy.grant_runtime('regress_gps_runtime');
SELECT has_function_privilege('regress_gps_runtime', 'gitproxy.regress_added()', 'EXECUTE') AS added_member,
       has_function_privilege('regress_gps_runtime', 'gitproxy.regress_stranger()', 'EXECUTE') AS not_a_member;
ALTER EXTENSION gitproxy_sink DROP FUNCTION gitproxy.regress_added();
DROP FUNCTION gitproxy.regress_added(), gitproxy.regress_stranger();

DROP OWNED BY regress_gps_runtime, regress_gps_readonly, regress_gps_nobody;
DROP ROLE regress_gps_runtime, regress_gps_readonly, regress_gps_nobody;
