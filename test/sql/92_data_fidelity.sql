-- Data fidelity (issue 10): opaque ids, one validation per record kind,
-- linear permission lists.  Imports are in 90_import.sql and
-- 91_import_users_repos.sql.  Repo urls of this file start with
-- https://t92.example/, usernames with t92-.

-- A test_err that also shows the DETAIL, which names the field at fault.
CREATE FUNCTION pg_temp.err_detail(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  detail text;
BEGIN
  EXECUTE stmt;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' / ' || nullif(detail, ''), '');
END $$;

-- (a) ids are opaque strings: NeDB's 16-character ids, ObjectIds in either
-- case and UUIDs are kept exactly and work everywhere an id is passed
SELECT gitproxy.create_repo('{"_id": "Kz3XsYpL0aB9cD2e", "project": "t92", "name": "nedb", "url": "https://t92.example/nedb.git"}')::jsonb ->> '_id' AS nedb_id;
SELECT gitproxy.create_repo('{"_id": "0b5f1c9e-6a1d-4c62-9f4e-2d7b8a3c1e55", "project": "t92", "name": "uuid", "url": "https://t92.example/uuid.git"}')::jsonb ->> '_id' AS uuid_id;
SELECT gitproxy.get_repo_by_id('Kz3XsYpL0aB9cD2e')::jsonb ->> 'name' AS by_nedb_id,
       gitproxy.get_repo_by_id('kz3xsypl0ab9cd2e') IS NULL AS case_matters;
SELECT gitproxy.add_user_can_push('Kz3XsYpL0aB9cD2e', 'T92-Alice');
SELECT gitproxy.update_repo('{"_id": "Kz3XsYpL0aB9cD2e", "proxyURL": ""}');
SELECT gitproxy.get_repo_by_id('Kz3XsYpL0aB9cD2e')::jsonb -> 'users' ->> 'canPush' AS can_push,
       gitproxy.get_repo_by_id('Kz3XsYpL0aB9cD2e')::jsonb ->> 'proxyURL' AS proxy_url;
SELECT r::jsonb ->> 'name' AS listed_by_id FROM gitproxy.get_repos('{"_id": "0b5f1c9e-6a1d-4c62-9f4e-2d7b8a3c1e55"}') r;
SELECT gitproxy.delete_repo('0b5f1c9e-6a1d-4c62-9f4e-2d7b8a3c1e55');
SELECT gitproxy.get_repo_by_url('https://t92.example/uuid.git') IS NULL AS deleted_by_uuid;
-- a missing, null or empty _id gets a generated one (git-proxy's
-- test/processors/scanDiff.test.ts creates a repo with _id '')
SELECT gitproxy.create_repo('{"_id": "", "project": "private-org-test", "name": "repo.git", "url": "https://t92.example/empty-id.git"}')::jsonb ->> '_id' ~ '^[0-9a-f]{24}$' AS empty_id_generated,
       gitproxy.create_repo('{"_id": null, "project": "t92", "name": "null-id", "url": "https://t92.example/null-id.git"}')::jsonb ->> '_id' ~ '^[0-9a-f]{24}$' AS null_id_generated;
