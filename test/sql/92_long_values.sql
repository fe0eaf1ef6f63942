-- Long values (issue 9 §5): text longer than a btree entry (about 2,700
-- bytes) is stored and found; a value over its documented limit gets 22001
-- naming the field and changes nothing.  The values are hex digests, which
-- do not compress, so an index entry would really hold all their bytes.
CREATE FUNCTION pg_temp.noise(seed text, n int) RETURNS text LANGUAGE sql AS
  $$SELECT left(string_agg(md5(seed || i), '' ORDER BY i), n) FROM generate_series(1, n / 32 + 1) i$$;
CREATE TEMP TABLE v AS SELECT
  pg_temp.noise('id', 3000) AS id3k,
  pg_temp.noise('type', 3000) AS type3k,
  pg_temp.noise('mail', 2990) || '@example.com' AS email3k,
  'https://long.example/' || pg_temp.noise('url', 8192 - 21) AS url8k,
  'ssh-rsa AAAA' || pg_temp.noise('key', 16384 - 12) AS key16k,
  pg_temp.noise('sid', 3000) AS sid3k,
  pg_temp.noise('mig', 3000) AS mig3k,
  pg_temp.noise('rev', 3000) AS rev3k;
SELECT length(id3k) AS id, length(type3k) AS type, length(email3k) AS email, length(url8k) AS url,
       length(key16k) AS ssh_key, length(sid3k) AS sid, length(mig3k) AS migration FROM v;

-- pushes: a 3,000-character id, type and userEmail and an 8 KiB url
SELECT gitproxy.write_audit(json_build_object('id', id3k, 'type', type3k, 'timestamp', 1,
         'url', url8k, 'userEmail', email3k)) FROM v;
SELECT gitproxy.write_audit(json_build_object('id', 'long-' || id3k, 'type', 'push', 'timestamp', 2,
         'url', url8k, 'userEmail', email3k, 'error', false, 'blocked', true,
         'allowPush', false, 'authorised', false)) FROM v;
SELECT gitproxy.get_push(id3k)::jsonb ->> 'type' = type3k AS found_by_id FROM v;
-- an update of the same long id replaces the document (one row)
SELECT gitproxy.write_audit(json_build_object('id', id3k, 'type', type3k, 'timestamp', 1,
         'url', url8k, 'userEmail', email3k, 'note', 'second write')) FROM v;
SELECT count(*) AS rows_for_id, max(doc ->> 'note') AS note FROM gitproxy.pushes, v WHERE id = id3k;
SELECT count(*) AS by_id FROM v, gitproxy.get_pushes(json_build_object('id', id3k));
SELECT count(*) AS by_type FROM v, gitproxy.get_pushes(json_build_object('type', type3k));
SELECT count(*) AS by_url FROM v, gitproxy.get_pushes(json_build_object('url', url8k));
SELECT count(*) AS by_user_email FROM v, gitproxy.get_pushes(json_build_object('userEmail', email3k));
SELECT count(*) AS pending_listing FROM v, gitproxy.get_pushes() g WHERE g.push ->> 'id' = 'long-' || id3k;
SELECT count(*) AS profile_by_email FROM v, gitproxy.get_pushes_for_user_profile(ARRAY[email3k], 'nobody');
-- the push's canonical URL (longer than a btree entry) has its rollup row
SELECT r.pending AS rollup_pending FROM v, gitproxy.get_repo_push_rollups() r
 WHERE r.url = gitproxy.canonical_remote_url(url8k);
-- a reviewer username of 3,000 characters: decided, logged and found
SELECT gitproxy.authorise('long-' || id3k, json_build_object('reviewer', json_build_object('username', rev3k)))::jsonb
         ->> 'message' = 'authorised long-' || id3k AS authorised FROM v;
SELECT count(*) AS decision_rows FROM gitproxy.decision_log, v WHERE push_id = 'long-' || id3k;
SELECT count(*) AS profile_by_reviewer FROM v, gitproxy.get_pushes_for_user_profile('{}', upper(rev3k));
SELECT r.approved AS rollup_approved FROM v, gitproxy.get_repo_push_rollups() r
 WHERE r.url = gitproxy.canonical_remote_url(url8k);
