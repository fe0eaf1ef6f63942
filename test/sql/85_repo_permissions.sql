-- DBA view repo_permissions: one row per repo, user and role
SELECT gitproxy.create_repo('{"project": "perm-org", "name": "perm-a", "url": "https://perm.test/org/a.git", "users": {"canPush": [], "canAuthorise": []}}') IS NOT NULL AS created_a;
SELECT gitproxy.create_repo('{"project": "perm-org", "name": "perm-b", "url": "https://perm.test/org/b.git", "users": {"canPush": [], "canAuthorise": []}}') IS NOT NULL AS created_b;
SELECT gitproxy.add_user_can_push(gitproxy.get_repo_by_url('https://perm.test/org/a.git')::jsonb ->> '_id', u)
  FROM unnest(ARRAY['perm-alice', 'perm-bob']) u;
SELECT gitproxy.add_user_can_authorise(gitproxy.get_repo_by_url('https://perm.test/org/a.git')::jsonb ->> '_id', 'perm-alice');
SELECT project, name, url, username, role,
       repo_id = gitproxy.get_repo_by_url(url)::jsonb ->> '_id' AS repo_id_matches
  FROM gitproxy.repo_permissions WHERE url LIKE 'https://perm.test/%' ORDER BY url, role, username;
-- a repo without users has no rows; removing a permission removes its row
SELECT count(*) AS rows_for_b FROM gitproxy.repo_permissions WHERE url = 'https://perm.test/org/b.git';
SELECT gitproxy.remove_user_can_push(gitproxy.get_repo_by_url('https://perm.test/org/a.git')::jsonb ->> '_id', 'perm-bob');
SELECT username, role FROM gitproxy.repo_permissions WHERE url = 'https://perm.test/org/a.git' ORDER BY role, username;
-- the read-only role reads it
CREATE ROLE regress_gps_perm_viewer;
SELECT gitproxy.grant_readonly('regress_gps_perm_viewer');
SET ROLE regress_gps_perm_viewer;
SELECT count(*) AS readable_rows FROM gitproxy.repo_permissions WHERE url LIKE 'https://perm.test/%';
RESET ROLE;
DROP OWNED BY regress_gps_perm_viewer;
DROP ROLE regress_gps_perm_viewer;
SELECT gitproxy.delete_repo(gitproxy.get_repo_by_url(u)::jsonb ->> '_id')
  FROM unnest(ARRAY['https://perm.test/org/a.git', 'https://perm.test/org/b.git']) u;
SELECT obj_description('gitproxy.repo_permissions'::regclass, 'pg_class') IS NOT NULL AS described;
