-- Repo activity (contract §4.2.2, §4.2.3, §6): canonical remote URLs, the
-- per-repo push rollup kept in step with gitproxy.pushes by a trigger, and
-- the user profile listing.

CREATE FUNCTION gitproxy.canonical_remote_url(url text) RETURNS text
  AS 'MODULE_PATHNAME', 'gps_canonical_remote_url_sql'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.canonical_remote_url(text) IS
  'git-proxy canonicalRemoteUrl(raw) (contract §6.2), the key that matches a push url to a repo url. Trims (JavaScript whitespace); an http/https URL (WHATWG parsing as Node''s URL: IDNA, IPv4/IPv6 normalised, default port dropped, dot segments resolved, backslashes as slashes, path percent-encoded) gives host[:port]/path lower-cased, the path without leading/trailing slashes and one trailing .git (any case), user-info, query and fragment dropped; git@host:path gives host/path; anything else (ssh://, not a URL) the trimmed input lower-cased; blank input gives ''''. Lower-casing and IDNA use ICU (root locale) when the server has it, ASCII only otherwise. Errors: none (NULL gives NULL).';
REVOKE ALL ON FUNCTION gitproxy.canonical_remote_url(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.fold_case(t text) RETURNS text
  AS 'MODULE_PATHNAME', 'gps_fold_case'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.fold_case(text) IS
  'Unicode simple case folding per code point (ICU root data; ASCII only when the server lacks ICU), independent of the database collation: the comparison key of case-insensitive username matches (as a case-insensitive MongoDB regular expression compares), used by get_pushes_for_user_profile and its index. Errors: none (NULL gives NULL).';
REVOKE ALL ON FUNCTION gitproxy.fold_case(text) FROM PUBLIC;

CREATE TABLE gitproxy.repo_push_rollups (
    url                          text COLLATE "C" NOT NULL,
    pending                      bigint NOT NULL DEFAULT 0,
    approved                     bigint NOT NULL DEFAULT 0,
    canceled                     bigint NOT NULL DEFAULT 0,
    rejected                     bigint NOT NULL DEFAULT 0,
    error                        bigint NOT NULL DEFAULT 0,
    latest_push_at_ms            float8,
    latest_pending_review_at_ms  float8,
    CONSTRAINT repo_push_rollups_pkey PRIMARY KEY (url)
);
COMMENT ON TABLE gitproxy.repo_push_rollups IS
  'Per-repo push activity (contract §4.2.3): one row per canonical remote URL that has at least one push (type "push", key not ''''), maintained by trigger pushes_rollup_maintain in the same transaction as every change to gitproxy.pushes. Derived data: pg_dump writes none of its rows (registered with WHERE false); restoring the pushes rebuilds it through the trigger; gitproxy.rebuild_repo_push_rollups() recomputes it, e.g. after loading pushes with triggers disabled.';
COMMENT ON COLUMN gitproxy.repo_push_rollups.url IS 'gitproxy.canonical_remote_url(push url), e.g. github.com/finos/git-proxy';
COMMENT ON COLUMN gitproxy.repo_push_rollups.pending IS 'pushes in the pending bucket (§6.1: no error/rejected/canceled/authorised, and blocked or not allowPush)';
COMMENT ON COLUMN gitproxy.repo_push_rollups.approved IS 'pushes in the approved bucket (authorised, or allowPush and not blocked)';
COMMENT ON COLUMN gitproxy.repo_push_rollups.canceled IS 'pushes in the canceled bucket';
COMMENT ON COLUMN gitproxy.repo_push_rollups.rejected IS 'pushes in the rejected bucket';
COMMENT ON COLUMN gitproxy.repo_push_rollups.error IS 'pushes in the error bucket (error is true; highest priority)';
COMMENT ON COLUMN gitproxy.repo_push_rollups.latest_push_at_ms IS 'greatest numeric timestamp (epoch ms, within the bigint range) of the pushes; NULL when none has one';
COMMENT ON COLUMN gitproxy.repo_push_rollups.latest_pending_review_at_ms IS 'greatest numeric timestamp (epoch ms) of the pending pushes; NULL when none';

-- Derived data: registered for pg_dump with a condition that selects no row,
-- because the trigger below rebuilds the rollups while pg_restore loads
-- gitproxy.pushes (dumping them too would count every push twice).
SELECT pg_catalog.pg_extension_config_dump('gitproxy.repo_push_rollups', 'WHERE false');

-- Recomputing one key's maxima when the row holding one goes away.  The
-- pending predicate must match PENDING_SQL in src/activity.c.
CREATE INDEX pushes_canonical_url_idx ON gitproxy.pushes (gitproxy.canonical_remote_url(url), ts)
  WHERE type OPERATOR(pg_catalog.=) 'push';
CREATE INDEX pushes_canonical_url_pending_idx ON gitproxy.pushes (gitproxy.canonical_remote_url(url), ts)
  WHERE type OPERATOR(pg_catalog.=) 'push'
    AND error IS NOT TRUE AND rejected IS NOT TRUE AND canceled IS NOT TRUE
    AND authorised IS NOT TRUE AND (blocked IS TRUE OR allow_push IS NOT TRUE);
