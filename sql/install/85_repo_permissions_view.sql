-- DBA view of repo permissions.  Needs gitproxy.repos from the repos/users
-- part of the extension; enable by renaming this file to
-- 85_repo_permissions_view.sql once 20_repos (or equivalent) defines
-- gitproxy.repos with columns _id and url and a jsonb column doc holding the
-- whole repo document (users.canPush / users.canAuthorise arrays of
-- usernames, project, name).  Its regression test waits likewise:
-- test/sql/85_repo_permissions.sql.pending and
-- expected/85_repo_permissions.out.pending (generated on a trial merge with
-- the repos-users branch, where the whole suite passed).

CREATE VIEW gitproxy.repo_permissions AS
SELECT r._id AS repo_id,
       r.doc OPERATOR(pg_catalog.->>) 'project' AS project,
       r.doc OPERATOR(pg_catalog.->>) 'name' AS name,
       r.url,
       u.username,
       u.role
  FROM gitproxy.repos r
 CROSS JOIN LATERAL (
        SELECT e.value OPERATOR(pg_catalog.#>>) '{}'::pg_catalog.text[] AS username, 'canPush'::pg_catalog.text AS role
          FROM pg_catalog.jsonb_array_elements(
                 CASE WHEN pg_catalog.jsonb_typeof(r.doc OPERATOR(pg_catalog.#>) '{users,canPush}') OPERATOR(pg_catalog.=) 'array'
                      THEN r.doc OPERATOR(pg_catalog.#>) '{users,canPush}' ELSE '[]'::pg_catalog.jsonb END) e
         WHERE pg_catalog.jsonb_typeof(e.value) OPERATOR(pg_catalog.=) 'string'
        UNION ALL
        SELECT e.value OPERATOR(pg_catalog.#>>) '{}'::pg_catalog.text[], 'canAuthorise'::pg_catalog.text
          FROM pg_catalog.jsonb_array_elements(
                 CASE WHEN pg_catalog.jsonb_typeof(r.doc OPERATOR(pg_catalog.#>) '{users,canAuthorise}') OPERATOR(pg_catalog.=) 'array'
                      THEN r.doc OPERATOR(pg_catalog.#>) '{users,canAuthorise}' ELSE '[]'::pg_catalog.jsonb END) e
         WHERE pg_catalog.jsonb_typeof(e.value) OPERATOR(pg_catalog.=) 'string') u;
COMMENT ON VIEW gitproxy.repo_permissions IS
  'Who may do what on which repo: one row per repo, user and role, role being canPush (users.canPush) or canAuthorise (users.canAuthorise); a user with both appears twice. Non-string list entries are left out. Strings in stored form (see README).';
COMMENT ON COLUMN gitproxy.repo_permissions.repo_id IS 'repo record id (_id)';
COMMENT ON COLUMN gitproxy.repo_permissions.url IS 'repo url as registered (gitproxy.canonical_remote_url(url) is the repo_activity key)';
COMMENT ON COLUMN gitproxy.repo_permissions.username IS 'a username listed in the repo''s permission list';
COMMENT ON COLUMN gitproxy.repo_permissions.role IS 'canPush or canAuthorise';
