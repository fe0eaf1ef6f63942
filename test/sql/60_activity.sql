-- Repo activity rollups (contract §4.2.3, §6.1) and the profile listing (§4.2.2).
-- Keys under activity.test are this file's own.
CREATE TEMP VIEW act AS
  SELECT * FROM gitproxy.get_repo_push_rollups() WHERE url LIKE '%activity.test%';
CREATE FUNCTION pg_temp.push(id text, ts text, url text, flags text DEFAULT '') RETURNS void
  LANGUAGE sql AS $$
  SELECT gitproxy.write_audit(('{"id": "' || id || '", "type": "push", "timestamp": ' || ts
    || ', "url": ' || url || CASE WHEN flags = '' THEN '' ELSE ', ' || flags END || '}')::json) $$;
\set pending '"error": false, "blocked": true, "allowPush": false, "authorised": false, "canceled": false, "rejected": false'

-- a pending push: counted, both maxima set
SELECT pg_temp.push('act-1', '1000', '"https://Activity.test/org/Repo.git"', :'pending');
SELECT * FROM act;
-- the same repo written as git@host:path, approved by allowPush
SELECT pg_temp.push('act-2', '2000', '"git@activity.test:org/repo.git"', '"blocked": false, "allowPush": true');
SELECT * FROM act;
-- a decision moves the count; the pending maximum is recomputed (none left)
SELECT gitproxy.authorise('act-1', '{"reviewer": {"username": "rev"}}');
SELECT * FROM act;
-- non-numeric timestamp: counted, moves no maximum; string flags are not set
SELECT pg_temp.push('act-3', '"1500"', '"https://activity.test/org/repo/"', :'pending');
SELECT pg_temp.push('act-4', '1500', '"https://activity.test/org/repo"', '"error": "true", "blocked": "true", "rejected": 1');
SELECT * FROM act;
-- reject the push holding the overall maximum: same key and timestamp, no recompute needed
SELECT gitproxy.reject('act-2', '{"reason": "no"}');
SELECT * FROM act;
-- cancel the pending push holding the pending maximum
SELECT gitproxy.cancel('act-4');
SELECT * FROM act;
-- delete the push holding the overall maximum: recomputed from the index
SELECT gitproxy.delete_push('act-2');
SELECT * FROM act;
-- a rewrite that moves a push to another repo, and one that stops being a push
SELECT pg_temp.push('act-1', '3000', '"https://activity.test/org/other.git"', '"authorised": true');
SELECT gitproxy.write_audit('{"id": "act-3", "type": "default", "timestamp": 5000, "url": "https://activity.test/org/repo"}');
SELECT * FROM act;
-- priorities of §6.1: error first, then rejected, canceled, authorised, blocked, allowPush
SELECT pg_temp.push('prio-' || n, n::text, '"https://activity.test/prio"', flags) FROM (VALUES
  (1, '"error": true, "authorised": true, "rejected": true'),
  (2, '"rejected": true, "canceled": true, "authorised": true'),
  (3, '"canceled": true, "authorised": true, "blocked": true'),
  (4, '"authorised": true, "blocked": true'),
  (5, '"blocked": true, "allowPush": true'),
  (6, '"allowPush": true'),
  (7, '"error": false'),
  (8, '"error": null, "blocked": null, "allowPush": "true"')
) v(n, flags);
SELECT * FROM act WHERE url = 'activity.test/prio';
-- blank, missing and non-string urls are not counted; other schemes keep their own key
SELECT pg_temp.push('act-blank', '1', '"   "');
SELECT gitproxy.write_audit('{"id": "act-nourl", "type": "push", "timestamp": 1}');
SELECT pg_temp.push('act-numurl', '1', '42');
SELECT pg_temp.push('act-ssh', '7', '"SSH://git@Activity.test/Org/X.git"');
SELECT * FROM act WHERE url LIKE 'ssh:%';
-- timestamps: fractions are floored; beyond the bigint range a number is counted but moves no maximum
SELECT pg_temp.push('ts-1', '2500.7', '"https://activity.test/ts"', :'pending');
SELECT pg_temp.push('ts-2', '1e19', '"https://activity.test/ts"', :'pending');
SELECT pg_temp.push('ts-3', '-5', '"https://activity.test/ts-negative"', :'pending');
SELECT * FROM act WHERE url LIKE 'activity.test/ts%';
-- several rows of one statement (a DBA's direct DELETE) and a key emptied: its row goes
DELETE FROM gitproxy.pushes WHERE id LIKE 'prio-%' AND id <> 'prio-1';
SELECT * FROM act WHERE url = 'activity.test/prio';
SELECT gitproxy.delete_push('prio-1');
SELECT count(*) AS prio_rows FROM act WHERE url = 'activity.test/prio';
-- TRUNCATE empties the rollups (rolled back)
BEGIN;
TRUNCATE gitproxy.pushes;
SELECT count(*) AS rollups_after_truncate FROM gitproxy.get_repo_push_rollups();
ROLLBACK;

-- the incremental rollups equal a rebuild from scratch
CREATE TEMP TABLE before_rebuild AS SELECT * FROM gitproxy.get_repo_push_rollups();
SELECT gitproxy.rebuild_repo_push_rollups();
SELECT count(*) AS differences FROM (
  (SELECT * FROM before_rebuild EXCEPT ALL SELECT * FROM gitproxy.get_repo_push_rollups())
  UNION ALL
  (SELECT * FROM gitproxy.get_repo_push_rollups() EXCEPT ALL SELECT * FROM before_rebuild)) d;
SELECT count(*) > 0 AS compared_some_rows FROM before_rebuild;
-- the reader uses only the rollup table: a push written behind the trigger's
-- back shows after a rebuild, not before
ALTER TABLE gitproxy.pushes DISABLE TRIGGER pushes_rollup_maintain;
SELECT pg_temp.push('act-hidden', '9000', '"https://activity.test/hidden"', :'pending');
ALTER TABLE gitproxy.pushes ENABLE TRIGGER pushes_rollup_maintain;
SELECT count(*) AS hidden_before_rebuild FROM act WHERE url = 'activity.test/hidden';
SELECT gitproxy.rebuild_repo_push_rollups();
SELECT * FROM act WHERE url = 'activity.test/hidden';
-- rebuild refuses a transaction snapshot that could predate its lock
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT test_err($$SELECT gitproxy.rebuild_repo_push_rollups()$$);
ROLLBACK;
-- the trigger function serves gitproxy.pushes only
CREATE TABLE public.not_pushes (id int);
SELECT test_err($$CREATE TRIGGER t AFTER INSERT ON public.not_pushes FOR EACH ROW EXECUTE FUNCTION gitproxy.pushes_rollup_maintain();
  INSERT INTO public.not_pushes VALUES (1)$$);
SELECT test_err($$SELECT gitproxy.pushes_rollup_maintain()$$);
DROP TABLE public.not_pushes;
-- reading a maximum (get_repo_push_rollups, repo_activity) is one index probe
-- per URL: shown are the plan's scan nodes (type, index, conditions, any
-- filter), since the nodes above the scan may differ between versions
CREATE FUNCTION pg_temp.plan_scans(query text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (COSTS OFF, FORMAT JSON) ' || query INTO plan;
  RETURN QUERY WITH RECURSIVE node(n) AS (
      SELECT plan -> 0 -> 'Plan'
    UNION ALL
      SELECT c FROM node, json_array_elements(node.n -> 'Plans') c)
    SELECT concat_ws(' ', n ->> 'Node Type', 'using ' || (n ->> 'Index Name'), 'on ' || (n ->> 'Relation Name'),
                     'Index Cond: ' || (n ->> 'Index Cond'), 'Filter: ' || (n ->> 'Filter'))
      FROM node WHERE n ->> 'Node Type' LIKE '%Scan';
END $f$;
SET enable_seqscan = off;
SELECT pg_temp.plan_scans($$SELECT p.ts FROM gitproxy.pushes p
  WHERE p.type = 'push' AND p.canonical_url_digest = '\x4a5a4906faaf98f7d40a9ca66c3c35719694d9feb837a3138fd2581238f0b5d7'::bytea
    AND p.ts >= '-9223372036854775808'::float8 AND p.ts < '9223372036854775808'::float8
    AND p.error IS NOT TRUE AND p.rejected IS NOT TRUE AND p.canceled IS NOT TRUE
    AND p.authorised IS NOT TRUE AND (p.blocked IS TRUE OR p.allow_push IS NOT TRUE)
  ORDER BY p.ts DESC LIMIT 1$$) AS scan;
SELECT pg_temp.plan_scans($$SELECT p.ts FROM gitproxy.pushes p
  WHERE p.type = 'push' AND p.canonical_url_digest = '\x4a5a4906faaf98f7d40a9ca66c3c35719694d9feb837a3138fd2581238f0b5d7'::bytea
    AND p.ts >= '-9223372036854775808'::float8 AND p.ts < '9223372036854775808'::float8
  ORDER BY p.ts DESC LIMIT 1$$) AS scan;
SELECT gitproxy.text_digest('activity.test/ts') = '\x4a5a4906faaf98f7d40a9ca66c3c35719694d9feb837a3138fd2581238f0b5d7'::bytea AS probe_key_is_the_digest;
RESET enable_seqscan;

-- profile listing: author by exact e-mail, or approver by username ignoring case
SELECT gitproxy.write_audit(d::json) FROM (VALUES
 ('{"id": "prof-1", "type": "push", "timestamp": 100, "userEmail": "prof-alice@example.com"}'),
 ('{"id": "prof-2", "type": "push", "timestamp": 300, "userEmail": "Prof-Alice@Example.com"}'),
 ('{"id": "prof-3", "type": "push", "timestamp": 200, "userEmail": "someone@example.com", "attestation": {"reviewer": {"username": "Prof-Bob"}}}'),
 ('{"id": "prof-4", "type": "push", "timestamp": 400, "userEmail": "x@example.com", "rejection": {"reviewer": {"username": "prof-bob"}}}'),
 ('{"id": "prof-5", "type": "push", "timestamp": 500, "attestation": {"reviewer": {"username": "prof-bobby"}}}'),
 ('{"id": "prof-6", "type": "default", "timestamp": 600, "userEmail": "prof-alice@example.com"}'),
 ('{"id": "prof-7", "type": "push", "timestamp": 50, "attestation": {"reviewer": {"username": "PROF-BOB"}}, "rejection": {"reviewer": {"username": "carol"}}, "rejected": true}'),
 ('{"id": "prof-8", "type": "push", "timestamp": 700, "attestation": {"reviewer": {"username": "prof-b.b"}}}'),
 ('{"id": "prof-9", "type": "push", "timestamp": 800, "attestation": {"reviewer": {"username": "PROF-ÉMILE"}}}'),
 ('{"id": "prof-10", "type": "push", "timestamp": 900, "attestation": {"reviewer": {"username": ["prof-bob"]}}}')
) v(d);
SELECT push->>'id' AS id, push::jsonb ? '_id' AS has_id
  FROM gitproxy.get_pushes_for_user_profile(ARRAY['prof-alice@example.com'], 'prof-bob') push;
SELECT push->>'id' AS id FROM gitproxy.get_pushes_for_user_profile('{}', 'PROF-BOB') push;
SELECT push->>'id' AS id FROM gitproxy.get_pushes_for_user_profile(ARRAY[NULL, 'Prof-Alice@Example.com'], 'nobody') push;
SELECT push->>'id' AS id FROM gitproxy.get_pushes_for_user_profile('{}', 'prof-b.b') push;
SELECT push->>'id' AS id FROM gitproxy.get_pushes_for_user_profile('{}', 'prof-.*') push;
SELECT push->>'id' AS id FROM gitproxy.get_pushes_for_user_profile('{}', 'prof-émile') push;
SELECT count(*) AS full_document FROM gitproxy.get_pushes_for_user_profile('{}', 'prof-bob') push
 WHERE push::jsonb = (gitproxy.get_push('prof-3')::jsonb - '_id');
SELECT test_err($$SELECT * FROM gitproxy.get_pushes_for_user_profile(NULL, 'bob')$$);
SELECT test_err($$SELECT * FROM gitproxy.get_pushes_for_user_profile('{}', NULL)$$);
-- the reviewer condition has an index (the author condition uses pushes_user_email_idx)
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT p.doc FROM gitproxy.pushes p WHERE p.type = 'push'
  AND gitproxy.fold_case(p.reviewer) = 'bob';
RESET enable_seqscan;
SELECT gitproxy.fold_case('ÉmIlE ǅ ẞ K') AS folded;
