-- gitproxy_sink upgrade script 1.0 -> 1.1.
-- One 1.1 collects every schema change of the open issues; it stays open until
-- none of them is open, then it is frozen like the 1.0 install script.
-- A fresh CREATE EXTENSION of 1.1 runs the 1.0 install script and then this
-- file, so this script alone defines how 1.1 differs from 1.0, for new and
-- upgraded databases alike (test/tap/upgrade compares both).
-- Rules as in the install script: every object schema-qualified, API functions
-- SECURITY DEFINER with SET search_path = pg_catalog, pg_temp and not executable
-- by PUBLIC, every member commented, no CREATE OR REPLACE / IF NOT EXISTS.
-- After ALTER EXTENSION ... UPDATE, run gitproxy.grant_runtime(...) and
-- gitproxy.grant_readonly(...) again so roles get the new functions.

\echo Use "ALTER EXTENSION gitproxy_sink UPDATE TO '1.1'" to load this file. \quit

-- Each issue keeps its changes in its own section below, in this order.
-- Sections that rewrite stored rows come after those that only change the
-- schema: such updates fire the 1.1 module's triggers, which expect the 1.1
-- tables (digest keys, ...).

-- == Security: staging, strict review, complete decision log, long values ==

-- == Data fidelity: opaque ids, imports, one validation per record kind ==

-- == Long values ==
-- (issue 9 §5) A btree index entry holds at most about 2,700 bytes, so text
-- that can be longer is indexed through a digest or a hash index instead of
-- itself, and each text value has a documented limit (README, "Limits")
-- that the API functions enforce with 22001 naming the field:
--   unique values that can be long: a PRIMARY KEY (or unique index) on the
--     SHA-256 digest (gitproxy.text_digest) of the value, kept in a
--     generated column, so ON CONFLICT and replica identity still work;
--   equality look-ups of values that can be long: hash indexes (any length);
--   sorted listings: the first 512 characters of the push id (ordering by
--     (ts, left(id, 512), id) is ordering by (ts, id) under COLLATE "C");
--   values bounded by a limit that fits (usernames, e-mails, gitAccount,
--     oidcId, repo names, record _ids: 1 KiB) keep their btree indexes.

CREATE FUNCTION gitproxy.text_digest(t text) RETURNS bytea
  AS 'MODULE_PATHNAME', 'gps_text_digest'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.text_digest(text) IS
  'SHA-256 (32 bytes) of the text''s bytes in the database encoding: the key of the unique indexes on values too long for a btree entry (push id, session id, migration id, SSH key, repo url, canonical url). Look up through it as WHERE <col>_digest = gitproxy.text_digest($1) AND <col> = $1. Errors: none (NULL gives NULL).';
REVOKE ALL ON FUNCTION gitproxy.text_digest(text) FROM PUBLIC;

-- pushes: id unique through its digest; id, url and userEmail look-ups
-- through hash indexes; listings sort on (ts, left(id, 512)) then id.
-- The type column holds doc.type only up to 256 bytes (longer types are
-- matched in the document), so the type listing index fits.
ALTER TABLE gitproxy.pushes
  ADD COLUMN id_digest bytea GENERATED ALWAYS AS (gitproxy.text_digest(id)) STORED;
COMMENT ON COLUMN gitproxy.pushes.id_digest IS 'gitproxy.text_digest(id): the primary key (id can be longer than a btree entry)';
ALTER TABLE gitproxy.pushes DROP CONSTRAINT pushes_pkey;
ALTER TABLE gitproxy.pushes ADD CONSTRAINT pushes_pkey PRIMARY KEY (id_digest);
COMMENT ON CONSTRAINT pushes_pkey ON gitproxy.pushes IS 'one push per id, through the digest of the id';
CREATE INDEX pushes_id_idx ON gitproxy.pushes USING hash (id);
COMMENT ON INDEX gitproxy.pushes_id_idx IS 'get_push, decisions, delete_push, imports and push_history: id = $1 for ids of any length';
UPDATE gitproxy.pushes SET type = NULL WHERE pg_catalog.octet_length(type) OPERATOR(pg_catalog.>) 256;
COMMENT ON COLUMN gitproxy.pushes.type IS 'doc.type when a JSON string of at most 256 bytes (longer types are matched in doc); listing filter';
DROP INDEX gitproxy.pushes_listing_idx;
CREATE INDEX pushes_listing_idx ON gitproxy.pushes (ts DESC, pg_catalog.left(id, 512) DESC);
COMMENT ON INDEX gitproxy.pushes_listing_idx IS 'get_pushes({}) newest first: ORDER BY ts DESC, left(id, 512) DESC, id DESC';
DROP INDEX gitproxy.pushes_type_listing_idx;
CREATE INDEX pushes_type_listing_idx ON gitproxy.pushes (type, ts DESC, pg_catalog.left(id, 512) DESC);
COMMENT ON INDEX gitproxy.pushes_type_listing_idx IS 'get_pushes({"type": ...}) newest first';
DROP INDEX gitproxy.pushes_pending_idx;
CREATE INDEX pushes_pending_idx ON gitproxy.pushes (ts DESC, pg_catalog.left(id, 512) DESC)
  WHERE type OPERATOR(pg_catalog.=) 'push' AND error OPERATOR(pg_catalog.=) false
    AND blocked OPERATOR(pg_catalog.=) true AND allow_push OPERATOR(pg_catalog.=) false
    AND authorised OPERATOR(pg_catalog.=) false;
