-- Bulk import of users and repos: gitproxy.import_users() and
-- gitproxy.import_repos(), with the staging contract of import_pushes.
-- Usernames of this file start with "impu-", repo urls with
-- "https://imp.example/".

-- the users of this file, as find_user returns them (without _id)
CREATE FUNCTION pg_temp.impu_users() RETURNS TABLE (username text, _id text, doc jsonb)
LANGUAGE sql AS $$
  SELECT u.username, u._id, gitproxy.find_user(u.username)::jsonb - '_id'
    FROM gitproxy.users u WHERE u.username LIKE 'impu-%' ORDER BY u.username
$$;

------------------------------------------------------------------------
-- USERS
------------------------------------------------------------------------

-- 1. a batch: an _id is kept exactly as given (NeDB's 16-character form
-- too), a record without one gets a new one; username and email lower-cased,
-- publicKeys [] when missing or null, every other key kept as given
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
1|{"_id": "65F0C2A9E4B0A1B2C3D4E501", "username": "Impu-Alice", "email": "Alice@Example.COM", "password": "$2a$10$hash", "gitAccount": "AliceGH", "admin": true, "publicKeys": [{"key": "ssh-ed25519 AAAAimpu1", "name": "laptop", "fingerprint": "SHA256:impu1"}]}
2|{"username": "impu-bob", "email": "bob@example.com", "admin": false, "publicKeys": null}
3|{"_id": "nedb-style-id-16c", "username": "impu-carol", "oidcId": "oidc:carol"}
\.
SELECT * FROM gitproxy.import_users();
COMMIT;
SELECT username, _id IN ('65F0C2A9E4B0A1B2C3D4E501', 'nedb-style-id-16c') AS kept_own_id, _id ~ '^[0-9a-f]{24}$' AS generated_form, doc
  FROM pg_temp.impu_users();
SELECT gitproxy.find_user_by_ssh_key('ssh-ed25519 AAAAimpu1')::jsonb ->> 'username' AS key_owner,
       gitproxy.find_user_by_email('ALICE@example.com')::jsonb ->> '_id' AS by_email,
       gitproxy.find_user_by_oidc('oidc:carol')::jsonb ->> 'username' AS by_oidc;
SELECT (SELECT doc ? '_id' FROM gitproxy.users WHERE username = 'impu-alice') AS _id_in_doc;

-- 2. re-running the batch is harmless: every user updated, nothing
-- duplicated, _ids (also the generated ones) and documents unchanged
CREATE TEMP TABLE impu_before AS SELECT * FROM pg_temp.impu_users();
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
1|{"_id": "65F0C2A9E4B0A1B2C3D4E501", "username": "Impu-Alice", "email": "Alice@Example.COM", "password": "$2a$10$hash", "gitAccount": "AliceGH", "admin": true, "publicKeys": [{"key": "ssh-ed25519 AAAAimpu1", "name": "laptop", "fingerprint": "SHA256:impu1"}]}
2|{"username": "impu-bob", "email": "bob@example.com", "admin": false, "publicKeys": null}
3|{"_id": "nedb-style-id-16c", "username": "impu-carol", "oidcId": "oidc:carol"}
\.
SELECT * FROM gitproxy.import_users();
COMMIT;
SELECT count(*) AS impu_rows FROM gitproxy.users WHERE username LIKE 'impu-%';
SELECT NOT EXISTS ((SELECT * FROM pg_temp.impu_users() EXCEPT SELECT * FROM impu_before)
                   UNION ALL (SELECT * FROM impu_before EXCEPT SELECT * FROM pg_temp.impu_users()))
       AS unchanged;
SELECT count(*) AS impu_keys FROM gitproxy.user_public_keys k
  JOIN gitproxy.users u ON u._id = k.user_id WHERE u.username LIKE 'impu-%';