SELECT gitproxy.delete_push('long-' || id3k) FROM v;
SELECT gitproxy.get_push('long-' || id3k) IS NULL AS deleted FROM v;

-- keyset pages over ids that share their first 600 characters (the listing
-- indexes hold 512) come in id order
SELECT gitproxy.write_audit(json_build_object('id', pg_temp.noise('p', 600) || s, 'type', 'long-page', 'timestamp', 5))
  FROM unnest(ARRAY['a', 'c', 'b']) s;
CREATE TEMP TABLE lp1 AS SELECT * FROM gitproxy.get_pushes('{"type": "long-page"}', 1);
CREATE TEMP TABLE lp2 AS SELECT * FROM gitproxy.get_pushes('{"type": "long-page"}', 1, (SELECT cursor FROM lp1));
CREATE TEMP TABLE lp3 AS SELECT * FROM gitproxy.get_pushes('{"type": "long-page"}', 1, (SELECT cursor FROM lp2));
SELECT right(push ->> 'id', 1) AS page_1 FROM lp1;
SELECT right(push ->> 'id', 1) AS page_2 FROM lp2;
SELECT right(push ->> 'id', 1) AS page_3 FROM lp3;
SELECT count(*) AS page_4 FROM gitproxy.get_pushes('{"type": "long-page"}', 1, (SELECT cursor FROM lp3));

-- over the limits: 22001 naming the field, nothing written
CREATE TEMP TABLE pushes_before AS SELECT id, doc FROM gitproxy.pushes;
SELECT test_err(format($$SELECT gitproxy.write_audit('{"id": "%s"}')$$, pg_temp.noise('x', 8193)));
SELECT test_err(format($$SELECT gitproxy.write_audit('{"id": "over-url", "url": "%s"}')$$, pg_temp.noise('x', 8193)));
SELECT test_err(format($$SELECT gitproxy.write_audit('{"id": "over-mail", "userEmail": "%s"}')$$, pg_temp.noise('x', 8193)));
SELECT test_err(format($$SELECT gitproxy.write_audit('{"id": "%s", "url": "%s"}')$$, id3k, pg_temp.noise('x', 8193))) FROM v;
SELECT count(*) AS pushes_changed FROM (
  (SELECT id, doc FROM gitproxy.pushes EXCEPT SELECT id, doc FROM pushes_before)
  UNION ALL (SELECT id, doc FROM pushes_before EXCEPT SELECT id, doc FROM gitproxy.pushes)) x;
-- at the limit is accepted
SELECT gitproxy.write_audit(json_build_object('id', pg_temp.noise('x', 8192), 'url', pg_temp.noise('u', 8192)));
SELECT gitproxy.get_push(pg_temp.noise('x', 8192)) IS NOT NULL AS id_at_limit_stored;

-- repos: an 8 KiB url, unique and found; name limit 1 KiB
SELECT gitproxy.create_repo(json_build_object('project', 'long', 'name', 'long-repo', 'url', url8k))::jsonb ->> 'url' = url8k
  AS repo_created FROM v;
SELECT gitproxy.get_repo_by_url(url8k)::jsonb ->> 'name' AS by_url FROM v;
SELECT count(*) AS get_repos_by_url FROM v, gitproxy.get_repos(json_build_object('url', url8k));
SELECT left(test_err(format($$SELECT gitproxy.create_repo('{"name": "dup", "url": "%s"}')$$, url8k)), 40) AS duplicate_url FROM v;
CREATE TEMP TABLE repos_before AS SELECT _id, doc FROM gitproxy.repos;
SELECT test_err(format($$SELECT gitproxy.create_repo('{"name": "over", "url": "%s"}')$$, pg_temp.noise('r', 8193)));
SELECT test_err(format($$SELECT gitproxy.create_repo('{"name": "%s", "url": "https://ok.example/r"}')$$, pg_temp.noise('n', 1025)));
SELECT test_err(format($$SELECT gitproxy.update_repo('{"_id": "%s", "url": "%s"}')$$, gitproxy.get_repo_by_url(url8k)::jsonb ->> '_id', pg_temp.noise('r', 8193))) FROM v;
SELECT count(*) AS repos_changed FROM (
  (SELECT _id, doc FROM gitproxy.repos EXCEPT SELECT _id, doc FROM repos_before)
  UNION ALL (SELECT _id, doc FROM repos_before EXCEPT SELECT _id, doc FROM gitproxy.repos)) x;