COMMENT ON INDEX gitproxy.pushes_pending_idx IS 'the default getPushes() filter: pushes waiting for review, newest first';
DROP INDEX gitproxy.pushes_url_idx;
CREATE INDEX pushes_url_idx ON gitproxy.pushes USING hash (url);
COMMENT ON INDEX gitproxy.pushes_url_idx IS 'get_pushes({"url": ...})';
DROP INDEX gitproxy.pushes_user_email_idx;
CREATE INDEX pushes_user_email_idx ON gitproxy.pushes USING hash (user_email);
COMMENT ON INDEX gitproxy.pushes_user_email_idx IS 'get_pushes({"userEmail": ...}) and the author condition of get_pushes_for_user_profile';
DROP INDEX gitproxy.pushes_canonical_url_idx;
CREATE INDEX pushes_canonical_url_idx ON gitproxy.pushes
  (gitproxy.text_digest(gitproxy.canonical_remote_url(url)), ts)
  WHERE type OPERATOR(pg_catalog.=) 'push';
COMMENT ON INDEX gitproxy.pushes_canonical_url_idx IS 'latest push per canonical URL (rollup maintenance and rebuild), keyed by the digest of the canonical URL';
DROP INDEX gitproxy.pushes_canonical_url_pending_idx;
CREATE INDEX pushes_canonical_url_pending_idx ON gitproxy.pushes
  (gitproxy.text_digest(gitproxy.canonical_remote_url(url)), ts)
  WHERE type OPERATOR(pg_catalog.=) 'push'
    AND error IS NOT TRUE AND rejected IS NOT TRUE AND canceled IS NOT TRUE
    AND authorised IS NOT TRUE AND (blocked IS TRUE OR allow_push IS NOT TRUE);
