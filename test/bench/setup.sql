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
-- the durable-write floor: one-row autocommit INSERT, no index
CREATE TABLE bench_baseline.durable_floor (v int);

-- json text to jsonb, NULL when jsonb cannot hold it (\u0000, lone surrogates)
CREATE FUNCTION bench_baseline.try_jsonb(t text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  RETURN t::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

-- Storage of the push records (the storage target of issue 13): per table
-- heap (main fork with free-space and visibility maps), TOAST (table and its
-- index) and indexes.  Sink: every table of schema gitproxy that holds push
-- data (name with push, decision or rollup; not the import staging table and
-- not a permission table such as *can_push*), so that tables a redesign adds
-- (decision state, rollup deltas) are counted.  Baseline: the given tables.
CREATE FUNCTION bench_baseline.storage(side text, baseline_tables text[] DEFAULT NULL)
RETURNS TABLE (rel text, heap bigint, toast bigint, idx bigint) LANGUAGE sql AS $$
  SELECT c.oid::regclass::text,
         pg_table_size(c.oid) - coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
         coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
         pg_indexes_size(c.oid)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p')
     AND CASE side
           WHEN 'sink' THEN n.nspname = 'gitproxy'
                AND (c.relname LIKE '%push%' OR c.relname LIKE '%decision%' OR c.relname LIKE '%rollup%')
                AND c.relname <> 'import_staging' AND c.relname NOT LIKE '%can\_push%'
                AND c.relname NOT LIKE '%permission%'
           ELSE n.nspname = 'bench_baseline' AND c.relname = ANY (baseline_tables)
         END
   ORDER BY 1
$$;

-- right after the import: the real records in both designs, sizes kept for
-- the storage rows (baseline: the documents as git-proxy's API returns them,
-- in a plain jsonb table; the stored form where jsonb cannot hold one)
CREATE TABLE bench_baseline.load_pushes (id text PRIMARY KEY, data jsonb NOT NULL);
INSERT INTO bench_baseline.load_pushes (id, data)
SELECT id, coalesce(bench_baseline.try_jsonb(gitproxy.get_push(id)::text), doc) FROM gitproxy.pushes;
CREATE TABLE bench_baseline.storage_after_load AS
SELECT 'sink' AS side, * FROM bench_baseline.storage('sink')
UNION ALL
SELECT 'baseline', * FROM bench_baseline.storage('baseline', '{load_pushes}');

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