-- the longest id kept is 1,024 bytes (value_limits.h); longer (22001),
-- non-string and NUL ids (22023) refused
SELECT octet_length(gitproxy.create_repo(json_build_object('_id', repeat('x', 1024), 'project', 't92', 'name', 'long', 'url', 'https://t92.example/long.git'))::jsonb ->> '_id') AS longest_id;
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo(json_build_object('_id', repeat('x', 1025), 'project', 't92', 'name', 'too-long', 'url', 'https://t92.example/too-long.git'))$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo('{"_id": 7, "project": "t92", "name": "num", "url": "https://t92.example/num.git"}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo('{"_id": "a\u0000b", "project": "t92", "name": "nul", "url": "https://t92.example/nul.git"}')$$);
SELECT gitproxy.get_repo_by_id(repeat('x', 1025)) IS NULL AS too_long_lookup_null;
-- users: the same
SELECT gitproxy.create_user('{"_id": "Ab3XsYpL0aB9cD2e", "username": "t92-alice", "email": "alice@t92.example", "gitAccount": "alice", "admin": false}');
SELECT gitproxy.find_user('t92-alice')::jsonb ->> '_id' AS user_nedb_id;
SELECT gitproxy.update_user('{"_id": "Ab3XsYpL0aB9cD2e", "title": "by nedb id"}');
SELECT gitproxy.find_user('t92-alice')::jsonb ->> 'title' AS updated_by_nedb_id;
SELECT gitproxy.update_user('{"_id": "3f1e2d3c-0000-4000-8000-000000000001", "username": "t92-uuid-user"}');
SELECT gitproxy.find_user('t92-uuid-user')::jsonb ->> '_id' AS upserted_uuid_id;
SELECT u::jsonb ->> 'username' AS listed_user FROM gitproxy.get_users('{"_id": "Ab3XsYpL0aB9cD2e"}') u;
-- derive_created_at decodes only ObjectId-shaped ids
SELECT gitproxy.derive_created_at('60c8968000000000000000aa') AS object_id_time,
       gitproxy.derive_created_at('60C8968000000000000000AA') AS upper_case_time,
       gitproxy.derive_created_at('Kz3XsYpL0aB9cD2e') IS NULL AS nedb_null,
       gitproxy.derive_created_at('0b5f1c9e-6a1d-4c62-9f4e-2d7b8a3c1e55') IS NULL AS uuid_null,
       gitproxy.derive_created_at('60c8968000000000000000a') IS NULL AS short_null,
       gitproxy.derive_created_at('') IS NULL AS empty_null;

-- (c) one validation per record kind: create and update apply the rules
-- import applies, 22023 with a detail naming the field; nothing is stored
CREATE TEMP TABLE t92_before AS SELECT count(*) AS n FROM gitproxy.repos;
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo('{}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo('{"url": 5}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo('{"url": "", "name": "x", "project": "t92"}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo('{"url": "https://t92.example/a.git", "project": "t92"}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo('{"url": "https://t92.example/a.git", "name": 1, "project": "t92"}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo('{"url": "https://t92.example/a.git", "name": "a"}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_repo('{"url": "https://t92.example/a.git", "name": "a", "project": null}')$$);
SELECT (SELECT count(*) FROM gitproxy.repos) - n AS repos_stored FROM t92_before;
-- project may be empty; unknown keys are kept
SELECT gitproxy.create_repo('{"url": "https://t92.example/min.git", "name": "min", "project": "", "anything": {"kept": true}}')::jsonb - '{_id,dateCreated,lastModified}'::text[] AS minimal_repo;
-- update_repo checks the fields it sets and refuses to remove a required one
SELECT pg_temp.err_detail($$SELECT gitproxy.update_repo('{"_id": "Kz3XsYpL0aB9cD2e", "url": 5}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.update_repo('{"_id": "Kz3XsYpL0aB9cD2e", "name": ""}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.update_repo('{"_id": "Kz3XsYpL0aB9cD2e", "$unset": ["name"]}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.update_repo('{"_id": "Kz3XsYpL0aB9cD2e", "$unset": ["url"]}')$$);
SELECT gitproxy.get_repo_by_id('Kz3XsYpL0aB9cD2e')::jsonb ->> 'name' AS name_unchanged;
-- users: typed fields, whichever function writes them
SELECT pg_temp.err_detail($$SELECT gitproxy.create_user('{"username": "t92-bad", "admin": "yes"}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_user('{"username": "t92-bad", "email": 5}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.create_user('{"email": "x@t92.example"}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.update_user('{"username": "t92-alice", "gitAccount": ["x"]}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.update_user('{"username": "t92-alice", "mustChangePassword": 1}')$$);
SELECT gitproxy.create_user('{"username": "t92-nulls", "password": null, "oidcId": null, "displayName": null, "extra": [1]}');
SELECT gitproxy.find_user('t92-nulls')::jsonb - '_id' AS nulls_and_extra_kept;
SELECT count(*) AS bad_users_stored FROM gitproxy.users WHERE username = 't92-bad';
-- pushes: the id, for write_audit and import alike (flags are open: the
-- contract counts only boolean true)
SELECT pg_temp.err_detail($$SELECT gitproxy.write_audit('{"type": "push"}')$$);
SELECT pg_temp.err_detail($$SELECT gitproxy.write_audit('{"id": 5}')$$);

-- (d) permission lists: normalising is linear (sort-unique); order of first
-- appearance kept, repeats in any case dropped; 100k names in test/bench
SELECT gitproxy.create_repo(json_build_object('project', 't92', 'name', 'many', 'url', 'https://t92.example/many.git',
         'users', json_build_object('canPush', (SELECT json_agg(CASE WHEN i % 3 = 0 THEN upper('u' || (i % 5000)) ELSE 'u' || (i % 5000) END ORDER BY i)
                                                  FROM generate_series(1, 20000) i),
                                    'canAuthorise', json_build_array('B', 'a', 'b', 'A', 'c'))))::jsonb -> 'users' AS r \gset
SELECT jsonb_array_length(:'r'::jsonb -> 'canPush') AS distinct_names,
       (SELECT array_agg(e ORDER BY o) FROM jsonb_array_elements_text(:'r'::jsonb -> 'canPush') WITH ORDINALITY AS x(e, o) WHERE o <= 4) AS first_four,
       :'r'::jsonb -> 'canAuthorise' AS can_authorise;
SELECT gitproxy.update_repo(json_build_object('_id', (SELECT _id FROM gitproxy.repos WHERE url = 'https://t92.example/many.git'),
         'users', json_build_object('canPush', json_build_array('Z', 'y', 'z', 'Y', 'x'))));
SELECT gitproxy.get_repo_by_url('https://t92.example/many.git')::jsonb -> 'users' AS updated_users;

-- clean up
SELECT count(gitproxy.delete_repo(_id)) AS deleted_repos FROM gitproxy.repos WHERE url LIKE 'https://t92.example/%';
SELECT count(gitproxy.delete_user(username)) AS deleted_users FROM gitproxy.users WHERE username LIKE 't92-%';