SELECT gitproxy.delete_repo(gitproxy.get_repo_by_url(url8k)::jsonb ->> '_id') FROM v;

-- users: a 16 KiB SSH key, owned by one user and found
SELECT gitproxy.create_user(json_build_object('username', 'long-alice', 'email', 'long-alice@example.com',
         'publicKeys', json_build_array(json_build_object('key', key16k, 'fingerprint', 'SHA256:long')))) FROM v;
SELECT gitproxy.find_user_by_ssh_key(key16k)::jsonb ->> 'username' AS key_owner FROM v;
SELECT gitproxy.create_user('{"username": "long-bob"}');
SELECT test_err(format($$SELECT gitproxy.add_public_key('long-bob', '{"key": "%s"}')$$, key16k)) FROM v;
SELECT test_err(format($$SELECT gitproxy.update_user('{"username": "long-bob", "publicKeys": [{"key": "%s"}]}')$$, key16k)) FROM v;
SELECT gitproxy.add_public_key('long-bob', json_build_object('key', left(key16k, 16380) || 'bob', 'fingerprint', 'SHA256:bob')) FROM v;
SELECT gitproxy.find_user_by_ssh_key(left(key16k, 16380) || 'bob')::jsonb ->> 'username' AS second_key_owner FROM v;
SELECT count(*) AS key_rows FROM gitproxy.user_public_keys k, v WHERE k.key IN (key16k, left(key16k, 16380) || 'bob');
-- over the limits: 22001, nothing written
CREATE TEMP TABLE users_before AS SELECT _id, doc FROM gitproxy.users;
SELECT test_err(format($$SELECT gitproxy.add_public_key('long-bob', '{"key": "ssh-rsa %s"}')$$, pg_temp.noise('k', 16377)));
SELECT test_err(format($$SELECT gitproxy.create_user('{"username": "long-carol", "publicKeys": [{"key": "ssh-rsa %s"}]}')$$, pg_temp.noise('k', 16377)));
SELECT test_err(format($$SELECT gitproxy.create_user('{"username": "%s"}')$$, pg_temp.noise('u', 1025)));
SELECT test_err(format($$SELECT gitproxy.create_user('{"username": "long-carol", "email": "%s"}')$$, pg_temp.noise('e', 1025)));
SELECT test_err(format($$SELECT gitproxy.create_user('{"username": "long-carol", "gitAccount": "%s"}')$$, pg_temp.noise('g', 1025)));
SELECT test_err(format($$SELECT gitproxy.update_user('{"username": "long-bob", "oidcId": "%s"}')$$, pg_temp.noise('o', 1025)));
SELECT count(*) AS users_changed FROM (
  (SELECT _id, doc FROM gitproxy.users EXCEPT SELECT _id, doc FROM users_before)
  UNION ALL (SELECT _id, doc FROM users_before EXCEPT SELECT _id, doc FROM gitproxy.users)) x;
-- at the limits is accepted
SELECT gitproxy.create_user(json_build_object('username', pg_temp.noise('u', 1024), 'gitAccount', pg_temp.noise('g', 1024),
         'oidcId', pg_temp.noise('o', 1024), 'email', pg_temp.noise('e', 1024)));
SELECT gitproxy.find_user_by_git_account(upper(pg_temp.noise('g', 1024)))::jsonb ->> 'oidcId' = pg_temp.noise('o', 1024) AS found_by_git_account;
SELECT gitproxy.delete_user(u) FROM unnest(ARRAY['long-alice', 'long-bob', pg_temp.noise('u', 1024)]) u;
SELECT count(*) AS keys_left FROM gitproxy.user_public_keys k, v WHERE k.key IN (key16k, left(key16k, 16380) || 'bob');