COMMENT ON INDEX gitproxy.pushes_canonical_url_pending_idx IS 'latest pending push per canonical URL (rollup maintenance), keyed by the digest of the canonical URL';
DROP INDEX gitproxy.pushes_reviewer_idx;
CREATE INDEX pushes_reviewer_idx ON gitproxy.pushes USING hash (gitproxy.fold_case(
    CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.#>) '{attestation,reviewer,username}') OPERATOR(pg_catalog.=) 'string'
         THEN doc OPERATOR(pg_catalog.#>>) '{attestation,reviewer,username}' END))
  WHERE type OPERATOR(pg_catalog.=) 'push';
COMMENT ON INDEX gitproxy.pushes_reviewer_idx IS 'case-folded attestation.reviewer.username of pushes (get_pushes_for_user_profile), any length';

DROP INDEX gitproxy.decision_log_push_idx;
CREATE INDEX decision_log_push_idx ON gitproxy.decision_log USING hash (push_id);
COMMENT ON INDEX gitproxy.decision_log_push_idx IS 'the decisions of one push (push_id = $1), ids of any length';

-- repos: url unique through its digest (the primary key stays _id).
ALTER TABLE gitproxy.repos DROP CONSTRAINT repos_url_key;
CREATE UNIQUE INDEX repos_url_key ON gitproxy.repos (gitproxy.text_digest(url));
COMMENT ON INDEX gitproxy.repos_url_key IS 'one repo per url (git-proxy R13: concurrent creates of one url cannot both succeed), through the digest of the url';
CREATE INDEX repos_url_idx ON gitproxy.repos USING hash (url);
COMMENT ON INDEX gitproxy.repos_url_idx IS 'get_repo_by_url, get_repos({"url": ...}) and imports: url = $1 for urls of any length';

-- user_public_keys: one owner per key text through its digest.
ALTER TABLE gitproxy.user_public_keys
  ADD COLUMN key_digest bytea GENERATED ALWAYS AS (gitproxy.text_digest(key)) STORED;
COMMENT ON COLUMN gitproxy.user_public_keys.key_digest IS 'gitproxy.text_digest(key): the primary key (an RSA-16384 key is longer than a btree entry)';
ALTER TABLE gitproxy.user_public_keys DROP CONSTRAINT user_public_keys_pkey;
ALTER TABLE gitproxy.user_public_keys ADD CONSTRAINT user_public_keys_pkey PRIMARY KEY (key_digest);
COMMENT ON CONSTRAINT user_public_keys_pkey ON gitproxy.user_public_keys IS 'a key text belongs to at most one user, through the digest of the key';

-- migrations and sessions: ids unique through their digests.
ALTER TABLE gitproxy.migrations
  ADD COLUMN id_digest bytea GENERATED ALWAYS AS (gitproxy.text_digest(id)) STORED;
COMMENT ON COLUMN gitproxy.migrations.id_digest IS 'gitproxy.text_digest(id): the primary key';
ALTER TABLE gitproxy.migrations DROP CONSTRAINT migrations_pkey;
ALTER TABLE gitproxy.migrations ADD CONSTRAINT migrations_pkey PRIMARY KEY (id_digest);

ALTER TABLE gitproxy.sessions
  ADD COLUMN sid_digest bytea GENERATED ALWAYS AS (gitproxy.text_digest(sid)) STORED;
COMMENT ON COLUMN gitproxy.sessions.sid_digest IS 'gitproxy.text_digest(sid): the primary key';
ALTER TABLE gitproxy.sessions DROP CONSTRAINT sessions_pkey;
ALTER TABLE gitproxy.sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY (sid_digest);
DROP INDEX gitproxy.sessions_user_id_idx;
CREATE INDEX sessions_user_id_idx ON gitproxy.sessions USING hash (user_id);
COMMENT ON INDEX gitproxy.sessions_user_id_idx IS 'session_destroy_user: every session of one user (passport user of any length)';

-- repo_push_rollups: one row per canonical URL through its digest.
ALTER TABLE gitproxy.repo_push_rollups
  ADD COLUMN url_digest bytea GENERATED ALWAYS AS (gitproxy.text_digest(url)) STORED;
COMMENT ON COLUMN gitproxy.repo_push_rollups.url_digest IS 'gitproxy.text_digest(url): the primary key (a canonical URL can be longer than a btree entry)';
ALTER TABLE gitproxy.repo_push_rollups DROP CONSTRAINT repo_push_rollups_pkey;
ALTER TABLE gitproxy.repo_push_rollups ADD CONSTRAINT repo_push_rollups_pkey PRIMARY KEY (url_digest);

-- The functions that enforce the limits say so in their descriptions: the
-- sentence is appended to whatever description the sections above left.
DO $do$
DECLARE
  f record;
BEGIN
  FOR f IN SELECT * FROM (VALUES
    ('gitproxy.write_audit(json)'::pg_catalog.regprocedure,
     '22001 ''push "id" is too long'' (over 8192 bytes), ''push "url" is too long'' or ''push "userEmail" is too long'' (over 8192 bytes); nothing written.'),
    ('gitproxy.import_pushes()', '22001 as write_audit for an id, url or userEmail over 8192 bytes, with the line.'),
    ('gitproxy.import_stored_doc(text,bigint)', '22001 as write_audit for an id, url or userEmail over 8192 bytes.'),
    ('gitproxy.create_repo(json)', '22001 ''repo "url" is too long'' (over 8192 bytes) or ''repo "name" is too long'' (over 1024 bytes); nothing stored.'),
    ('gitproxy.update_repo(json)', '22001 a url over 8192 bytes or a name over 1024 bytes; nothing changed.'),
    ('gitproxy.import_repo_doc(text,bigint)', '22001 a url over 8192 bytes or a name over 1024 bytes.'),
    ('gitproxy.import_repos()', '22001 a url over 8192 bytes or a name over 1024 bytes, with the line.'),
    ('gitproxy.create_user(json)', '22001 ''user "<field>" is too long'' for a username, email, gitAccount or oidcId over 1024 bytes, ''SSH public key "key" is too long'' for a key over 16384 bytes; nothing stored.'),
    ('gitproxy.update_user(json)', '22001 a username, email, gitAccount or oidcId over 1024 bytes or an SSH key over 16384 bytes; nothing changed.'),
    ('gitproxy.import_user_doc(text,bigint)', '22001 a username, email, gitAccount or oidcId over 1024 bytes or an SSH key over 16384 bytes.'),
    ('gitproxy.import_users()', '22001 a username, email, gitAccount or oidcId over 1024 bytes or an SSH key over 16384 bytes, with the line.'),
    ('gitproxy.add_public_key(text,json)', '22001 ''SSH public key "key" is too long'' (over 16384 bytes; an RSA-16384 key has about 2,800); nothing written.'),
    ('gitproxy.session_set(text,json,timestamp with time zone)', '22001 ''session "sid" is too long'' (over 8192 bytes).'),
    ('gitproxy.record_migration(text)', '22001 ''migration "id" is too long'' (over 8192 bytes).')
  ) AS v(fn, errors)
  LOOP
    EXECUTE pg_catalog.format('COMMENT ON FUNCTION %s IS %L', f.fn,
      pg_catalog.obj_description(f.fn, 'pg_proc') OPERATOR(pg_catalog.||)
        ' Length limits (README, Limits; lengths in bytes of the stored UTF-8 form): ' OPERATOR(pg_catalog.||) f.errors);
  END LOOP;
END
$do$;

-- == Query and identity semantics: locale-independent case folding ==

-- Issue 15.  Filters test documents with one set of path rules
-- (gitproxy.query_match, gitproxy.query_regex); typed columns only speed
-- them up (the *_irregular_idx indexes serve the rows whose documents hold
-- an array where a typed column is read).  Usernames, e-mails, permission
-- lists, git accounts and repo names are lower-cased with
-- gitproxy.lower_case (JavaScript's toLowerCase, whatever the locale)
-- instead of the database collation's lower().

CREATE FUNCTION gitproxy.lower_case(t text) RETURNS text
  AS 'MODULE_PATHNAME', 'gps_lower_case'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.lower_case(text) IS
  'JavaScript''s String.prototype.toLowerCase(): the Unicode full lower-case mapping of the ICU root locale (final sigma included; U+0130 gives i + U+0307), the same in every database whatever its collation or ctype (so a Turkish-locale database lower-cases ADMIN to admin, not to a dotless U+0131). The one lower-casing of stored and looked-up usernames, e-mails, users.canPush/canAuthorise entries, git accounts and repo names, and of the indexes repos_lower_name_idx and users_lower_git_account_idx. Without ICU in the server only ASCII letters change. Errors: none (NULL gives NULL).';
REVOKE ALL ON FUNCTION gitproxy.lower_case(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.query_match(doc jsonb, path text[], value jsonb, fold boolean) RETURNS boolean
  AS 'MODULE_PATHNAME', 'gps_query_match'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.query_match(jsonb, text[], jsonb, boolean) IS
  'Internal to the get_pushes, get_repos and get_users filters: does the query condition {"<path joined by dots>": value} hold for the stored document doc? Path rules (MongoDB): on an object a segment is a member name; on an array a segment of decimal digits without a leading zero is an element index, any other segment applies to every object element; a member of a scalar, an absent member or an index past the end is missing. value (a scalar, object or array) matches a value at the path equal to it (JSON-type strict, numbers by value) or an array there holding an equal element; JSON null matches null, an array holding null, or a path missing on some branch. fold: strings of the document are compared through gitproxy.lower_case (value must already be lower-cased). Errors: 22004 a NULL path element.';
REVOKE ALL ON FUNCTION gitproxy.query_match(jsonb, text[], jsonb, boolean) FROM PUBLIC;

CREATE FUNCTION gitproxy.query_regex(doc jsonb, path text[], pattern text, flags text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'gps_query_regex'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.query_regex(jsonb, text[], text, text) IS
  'Internal to the filters: does a string at path (rules of gitproxy.query_match; an array there offers its string elements) match pattern, a PostgreSQL advanced regular expression, with flags (JavaScript RegExp flags: i case-insensitive, m ^ and $ at line ends, s . matches a newline, x expanded; g, u, y ignored)? The pattern runs on the real string, with the U+FFFF storage escape reversed, so \u0000, U+FFFF and a lone surrogate are one character each. Case-insensitive matching uses the ICU root collation (und-x-icu) when the server has ICU, else the database default. Errors: 22023 unknown flag; 2201B malformed pattern; 22004 a NULL path element.';
REVOKE ALL ON FUNCTION gitproxy.query_regex(jsonb, text[], text, text) FROM PUBLIC;

-- The filter rules in the API descriptions.
COMMENT ON FUNCTION gitproxy.get_pushes(json, integer, text) IS
  'Sink method getPushes(query). NULL or JSON null query = default filter {"error":false,"blocked":true,"allowPush":false,"authorised":false,"type":"push"}; {} matches every row. Filter: AND of keys; JSON-type-strict equality, numbers by value; dotted paths with MongoDB rules (a decimal segment without leading zero indexes an array, any other segment applies to each object element of an array); a value matches an equal field or an array with an equal element; null matches null, an array holding null or a path missing on some branch; {"$regex":src,"$options":"imsx"} matches the real string (NUL, U+FFFF, lone surrogates are single characters). Typed columns never change a result. Ordered by timestamp (epoch ms, read as JavaScript Number()) descending then id descending; non-numeric timestamps last. Returns documents without _id, each with an opaque keyset cursor that resumes after that row; limit NULL returns all rows. Errors: 22023 bad query (not an object, empty or $-prefixed key, unsupported operator or $options flag, a $regex holding NUL or a lone surrogate), bad cursor or negative limit; 2201B malformed $regex.';
COMMENT ON FUNCTION gitproxy.get_repos(json) IS
  'Sink method getRepos(query). Every repo matching the query object, in insertion order, each {"_id", "project", "name", "url", "users": {"canPush": [...], "canAuthorise": [...]}, "dateCreated", "lastModified", ...extra keys}. NULL, JSON null and {} match all. Filter rules as get_pushes (e.g. "users.canPush": "alice"); "name" compares case-insensitively (gitproxy.lower_case on both sides), "_id" is lower-cased. Errors: 22023 bad query (not an object, empty or $-prefixed key, unsupported operator); 2201B malformed $regex.';

COMMENT ON COLUMN gitproxy.pushes.ts IS 'doc.timestamp (epoch milliseconds) when a JSON number, read as JavaScript''s Number() reads it (nearest double; beyond the double range +-Infinity, below it 0; never an error), else -Infinity; the listing sort key. Filters on timestamp compare the document''s own number.';

-- Case-insensitive look-ups through gitproxy.lower_case, not lower().
DROP INDEX gitproxy.repos_lower_name_idx;
CREATE INDEX repos_lower_name_idx ON gitproxy.repos (gitproxy.lower_case(name));
COMMENT ON INDEX gitproxy.repos_lower_name_idx IS 'get_repo(name) and get_repos({"name": ...}): case-insensitive name look-ups, gitproxy.lower_case(stored) = gitproxy.lower_case(argument)';
DROP INDEX gitproxy.users_lower_git_account_idx;
CREATE INDEX users_lower_git_account_idx ON gitproxy.users (gitproxy.lower_case(git_account));
COMMENT ON INDEX gitproxy.users_lower_git_account_idx IS 'find_user_by_git_account: gitproxy.lower_case(stored) = gitproxy.lower_case(argument)';

-- The rows whose document holds an array at a key with a typed column (the
-- column is then NULL or -Infinity, yet a filter on the key may match):
-- nearly always none.  A filter on typed keys is "typed test OR (irregular
-- AND document test)"; these let the second arm use an index too.  The
-- predicates must stay identical to GPS_DOC_KEY_IS_ARRAY in pushes.c,
-- repos.c and users.c.
CREATE INDEX pushes_irregular_idx ON gitproxy.pushes (ts DESC, id DESC)
  WHERE pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'type') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'url') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'userEmail') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'timestamp') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'error') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'blocked') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'allowPush') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'authorised') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'canceled') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'rejected') OPERATOR(pg_catalog.=) 'array';
