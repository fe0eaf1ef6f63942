-- pgTAP inventory of the repo, user, SSH key and migration objects (issue 3):
-- tables, keys, unique and lookup indexes, the key trigger, and for every API
-- function: extension member, SECURITY DEFINER, pinned search_path, not
-- executable by PUBLIC, documented.
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS gitproxy_sink;
BEGIN;
SELECT plan(182);

CREATE TEMP TABLE api(sig regprocedure) ON COMMIT DROP;
INSERT INTO api VALUES
  ('gitproxy.get_repos(json)'), ('gitproxy.get_repo(text)'), ('gitproxy.get_repo_by_url(text)'),
  ('gitproxy.get_repo_by_id(text)'), ('gitproxy.create_repo(json)'), ('gitproxy.update_repo(json)'),
  ('gitproxy.delete_repo(text)'), ('gitproxy.add_user_can_push(text, text)'),
  ('gitproxy.add_user_can_authorise(text, text)'), ('gitproxy.remove_user_can_push(text, text)'),
  ('gitproxy.remove_user_can_authorise(text, text)'), ('gitproxy.find_user(text)'),
  ('gitproxy.find_user_by_email(text)'), ('gitproxy.find_user_by_git_account(text)'),
  ('gitproxy.find_user_by_oidc(text)'), ('gitproxy.find_user_by_ssh_key(text)'),
  ('gitproxy.get_users(json)'), ('gitproxy.create_user(json)'), ('gitproxy.delete_user(text)'),
  ('gitproxy.update_user(json)'), ('gitproxy.add_public_key(text, json)'),
  ('gitproxy.remove_public_key(text, text)'), ('gitproxy.get_public_keys(text)'),
  ('gitproxy.get_applied_migrations()'), ('gitproxy.record_migration(text)'),
  ('gitproxy.unrecord_migration(text)');

SELECT is((SELECT count(*) FROM api), 26::bigint, 'the issue-3 API has 26 functions');

-- every API function: C, SECURITY DEFINER, pinned search_path, no PUBLIC
-- execute, member of the extension, commented (26 x 6 = 156)
SELECT ok(p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c'), a.sig::text || ' is LANGUAGE C')
  FROM api a JOIN pg_proc p ON p.oid = a.sig ORDER BY a.sig::text;
SELECT ok(p.prosecdef, a.sig::text || ' is SECURITY DEFINER')
  FROM api a JOIN pg_proc p ON p.oid = a.sig ORDER BY a.sig::text;
SELECT ok(p.proconfig = ARRAY['search_path=pg_catalog, pg_temp'], a.sig::text || ' pins search_path to pg_catalog, pg_temp')
  FROM api a JOIN pg_proc p ON p.oid = a.sig ORDER BY a.sig::text;
SELECT ok(NOT has_function_privilege('public', a.sig, 'EXECUTE'), a.sig::text || ' is not executable by PUBLIC')
  FROM api a ORDER BY a.sig::text;
SELECT ok(EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                   WHERE d.classid = 'pg_proc'::regclass AND d.objid = a.sig AND d.deptype = 'e'
                     AND e.extname = 'gitproxy_sink'),
          a.sig::text || ' belongs to the extension')
  FROM api a ORDER BY a.sig::text;
SELECT ok(obj_description(a.sig, 'pg_proc') ~ 'Sink method', a.sig::text || ' has a COMMENT naming its sink method')
  FROM api a ORDER BY a.sig::text;

-- tables and keys
SELECT has_table('gitproxy', 'repos', 'table gitproxy.repos exists');
SELECT has_table('gitproxy', 'users', 'table gitproxy.users exists');
SELECT has_table('gitproxy', 'user_public_keys', 'table gitproxy.user_public_keys exists');
SELECT has_table('gitproxy', 'migrations', 'table gitproxy.migrations exists');
SELECT col_is_pk('gitproxy', 'repos', '_id', 'repos keyed by _id');
SELECT col_is_pk('gitproxy', 'users', '_id', 'users keyed by _id');
SELECT col_is_pk('gitproxy', 'user_public_keys', 'key_digest', 'a key text has one row: one owner (through its digest)');
SELECT col_is_pk('gitproxy', 'migrations', 'id_digest', 'one row per migration id (through its digest)');
SELECT index_is_unique('gitproxy', 'repos', 'repos_url_key', 'repo url is unique (index on its digest)');
SELECT col_is_unique('gitproxy', 'users', 'username', 'username is unique');
SELECT index_is_unique('gitproxy', 'users', 'users_email_key', 'e-mail index is unique');
SELECT ok((SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'gitproxy.users_email_key'::regclass) = '(email <> ''''::text)',
          'e-mail uniqueness skips empty e-mails (partial index)');
SELECT has_index('gitproxy', 'repos', 'repos_lower_name_idx', 'lower(name) index for get_repo');
SELECT has_index('gitproxy', 'users', 'users_lower_git_account_idx', 'lower(gitAccount) index');
SELECT has_index('gitproxy', 'users', 'users_oidc_id_idx', 'oidcId index');
SELECT fk_ok('gitproxy', 'user_public_keys', 'user_id', 'gitproxy', 'users', '_id', 'keys reference their user');
SELECT has_trigger('gitproxy', 'users', 'user_public_keys_sync_insert', 'key sync trigger on insert');
SELECT has_trigger('gitproxy', 'users', 'user_public_keys_sync_update', 'key sync trigger on update');
SELECT ok(NOT has_function_privilege('public', 'gitproxy.user_public_keys_sync()', 'EXECUTE'),
          'key sync trigger function is not executable by PUBLIC');
-- user data is dumped with the extension; the derived key table is not
SELECT ok((SELECT 'gitproxy.repos'::regclass = ANY (extconfig) AND 'gitproxy.users'::regclass = ANY (extconfig)
                  AND 'gitproxy.migrations'::regclass = ANY (extconfig)
                  AND NOT 'gitproxy.user_public_keys'::regclass = ANY (extconfig)
             FROM pg_extension WHERE extname = 'gitproxy_sink'),
          'repos, users and migrations are configuration tables; user_public_keys is rebuilt');
SELECT ok((SELECT bool_and(obj_description(c.oid, 'pg_class') IS NOT NULL) FROM pg_class c
            WHERE c.oid IN ('gitproxy.repos'::regclass, 'gitproxy.users'::regclass,
                            'gitproxy.user_public_keys'::regclass, 'gitproxy.migrations'::regclass)),
          'every table has a COMMENT');
-- no privileges for PUBLIC on the tables
SELECT ok(NOT has_table_privilege('public', t, 'SELECT') AND NOT has_table_privilege('public', t, 'INSERT'),
          t::text || ' is not readable or writable by PUBLIC')
  FROM unnest(ARRAY['gitproxy.repos', 'gitproxy.users', 'gitproxy.user_public_keys', 'gitproxy.migrations']::regclass[]) t;

SELECT * FROM finish();
ROLLBACK;
