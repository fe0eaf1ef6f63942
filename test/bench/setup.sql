-- Benchmark data (test/bench/run): git-proxy's current PostgreSQL design as
-- the baseline (whole documents in plain jsonb tables, changed by the client),
-- next to the sink's tables in the same database.  Run after the real pushes
-- were imported into gitproxy.pushes; repos and users are loaded into
-- bench_baseline.repos_raw and users_raw (one JSON line per row) by the run
-- script first.
\set ON_ERROR_STOP 1
CREATE TABLE bench_baseline.runs (n serial PRIMARY KEY, at timestamptz DEFAULT now());
CREATE TABLE bench_baseline.pushes (id text PRIMARY KEY, data jsonb NOT NULL);
CREATE TABLE bench_baseline.repos (id text PRIMARY KEY, data jsonb NOT NULL);
CREATE TABLE bench_baseline.audit_insert (id text PRIMARY KEY, data jsonb NOT NULL);

-- decision targets: a copy of every real push record (type push) in both
-- designs, so decisions never change the real records the listings use
INSERT INTO gitproxy.pushes (id, _id, doc, type, ts, url, user_email, error, blocked,
                            allow_push, authorised, canceled, rejected, reviewer, irregular)
SELECT 'bench-dec-' || id, gitproxy.import_new_id(), doc || jsonb_build_object('id', 'bench-dec-' || id),
       type, ts, url, user_email, error, blocked, allow_push, authorised, canceled, rejected, reviewer, irregular
  FROM gitproxy.pushes WHERE type = 'push';
INSERT INTO bench_baseline.pushes (id, data) SELECT id, doc FROM gitproxy.pushes;

INSERT INTO bench_baseline.repos (id, data)
SELECT 'repo-' || n, doc::jsonb FROM bench_baseline.repos_raw;

-- the same users and repos in the sink, through its API (permission changes,
-- find_user, find_user_by_ssh_key)
SELECT gitproxy.create_user(doc::json) FROM bench_baseline.users_raw ORDER BY n;
SELECT gitproxy.create_repo(doc::json) FROM bench_baseline.repos_raw ORDER BY n;
DROP TABLE bench_baseline.repos_raw;
DROP TABLE bench_baseline.users_raw;

-- live web sessions for session_get, as git-proxy's UI stores them
SELECT gitproxy.session_set('bench-pre-' || lpad(g::text, 4, '0'),
         json_build_object('cookie', json_build_object('originalMaxAge', 43200000,
                             'expires', '2099-01-02T15:04:05.678Z', 'secure', false,
                             'httpOnly', true, 'path', '/', 'sameSite', 'lax'),
                           'passport', json_build_object('user', 'user-' || (g % 50)),
                           'flash', json_build_object()))
  FROM generate_series(1, 1000) g;

VACUUM ANALYZE gitproxy.pushes;
VACUUM ANALYZE bench_baseline.pushes;
VACUUM ANALYZE bench_baseline.repos;
VACUUM ANALYZE gitproxy.users;
VACUUM ANALYZE gitproxy.repos;
VACUUM ANALYZE gitproxy.sessions;