COMMENT ON INDEX gitproxy.pushes_canonical_url_idx IS 'latest push per canonical URL (rollup maintenance and rebuild)';
COMMENT ON INDEX gitproxy.pushes_canonical_url_pending_idx IS 'latest pending push per canonical URL (rollup maintenance)';

-- getPushesForUserProfile: the reviewer condition (the author condition uses pushes_user_email_idx).
CREATE INDEX pushes_reviewer_idx ON gitproxy.pushes (gitproxy.fold_case(
    CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.#>) '{attestation,reviewer,username}') OPERATOR(pg_catalog.=) 'string'
         THEN doc OPERATOR(pg_catalog.#>>) '{attestation,reviewer,username}' END))
  WHERE type OPERATOR(pg_catalog.=) 'push';
COMMENT ON INDEX gitproxy.pushes_reviewer_idx IS 'case-folded attestation.reviewer.username of pushes (get_pushes_for_user_profile)';

CREATE FUNCTION gitproxy.pushes_rollup_maintain() RETURNS trigger
  AS 'MODULE_PATHNAME', 'gps_pushes_rollup_maintain'
  LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.pushes_rollup_maintain() IS
  'Trigger on gitproxy.pushes: AFTER INSERT/UPDATE/DELETE FOR EACH ROW moves the row''s contribution (type "push", key canonical_remote_url(url), §6.1 bucket from the boolean flag columns, numeric timestamp) between rows of gitproxy.repo_push_rollups, recomputing a key''s maximum from the index when the row holding it leaves; AFTER TRUNCATE empties the rollups. Refuses any other table (39P01).';
REVOKE ALL ON FUNCTION gitproxy.pushes_rollup_maintain() FROM PUBLIC;
CREATE TRIGGER pushes_rollup_maintain AFTER INSERT OR UPDATE OR DELETE ON gitproxy.pushes
  FOR EACH ROW EXECUTE FUNCTION gitproxy.pushes_rollup_maintain();
CREATE TRIGGER pushes_rollup_truncate AFTER TRUNCATE ON gitproxy.pushes
  FOR EACH STATEMENT EXECUTE FUNCTION gitproxy.pushes_rollup_maintain();

CREATE FUNCTION gitproxy.get_repo_push_rollups()
  RETURNS TABLE (url text, pending bigint, approved bigint, canceled bigint, rejected bigint,
                 error bigint, latest_push_at_ms bigint, latest_pending_review_at_ms bigint)
  AS 'MODULE_PATHNAME', 'gps_get_repo_push_rollups'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 100;
COMMENT ON FUNCTION gitproxy.get_repo_push_rollups() IS
  'Sink method getRepoPushRollupsByCanonicalUrl() (contract §4.2.3, §6.1, §6.2): one row per canonical remote URL having pushes, ordered by url: counts per activity bucket (pending, approved, canceled, rejected, error; a flag counts only when it is JSON true) and the greatest timestamps of all pushes and of pending pushes in epoch milliseconds (bigint, fractions floored; NULL when no push of that key has a numeric timestamp within the bigint range). tabCounts = the five counts; latestPushAtMs / latestPendingReviewAtMs = the two timestamps where not NULL. Reads only gitproxy.repo_push_rollups: O(number of repos). Errors: none.';
REVOKE ALL ON FUNCTION gitproxy.get_repo_push_rollups() FROM PUBLIC;

CREATE FUNCTION gitproxy.rebuild_repo_push_rollups() RETURNS void
  AS 'MODULE_PATHNAME', 'gps_rebuild_repo_push_rollups'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.rebuild_repo_push_rollups() IS
  'Recomputes gitproxy.repo_push_rollups from gitproxy.pushes from scratch (after loading pushes with triggers disabled, or to check the incremental maintenance). Locks gitproxy.pushes against writes until the transaction ends. Administrative: not granted by gitproxy.grant_runtime. Errors: 25000 at REPEATABLE READ or SERIALIZABLE isolation.';
REVOKE ALL ON FUNCTION gitproxy.rebuild_repo_push_rollups() FROM PUBLIC;

CREATE FUNCTION gitproxy.get_pushes_for_user_profile(email_variants text[], username text)
  RETURNS SETOF json
  AS 'MODULE_PATHNAME', 'gps_get_pushes_for_user_profile'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 100;
COMMENT ON FUNCTION gitproxy.get_pushes_for_user_profile(text[], text) IS
  'Sink method getPushesForUserProfile(emailVariants, profileUsername) (contract §4.2.2): pushes (type "push") whose userEmail is exactly (case-sensitively) one of email_variants, or whose attestation.reviewer.username equals username ignoring case (Unicode simple case folding, whole string, no pattern characters); a rejection''s reviewer does not count. Newest first (timestamp descending, then id descending), full documents without _id, as get_pushes returns them. An empty array leaves only the reviewer condition; NULL elements are ignored. Errors: 22004 email_variants or username NULL.';
REVOKE ALL ON FUNCTION gitproxy.get_pushes_for_user_profile(text[], text) FROM PUBLIC;
