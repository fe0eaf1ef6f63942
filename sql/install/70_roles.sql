-- Least privilege (issue 4): no role is created here (roles are cluster-wide);
-- these functions give an existing role what it needs and nothing more.

-- PUBLIC gets nothing: not even USAGE on the schema (explicit, in case the
-- defaults of the cluster were changed), and every function of the
-- extension is REVOKEd from PUBLIC right after its creation.
REVOKE ALL ON SCHEMA gitproxy FROM PUBLIC;

CREATE FUNCTION gitproxy.grant_runtime(role regrole) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_grant_runtime'
  LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.grant_runtime(regrole) IS
  'Grants role what git-proxy needs at run time: USAGE on schema gitproxy and EXECUTE on every function of the schema belonging to the extension that is SECURITY DEFINER (the API) or IMMUTABLE (pure helpers: canonical_remote_url, fold_case, derive_created_at), found in the catalog at call time; not trigger functions, not grant_runtime/grant_readonly, not the administrative rebuild_repo_push_rollups and session_clear. No privilege on any table, sequence or view. Idempotent; revokes nothing. Runs with the caller''s rights. Errors: 42501 caller is neither superuser nor the extension''s owner; 22004 role NULL; 22023 role 0 (''-'').';
REVOKE ALL ON FUNCTION gitproxy.grant_runtime(regrole) FROM PUBLIC;

CREATE FUNCTION gitproxy.grant_readonly(role regrole) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_grant_readonly'
  LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.grant_readonly(regrole) IS
  'Grants role read-only access for operators: USAGE on schema gitproxy and SELECT on every view of the schema belonging to the extension (pending_pushes, push_history, repo_activity, repo_permissions), found in the catalog at call time. No function (so nothing that writes), no table. Idempotent; revokes nothing. Errors: 42501 caller is neither superuser nor the extension''s owner; 22004 role NULL; 22023 role 0 (''-'').';
REVOKE ALL ON FUNCTION gitproxy.grant_readonly(regrole) FROM PUBLIC;
