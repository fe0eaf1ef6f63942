-- pgTAP: the exact list of objects that belong to the extension. A new
-- function, table, view or sequence must be added here on purpose (and ship
-- in an upgrade script once 1.0 is released).  PostgreSQL 17 also records the
-- row types of tables and views and the array types as members: they come
-- with their table, view or type, so they are checked apart from the list.
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS gitproxy_sink;
BEGIN;
SELECT plan(4);

-- the implicit member types: row types of tables and views, array types
CREATE TEMP VIEW implicit_member_types AS
  SELECT t.oid, t.typrelid, t.typelem
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_type t ON d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = d.objid
    LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'gitproxy_sink')
     AND d.deptype = 'e'
     AND (c.relkind IN ('r', 'p', 'v', 'm', 'f')
          OR EXISTS (SELECT FROM pg_catalog.pg_type e WHERE e.typarray = t.oid));

SELECT set_eq(
  $$SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
      FROM pg_catalog.pg_depend d
     WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'gitproxy_sink')
       AND d.deptype = 'e'
       AND d.objid NOT IN (SELECT oid FROM implicit_member_types)$$,
  ARRAY[
    'function gitproxy.add_public_key(text,json)',
    'function gitproxy.add_user_can_authorise(text,text)',
    'function gitproxy.add_user_can_push(text,text)',
    'function gitproxy.authorise(text,json)',
    'function gitproxy.cancel(text)',
    'function gitproxy.canonical_remote_url(text)',
    'function gitproxy.create_repo(json)',
    'function gitproxy.create_user(json)',
    'function gitproxy.decision_log_append_only()',
    'function gitproxy.delete_push(text)',
    'function gitproxy.delete_repo(text)',
    'function gitproxy.delete_user(text)',
    'function gitproxy.derive_created_at(text)',
    'function gitproxy.find_user(text)',
    'function gitproxy.find_user_by_email(text)',
    'function gitproxy.find_user_by_git_account(text)',
    'function gitproxy.find_user_by_oidc(text)',
    'function gitproxy.find_user_by_ssh_key(text)',
    'function gitproxy.fold_case(text)',
    'function gitproxy.get_applied_migrations()',
    'function gitproxy.get_public_keys(text)',
    'function gitproxy.get_push(text)',
    'function gitproxy.get_pushes(json,integer,text,boolean)',
    'function gitproxy.get_pushes_for_user_profile(text[],text)',
    'function gitproxy.get_repo(text)',
    'function gitproxy.get_repo_by_id(text)',
    'function gitproxy.get_repo_by_url(text)',
    'function gitproxy.get_repo_push_rollups()',
    'function gitproxy.get_repos(json)',
    'function gitproxy.get_users(json)',
    'function gitproxy.grant_readonly(regrole)',
    'function gitproxy.grant_runtime(regrole)',
    'function gitproxy.import_new_id()',
    'function gitproxy.import_pushes(boolean)',
    'function gitproxy.import_repo_doc(text,bigint)',
    'function gitproxy.import_repos(boolean)',
    'function gitproxy.import_stored_doc(text,bigint)',
    'function gitproxy.import_user_doc(text,bigint)',
    'function gitproxy.import_users(boolean)',
    'function gitproxy.lower_case(text)',
    'function gitproxy.push_decision(jsonb)',
    'function gitproxy.push_document(jsonb,jsonb)',
    'function gitproxy.pushes_rollup_maintain()',
    'function gitproxy.query_match(jsonb,text[],jsonb,boolean)',
    'function gitproxy.query_regex(jsonb,text[],text,text)',
    'function gitproxy.rebuild_repo_push_rollups()',
    'function gitproxy.record_migration(text)',
    'function gitproxy.reject(text,json)',
    'function gitproxy.remove_public_key(text,text)',
    'function gitproxy.remove_user_can_authorise(text,text)',
    'function gitproxy.remove_user_can_push(text,text)',
    'function gitproxy.repo_activity_read_only()',
    'function gitproxy.repo_users_cascade()',
    'function gitproxy.review_mode()',
    'function gitproxy.session_all()',
    'function gitproxy.session_clear()',
    'function gitproxy.session_destroy(text)',
    'function gitproxy.session_destroy_user(text)',
    'function gitproxy.session_get(text)',
    'function gitproxy.session_length()',
    'function gitproxy.session_prune(integer)',
    'function gitproxy.session_set(text,json,timestamp with time zone)',
    'function gitproxy.session_touch(text,timestamp with time zone)',
    'function gitproxy.text_digest(text)',
    'function gitproxy.set_review_mode(text)',
    'function gitproxy.unrecord_migration(text)',
    'function gitproxy.update_repo(json)',
    'function gitproxy.update_user(json)',
    'function gitproxy.user_public_keys_sync()',
    'function gitproxy.write_audit(json)',
    'schema gitproxy',
    'sequence gitproxy.decision_log_log_id_seq',
    'sequence gitproxy.repo_users_ord_seq',
    'sequence gitproxy.repos_seq_seq',
    'sequence gitproxy.users_seq_seq',
    'table gitproxy.decision_log',
    'table gitproxy.import_staging',
    'table gitproxy.migrations',
    'table gitproxy.pushes',
    'table gitproxy.repo_push_rollups',
    'table gitproxy.repo_users',
    'table gitproxy.repos',
    'table gitproxy.sessions',
    'table gitproxy.settings',
    'table gitproxy.user_public_keys',
    'table gitproxy.users',
    'view gitproxy.pending_pushes',
    'view gitproxy.push_history',
    'view gitproxy.repo_activity',
    'view gitproxy.repo_permissions'
  ]::text[],
  'extension gitproxy_sink has exactly its 90 member objects');

-- an implicit member type is the row type of a member table or view, or the
-- array type of a member type or of such a row type
SELECT is_empty(
  $$SELECT pg_catalog.format_type(i.oid, NULL) FROM implicit_member_types i
     WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                        WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                          AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'gitproxy_sink')
                          AND d.deptype = 'e'
                          AND ((d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = i.typrelid)
                               OR (d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = i.typelem)
                               OR d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                  AND d.objid = (SELECT e.typrelid FROM pg_catalog.pg_type e WHERE e.oid = i.typelem)))$$,
  'the other members are the row types of member tables and views and array types of member types');

SELECT is((SELECT count(*)::int FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'gitproxy'::pg_catalog.regnamespace),
          70,
          'schema gitproxy holds no function outside the extension');
SELECT is((SELECT count(*)::int FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'gitproxy'::pg_catalog.regnamespace AND c.relkind IN ('r', 'v', 'S', 'm', 'p')),
          19,
          'schema gitproxy holds no table, view or sequence outside the extension');

SELECT * FROM finish();
ROLLBACK;
