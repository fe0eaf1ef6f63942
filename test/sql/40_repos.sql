-- Repos and permission lists (contract §2.3, §4.3).  Every repo of this file
-- has project "t40" and a url under https://t40.example/, so listings do not
-- see other files' data.

-- create_repo: stored as given plus _id, dates and normalised users; the
-- result is the stored record
SELECT gitproxy.create_repo('{"project": "t40", "name": "git-proxy", "url": "https://t40.example/finos/git-proxy.git", "proxyURL": "", "extra": {"nested": [1, 2.50, null]}}')::jsonb AS created \gset
SELECT (:'created'::jsonb - '{_id,dateCreated,lastModified}'::text[]) AS stored_keys;
SELECT :'created'::jsonb ->> '_id' ~ '^[0-9a-f]{24}$' AS id_is_object_id,
       :'created'::jsonb ->> 'dateCreated' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' AS iso_millis,
       :'created'::jsonb -> 'dateCreated' = :'created'::jsonb -> 'lastModified' AS dates_equal,
       (:'created'::jsonb ->> 'dateCreated')::timestamptz BETWEEN now() - interval '1 minute' AND now() + interval '1 minute' AS date_is_now,
       gitproxy.derive_created_at(:'created'::jsonb ->> '_id')::timestamptz BETWEEN now() - interval '1 minute' AND now() + interval '1 minute' AS id_time_is_now;
SELECT :'created'::jsonb ->> '_id' AS r1 \gset
SELECT gitproxy.get_repo_by_id(:'r1')::jsonb = :'created'::jsonb AS read_back_equal;

-- dates given are kept; falsy ones ("" / null / false / 0) are set
SELECT gitproxy.create_repo('{"project": "t40", "name": "dated", "url": "https://t40.example/dated.git", "dateCreated": "2020-01-02T03:04:05.678Z", "lastModified": "2021-01-02T03:04:05.678Z"}')::jsonb - '_id' AS kept_dates;
SELECT d->>'dateCreated' ~ '^20[2-9]\d-' AND d->>'dateCreated' <> '' AS created_set,
       d->'lastModified' = d->'dateCreated' AS modified_set
  FROM (SELECT gitproxy.create_repo(('{"project": "t40", "name": "falsy' || n || '", "url": "https://t40.example/falsy' || n || '.git", "dateCreated": ' || v || ', "lastModified": ' || v || '}')::json)::jsonb AS d
          FROM (VALUES (1, '""'), (2, 'null'), (3, 'false'), (4, '0')) x(n, v)) s;

-- users: missing -> both lists []; lists lower-cased, repeats dropped, order
-- kept; other keys of users kept; null list -> []
SELECT gitproxy.create_repo('{"project": "t40", "name": "Mixed-Case", "url": "https://t40.example/mixed.git", "users": {"canPush": ["Bob", "alice", "BOB", "carol"], "canAuthorise": null, "note": "kept"}}')::jsonb -> 'users' AS users_normalised;
SELECT gitproxy.get_repo_by_url('https://t40.example/falsy1.git')::jsonb -> 'users' AS users_default;
-- name is stored as given (the facade lower-cases it, the sink does not)
SELECT gitproxy.get_repo_by_url('https://t40.example/mixed.git')::jsonb ->> 'name' AS name_as_given;

-- a caller's _id is kept exactly (ids are opaque strings), so imports keep ids
SELECT gitproxy.create_repo('{"_id": "65F0C2A9E4B0A1B2C3D4E5F7", "project": "t40", "name": "imported", "url": "https://t40.example/imported.git"}')::jsonb ->> '_id' AS imported_id;
SELECT gitproxy.get_repo_by_id('65f0c2a9e4b0a1b2c3d4e5f7') IS NULL AS other_case_is_another_id;
SELECT gitproxy.get_repo_by_id('65F0C2A9E4B0A1B2C3D4E5F7')::jsonb ->> 'name' AS found_by_exact_id;