-- 3. one username several times in a batch (any case): the highest line_no
-- wins whatever the staging order, and counts once.  By default a stored
-- user is left as it is (skipped); with replace a record without _id keeps
-- the stored user's, replace semantics (keys the record lacks go)
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
12|{"username": "IMPU-BOB", "email": "bob@example.com", "v": 12}
11|{"username": "impu-bob", "email": "bob@example.com", "v": 11}
13|{"username": "impu-dave", "email": ""}
\.
SELECT * FROM gitproxy.import_users(replace => true);
COMMIT;
SELECT u.username, u.doc, u._id = b._id AS id_unchanged
  FROM pg_temp.impu_users() u LEFT JOIN impu_before b USING (username)
 WHERE u.username IN ('impu-bob', 'impu-dave');

-- 4. with replace a stored user matched by username takes the record's
-- _id; its SSH keys follow (and change with publicKeys)
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"_id": "65f0c2a9e4b0a1b2c3d4e5aa", "username": "impu-alice", "email": "alice@example.com", "publicKeys": [{"key": "ssh-ed25519 AAAAimpu1"}, {"key": "ssh-ed25519 AAAAimpu2"}]}'),
  (2, '{"_id": "65f0c2a9e4b0a1b2c3d4e5bb", "username": "impu-carol"}');
SELECT * FROM gitproxy.import_users(replace => true);
COMMIT;
SELECT username, _id FROM gitproxy.users WHERE username IN ('impu-alice', 'impu-carol') ORDER BY username;
SELECT key, user_id FROM gitproxy.user_public_keys WHERE key LIKE 'ssh-ed25519 AAAAimpu%' ORDER BY key;
SELECT gitproxy.find_user_by_ssh_key('ssh-ed25519 AAAAimpu2')::jsonb ->> '_id' AS key_owner_id;

-- 5. a bad line: the error names its line and nothing of the batch is
-- applied (the good lines before and after it included)
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
1|{"username": "impu-bad-1"}
2|{"username": "impu-bob", "v": "must not be applied"}
3|{"username": "impu-bad-3", "email":
4|{"username": "impu-bad-4"}
\.
SELECT test_import_err('SELECT * FROM gitproxy.import_users()');
COMMIT;
SELECT count(*) AS bad_batch_rows FROM gitproxy.users WHERE username LIKE 'impu-bad-%';
SELECT doc ->> 'v' AS impu_bob_unchanged FROM gitproxy.users WHERE username = 'impu-bob';

-- every kind of bad user line, each reported with its line number
CREATE TEMP TABLE bad_lines (line_no bigint, doc text);
INSERT INTO bad_lines VALUES
  (101, '{"username": '),
  (102, '["impu-x"]'),
  (103, '{"email": "x@example.com"}'),
  (104, '{"username": ""}'),
  (105, '{"username": 5}'),
  (106, '{"username": "impu-x", "publicKeys": {"key": "k"}}'),
  (107, '{"username": "impu-x", "publicKeys": [{"name": "no key"}]}'),
  (108, '{"username": "impu-\u0000"}'),
  (109, '{"username": "impu-x", "_id": 16}'),
  (110, '{"username": "impu-x", "admin": "yes"}'),
  (111, '{"username": "impu-x", "email": 5}');
SELECT b.line_no, test_import_err(format(
         'INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, %L), (%s, %L); '
         'SELECT * FROM gitproxy.import_users()',
         '{"username": "impu-bad-ok"}', b.line_no, b.doc)) AS error
  FROM bad_lines b ORDER BY b.line_no;
SELECT count(*) AS rows_after_bad_lines FROM gitproxy.users WHERE username IN ('impu-x', 'impu-bad-ok');

-- 6. constraint conflicts fail the batch naming the first line that cannot
-- be applied; nothing is applied
-- an SSH key owned by a stored user
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"username": "impu-erin"}'),
  (2, '{"username": "impu-frank", "publicKeys": [{"key": "ssh-ed25519 AAAAimpu2"}]}');