COMMENT ON INDEX gitproxy.pushes_irregular_idx IS 'get_pushes filters on typed keys: the pushes whose document holds an array at one of them (their typed column cannot answer)';
CREATE INDEX repos_irregular_idx ON gitproxy.repos (seq)
  WHERE pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'url') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'name') OPERATOR(pg_catalog.=) 'array';
COMMENT ON INDEX gitproxy.repos_irregular_idx IS 'get_repos filters on url or name: the repos whose document holds an array there';
CREATE INDEX users_irregular_idx ON gitproxy.users (seq)
  WHERE pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'email') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'gitAccount') OPERATOR(pg_catalog.=) 'array'
     OR pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'oidcId') OPERATOR(pg_catalog.=) 'array';
COMMENT ON INDEX gitproxy.users_irregular_idx IS 'get_users filters on email, gitAccount or oidcId: the users whose document holds an array there';

-- Re-fold what 1.0 stored lower-cased with the database collation: in a
-- database whose ctype lower-cases differently from gitproxy.lower_case
-- (C / POSIX: ASCII only; Turkish: I -> dotless U+0131) a name would otherwise no longer
-- be found.  Names that would then collide make the update fail, naming
-- them, so that nothing is merged behind the operator's back.  A dotless
-- U+0131 that a Turkish-locale 1.0 stored for an I cannot be told apart from a real
-- one: the update only warns about such names.
DO $refold$
DECLARE
  clash text;
  dotless bigint;