-- duplicates and bad input: each error with its SQLSTATE, nothing stored
SELECT count(*) AS t40_repos_before FROM gitproxy.repos WHERE doc->>'project' = 't40';
SELECT test_err($$SELECT gitproxy.create_repo('{"project": "other", "name": "dup", "url": "https://t40.example/finos/git-proxy.git"}')$$);
SELECT test_err($$SELECT gitproxy.create_repo('{"_id": "65F0C2A9E4B0A1B2C3D4E5F7", "project": "t40", "name": "dup-id", "url": "https://t40.example/dup-id.git"}')$$);
SELECT test_err($$SELECT gitproxy.create_repo('{"_id": 12, "project": "t40", "name": "num", "url": "https://t40.example/num.git"}')$$);
SELECT test_err($$SELECT gitproxy.create_repo('{"project": "t40", "name": "u1", "url": "https://t40.example/u1.git", "users": "alice"}')$$);
SELECT test_err($$SELECT gitproxy.create_repo('{"project": "t40", "name": "u2", "url": "https://t40.example/u2.git", "users": {"canPush": "alice"}}')$$);
SELECT test_err($$SELECT gitproxy.create_repo('{"project": "t40", "name": "u3", "url": "https://t40.example/u3.git", "users": {"canAuthorise": ["ok", 7]}}')$$);
SELECT test_err($$SELECT gitproxy.create_repo('{"project": "t40", "name": "u4", "url": "https://t40.example/u4.git", "users": {"canPush": ["a\u0000b"]}}')$$);
SELECT test_err($$SELECT gitproxy.create_repo('[{"url": "https://t40.example/arr.git"}]')$$);
SELECT test_err($$SELECT gitproxy.create_repo(NULL)$$);
SELECT test_err($$SELECT gitproxy.create_repo('{"url": ')$$);
SELECT count(*) AS t40_repos_after FROM gitproxy.repos WHERE doc->>'project' = 't40';
-- the constraint behind it: users lists can never be null, even by direct DML
SELECT test_err($$UPDATE gitproxy.repos SET doc = doc || '{"users": {"canPush": null, "canAuthorise": []}}' WHERE doc->>'project' = 't40'$$);

-- get_repos: NULL, JSON null and {} list everything, in insertion order
SELECT (SELECT count(*) FROM gitproxy.get_repos()) = (SELECT count(*) FROM gitproxy.repos) AS null_lists_all,
       (SELECT count(*) FROM gitproxy.get_repos('null')) = (SELECT count(*) FROM gitproxy.repos) AS json_null_lists_all,
       (SELECT count(*) FROM gitproxy.get_repos('{}')) = (SELECT count(*) FROM gitproxy.repos) AS empty_lists_all;