-- sessions: a 3,000-character session id and passport user
SELECT gitproxy.session_set(sid3k, json_build_object('passport', json_build_object('user', rev3k)), now() + interval '1 hour') FROM v;
SELECT gitproxy.session_get(sid3k)::jsonb #>> '{passport,user}' = rev3k AS session_found FROM v;
SELECT gitproxy.session_set(sid3k, '{"n": 2}', now() + interval '1 hour') FROM v;
SELECT gitproxy.session_get(sid3k)::jsonb AS replaced FROM v;
SELECT gitproxy.session_touch(sid3k, now() + interval '2 hours') FROM v;
SELECT count(*) AS session_rows FROM gitproxy.sessions, v WHERE sid = sid3k AND expire > now() + interval '90 minutes';
SELECT gitproxy.session_destroy(sid3k) FROM v;
SELECT gitproxy.session_get(sid3k) IS NULL AS destroyed FROM v;
SELECT gitproxy.session_set(sid3k, json_build_object('passport', json_build_object('user', rev3k))) FROM v;
SELECT gitproxy.session_destroy_user(rev3k) AS destroyed_for_user FROM v;
SELECT test_err(format($$SELECT gitproxy.session_set('%s', '{}')$$, pg_temp.noise('s', 8193)));
SELECT count(*) AS sessions_with_long_ids FROM gitproxy.sessions WHERE length(sid) > 1000;

-- migrations: a 3,000-character id
SELECT gitproxy.record_migration(mig3k) FROM v;
SELECT gitproxy.record_migration(mig3k) FROM v;
SELECT count(*) AS applied FROM gitproxy.get_applied_migrations() m, v WHERE m = mig3k;
SELECT gitproxy.unrecord_migration(mig3k) FROM v;
SELECT count(*) AS applied_after_unrecord FROM gitproxy.get_applied_migrations() m, v WHERE m = mig3k;
SELECT test_err(format($$SELECT gitproxy.record_migration('%s')$$, pg_temp.noise('m', 8193)));
SELECT count(*) AS migrations_with_long_ids FROM gitproxy.migrations WHERE length(id) > 1000;

-- bulk import converts records as the API functions do: the same limits,
-- with the line at fault
SELECT test_import_err(format($$SELECT gitproxy.import_stored_doc('{"id": "%s"}', 7)$$, pg_temp.noise('x', 8193)));
SELECT (gitproxy.import_stored_doc(json_build_object('id', id3k, 'type', type3k)::text, 8)).type IS NULL AS long_type_not_in_column FROM v;
SELECT test_import_err(format($$SELECT gitproxy.import_user_doc('{"username": "i", "publicKeys": [{"key": "ssh-rsa %s"}]}', 9)$$, pg_temp.noise('k', 16377)));
SELECT test_import_err(format($$SELECT gitproxy.import_repo_doc('{"url": "%s"}', 10)$$, pg_temp.noise('r', 8193)));

-- the look-ups the functions make use the digest and hash indexes
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT doc FROM gitproxy.pushes WHERE id = 'x';
EXPLAIN (COSTS OFF) SELECT s.sess FROM gitproxy.sessions s
  WHERE s.sid_digest = gitproxy.text_digest('x') AND s.sid = 'x';
EXPLAIN (COSTS OFF) SELECT 1 FROM gitproxy.repos r WHERE r.url = 'x';
RESET enable_seqscan;
SELECT encode(gitproxy.text_digest('abc'), 'hex') = encode(sha256('abc'::bytea), 'hex') AS digest_is_sha256;

-- clean up
SELECT gitproxy.delete_push(id) FROM gitproxy.pushes WHERE length(id) > 600 OR type = 'long-page';
DROP TABLE v, lp1, lp2, lp3, pushes_before, repos_before, users_before;
