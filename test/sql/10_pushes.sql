-- Push store: write_audit, get_push, delete_push (contract §4.2.4-4.2.6)

-- write_audit inserts; get_push returns the document with a generated _id
SELECT gitproxy.write_audit('{"id": "p1", "type": "push", "timestamp": 1000, "url": "https://github.com/finos/git-proxy.git",
  "userEmail": "Alice@Example.com", "error": false, "blocked": true, "allowPush": false, "authorised": false,
  "canceled": false, "rejected": false, "steps": [], "extra": {"nested": [1, 2.50, "x"]}}');
SELECT (gitproxy.get_push('p1')::jsonb - '_id') AS doc;
SELECT gitproxy.get_push('p1')::jsonb ->> '_id' ~ '^[0-9a-f]{24}$' AS id_is_object_id;
SELECT gitproxy.derive_created_at(gitproxy.get_push('p1')::jsonb ->> '_id')::timestamptz
       BETWEEN now() - interval '1 minute' AND now() + interval '1 minute' AS id_time_is_now;

-- a second write replaces the whole document (fs semantics) and keeps _id;
-- an _id carried by the argument is ignored
CREATE TEMP TABLE first_id AS SELECT gitproxy.get_push('p1')::jsonb ->> '_id' AS _id;
SELECT gitproxy.write_audit('{"id": "p1", "type": "push", "timestamp": 1000, "blocked": false, "allowPush": true, "_id": "should-be-removed"}');
SELECT (gitproxy.get_push('p1')::jsonb - '_id') AS replaced;
SELECT gitproxy.get_push('p1')::jsonb ->> '_id' = _id AS id_kept FROM first_id;

-- missing push and NULL argument
SELECT gitproxy.get_push('no-such-push') IS NULL AS missing_is_null;
SELECT gitproxy.get_push(NULL) IS NULL AS null_is_null;

-- bad input: each error with its SQLSTATE, nothing written
SELECT test_err($$SELECT gitproxy.write_audit('{"id": 123, "type": "push"}')$$);
SELECT test_err($$SELECT gitproxy.write_audit('{"type": "push"}')$$);
SELECT test_err($$SELECT gitproxy.write_audit('{"id": "", "type": "push"}')$$);
SELECT test_err($$SELECT gitproxy.write_audit('{"id": null}')$$);
SELECT test_err($$SELECT gitproxy.write_audit('[{"id": "arr"}]')$$);
SELECT test_err($$SELECT gitproxy.write_audit('"p9"')$$);
SELECT test_err($$SELECT gitproxy.write_audit(NULL)$$);
SELECT test_err($$SELECT gitproxy.write_audit('{"id": "bad", ')$$);
SELECT count(*) AS rows_after_bad_input FROM gitproxy.pushes;

-- strings PostgreSQL's jsonb refuses are kept exactly: NUL, lone surrogates,
-- U+FFFF (the escape's own mark), a valid pair, quotes and backslashes
SELECT gitproxy.write_audit(E'{"id": "special-strings", "type": "default", "timestamp": 5, "diff": "a\\u0000b\\u0000", "log": ["\\ud800", "x\\udfffy", "\\ud83d\\ude00", "\\uffff\\uFFFF0", "\\\\u0000 is text", "q\\"\\\\"], "k\\u0000": 1}');
SELECT gitproxy.get_push('special-strings')::text ~ '"diff": "a\\u0000b\\u0000"' AS nul_kept;
-- (why the API speaks json: jsonb cannot hold this document)
SELECT test_err($$SELECT gitproxy.get_push('special-strings')::jsonb$$);
SELECT p.push::text FROM gitproxy.get_pushes('{"type": "default"}') p;
-- a lookup key holding U+FFFF finds its document
SELECT gitproxy.write_audit(E'{"id": "mark-\\uffff", "type": "default", "timestamp": 4}');
SELECT gitproxy.get_push(E'mark-\uffff')::jsonb ->> 'id' = E'mark-\uffff' AS mark_in_id_found;

-- delete_push: removes, is silent when absent, and is logged
SELECT gitproxy.write_audit('{"id": "to-delete", "type": "push", "timestamp": 1}');
SELECT gitproxy.delete_push('to-delete');
SELECT gitproxy.get_push('to-delete') IS NULL AS deleted;
SELECT gitproxy.delete_push('to-delete');
SELECT gitproxy.delete_push(NULL);
SELECT push_id, action, reviewer, payload, state_before, db_role = session_user AS by_session_user
  FROM gitproxy.decision_log WHERE push_id = 'to-delete' ORDER BY log_id;