SELECT r::jsonb ->> 'name' AS name FROM gitproxy.get_repos('{"project": "t40"}') r;
-- name compares case-insensitively; url exactly; dotted paths into users
SELECT r::jsonb ->> 'url' AS url FROM gitproxy.get_repos('{"project": "t40", "name": "MIXED-case"}') r;
SELECT r::jsonb ->> 'url' AS url FROM gitproxy.get_repos('{"name": "GIT-PROXY", "project": "t40"}') r;
SELECT r::jsonb ->> 'name' AS name FROM gitproxy.get_repos('{"url": "https://t40.example/dated.git"}') r;
SELECT count(*) AS wrong_case_url FROM gitproxy.get_repos('{"url": "https://T40.example/dated.git"}');
SELECT r::jsonb ->> 'name' AS name FROM gitproxy.get_repos('{"project": "t40", "users.canPush": "carol"}') r;
SELECT r::jsonb ->> 'name' AS name FROM gitproxy.get_repos('{"project": "t40", "url": {"$regex": "falsy[34]"}}') r;
SELECT r::jsonb ->> 'name' AS name FROM gitproxy.get_repos('{"_id": "65F0C2A9E4B0A1B2C3D4E5F7"}') r;
SELECT count(*) AS other_case_no_match FROM gitproxy.get_repos('{"_id": "65f0c2a9e4b0a1b2c3d4e5f7"}') r;
SELECT count(*) AS type_strict FROM gitproxy.get_repos('{"project": "t40", "proxyURL": null, "name": "git-proxy"}');
SELECT test_err($$SELECT * FROM gitproxy.get_repos('{"$where": "1"}')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_repos('[1]')$$);
-- every listed repo carries both permission arrays
SELECT bool_and(jsonb_typeof(r::jsonb #> '{users,canPush}') = 'array'
            AND jsonb_typeof(r::jsonb #> '{users,canAuthorise}') = 'array') AS lists_always_arrays
  FROM gitproxy.get_repos('{"project": "t40"}') r;

-- get_repo: case-insensitive name; NULL when absent
SELECT gitproxy.get_repo('GIT-PROXY')::jsonb ->> 'url' AS by_name;
SELECT gitproxy.get_repo('no-such-repo') IS NULL AS missing_is_null;
SELECT gitproxy.get_repo(NULL) IS NULL AS null_is_null;
-- get_repo_by_url: exact equality
SELECT gitproxy.get_repo_by_url('https://t40.example/finos/git-proxy.git')::jsonb ->> 'name' AS by_url;
SELECT gitproxy.get_repo_by_url('https://t40.example/finos/git-proxy') IS NULL AS no_git_trimming;
SELECT gitproxy.get_repo_by_url('HTTPS://t40.example/finos/git-proxy.git') IS NULL AS case_sensitive;
SELECT gitproxy.get_repo_by_url(NULL) IS NULL AS null_is_null;
-- get_repo_by_id: unknown and unusable ids give NULL, not an error
SELECT gitproxy.get_repo_by_id('ABCDEFGHIJKLMNOP') IS NULL AS nedb_id_null,
       gitproxy.get_repo_by_id('') IS NULL AS empty_null,
       gitproxy.get_repo_by_id('65f0c2a9e4b0a1b2c3d4e5f') IS NULL AS short_null,
       gitproxy.get_repo_by_id('000000000000000000000000') IS NULL AS unknown_null,
       gitproxy.get_repo_by_id(NULL) IS NULL AS null_null;

-- update_repo: _id selects, other keys are set, other fields intact
SELECT gitproxy.create_repo('{"project": "t40", "name": "upd", "url": "https://t40.example/upd.git", "proxyURL": "", "dateCreated": "2020-01-01T00:00:00.000Z", "lastModified": "2020-01-01T00:00:00.000Z"}')::jsonb ->> '_id' AS u1 \gset
SELECT gitproxy.update_repo(json_build_object('_id', :'u1', 'dateCreated', '2019-06-15T12:00:00.000Z', 'proxyURL', NULL, 'tags', json_build_array('a', 'b')));
SELECT gitproxy.get_repo_by_id(:'u1')::jsonb - '_id' AS after_set;
-- "$unset" removes keys (JavaScript undefined); lastModified is not bumped
SELECT gitproxy.update_repo(json_build_object('_id', :'u1', '$unset', json_build_array('dateCreated', 'tags', 'not-there')));
SELECT gitproxy.get_repo_by_id(:'u1')::jsonb - '_id' AS after_unset;
-- removing users leaves both lists empty; a users value is normalised
SELECT gitproxy.update_repo(json_build_object('_id', :'u1', 'users', json_build_object('canPush', json_build_array('ZED'))));
SELECT gitproxy.get_repo_by_id(:'u1')::jsonb -> 'users' AS users_set;
SELECT gitproxy.update_repo(json_build_object('_id', :'u1', '$unset', json_build_array('users')));
SELECT gitproxy.get_repo_by_id(:'u1')::jsonb -> 'users' AS users_removed;
-- a new url is checked against the others; its own url is fine
SELECT test_err(format($$SELECT gitproxy.update_repo('{"_id": "%s", "url": "https://t40.example/dated.git"}')$$, :'u1'));
SELECT gitproxy.update_repo(json_build_object('_id', :'u1', 'url', 'https://t40.example/upd.git', 'name', 'upd2'));
SELECT gitproxy.get_repo_by_url('https://t40.example/upd.git')::jsonb ->> 'name' AS renamed;
-- no-ops: only _id, unknown _id (no upsert), missing or malformed _id
CREATE TEMP TABLE repos_before AS SELECT _id, doc FROM gitproxy.repos;
SELECT gitproxy.update_repo(json_build_object('_id', :'u1'));
SELECT gitproxy.update_repo('{"_id": "000000000000000000000000", "name": "ghost", "url": "https://t40.example/ghost.git"}');
SELECT gitproxy.update_repo('{"name": "no-id"}');
SELECT gitproxy.update_repo('{"_id": "ABCDEFGHIJKLMNOP", "name": "bad-id"}');
SELECT gitproxy.update_repo('{"_id": 5, "name": "bad-id"}');
SELECT count(*) AS changed_rows FROM gitproxy.repos r FULL JOIN repos_before b USING (_id) WHERE r.doc IS DISTINCT FROM b.doc;
-- errors
SELECT test_err(format($$SELECT gitproxy.update_repo('{"_id": "%s", "$unset": "name"}')$$, :'u1'));
SELECT test_err(format($$SELECT gitproxy.update_repo('{"_id": "%s", "$unset": ["name", 1]}')$$, :'u1'));
SELECT test_err(format($$SELECT gitproxy.update_repo('{"_id": "%s", "$unset": ["_id"]}')$$, :'u1'));
SELECT test_err(format($$SELECT gitproxy.update_repo('{"_id": "%s", "$set": {"name": "x"}}')$$, :'u1'));
SELECT test_err(format($$SELECT gitproxy.update_repo('{"_id": "%s", "name": "x", "$unset": ["name"]}')$$, :'u1'));
SELECT test_err(format($$SELECT gitproxy.update_repo('{"_id": "%s", "users": []}')$$, :'u1'));
SELECT test_err($$SELECT gitproxy.update_repo('"x"')$$);
SELECT test_err($$SELECT gitproxy.update_repo(NULL)$$);
SELECT count(*) AS changed_rows FROM gitproxy.repos r FULL JOIN repos_before b USING (_id) WHERE r.doc IS DISTINCT FROM b.doc;

-- permission lists
SELECT gitproxy.create_repo('{"project": "t40", "name": "perm", "url": "https://t40.example/perm.git", "dateCreated": "2020-01-01T00:00:00.000Z", "lastModified": "2020-01-01T00:00:00.000Z"}')::jsonb ->> '_id' AS p1 \gset
-- add lower-cases and bumps lastModified; dateCreated unchanged
SELECT gitproxy.add_user_can_push(:'p1', 'TestUser');
SELECT gitproxy.add_user_can_authorise(:'p1', 'Admin');
SELECT d -> 'users' AS users,
       d ->> 'lastModified' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' AS iso_millis,
       d ->> 'lastModified' > '2020-01-01T00:00:00.000Z' AS bumped,
       d ->> 'dateCreated' AS date_created
  FROM (SELECT gitproxy.get_repo_by_id(:'p1')::jsonb AS d) s;
-- adding again (any case) is a no-op: no repeat, lastModified not bumped
SELECT gitproxy.update_repo(json_build_object('_id', :'p1', 'lastModified', '2020-06-01T00:00:00.000Z'));
SELECT gitproxy.add_user_can_push(:'p1', 'testuser');
SELECT gitproxy.add_user_can_push(:'p1', 'TESTUSER');
SELECT gitproxy.add_user_can_authorise(:'p1', 'admin');
SELECT d -> 'users' AS users, d ->> 'lastModified' AS last_modified_unchanged
  FROM (SELECT gitproxy.get_repo_by_id(:'p1')::jsonb AS d) s;
-- insertion order is kept
SELECT gitproxy.add_user_can_push(:'p1', 'zoe');
SELECT gitproxy.add_user_can_push(:'p1', 'adam');
SELECT gitproxy.get_repo_by_id(:'p1')::jsonb #> '{users,canPush}' AS insertion_order;
-- remove drops every occurrence (lists imported from MongoDB may repeat a
-- name), keeps the others in order, and always bumps lastModified
UPDATE gitproxy.repos SET doc = jsonb_set(doc, '{users,canPush}', '["adam", "testuser", "zoe", "adam"]') WHERE _id = :'p1';
SELECT gitproxy.update_repo(json_build_object('_id', :'p1', 'lastModified', '2020-06-01T00:00:00.000Z'));
SELECT gitproxy.remove_user_can_push(:'p1', 'ADAM');
SELECT d #> '{users,canPush}' AS can_push, d ->> 'lastModified' > '2020-06-01T00:00:00.000Z' AS bumped
  FROM (SELECT gitproxy.get_repo_by_id(:'p1')::jsonb AS d) s;
-- removing an absent name is not an error and still bumps lastModified
SELECT gitproxy.update_repo(json_build_object('_id', :'p1', 'lastModified', '2020-06-01T00:00:00.000Z'));
SELECT gitproxy.remove_user_can_authorise(:'p1', 'nobody');
SELECT d #> '{users,canAuthorise}' AS can_authorise, d ->> 'lastModified' > '2020-06-01T00:00:00.000Z' AS bumped
  FROM (SELECT gitproxy.get_repo_by_id(:'p1')::jsonb AS d) s;
-- removing the last name leaves [], never null
SELECT gitproxy.remove_user_can_push(:'p1', 'testuser');
SELECT gitproxy.remove_user_can_push(:'p1', 'zoe');
SELECT gitproxy.remove_user_can_authorise(:'p1', 'admin');
SELECT gitproxy.get_repo_by_id(:'p1')::jsonb -> 'users' AS emptied;
-- unknown or malformed repo id: "Repo not found" (P0002), nothing written
DROP TABLE repos_before;
CREATE TEMP TABLE repos_before AS SELECT _id, doc FROM gitproxy.repos;
SELECT test_err($$SELECT gitproxy.add_user_can_push('000000000000000000000000', 'alice')$$);
SELECT test_err($$SELECT gitproxy.add_user_can_authorise('ABCDEFGHIJKLMNOP', 'alice')$$);
SELECT test_err($$SELECT gitproxy.remove_user_can_push('000000000000000000000000', 'alice')$$);
SELECT test_err($$SELECT gitproxy.remove_user_can_authorise('', 'alice')$$);
SELECT test_err($$SELECT gitproxy.add_user_can_push(NULL, 'alice')$$);
SELECT test_err(format($$SELECT gitproxy.add_user_can_push('%s', NULL)$$, :'p1'));
SELECT test_err(format($$SELECT gitproxy.remove_user_can_authorise('%s', NULL)$$, :'p1'));
SELECT test_err(format($$SELECT gitproxy.add_user_can_push('%s', E'x\uffff')$$, :'p1'));
SELECT count(*) AS changed_rows FROM gitproxy.repos r FULL JOIN repos_before b USING (_id) WHERE r.doc IS DISTINCT FROM b.doc;

-- delete_repo: removes; silent when absent or malformed
SELECT gitproxy.delete_repo(:'u1');
SELECT gitproxy.get_repo_by_id(:'u1') IS NULL AS deleted,
       (SELECT count(*) FROM gitproxy.get_repos('{"name": "upd2"}')) AS listed;
SELECT gitproxy.delete_repo(:'u1');
SELECT gitproxy.delete_repo('ABCDEFGHIJKLMNOP');
SELECT gitproxy.delete_repo('');
SELECT test_err($$SELECT gitproxy.delete_repo(NULL)$$);

-- clean up
DROP TABLE repos_before;
DELETE FROM gitproxy.repos WHERE doc->>'project' = 't40';