SELECT test_import_err('SELECT * FROM gitproxy.import_users()');
COMMIT;
-- one key on two new users of the batch: the later line is at fault
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (7, '{"username": "impu-grace", "publicKeys": [{"key": "ssh-ed25519 AAAAimpu9"}]}'),
  (5, '{"username": "impu-heidi", "publicKeys": [{"key": "ssh-ed25519 AAAAimpu9"}]}'),
  (6, '{"username": "impu-ivan"}');
SELECT test_import_err('SELECT * FROM gitproxy.import_users()');
COMMIT;
-- a key moving between users in one batch is fine when it is given up first
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"username": "impu-alice", "_id": "65f0c2a9e4b0a1b2c3d4e5aa", "email": "alice@example.com", "publicKeys": [{"key": "ssh-ed25519 AAAAimpu1"}]}'),
  (2, '{"username": "impu-bob", "email": "bob@example.com", "publicKeys": [{"key": "ssh-ed25519 AAAAimpu2"}]}');
SELECT * FROM gitproxy.import_users(replace => true);
COMMIT;
SELECT gitproxy.find_user_by_ssh_key('ssh-ed25519 AAAAimpu2')::jsonb ->> 'username' AS impu2_owner;
-- a non-empty email of another user
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"username": "impu-judy", "email": "judy@example.com"}'),
  (2, '{"username": "impu-ken", "email": "ALICE@example.com"}');
SELECT test_import_err('SELECT * FROM gitproxy.import_users()');
COMMIT;
-- an _id of a user with another username
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"username": "impu-leo"}'),
  (2, '{"username": "impu-mallory", "_id": "65f0c2a9e4b0a1b2c3d4e5aa"}');
SELECT test_import_err('SELECT * FROM gitproxy.import_users()');
COMMIT;
SELECT count(*) AS conflicting_batches_applied FROM gitproxy.users
 WHERE username IN ('impu-erin', 'impu-frank', 'impu-grace', 'impu-heidi', 'impu-ivan',
                    'impu-judy', 'impu-ken', 'impu-leo', 'impu-mallory');

------------------------------------------------------------------------
-- REPOS
------------------------------------------------------------------------

-- 7. a batch: permission lists always present, lower-cased, repeats dropped;
-- dates kept when given, else both set to the same current time; _id kept
-- exactly or generated
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
1|{"_id": "66F0C2A9E4B0A1B2C3D4E501", "project": "finos", "name": "git-proxy", "url": "https://imp.example/finos/git-proxy.git", "users": {"canPush": ["Alice", "bob", "ALICE"], "canAuthorise": ["admin"]}, "dateCreated": "2024-01-02T03:04:05.678Z", "lastModified": "2024-02-03T04:05:06.789Z", "proxyURL": ""}
2|{"project": "pgvector", "name": "pgvector", "url": "https://imp.example/pgvector/pgvector.git"}
3|{"project": "x", "name": "nulls", "url": "https://imp.example/x/nulls.git", "users": {"canPush": null, "extra": 1}, "dateCreated": null}
\.
SELECT * FROM gitproxy.import_repos();
COMMIT;
CREATE FUNCTION pg_temp.imp_repos() RETURNS TABLE (url text, _id text, doc jsonb)
LANGUAGE sql AS $$
  SELECT r.url, r._id, gitproxy.get_repo_by_url(r.url)::jsonb - '_id'
    FROM gitproxy.repos r WHERE r.url LIKE 'https://imp.example/%' ORDER BY r.url
$$;
SELECT url, _id = '66F0C2A9E4B0A1B2C3D4E501' AS kept_own_id, _id ~ '^[0-9a-f]{24}$' AS generated_form,
       doc - '{dateCreated,lastModified}'::text[] AS doc,
       doc ->> 'dateCreated' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$' AS created_iso,
       doc ->> 'dateCreated' = doc ->> 'lastModified' AS same_time
  FROM pg_temp.imp_repos();
SELECT doc ->> 'dateCreated' AS created, doc ->> 'lastModified' AS modified
  FROM pg_temp.imp_repos() WHERE url LIKE '%git-proxy.git';

