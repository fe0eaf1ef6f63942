-- DBA views (read with psql; granted by gitproxy.grant_readonly).  They show
-- document strings in stored form: a \u0000 or lone surrogate appears as the
-- U+FFFF escape (see README); every other string is shown as written.  They
-- call no function of the extension, so a role with SELECT on them needs
-- nothing else.

CREATE VIEW gitproxy.pending_pushes AS
SELECT p.id,
       p._id AS record_id,
       CASE WHEN p.ts OPERATOR(pg_catalog.>=) '-210000000000000'::pg_catalog.float8
             AND p.ts OPERATOR(pg_catalog.<=) '8200000000000000'::pg_catalog.float8
            THEN pg_catalog.to_timestamp(p.ts OPERATOR(pg_catalog./) '1000'::pg_catalog.float8) END AS pushed_at,
       p.url,
       p.doc OPERATOR(pg_catalog.->>) 'project' AS project,
       p.doc OPERATOR(pg_catalog.->>) 'repoName' AS repo_name,
       p.doc OPERATOR(pg_catalog.->>) 'branch' AS branch,
       p.user_email,
       p.doc OPERATOR(pg_catalog.->>) 'commitFrom' AS commit_from,
       p.doc OPERATOR(pg_catalog.->>) 'commitTo' AS commit_to,
       CASE WHEN pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'commitData') OPERATOR(pg_catalog.=) 'array'
            THEN pg_catalog.jsonb_array_length(p.doc OPERATOR(pg_catalog.->) 'commitData') END AS commit_count,
       p.updated_at
  FROM gitproxy.pushes p
 WHERE p.type OPERATOR(pg_catalog.=) 'push'
   AND p.error IS NOT TRUE AND p.rejected IS NOT TRUE AND p.canceled IS NOT TRUE
   AND p.authorised IS NOT TRUE AND (p.blocked IS TRUE OR p.allow_push IS NOT TRUE);
COMMENT ON VIEW gitproxy.pending_pushes IS
  'Pushes waiting for review: type "push" in the pending activity bucket (contract §6.1: no error, rejected, canceled or authorised flag set to true, and blocked, or not allowPush), the same rows the repo_activity pending counts. Unordered: add ORDER BY pushed_at DESC. Strings in stored form (see README).';
COMMENT ON COLUMN gitproxy.pending_pushes.id IS 'push id (<commitFrom>__<commitTo>)';
COMMENT ON COLUMN gitproxy.pending_pushes.record_id IS 'record id (_id, 24 hex characters)';
COMMENT ON COLUMN gitproxy.pending_pushes.pushed_at IS 'doc.timestamp (epoch ms) as timestamptz; NULL when not a number or out of range';
COMMENT ON COLUMN gitproxy.pending_pushes.url IS 'remote URL as written by git-proxy (see repo_activity for the canonical key)';
COMMENT ON COLUMN gitproxy.pending_pushes.commit_count IS 'number of entries in doc.commitData';
COMMENT ON COLUMN gitproxy.pending_pushes.updated_at IS 'database time of the last write or decision';

CREATE VIEW gitproxy.push_history AS
SELECT l.log_id,
       l.decided_at,
       l.action,
       l.push_id,
       l.reviewer,
       l.state_before,
       CASE WHEN p.id IS NULL THEN 'deleted'
            WHEN p.rejected IS TRUE THEN 'rejected'
            WHEN p.canceled IS TRUE THEN 'canceled'
            WHEN p.authorised IS TRUE THEN 'authorised'
            ELSE 'pending' END AS state_now,
       CASE WHEN pg_catalog.jsonb_typeof(l.payload OPERATOR(pg_catalog.->) 'reason') OPERATOR(pg_catalog.=) 'string'
            THEN l.payload OPERATOR(pg_catalog.->>) 'reason' END AS reason,
       l.payload,
       l.db_role,
       p.url,
       p.user_email,
       CASE WHEN p.ts OPERATOR(pg_catalog.>=) '-210000000000000'::pg_catalog.float8
             AND p.ts OPERATOR(pg_catalog.<=) '8200000000000000'::pg_catalog.float8
            THEN pg_catalog.to_timestamp(p.ts OPERATOR(pg_catalog./) '1000'::pg_catalog.float8) END AS pushed_at
  FROM gitproxy.decision_log l
  LEFT JOIN gitproxy.pushes p ON p.id OPERATOR(pg_catalog.=) l.push_id;