BEGIN
  SELECT pg_catalog.string_agg(f, ', ') INTO clash FROM (
    SELECT pg_catalog.format('username %L', k) AS f FROM (
      SELECT gitproxy.lower_case(u.username) AS k FROM gitproxy.users u
      GROUP BY 1 HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) x
    UNION ALL
    SELECT pg_catalog.format('email %L', k) FROM (
      SELECT gitproxy.lower_case(u.email) AS k FROM gitproxy.users u
       WHERE u.email OPERATOR(pg_catalog.<>) ''
      GROUP BY 1 HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) y) c;
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION 'gitproxy_sink 1.1 lower-cases names as JavaScript does, and these stored users would then collide: %', clash
      USING ERRCODE = '23505',
            HINT = 'Rename or delete all but one user of each (gitproxy.update_user / delete_user on 1.0), then run ALTER EXTENSION gitproxy_sink UPDATE again.';
  END IF;

  UPDATE gitproxy.users u
     SET doc = u.doc OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('username', gitproxy.lower_case(u.username))
               OPERATOR(pg_catalog.||) CASE WHEN u.email IS NULL THEN '{}'::jsonb
                  ELSE pg_catalog.jsonb_build_object('email', gitproxy.lower_case(u.email)) END
   WHERE u.username OPERATOR(pg_catalog.<>) gitproxy.lower_case(u.username)
      OR u.email OPERATOR(pg_catalog.<>) gitproxy.lower_case(u.email);

  -- permission lists: re-folded, repeats dropped, first occurrence kept
  UPDATE gitproxy.repos r
     SET doc = pg_catalog.jsonb_set(pg_catalog.jsonb_set(r.doc, '{users,canPush}',
                 (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l.k) ORDER BY l.o), '[]'::jsonb)
                    FROM (SELECT gitproxy.lower_case(e.n) AS k, pg_catalog.min(e.o) AS o
                            FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canPush}')
                                 WITH ORDINALITY AS e(n, o) GROUP BY 1) l)),
               '{users,canAuthorise}',
                 (SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l.k) ORDER BY l.o), '[]'::jsonb)
                    FROM (SELECT gitproxy.lower_case(e.n) AS k, pg_catalog.min(e.o) AS o
                            FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canAuthorise}')
                                 WITH ORDINALITY AS e(n, o) GROUP BY 1) l))
   WHERE EXISTS (SELECT FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canPush}') e(n)
                  WHERE e.n OPERATOR(pg_catalog.<>) gitproxy.lower_case(e.n))
      OR EXISTS (SELECT FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canAuthorise}') e(n)
                  WHERE e.n OPERATOR(pg_catalog.<>) gitproxy.lower_case(e.n));

  IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.=) 'UTF8' THEN
    SELECT pg_catalog.count(*) INTO dotless FROM gitproxy.users u
     WHERE pg_catalog.strpos(u.username, pg_catalog.chr(305)) OPERATOR(pg_catalog.>) 0
        OR pg_catalog.strpos(u.email, pg_catalog.chr(305)) OPERATOR(pg_catalog.>) 0;
    IF dotless OPERATOR(pg_catalog.>) 0 THEN
      RAISE WARNING 'gitproxy_sink: % stored user(s) have a dotless i (U+0131) in username or email', dotless
        USING DETAIL = 'In a database with a Turkish or Azeri ctype 1.0 stored I as U+0131; git-proxy (JavaScript) lower-cases I to i, so such a user is not found by the name they log in with.',
              HINT = 'List them with SELECT username, email FROM gitproxy.users WHERE strpos(username || email, chr(305)) > 0 and correct them with gitproxy.update_user.';
    END IF;
  END IF;
END
$refold$;


-- == Write path: storage, rollups, listing projection ==