-- 8. re-running is harmless: all skipped, nothing duplicated, _ids kept,
-- and nothing changes (with replace too: the dates a record lacks are the
-- stored ones, not a new time)
CREATE TEMP TABLE imp_repos_before AS SELECT * FROM pg_temp.imp_repos();
SELECT pg_sleep(0.01);
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
1|{"_id": "66F0C2A9E4B0A1B2C3D4E501", "project": "finos", "name": "git-proxy", "url": "https://imp.example/finos/git-proxy.git", "users": {"canPush": ["Alice", "bob", "ALICE"], "canAuthorise": ["admin"]}, "dateCreated": "2024-01-02T03:04:05.678Z", "lastModified": "2024-02-03T04:05:06.789Z", "proxyURL": ""}
2|{"project": "pgvector", "name": "pgvector", "url": "https://imp.example/pgvector/pgvector.git"}
3|{"project": "x", "name": "nulls", "url": "https://imp.example/x/nulls.git", "users": {"canPush": null, "extra": 1}, "dateCreated": null}
\.
SELECT * FROM gitproxy.import_repos();
COMMIT;
SELECT count(*) AS imp_repo_rows FROM gitproxy.repos WHERE url LIKE 'https://imp.example/%';
SELECT NOT EXISTS ((SELECT * FROM pg_temp.imp_repos() EXCEPT SELECT * FROM imp_repos_before)
                   UNION ALL (SELECT * FROM imp_repos_before EXCEPT SELECT * FROM pg_temp.imp_repos()))
       AS unchanged;

-- 9. one url several times: the highest line_no wins; with replace a stored
-- repo matched by url takes the record's _id, or keeps its own
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
22|{"project": "pgvector", "name": "pgvector-22", "url": "https://imp.example/pgvector/pgvector.git", "dateCreated": "2020-01-01T00:00:00.000Z"}
21|{"project": "pgvector", "name": "pgvector-21", "url": "https://imp.example/pgvector/pgvector.git"}
23|{"_id": "66f0c2a9e4b0a1b2c3d4e5cc", "project": "x", "name": "nulls", "url": "https://imp.example/x/nulls.git"}
\.
SELECT * FROM gitproxy.import_repos(replace => true);
COMMIT;
SELECT r.url, r._id = b._id AS id_unchanged, r._id = '66f0c2a9e4b0a1b2c3d4e5cc' AS took_record_id,
       r.doc ->> 'name' AS name,
       CASE WHEN r.doc ->> 'dateCreated' = b.doc ->> 'dateCreated' THEN 'stored'
            ELSE r.doc ->> 'dateCreated' END AS created,
       r.doc ->> 'lastModified' = b.doc ->> 'lastModified' AS modified_kept
  FROM pg_temp.imp_repos() r JOIN imp_repos_before b USING (url)
 WHERE r.url NOT LIKE '%git-proxy.git' ORDER BY r.url;

-- 10. a bad line fails its batch, named; every kind of bad repo line
BEGIN;
COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT csv, QUOTE E'\x01', DELIMITER '|');
1|{"project": "p", "name": "bad-1", "url": "https://imp.example/bad-1.git"}
2|{"project": "p", "name": "renamed", "url": "https://imp.example/finos/git-proxy.git"}
3|{"project": "p", "name": "bad-3", "url": "https://imp.example/bad-3.git", "users": {"canPush": "alice"}}
\.
SELECT test_import_err('SELECT * FROM gitproxy.import_repos(replace => true)');
COMMIT;
SELECT count(*) AS bad_batch_rows FROM gitproxy.repos WHERE url LIKE 'https://imp.example/bad-%';
SELECT doc ->> 'name' AS git_proxy_unchanged FROM gitproxy.repos WHERE url = 'https://imp.example/finos/git-proxy.git';
TRUNCATE bad_lines;
INSERT INTO bad_lines VALUES
  (201, '{"url": "https://imp.example/x.git"'),
  (202, '"https://imp.example/x.git"'),
  (203, '{"name": "no url"}'),
  (204, '{"url": ""}'),
  (205, '{"url": ["https://imp.example/x.git"]}'),
  (206, '{"project": "p", "name": "x", "url": "https://imp.example/x.git", "users": []}'),
  (207, '{"project": "p", "name": "x", "url": "https://imp.example/x.git", "users": {"canAuthorise": [1]}}'),
  (208, '{"project": "p", "url": "https://imp.example/x.git"}'),
  (209, '{"name": "x", "url": "https://imp.example/x.git"}'),
  (210, '{"project": null, "name": "x", "url": "https://imp.example/x.git"}'),
  (211, '{"project": "p", "name": "", "url": "https://imp.example/x.git"}'),
  (212, '{"project": "p", "name": "x", "url": "https://imp.example/x.git", "_id": ["a"]}');