COMMENT ON VIEW gitproxy.push_history IS
  'The review decision log (authorise, reject, cancel, delete) joined to the push it concerns: who decided what, when, from which state, and the push as it is now (url, author, state_now; "deleted" when the push is gone). Unordered: add ORDER BY log_id. Strings in stored form (see README).';
COMMENT ON COLUMN gitproxy.push_history.log_id IS 'gitproxy.decision_log.log_id, increasing with time';
COMMENT ON COLUMN gitproxy.push_history.decided_at IS 'database clock at the decision';
COMMENT ON COLUMN gitproxy.push_history.action IS 'authorise, reject, cancel or delete';
COMMENT ON COLUMN gitproxy.push_history.reviewer IS 'payload reviewer.username, when given';
COMMENT ON COLUMN gitproxy.push_history.state_before IS 'review state before the action';
COMMENT ON COLUMN gitproxy.push_history.state_now IS 'review state of the push now: pending, authorised, rejected, canceled, or deleted';
COMMENT ON COLUMN gitproxy.push_history.reason IS 'payload.reason (rejections), when a string';
COMMENT ON COLUMN gitproxy.push_history.payload IS 'the attestation or rejection as stored';
COMMENT ON COLUMN gitproxy.push_history.db_role IS 'database session user that made the call';
COMMENT ON COLUMN gitproxy.push_history.pushed_at IS 'the push''s doc.timestamp as timestamptz';

CREATE VIEW gitproxy.repo_activity AS
SELECT r.url AS repo_key,
       r.pending,
       r.approved,
       r.canceled,
       r.rejected,
       r.error,
       r.pending OPERATOR(pg_catalog.+) r.approved OPERATOR(pg_catalog.+) r.canceled
         OPERATOR(pg_catalog.+) r.rejected OPERATOR(pg_catalog.+) r.error AS total,
       CASE WHEN r.latest_push_at_ms OPERATOR(pg_catalog.>=) '-210000000000000'::pg_catalog.float8
             AND r.latest_push_at_ms OPERATOR(pg_catalog.<=) '8200000000000000'::pg_catalog.float8
            THEN pg_catalog.to_timestamp(r.latest_push_at_ms OPERATOR(pg_catalog./) '1000'::pg_catalog.float8) END AS latest_push_at,
       CASE WHEN r.latest_pending_review_at_ms OPERATOR(pg_catalog.>=) '-210000000000000'::pg_catalog.float8
             AND r.latest_pending_review_at_ms OPERATOR(pg_catalog.<=) '8200000000000000'::pg_catalog.float8
            THEN pg_catalog.to_timestamp(r.latest_pending_review_at_ms OPERATOR(pg_catalog./) '1000'::pg_catalog.float8) END AS latest_pending_review_at
  FROM gitproxy.repo_push_rollups r;
COMMENT ON VIEW gitproxy.repo_activity IS
  'Push activity per repo, from the incrementally maintained rollups (cheap to read): the counts per activity bucket (contract §6.1) of the pushes whose canonical remote URL is repo_key, their total, and the latest push and latest pending push. The data of gitproxy.get_repo_push_rollups(); repo_key matches gitproxy.canonical_remote_url(repo url).';
COMMENT ON COLUMN gitproxy.repo_activity.repo_key IS 'canonical remote URL, e.g. github.com/finos/git-proxy';
COMMENT ON COLUMN gitproxy.repo_activity.total IS 'all pushes of the repo (the five buckets partition them)';
COMMENT ON COLUMN gitproxy.repo_activity.latest_push_at IS 'greatest numeric push timestamp as timestamptz; NULL when none';
COMMENT ON COLUMN gitproxy.repo_activity.latest_pending_review_at IS 'greatest timestamp of the pending pushes; NULL when none is pending';
