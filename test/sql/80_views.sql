-- DBA views: pending_pushes, push_history, repo_activity; read by the read-only role
SET timezone = 'UTC';
SELECT gitproxy.write_audit(d::json) FROM (VALUES
 ('{"id": "view-1", "type": "push", "timestamp": 1700000000000, "url": "https://views.test/org/a.git", "userEmail": "a@views.test", "project": "org", "repoName": "a", "branch": "refs/heads/main", "commitFrom": "0000", "commitTo": "1111", "commitData": [{}, {}], "error": false, "blocked": true, "allowPush": false, "authorised": false}'),
 ('{"id": "view-2", "type": "push", "timestamp": 1700000001000, "url": "https://views.test/org/a", "userEmail": "b@views.test", "error": false, "blocked": true, "allowPush": false, "authorised": false}'),
 ('{"id": "view-3", "type": "push", "timestamp": "later", "url": "git@views.test:org/b.git", "error": false, "blocked": true, "allowPush": false, "authorised": false}'),
 ('{"id": "view-4", "type": "push", "timestamp": 1700000002000, "url": "https://views.test/org/b", "error": true, "blocked": true}'),
 ('{"id": "view-5", "type": "default", "timestamp": 1700000003000, "url": "https://views.test/org/a", "blocked": true}')
) v(d);
SELECT gitproxy.authorise('view-2', '{"reviewer": {"username": "rev"}}');
SELECT gitproxy.reject('view-2', '{"reason": "changed my mind", "reviewer": {"username": "rev"}}');
SELECT gitproxy.cancel('view-3');
SELECT gitproxy.write_audit('{"id": "view-6", "type": "push", "timestamp": 1, "url": "https://views.test/org/c"}');
SELECT gitproxy.delete_push('view-6');

SELECT id, record_id ~ '^[0-9a-f]{24}$' AS record_id_ok, pushed_at, url, project, repo_name, branch,
       user_email, commit_from, commit_to, commit_count, updated_at IS NOT NULL AS has_updated_at
  FROM gitproxy.pending_pushes WHERE id LIKE 'view-%' ORDER BY pushed_at DESC NULLS LAST, id;
SELECT action, push_id, reviewer, state_before, state_now, reason, payload, db_role = session_user AS by_session_user,
       url, user_email, pushed_at, decided_at <= clock_timestamp() AS decided_in_the_past
  FROM gitproxy.push_history WHERE push_id LIKE 'view-%' ORDER BY log_id;
SELECT * FROM gitproxy.repo_activity WHERE repo_key LIKE 'views.test/%' ORDER BY repo_key;
-- repo_activity is get_repo_push_rollups with readable times
SELECT count(*) AS differences FROM gitproxy.repo_activity a
  FULL JOIN gitproxy.get_repo_push_rollups() r ON r.url = a.repo_key
 WHERE a.repo_key IS NULL OR r.url IS NULL
    OR (a.pending, a.approved, a.canceled, a.rejected, a.error) IS DISTINCT FROM (r.pending, r.approved, r.canceled, r.rejected, r.error)
    OR floor(extract(epoch FROM a.latest_push_at) * 1000) IS DISTINCT FROM r.latest_push_at_ms
    OR floor(extract(epoch FROM a.latest_pending_review_at) * 1000) IS DISTINCT FROM r.latest_pending_review_at_ms;
-- pending_pushes and the pending counts describe the same pushes
SELECT (SELECT count(*) FROM gitproxy.pending_pushes WHERE url LIKE '%views.test%') AS pending_rows,
       (SELECT sum(pending) FROM gitproxy.repo_activity WHERE repo_key LIKE 'views.test/%') AS pending_counted;

-- the read-only role reads every view, calls nothing
CREATE ROLE regress_gps_viewer;
SELECT gitproxy.grant_readonly('regress_gps_viewer');
SET ROLE regress_gps_viewer;
SELECT count(*) > 0 AS reads_pending FROM gitproxy.pending_pushes;
SELECT count(*) > 0 AS reads_history FROM gitproxy.push_history;
SELECT count(*) > 0 AS reads_activity FROM gitproxy.repo_activity;
SELECT test_err($$SELECT gitproxy.write_audit('{"id": "x"}')$$);
SELECT test_err($$SELECT gitproxy.authorise('view-1')$$);
SELECT test_err($$SELECT gitproxy.delete_push('view-1')$$);
SELECT test_err($$SELECT gitproxy.session_set('s', '{}')$$);
SELECT test_err($$SELECT gitproxy.get_push('view-1')$$);
SELECT test_err($$SELECT * FROM gitproxy.pushes$$);
SELECT test_err($$UPDATE gitproxy.repo_activity SET pending = 0$$);
-- every function of the schema is refused (called with non-NULL arguments:
-- a strict function of NULL constants is folded away before any check);
-- only exceptions are printed
CREATE TEMP TABLE viewer_calls AS
SELECT p.oid::regprocedure AS function, test_err(format('SELECT %s(%s)', p.oid::regproc,
         (SELECT string_agg(CASE t WHEN 'json'::regtype THEN $$'{}'::json$$
                                   WHEN 'jsonb'::regtype THEN $$'{}'::jsonb$$
                                   WHEN 'boolean'::regtype THEN 'true'
                                   WHEN 'text[]'::regtype THEN $$'{}'::text[]$$
                                   WHEN 'integer'::regtype THEN '1'
                                   WHEN 'boolean'::regtype THEN 'false'
                                   WHEN 'bigint'::regtype THEN '1'
                                   WHEN 'timestamptz'::regtype THEN 'now()'
                                   WHEN 'regrole'::regtype THEN 'current_user::regrole'
                                   ELSE $$'x'::$$ || format_type(t, NULL) END, ', ')
            FROM unnest(p.proargtypes) t))) AS result
  FROM pg_proc p WHERE p.pronamespace = 'gitproxy'::regnamespace;
SELECT count(*) >= 26 AS functions_tried FROM viewer_calls;
SELECT function, result AS not_refused FROM viewer_calls
 WHERE result NOT LIKE '42501: permission denied for function %';
RESET ROLE;
DROP OWNED BY regress_gps_viewer;
DROP ROLE regress_gps_viewer;

-- every object of the extension has a description (\dx+ and \d+ show them);
-- the row types of tables and views and the array types, which PostgreSQL 17
-- records as members too, are described by their table, view or element type
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS undocumented
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'gitproxy_sink'
   AND obj_description(d.objid, (SELECT relname FROM pg_class WHERE oid = d.classid)) IS NULL
   AND NOT EXISTS (SELECT FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
                    WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
                      AND (c.relkind IN ('r', 'p', 'v', 'm', 'f')
                           OR EXISTS (SELECT FROM pg_type a WHERE a.typarray = t.oid)))
 ORDER BY 1;
SELECT count(*) > 20 AS members_checked FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND e.extname = 'gitproxy_sink';
RESET timezone;