SELECT b.line_no, test_import_err(format(
         'INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, %L), (%s, %L); '
         'SELECT * FROM gitproxy.import_repos()',
         '{"project": "p", "name": "ok", "url": "https://imp.example/bad-ok.git"}', b.line_no, b.doc)) AS error
  FROM bad_lines b ORDER BY b.line_no;
-- an _id of a repo with another url
BEGIN;
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES
  (1, '{"project": "p", "name": "ok", "url": "https://imp.example/ok.git"}'),
  (2, '{"project": "p", "name": "thief", "url": "https://imp.example/thief.git", "_id": "66F0C2A9E4B0A1B2C3D4E501"}');
SELECT test_import_err('SELECT * FROM gitproxy.import_repos()');
COMMIT;
SELECT count(*) AS rows_after_bad_lines FROM gitproxy.repos
 WHERE url IN ('https://imp.example/x.git', 'https://imp.example/bad-ok.git',
               'https://imp.example/ok.git', 'https://imp.example/thief.git');

-- the conversion functions on their own (internal; shown for edge cases)
SELECT d.username, d.record_id, d.stored_doc
  FROM gitproxy.import_user_doc('{"username": "ImpU-Z", "_id": "65F0C2A9E4B0A1B2C3D4E5FF", "nested": {"_id": 1}}', 1) d;
SELECT d.url, d.record_id, d.stored_doc, d.dates
  FROM gitproxy.import_repo_doc('{"project": "", "name": "Z", "url": "https://imp.example/Z.git", "_id": "Kz3XsYpL0aB9cD2e", "dateCreated": "d", "lastModified": "m"}', 2) d;
SELECT test_import_err($$SELECT gitproxy.import_user_doc(NULL, 5)$$);
SELECT test_import_err($$SELECT gitproxy.import_repo_doc('{"url": "u"}', NULL)$$);

------------------------------------------------------------------------
-- only the extension's staging table, only this transaction's rows
------------------------------------------------------------------------
-- a caller's temp table of 1.0's name is not read
CREATE TEMP TABLE gitproxy_import_staging (line_no bigint, doc text);
INSERT INTO pg_temp.gitproxy_import_staging VALUES (1, '{"username": "impu-temp"}');
SELECT * FROM gitproxy.import_users();
DROP TABLE pg_temp.gitproxy_import_staging;
-- rows another transaction staged and committed are not this batch's
INSERT INTO gitproxy.import_staging (line_no, doc) VALUES (1, '{"url": "https://imp.example/orphan.git"}');
SELECT * FROM gitproxy.import_repos();
SELECT count(*) AS orphan_repos FROM gitproxy.repos WHERE url = 'https://imp.example/orphan.git';
DELETE FROM gitproxy.import_staging;
-- an empty batch merges nothing
SELECT * FROM gitproxy.import_users();
SELECT * FROM gitproxy.import_repos();

-- clean up
SELECT count(gitproxy.delete_user(username)) AS users_deleted FROM gitproxy.users WHERE username LIKE 'impu-%';
SELECT count(gitproxy.delete_repo(_id)) AS repos_deleted FROM gitproxy.repos WHERE url LIKE 'https://imp.example/%';
SELECT count(*) AS keys_left FROM gitproxy.user_public_keys WHERE key LIKE 'ssh-ed25519 AAAAimpu%';
