-- gitproxy_sink 1.0 install script.
-- The control file names pg_catalog as the extension's schema, so CREATE
-- EXTENSION runs this script with search_path = pg_catalog; schema gitproxy is
-- created here so that it is a member of the extension and DROP EXTENSION
-- removes it.
-- Every object is schema-qualified; API functions are SECURITY DEFINER with a
-- pinned search_path and are not executable by PUBLIC (see grant_runtime).

\echo Use "CREATE EXTENSION gitproxy_sink" to load this file. \quit

CREATE SCHEMA gitproxy;
COMMENT ON SCHEMA gitproxy IS
  'gitproxy_sink: PostgreSQL storage backend (sink) of FINOS git-proxy';
-- Push store, decision log and review decisions (issue: extension core).

CREATE TABLE gitproxy.pushes (
    id          text COLLATE "C" NOT NULL,
    _id         text COLLATE "C" NOT NULL,
    doc         jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- typed copies of document fields for filtering and sorting, set by the
    -- API functions from doc on every write (gps_push_typed_values)
    type        text,
    ts          float8 NOT NULL DEFAULT '-Infinity',
    url         text,
    user_email  text,
    error       boolean,
    blocked     boolean,
    allow_push  boolean,
    authorised  boolean,
    canceled    boolean,
    rejected    boolean,
    CONSTRAINT pushes_pkey PRIMARY KEY (id),
    CONSTRAINT pushes__id_key UNIQUE (_id),
    CONSTRAINT pushes_doc_is_object CHECK (pg_catalog.jsonb_typeof(doc) OPERATOR(pg_catalog.=) 'object')
);
-- lz4 (PostgreSQL 14+, when the server was built with it) compresses and
-- decompresses push documents several times faster than the default pglz;
-- listings, decisions and writes all read or rewrite whole documents.
DO $do$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_settings
              WHERE name OPERATOR(pg_catalog.=) 'default_toast_compression'
                AND 'lz4' OPERATOR(pg_catalog.=) ANY (enumvals)) THEN
    EXECUTE 'ALTER TABLE gitproxy.pushes ALTER COLUMN doc SET COMPRESSION lz4';
  END IF;
END
$do$;
COMMENT ON TABLE gitproxy.pushes IS
  'git-proxy push and request records (Action), one row per id. doc is the whole document without _id in stored jsonb form (U+FFFF escape for \u0000 and lone surrogates, see README); type, ts, url, user_email and the six flag columns are typed copies of document fields (NULL unless the JSON type fits) that listings filter and sort on; the API functions set them on every write, so write only through gitproxy.write_audit, the decision functions and gitproxy.import_pushes.';
COMMENT ON COLUMN gitproxy.pushes.id IS 'Action.id, the business key (e.g. <commitFrom>__<commitTo>, or epoch milliseconds for non-push requests)';
COMMENT ON COLUMN gitproxy.pushes._id IS 'record id: 24 hex characters, 4 bytes of epoch seconds then 8 random bytes';
COMMENT ON COLUMN gitproxy.pushes.doc IS 'the document without _id, U+FFFF-escaped jsonb (decode with gitproxy.get_push)';
COMMENT ON COLUMN gitproxy.pushes.updated_at IS 'database time of the last write or decision';
COMMENT ON COLUMN gitproxy.pushes.ts IS 'doc.timestamp (epoch milliseconds) when a JSON number, else -Infinity; listing sort key';

CREATE INDEX pushes_listing_idx ON gitproxy.pushes (ts DESC, id DESC);
CREATE INDEX pushes_type_listing_idx ON gitproxy.pushes (type, ts DESC, id DESC);
CREATE INDEX pushes_pending_idx ON gitproxy.pushes (ts DESC, id DESC)
  WHERE type OPERATOR(pg_catalog.=) 'push' AND error OPERATOR(pg_catalog.=) false
    AND blocked OPERATOR(pg_catalog.=) true AND allow_push OPERATOR(pg_catalog.=) false
    AND authorised OPERATOR(pg_catalog.=) false;
CREATE INDEX pushes_url_idx ON gitproxy.pushes (url);
CREATE INDEX pushes_user_email_idx ON gitproxy.pushes (user_email);
COMMENT ON INDEX gitproxy.pushes_pending_idx IS 'the default getPushes() filter: pushes waiting for review, newest first';

SELECT pg_catalog.pg_extension_config_dump('gitproxy.pushes', '');

CREATE TABLE gitproxy.decision_log (
    log_id        bigint GENERATED ALWAYS AS IDENTITY,
    push_id       text COLLATE "C" NOT NULL,
    decided_at    timestamptz NOT NULL,
    action        text NOT NULL,
    reviewer      text,
    payload       jsonb,
    state_before  text NOT NULL,
    db_role       text NOT NULL,
    CONSTRAINT decision_log_pkey PRIMARY KEY (log_id),
    CONSTRAINT decision_log_action_check
      CHECK (action OPERATOR(pg_catalog.=) ANY (ARRAY['authorise', 'reject', 'cancel', 'delete'])),
    CONSTRAINT decision_log_state_before_check
      CHECK (state_before OPERATOR(pg_catalog.=) ANY (ARRAY['pending', 'authorised', 'rejected', 'canceled']))
);
COMMENT ON TABLE gitproxy.decision_log IS
  'Append-only history of review decisions and deletions of pushes, one row per call of authorise, reject, cancel or delete_push; never updated or deleted by the API.';
COMMENT ON COLUMN gitproxy.decision_log.push_id IS 'gitproxy.pushes.id of the push (kept after the push is deleted)';
COMMENT ON COLUMN gitproxy.decision_log.decided_at IS 'database clock (clock_timestamp) at the decision';
COMMENT ON COLUMN gitproxy.decision_log.action IS 'authorise, reject, cancel or delete';
COMMENT ON COLUMN gitproxy.decision_log.reviewer IS 'payload reviewer.username, when the payload names one';
COMMENT ON COLUMN gitproxy.decision_log.payload IS 'the attestation or rejection as given (stored jsonb form); NULL for cancel and delete';
COMMENT ON COLUMN gitproxy.decision_log.state_before IS 'review state of the push before the action: pending, authorised, rejected or canceled';
COMMENT ON COLUMN gitproxy.decision_log.db_role IS 'session_user that called the function';
CREATE INDEX decision_log_push_idx ON gitproxy.decision_log (push_id, log_id);

SELECT pg_catalog.pg_extension_config_dump('gitproxy.decision_log', '');
SELECT pg_catalog.pg_extension_config_dump('gitproxy.decision_log_log_id_seq', '');

CREATE FUNCTION gitproxy.decision_log_append_only() RETURNS trigger
  AS 'MODULE_PATHNAME', 'gps_decision_log_append_only' LANGUAGE C;
COMMENT ON FUNCTION gitproxy.decision_log_append_only() IS
  'Trigger on gitproxy.decision_log: raises 55000 on UPDATE, DELETE and TRUNCATE so the review history stays append-only.';
CREATE TRIGGER decision_log_append_only BEFORE UPDATE OR DELETE ON gitproxy.decision_log
  FOR EACH ROW EXECUTE FUNCTION gitproxy.decision_log_append_only();
CREATE TRIGGER decision_log_no_truncate BEFORE TRUNCATE ON gitproxy.decision_log
  FOR EACH STATEMENT EXECUTE FUNCTION gitproxy.decision_log_append_only();

CREATE FUNCTION gitproxy.write_audit(push json) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_write_audit'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.write_audit(json) IS
  'Sink method writeAudit(action). Upsert of a push document keyed by its "id", replace semantics (fs backend): fields missing from the new document disappear; _id is kept and an "_id" in the argument is ignored. json (not jsonb) argument so \u0000 and lone surrogates are accepted and kept. In strict review mode a decided push keeps its authorised/rejected/canceled flags, attestation and rejection. Errors: 22004 NULL argument; 22023 "Invalid id" (not an object, or id missing, not a string or empty); 22P02 malformed JSON.';

CREATE FUNCTION gitproxy.get_push(id text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_get_push'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.get_push(text) IS
  'Sink method getPush(id). The full push document including "_id" (24 hex characters), as written (\u0000 and lone surrogates restored), or NULL when no push has that id.';

CREATE FUNCTION gitproxy.delete_push(id text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_delete_push'
  LANGUAGE C VOLATILE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.delete_push(text) IS
  'Sink method deletePush(id). Deletes the push; silent when absent. Appends a "delete" row with the state before to gitproxy.decision_log.';

CREATE FUNCTION gitproxy.authorise(id text, attestation json DEFAULT NULL) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_authorise'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.authorise(text, json) IS
  'Sink method authorise(id, attestation). Atomically sets authorised=true, canceled=false, rejected=false and stores the attestation (opaque JSON, e.g. {"reviewer":{"username","email"},"timestamp":ISO-8601,"answers":[{"label","checked"}]}; JSON null stored as null; SQL NULL removes a previous one), logs the decision, returns {"message":"authorised <id>"}. Errors: 22004 id NULL; P0002 "push <id> not found" (nothing written); 55000 when gitproxy_sink.strict_review is on and the push already has a decision.';

CREATE FUNCTION gitproxy.reject(id text, rejection json DEFAULT NULL) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_reject'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.reject(text, json) IS
  'Sink method reject(id, rejection). Atomically sets authorised=false, canceled=false, rejected=true and stores the rejection (opaque JSON, e.g. {"reason","timestamp","reviewer":{"username","email"}}; SQL NULL removes a previous one); an earlier attestation is kept. Logs the decision, returns {"message":"reject <id>"}. Errors: 22004 id NULL; P0002 "push <id> not found"; 55000 in strict review mode on a decided push.';

CREATE FUNCTION gitproxy.cancel(id text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_cancel'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.cancel(text) IS
  'Sink method cancel(id). Atomically sets authorised=false, canceled=true, rejected=false (attestation and rejection untouched), logs it, returns {"message":"canceled <id>"} (MongoDB wording; the fs backend says "cancel <id>"). Errors: 22004 id NULL; P0002 "push <id> not found"; 55000 in strict review mode on a decided push.';

CREATE FUNCTION gitproxy.get_pushes(query json DEFAULT NULL, "limit" integer DEFAULT NULL, cursor text DEFAULT NULL)
  RETURNS TABLE (push json, cursor text)
  AS 'MODULE_PATHNAME', 'gps_get_pushes'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 100;
COMMENT ON FUNCTION gitproxy.get_pushes(json, integer, text) IS
  'Sink method getPushes(query). NULL or JSON null query = default filter {"error":false,"blocked":true,"allowPush":false,"authorised":false,"type":"push"}; {} matches every row. Filter: AND of keys, JSON-type-strict equality, dotted paths, array contains, {"$regex":src,"$options":"i"}. Ordered by timestamp (epoch ms) descending then id descending; non-numeric timestamps last. Returns documents without _id, each with an opaque keyset cursor that resumes after that row; limit NULL returns all rows. Errors: 22023 bad query (not an object, empty or $-prefixed key, unsupported operator), bad cursor or negative limit.';

CREATE FUNCTION gitproxy.derive_created_at(id text) RETURNS text
  AS 'MODULE_PATHNAME', 'gps_derive_created_at'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.derive_created_at(text) IS
  'Sink method deriveCreatedAt(id). Creation time encoded in a record id (24 hex characters, first 4 bytes epoch seconds) as ISO-8601 with milliseconds, e.g. 2021-06-15T12:00:00.000Z; NULL when the argument is not such an id. Pure decode, no table access.';

REVOKE ALL ON FUNCTION gitproxy.decision_log_append_only() FROM PUBLIC;
REVOKE ALL ON FUNCTION gitproxy.write_audit(json) FROM PUBLIC;
REVOKE ALL ON FUNCTION gitproxy.get_push(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gitproxy.delete_push(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gitproxy.authorise(text, json) FROM PUBLIC;
REVOKE ALL ON FUNCTION gitproxy.reject(text, json) FROM PUBLIC;
REVOKE ALL ON FUNCTION gitproxy.cancel(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gitproxy.get_pushes(json, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gitproxy.derive_created_at(text) FROM PUBLIC;
-- Repos and their permission lists (issue 3; contract §2.3, §4.3).

CREATE TABLE gitproxy.repos (
    _id   text COLLATE "C" NOT NULL,
    doc   jsonb NOT NULL,
    seq   bigint GENERATED ALWAYS AS IDENTITY,
    url   text COLLATE "C" GENERATED ALWAYS AS (
            CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'url') OPERATOR(pg_catalog.=) 'string'
                 THEN doc OPERATOR(pg_catalog.->>) 'url' END) STORED,
    name  text GENERATED ALWAYS AS (
            CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'name') OPERATOR(pg_catalog.=) 'string'
                 THEN doc OPERATOR(pg_catalog.->>) 'name' END) STORED,
    CONSTRAINT repos_pkey PRIMARY KEY (_id),
    CONSTRAINT repos_url_key UNIQUE (url),
    CONSTRAINT repos_seq_key UNIQUE (seq),
    CONSTRAINT repos__id_format CHECK (_id OPERATOR(pg_catalog.~) '^[0-9a-f]{24}$'),
    CONSTRAINT repos_doc_is_object CHECK (
      pg_catalog.jsonb_typeof(doc) OPERATOR(pg_catalog.=) 'object'
      AND NOT (doc OPERATOR(pg_catalog.?) '_id')),
    CONSTRAINT repos_users_lists CHECK (
      pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.#>) '{users,canPush}') OPERATOR(pg_catalog.=) 'array'
      AND pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.#>) '{users,canAuthorise}') OPERATOR(pg_catalog.=) 'array')
);
COMMENT ON TABLE gitproxy.repos IS
  'git-proxy repos (contract §2.3), one row per repo. doc is the whole document without _id in stored jsonb form (U+FFFF escape, see README), every extra key kept; users.canPush and users.canAuthorise are always arrays of lower-cased, distinct usernames. Write through gitproxy.create_repo, update_repo, delete_repo and the add_user_can_*/remove_user_can_* functions.';
COMMENT ON COLUMN gitproxy.repos._id IS 'record id: 24 lowercase hex characters, 4 bytes of epoch seconds then 8 random bytes (a MongoDB ObjectId; kept on import)';
COMMENT ON COLUMN gitproxy.repos.doc IS 'the repo document without _id, U+FFFF-escaped jsonb (decode with gitproxy.get_repo_by_id)';
COMMENT ON COLUMN gitproxy.repos.seq IS 'insertion order; listings are returned in it';
COMMENT ON COLUMN gitproxy.repos.url IS 'doc.url when a JSON string (exact remote URL, never normalised); unique';
COMMENT ON COLUMN gitproxy.repos.name IS 'doc.name when a JSON string; looked up case-insensitively through repos_lower_name_idx';
COMMENT ON CONSTRAINT repos_url_key ON gitproxy.repos IS 'one repo per url (git-proxy R13: concurrent creates of one url cannot both succeed)';
COMMENT ON CONSTRAINT repos_users_lists ON gitproxy.repos IS 'users.canPush and users.canAuthorise are always present as arrays, never null';

CREATE INDEX repos_lower_name_idx ON gitproxy.repos (pg_catalog.lower(name));
COMMENT ON INDEX gitproxy.repos_lower_name_idx IS 'get_repo(name) and get_repos({"name": ...}): case-insensitive name lookups';

SELECT pg_catalog.pg_extension_config_dump('gitproxy.repos', '');
SELECT pg_catalog.pg_extension_config_dump('gitproxy.repos_seq_seq', '');

CREATE FUNCTION gitproxy.get_repos(query json DEFAULT NULL) RETURNS SETOF json
  AS 'MODULE_PATHNAME', 'gps_get_repos'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 100;
COMMENT ON FUNCTION gitproxy.get_repos(json) IS
  'Sink method getRepos(query). Every repo matching the query object, in insertion order, each {"_id", "project", "name", "url", "users": {"canPush": [...], "canAuthorise": [...]}, "dateCreated", "lastModified", ...extra keys}. NULL, JSON null and {} match all. Filter: AND of keys, JSON-type-strict equality, dotted paths (e.g. "users.canPush"), array contains, {"$regex": src, "$options": "i"}; "name" compares case-insensitively, "_id" is lower-cased. Errors: 22023 bad query (not an object, empty or $-prefixed key, unsupported operator).';
REVOKE ALL ON FUNCTION gitproxy.get_repos(json) FROM PUBLIC;

CREATE FUNCTION gitproxy.get_repo(name text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_get_repo'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.get_repo(text) IS
  'Sink method getRepo(name). The first repo (insertion order; names are not unique) whose name equals the argument case-insensitively, with "_id"; NULL when none or when the argument is NULL.';
REVOKE ALL ON FUNCTION gitproxy.get_repo(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.get_repo_by_url(url text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_get_repo_by_url'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.get_repo_by_url(text) IS
  'Sink method getRepoByUrl(url). The repo whose url equals the argument exactly (case-sensitive, no .git trimming or canonicalisation), with "_id"; NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.get_repo_by_url(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.get_repo_by_id(id text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_get_repo_by_id'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.get_repo_by_id(text) IS
  'Sink method getRepoById(_id). The repo with that _id (24 hex characters, either case), or NULL when absent or when the id is malformed (MongoDB would throw; the contract asks for NULL).';
REVOKE ALL ON FUNCTION gitproxy.get_repo_by_id(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.create_repo(repo json) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_create_repo'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.create_repo(json) IS
  'Sink method createRepo(repo). Stores {"project", "name", "url", "users", ...} with every key it has (e.g. "proxyURL": ""), in one statement, and returns the stored repo with "_id". A well-formed "_id" (24 hex characters) is kept lower-cased, an absent or null one is generated. dateCreated and lastModified, when absent or falsy, are both set to the current time as an ISO-8601 string with milliseconds, UTC (2026-01-02T03:04:05.678Z). users is normalised: canPush and canAuthorise always present (missing or null: []), usernames lower-cased, repeats dropped, order kept; other keys of users kept. name and project are stored as given. Errors: 22004 NULL; 22023 not an object, malformed _id, users not an object, a list not an array of strings; 23505 ''a repo with url "<url>" already exists'' (or the _id is taken), nothing stored.';
REVOKE ALL ON FUNCTION gitproxy.create_repo(json) FROM PUBLIC;

CREATE FUNCTION gitproxy.update_repo(repo json) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_update_repo'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.update_repo(json) IS
  'Sink method updateRepo(repo). "_id" selects the repo; every other top-level key is set to its value (JSON null is stored as null; objects and arrays replace the old value). Key removal (JavaScript undefined, MongoDB $unset): list the keys in "$unset", e.g. {"_id": "...", "$unset": ["dateCreated", "lastModified"]}. Nothing happens when there is no key besides _id, when _id is missing or malformed, or when no repo has it (no upsert). lastModified is not bumped. A users value is normalised as by create_repo; removing users leaves both lists empty. Errors: 22004 NULL; 22023 not an object, "$unset" not an array of non-empty strings, any other "$"-key, a key both set and in "$unset", "_id" in "$unset", bad users; 23505 the new url belongs to another repo (nothing changed).';
REVOKE ALL ON FUNCTION gitproxy.update_repo(json) FROM PUBLIC;

CREATE FUNCTION gitproxy.delete_repo(id text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_delete_repo'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.delete_repo(text) IS
  'Sink method deleteRepo(_id). Deletes the repo; silent when absent or when the id is malformed. Pushes are not touched (they are keyed by url). Errors: 22004 NULL.';
REVOKE ALL ON FUNCTION gitproxy.delete_repo(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.add_user_can_push(id text, username text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_add_user_can_push'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.add_user_can_push(text, text) IS
  'Sink method addUserCanPush(_id, user). One atomic UPDATE: appends the lower-cased username to users.canPush and sets lastModified (ISO-8601, milliseconds, UTC) unless the list already holds it, in which case nothing is written (idempotent, lastModified unchanged). Concurrent calls on one repo lose no update and never store a name twice. Errors: 22004 NULL argument; P0002 "Repo not found" for an unknown or malformed id (nothing written); 22023 username containing U+FFFF.';
REVOKE ALL ON FUNCTION gitproxy.add_user_can_push(text, text) FROM PUBLIC;

CREATE FUNCTION gitproxy.add_user_can_authorise(id text, username text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_add_user_can_authorise'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.add_user_can_authorise(text, text) IS
  'Sink method addUserCanAuthorise(_id, user). As add_user_can_push, for users.canAuthorise: lower-cased, idempotent without lastModified bump, atomic. Errors: 22004 NULL argument; P0002 "Repo not found" (nothing written); 22023 username containing U+FFFF.';
REVOKE ALL ON FUNCTION gitproxy.add_user_can_authorise(text, text) FROM PUBLIC;

CREATE FUNCTION gitproxy.remove_user_can_push(id text, username text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_remove_user_can_push'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.remove_user_can_push(text, text) IS
  'Sink method removeUserCanPush(_id, user). One atomic UPDATE: removes every occurrence of the lower-cased username from users.canPush (the last removal leaves [], an absent name is not an error) and always sets lastModified (ISO-8601, milliseconds, UTC). Errors: 22004 NULL argument; P0002 "Repo not found" for an unknown or malformed id (nothing written).';
REVOKE ALL ON FUNCTION gitproxy.remove_user_can_push(text, text) FROM PUBLIC;

CREATE FUNCTION gitproxy.remove_user_can_authorise(id text, username text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_remove_user_can_authorise'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.remove_user_can_authorise(text, text) IS
  'Sink method removeUserCanAuthorise(_id, user). As remove_user_can_push, for users.canAuthorise: every occurrence removed, lastModified always set, atomic. Errors: 22004 NULL argument; P0002 "Repo not found" (nothing written).';
REVOKE ALL ON FUNCTION gitproxy.remove_user_can_authorise(text, text) FROM PUBLIC;
-- Users and their SSH public keys (issue 3; contract §2.4, §2.5, §4.4).

CREATE TABLE gitproxy.users (
    _id          text COLLATE "C" NOT NULL,
    doc          jsonb NOT NULL,
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    username     text COLLATE "C" GENERATED ALWAYS AS (
                   CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'username') OPERATOR(pg_catalog.=) 'string'
                        THEN doc OPERATOR(pg_catalog.->>) 'username' END) STORED,
    email        text COLLATE "C" GENERATED ALWAYS AS (
                   CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'email') OPERATOR(pg_catalog.=) 'string'
                        THEN doc OPERATOR(pg_catalog.->>) 'email' END) STORED,
    git_account  text GENERATED ALWAYS AS (
                   CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'gitAccount') OPERATOR(pg_catalog.=) 'string'
                        THEN doc OPERATOR(pg_catalog.->>) 'gitAccount' END) STORED,
    oidc_id      text COLLATE "C" GENERATED ALWAYS AS (
                   CASE WHEN pg_catalog.jsonb_typeof(doc OPERATOR(pg_catalog.->) 'oidcId') OPERATOR(pg_catalog.=) 'string'
                        THEN doc OPERATOR(pg_catalog.->>) 'oidcId' END) STORED,
    CONSTRAINT users_pkey PRIMARY KEY (_id),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_seq_key UNIQUE (seq),
    CONSTRAINT users__id_format CHECK (_id OPERATOR(pg_catalog.~) '^[0-9a-f]{24}$'),
    CONSTRAINT users_doc_is_object CHECK (
      pg_catalog.jsonb_typeof(doc) OPERATOR(pg_catalog.=) 'object'
      AND NOT (doc OPERATOR(pg_catalog.?) '_id')),
    CONSTRAINT users_username_present CHECK (username IS NOT NULL AND username OPERATOR(pg_catalog.<>) '')
);
COMMENT ON TABLE gitproxy.users IS
  'git-proxy users (contract §2.4), one row per user. doc is the whole document without _id in stored jsonb form, with exactly the keys that were written (password as given, never hashed); username and email are stored lower-cased. SSH keys are the publicKeys array of doc, indexed by gitproxy.user_public_keys. Write through gitproxy.create_user, update_user, delete_user, add_public_key and remove_public_key.';
COMMENT ON COLUMN gitproxy.users._id IS 'record id: 24 lowercase hex characters, 4 bytes of epoch seconds then 8 random bytes (a MongoDB ObjectId; kept on import)';
COMMENT ON COLUMN gitproxy.users.doc IS 'the user document without _id, U+FFFF-escaped jsonb (decode with gitproxy.find_user)';
COMMENT ON COLUMN gitproxy.users.seq IS 'insertion order; listings are returned in it';
COMMENT ON COLUMN gitproxy.users.username IS 'doc.username (lower-cased on write); unique and required';
COMMENT ON COLUMN gitproxy.users.email IS 'doc.email when a JSON string (lower-cased on write); unique unless empty';
COMMENT ON COLUMN gitproxy.users.git_account IS 'doc.gitAccount as written (not lower-cased); looked up case-insensitively';
COMMENT ON COLUMN gitproxy.users.oidc_id IS 'doc.oidcId when a JSON string; looked up exactly';

CREATE UNIQUE INDEX users_email_key ON gitproxy.users (email) WHERE email OPERATOR(pg_catalog.<>) '';
COMMENT ON INDEX gitproxy.users_email_key IS 'one user per non-empty e-mail address (git-proxy R12: mongo stores duplicates, which blocks pushes)';
CREATE INDEX users_lower_git_account_idx ON gitproxy.users (pg_catalog.lower(git_account));
COMMENT ON INDEX gitproxy.users_lower_git_account_idx IS 'find_user_by_git_account: lower(stored) = lower(argument)';
CREATE INDEX users_oidc_id_idx ON gitproxy.users (oidc_id);
COMMENT ON INDEX gitproxy.users_oidc_id_idx IS 'find_user_by_oidc';

SELECT pg_catalog.pg_extension_config_dump('gitproxy.users', '');
SELECT pg_catalog.pg_extension_config_dump('gitproxy.users_seq_seq', '');

CREATE TABLE gitproxy.user_public_keys (
    key      text COLLATE "C" NOT NULL,
    user_id  text COLLATE "C" NOT NULL,
    CONSTRAINT user_public_keys_pkey PRIMARY KEY (key),
    CONSTRAINT user_public_keys_user_id_fkey FOREIGN KEY (user_id)
      REFERENCES gitproxy.users (_id) ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE gitproxy.user_public_keys IS
  'Owner of every SSH public key text found in a user''s publicKeys array: the primary key makes a key belong to at most one user, and find_user_by_ssh_key an index lookup. Derived data, maintained only by the trigger user_public_keys_sync on gitproxy.users in the statement that changes publicKeys, so it is not dumped (a restore rebuilds it as users are loaded, unless triggers are disabled).';
COMMENT ON COLUMN gitproxy.user_public_keys.key IS 'publicKeys[].key exactly as stored ("<algorithm> <base64>", stored string form)';
COMMENT ON COLUMN gitproxy.user_public_keys.user_id IS 'gitproxy.users._id of the owner (follows it when an import gives the user the _id of its record: ON UPDATE CASCADE)';
CREATE INDEX user_public_keys_user_id_idx ON gitproxy.user_public_keys (user_id);

CREATE FUNCTION gitproxy.user_public_keys_sync() RETURNS trigger
  AS 'MODULE_PATHNAME', 'gps_user_public_keys_sync'
  LANGUAGE C SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.user_public_keys_sync() IS
  'Row trigger on gitproxy.users (AFTER INSERT; AFTER UPDATE when publicKeys changed): makes the user''s rows in gitproxy.user_public_keys exactly the key texts of its publicKeys array. Raises 23505 "SSH key already in use by user ''<name>''" when another user owns one of them, which undoes the whole statement.';
REVOKE ALL ON FUNCTION gitproxy.user_public_keys_sync() FROM PUBLIC;
CREATE TRIGGER user_public_keys_sync_insert AFTER INSERT ON gitproxy.users
  FOR EACH ROW EXECUTE FUNCTION gitproxy.user_public_keys_sync();
CREATE TRIGGER user_public_keys_sync_update AFTER UPDATE OF doc ON gitproxy.users
  FOR EACH ROW
  WHEN ((OLD.doc OPERATOR(pg_catalog.->) 'publicKeys') IS DISTINCT FROM (NEW.doc OPERATOR(pg_catalog.->) 'publicKeys'))
  EXECUTE FUNCTION gitproxy.user_public_keys_sync();

CREATE FUNCTION gitproxy.find_user(username text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user(text) IS
  'Sink method findUser(username). The user whose username equals the lower-cased argument: the stored document with "_id" and "password" (local login checks it), exactly the keys that were written; NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.find_user_by_email(email text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user_by_email'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user_by_email(text) IS
  'Sink method findUserByEmail(email). The user whose email equals the lower-cased argument (as find_user, with password); NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user_by_email(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.find_user_by_git_account(git_account text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user_by_git_account'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user_by_git_account(text) IS
  'Sink method findUserByGitAccount(gitAccount). The first user (insertion order) whose gitAccount equals the argument case-insensitively on both sides (git-proxy lower-cases only the argument, so mixed-case stored values were never found); NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user_by_git_account(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.find_user_by_oidc(oidc_id text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user_by_oidc'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user_by_oidc(text) IS
  'Sink method findUserByOIDC(oidcId). The first user whose oidcId equals the argument exactly (case-sensitive); NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user_by_oidc(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.find_user_by_ssh_key(ssh_key text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_find_user_by_ssh_key'
  LANGUAGE C STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.find_user_by_ssh_key(text) IS
  'Sink method findUserBySSHKey(sshKey). The user owning a public key whose "key" equals the argument exactly ("<algorithm> <base64>"), found through the primary key of gitproxy.user_public_keys; NULL when none.';
REVOKE ALL ON FUNCTION gitproxy.find_user_by_ssh_key(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.get_users(query json DEFAULT NULL) RETURNS SETOF json
  AS 'MODULE_PATHNAME', 'gps_get_users'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 100;
COMMENT ON FUNCTION gitproxy.get_users(json) IS
  'Sink method getUsers(query). Every user matching the query object, in insertion order, WITHOUT "password" (MongoDB behaviour), with "_id". NULL, JSON null and {} match all. Filter as get_repos; "username", "email" and "_id" values are lower-cased. Errors: 22023 bad query, or a condition on "password" (refused so that it cannot be probed).';
REVOKE ALL ON FUNCTION gitproxy.get_users(json) FROM PUBLIC;

CREATE FUNCTION gitproxy.create_user("user" json) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_create_user'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.create_user(json) IS
  'Sink method createUser(user). Stores {"username", "password", "gitAccount", "email", "admin", "mustChangePassword", "oidcId"?, "publicKeys"?, ...} with every key it has (password as given, never hashed); username and email lower-cased; publicKeys [] when missing or null; a well-formed "_id" is kept, else one is generated. Errors: 22004 NULL; 22023 not an object, username missing/empty/not a string, malformed _id, publicKeys not an array of {"key": non-empty string, ...}; 23505 ''a user with username "<u>" already exists'', ''a user with email "<e>" already exists'' (non-empty emails are unique), _id taken, or "SSH key already in use by user ''<name>''"; nothing is stored on error.';
REVOKE ALL ON FUNCTION gitproxy.create_user(json) FROM PUBLIC;

CREATE FUNCTION gitproxy.delete_user(username text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_delete_user'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.delete_user(text) IS
  'Sink method deleteUser(username). Deletes the user with the lower-cased username (silent when none) and its SSH keys, and in the same statement removes that name from users.canPush and users.canAuthorise of every repo (setting their lastModified), so a new user re-using the name inherits no rights. Deliberate difference: git-proxy''s backends leave the names in the lists. Errors: 22004 NULL.';
REVOKE ALL ON FUNCTION gitproxy.delete_user(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.update_user("user" json) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_update_user'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.update_user(json) IS
  'Sink method updateUser(user). Upsert-merge: selects the user by "_id" when the argument has one, else by its lower-cased "username"; sets every given key over the stored ones (shallow: given keys win, JSON null is stored, publicKeys replaced whole; username/email lower-cased; password stored as given). {"$unset": ["key", ...]} removes keys (not _id or username). When nothing is selected the argument is inserted as a new user (its _id kept when well formed; publicKeys not added); it then needs a username. Errors: 22004 NULL; 22023 not an object, neither _id nor username, bad username, bad "$unset" or other "$"-key, bad publicKeys; 23505 the username or non-empty email belongs to another user, or "SSH key already in use by user ''<name>''"; nothing is changed on error.';
REVOKE ALL ON FUNCTION gitproxy.update_user(json) FROM PUBLIC;

CREATE FUNCTION gitproxy.add_public_key(username text, public_key json) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_add_public_key'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.add_public_key(text, json) IS
  'Sink method addPublicKey(username, publicKey). Appends publicKey {"key": "<algorithm> <base64>", "name", "addedAt": ISO-8601, "fingerprint": "SHA256:..."} as given to the user''s publicKeys, in one transaction, failing in this order: 23505 "SSH key already in use by user ''<name>''" when another user owns the key (git-proxy DuplicateSSHKeyError); P0002 "User not found" when no user has the lower-cased username; 42710 "SSH key already exists" when the user has a key with the same key text or the same truthy fingerprint. The key table''s primary key decides races: of two users adding one key concurrently exactly one succeeds. Other errors: 22004 NULL argument; 22023 not an object, or "key" not a non-empty string.';
REVOKE ALL ON FUNCTION gitproxy.add_public_key(text, json) FROM PUBLIC;

CREATE FUNCTION gitproxy.remove_public_key(username text, fingerprint text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_remove_public_key'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.remove_public_key(text, text) IS
  'Sink method removePublicKey(username, fingerprint). Removes every key of the user (lower-cased username) whose "fingerprint" equals the argument; an unknown fingerprint changes nothing. Errors: 22004 NULL argument; P0002 "User not found" (fs behaviour; the REST route maps it to 404).';
REVOKE ALL ON FUNCTION gitproxy.remove_public_key(text, text) FROM PUBLIC;

CREATE FUNCTION gitproxy.get_public_keys(username text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_get_public_keys'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.get_public_keys(text) IS
  'Sink method getPublicKeys(username). JSON array of the user''s key records [{"key", "name", "addedAt", "fingerprint"}, ...] in insertion order; [] when the user has none. Errors: 22004 NULL; P0002 "User not found".';
REVOKE ALL ON FUNCTION gitproxy.get_public_keys(text) FROM PUBLIC;
-- Bookkeeping of git-proxy's data migrations (issue 3; contract §2.6, §4.5).

CREATE TABLE gitproxy.migrations (
    id           text COLLATE "C" NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT migrations_pkey PRIMARY KEY (id),
    CONSTRAINT migrations_id_not_empty CHECK (id OPERATOR(pg_catalog.<>) '')
);
COMMENT ON TABLE gitproxy.migrations IS
  'Ids of the git-proxy data migrations that have been applied (the runner''s bookkeeping, contract §4.5), one row each. Write through gitproxy.record_migration and unrecord_migration.';
COMMENT ON COLUMN gitproxy.migrations.id IS 'migration id as given by the runner, e.g. 20260728-example-add-repo-timestamps';
COMMENT ON COLUMN gitproxy.migrations.recorded_at IS 'database time of the first record_migration call for this id';

SELECT pg_catalog.pg_extension_config_dump('gitproxy.migrations', '');

CREATE FUNCTION gitproxy.get_applied_migrations() RETURNS SETOF text
  AS 'MODULE_PATHNAME', 'gps_get_applied_migrations'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 20;
COMMENT ON FUNCTION gitproxy.get_applied_migrations() IS
  'Sink method getAppliedMigrations(). Every recorded migration id once, in ascending byte-wise order (the contract leaves the order open); no rows on a fresh store.';
REVOKE ALL ON FUNCTION gitproxy.get_applied_migrations() FROM PUBLIC;

CREATE FUNCTION gitproxy.record_migration(id text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_record_migration'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.record_migration(text) IS
  'Sink method recordMigration(id). Records the id; idempotent (recording it again keeps one entry and its first recorded_at). Errors: 22004 NULL; 22023 empty id.';
REVOKE ALL ON FUNCTION gitproxy.record_migration(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.unrecord_migration(id text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_unrecord_migration'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.unrecord_migration(text) IS
  'Sink method unrecordMigration(id). Deletes the record of the id; an unknown id is a no-op. Errors: 22004 NULL.';
REVOKE ALL ON FUNCTION gitproxy.unrecord_migration(text) FROM PUBLIC;
-- Web session store for git-proxy's express-session (contract §4.1, §7).

CREATE TABLE gitproxy.sessions (
    sid      text COLLATE "C" NOT NULL,
    sess     jsonb NOT NULL,
    expire   timestamptz NOT NULL,
    user_id  text GENERATED ALWAYS AS (
               CASE WHEN pg_catalog.jsonb_typeof(sess OPERATOR(pg_catalog.#>) '{passport,user}') OPERATOR(pg_catalog.=) 'string'
                    THEN sess OPERATOR(pg_catalog.#>>) '{passport,user}'
                    WHEN pg_catalog.jsonb_typeof(sess OPERATOR(pg_catalog.#>) '{passport,user,username}') OPERATOR(pg_catalog.=) 'string'
                    THEN sess OPERATOR(pg_catalog.#>>) '{passport,user,username}' END) STORED,
    CONSTRAINT sessions_pkey PRIMARY KEY (sid),
    CONSTRAINT sessions_sess_is_object CHECK (pg_catalog.jsonb_typeof(sess) OPERATOR(pg_catalog.=) 'object')
);
COMMENT ON TABLE gitproxy.sessions IS
  'express-session sessions of the git-proxy web UI, one row per session id; a session is live while expire > now(). Column names sid, sess, expire as in connect-pg-simple''s table, but expire is timestamptz. Read and write through the gitproxy.session_* functions; expired rows are removed by gitproxy.session_prune.';
COMMENT ON COLUMN gitproxy.sessions.sid IS 'express-session session id (the signed connect.sid cookie''s value)';
COMMENT ON COLUMN gitproxy.sessions.sess IS 'the session object (cookie, passport, ...), opaque JSON in stored jsonb form (U+FFFF escape for \u0000 and lone surrogates, see README)';
COMMENT ON COLUMN gitproxy.sessions.expire IS 'expiry on the database clock: the cookie''s expires, or the time given to session_set/session_touch';
COMMENT ON COLUMN gitproxy.sessions.user_id IS 'serialised passport user: sess.passport.user when a string (username, or oidcId for OIDC logins), else sess.passport.user.username (Active Directory); NULL before login. Used by session_destroy_user';
CREATE INDEX sessions_expire_idx ON gitproxy.sessions (expire);
CREATE INDEX sessions_user_id_idx ON gitproxy.sessions (user_id);
COMMENT ON INDEX gitproxy.sessions_expire_idx IS 'session_prune: oldest expired sessions first';
COMMENT ON INDEX gitproxy.sessions_user_id_idx IS 'session_destroy_user: every session of one user';

SELECT pg_catalog.pg_extension_config_dump('gitproxy.sessions', '');

CREATE FUNCTION gitproxy.session_get(sid text) RETURNS json
  AS 'MODULE_PATHNAME', 'gps_session_get'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.session_get(text) IS
  'express-session Store.get(sid) (git-proxy getSessionStore, contract §7). The session object as stored (json, key order may differ), or NULL when no live session has this id (absent, or expire <= now()). Errors: 22004 sid NULL.';
REVOKE ALL ON FUNCTION gitproxy.session_get(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.session_set(sid text, sess json, expire timestamptz DEFAULT NULL) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_session_set'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.session_set(text, json, timestamptz) IS
  'express-session Store.set(sid, session). Inserts or replaces the session (opaque JSON object, e.g. {"cookie":{"originalMaxAge","expires":ISO-8601,"secure","httpOnly","path"},"passport":{"user":...}}). Expiry: expire when given; else sess.cookie.expires when it is an ISO-8601 date-time with Z or a +HH:MM offset (as Date.toJSON writes it); else now() + 1 day (connect-pg-simple''s default; connect-mongo uses 14 days). Errors: 22004 sid or sess NULL; 22023 sess not a JSON object; 22P02 malformed JSON.';
REVOKE ALL ON FUNCTION gitproxy.session_set(text, json, timestamptz) FROM PUBLIC;

CREATE FUNCTION gitproxy.session_touch(sid text, expire timestamptz DEFAULT NULL) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_session_touch'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.session_touch(text, timestamptz) IS
  'express-session Store.touch(sid, session): sets a live session''s expiry to expire (pass the session''s cookie.expires; NULL means now() + 1 day). When the session is gone or already expired nothing changes and the call still succeeds (connect-mongo raises "Unable to find the session to touch"); an expired session is never revived. Errors: 22004 sid NULL.';
REVOKE ALL ON FUNCTION gitproxy.session_touch(text, timestamptz) FROM PUBLIC;

CREATE FUNCTION gitproxy.session_destroy(sid text) RETURNS void
  AS 'MODULE_PATHNAME', 'gps_session_destroy'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.session_destroy(text) IS
  'express-session Store.destroy(sid) (logout, session regeneration at login). Deletes the session; silent when absent. Errors: 22004 sid NULL.';
REVOKE ALL ON FUNCTION gitproxy.session_destroy(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.session_all() RETURNS TABLE (sid text, sess json)
  AS 'MODULE_PATHNAME', 'gps_session_all'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 100;
COMMENT ON FUNCTION gitproxy.session_all() IS
  'express-session Store.all(): every live session (expire > now()) as (sid, session object), ordered by sid. Not used by git-proxy.';
REVOKE ALL ON FUNCTION gitproxy.session_all() FROM PUBLIC;

CREATE FUNCTION gitproxy.session_length() RETURNS bigint
  AS 'MODULE_PATHNAME', 'gps_session_length'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.session_length() IS
  'express-session Store.length(): the number of live sessions. Not used by git-proxy.';
REVOKE ALL ON FUNCTION gitproxy.session_length() FROM PUBLIC;

CREATE FUNCTION gitproxy.session_clear() RETURNS bigint
  AS 'MODULE_PATHNAME', 'gps_session_clear'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.session_clear() IS
  'express-session Store.clear(): deletes every session, live or expired (logs everybody out); returns the number of rows removed. Administrative: not granted by gitproxy.grant_runtime.';
REVOKE ALL ON FUNCTION gitproxy.session_clear() FROM PUBLIC;

CREATE FUNCTION gitproxy.session_destroy_user(username text) RETURNS bigint
  AS 'MODULE_PATHNAME', 'gps_session_destroy_user'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.session_destroy_user(text) IS
  'Logs a user out everywhere: deletes every session (live or expired) whose serialised passport user equals username exactly (sess.passport.user when a string, i.e. the username or, for OIDC logins, the oidcId; sess.passport.user.username for Active Directory). Returns the number of rows removed. Errors: 22004 username NULL.';
REVOKE ALL ON FUNCTION gitproxy.session_destroy_user(text) FROM PUBLIC;

CREATE FUNCTION gitproxy.session_prune(batch integer DEFAULT 1000) RETURNS bigint
  AS 'MODULE_PATHNAME', 'gps_session_prune'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.session_prune(integer) IS
  'Deletes at most batch expired sessions (expire <= now(), oldest first, skipping rows locked by concurrent calls) and returns how many it removed. PostgreSQL has no TTL index: call it periodically (e.g. every few minutes from the session store, or pg_cron), repeating while it returns batch, so every transaction stays small. Errors: 22004 batch NULL; 22023 batch < 1.';
REVOKE ALL ON FUNCTION gitproxy.session_prune(integer) FROM PUBLIC;
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
-- Descriptions of extension members that other files create implicitly:
-- identity sequences (e.g. gitproxy.decision_log_log_id_seq).  Runs last, so
-- every table of every part of the extension is covered; an explicit
-- COMMENT ON SEQUENCE elsewhere takes precedence.

DO $$
DECLARE
  s record;
BEGIN
  FOR s IN
    SELECT q.oid::pg_catalog.regclass AS seq, t.oid::pg_catalog.regclass AS tbl, a.attname
      FROM pg_catalog.pg_class q
      JOIN pg_catalog.pg_depend d
        ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.objid OPERATOR(pg_catalog.=) q.oid AND d.deptype OPERATOR(pg_catalog.=) 'i'
       AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
      JOIN pg_catalog.pg_class t ON t.oid OPERATOR(pg_catalog.=) d.refobjid
      JOIN pg_catalog.pg_attribute a
        ON a.attrelid OPERATOR(pg_catalog.=) t.oid AND a.attnum OPERATOR(pg_catalog.=) d.refobjsubid
     WHERE q.relkind OPERATOR(pg_catalog.=) 'S'
       AND q.relnamespace OPERATOR(pg_catalog.=) 'gitproxy'::pg_catalog.regnamespace
       AND pg_catalog.obj_description(q.oid, 'pg_class') IS NULL
  LOOP
    EXECUTE pg_catalog.format('COMMENT ON SEQUENCE %s IS %L', s.seq,
      pg_catalog.format('identity sequence of %s.%I (dumped with the table''s data)', s.tbl, s.attname));
  END LOOP;
END
$$;
-- Bulk import (issue 6): set-based merge of JSON lines a client staged with
-- COPY into its own temporary table.  Per batch, in ONE transaction, the
-- client runs (having created, once per session, its temporary table
-- gitproxy_import_staging (line_no bigint NOT NULL, doc text NOT NULL)
-- ON COMMIT DELETE ROWS):
--   COPY pg_temp.gitproxy_import_staging (line_no, doc) FROM STDIN;
--   SELECT * FROM gitproxy.import_pushes();
--   COMMIT;

CREATE FUNCTION gitproxy.import_stored_doc(doc text, line_no bigint,
    OUT push_id text, OUT record_id text, OUT stored_doc jsonb,
    OUT type text, OUT ts float8, OUT url text, OUT user_email text,
    OUT error boolean, OUT blocked boolean, OUT allow_push boolean,
    OUT authorised boolean, OUT canceled boolean, OUT rejected boolean)
  AS 'MODULE_PATHNAME', 'gps_import_stored_doc'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION gitproxy.import_stored_doc(text, bigint) IS
  'Internal to gitproxy.import_pushes: one staged JSON line (a push record) converted for storage as write_audit does. push_id = its "id" (stored form); record_id = its "_id" when that is a JSON string of 24 hex characters (lower-cased), else NULL; stored_doc = the document without "_id" in stored jsonb form (U+FFFF escape for \u0000 and lone surrogates); type ... rejected = the typed columns of gitproxy.pushes derived from it as write_audit derives them. Errors, each with the error context "gitproxy import, line <line_no>": 22004 doc or line_no NULL; 22P02 malformed JSON; 22023 "Invalid id" (not a JSON object, or "id" missing, not a string or empty). VOLATILE: the merge calls it once per staged row, in FROM.';
REVOKE ALL ON FUNCTION gitproxy.import_stored_doc(text, bigint) FROM PUBLIC;

CREATE FUNCTION gitproxy.import_new_id() RETURNS text
  AS 'MODULE_PATHNAME', 'gps_import_new_id'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION gitproxy.import_new_id() IS
  'Internal to the import functions: a new record id (_id), 24 lowercase hex characters, 4 bytes of epoch seconds then 8 random bytes. Error: 58000 when the system has no strong randomness.';
REVOKE ALL ON FUNCTION gitproxy.import_new_id() FROM PUBLIC;

CREATE FUNCTION gitproxy.import_pushes() RETURNS TABLE (inserted bigint, updated bigint)
  AS 'MODULE_PATHNAME', 'gps_import_pushes'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 1;
COMMENT ON FUNCTION gitproxy.import_pushes() IS
  'Bulk import of push records (used by "gitproxy-sink import"; no git-proxy sink method). Merges every row the calling session staged in pg_temp.gitproxy_import_staging (line_no bigint, doc text: one JSON push record per row, as in a JSON-lines file) into gitproxy.pushes in one statement and returns one row: inserted = new pushes, updated = pushes that existed (counted once per id). Semantics of writeAudit per record: keyed by "id", the stored document is replaced (strict review mode keeps a decided push''s decision fields); "_id": the record''s own when it is 24 hex characters (stored lower-case), else the stored one, else a new one; "_id" is never part of the stored document. Several lines with one id: the highest line_no wins. Re-running a batch changes nothing but updated_at. Staged rows are left in place (ON COMMIT DELETE ROWS clears them). Errors (the whole statement fails, nothing of the batch is applied): 22P02 malformed JSON, 22023 "Invalid id", 22004 NULL doc or line_no - each with the error context "gitproxy import, line <line_no>"; 42P01 the staging table does not exist; 42809 it is not a temporary table; 42804 line_no is not bigint or doc not text; 42501 it has row level security; 23505 an "_id" already used by another push, with the error context "gitproxy import, line <line_no>" of the first line that cannot be applied.';
REVOKE ALL ON FUNCTION gitproxy.import_pushes() FROM PUBLIC;
-- Bulk import of users and repos (issue 6), with the staging contract of
-- gitproxy.import_pushes (90_import.sql): per batch, in ONE transaction, the
-- client COPYs JSON lines into its pg_temp.gitproxy_import_staging
-- (line_no bigint, doc text) and calls gitproxy.import_users() or
-- gitproxy.import_repos().

CREATE FUNCTION gitproxy.import_user_doc(doc text, line_no bigint,
    OUT username text, OUT record_id text, OUT stored_doc jsonb)
  AS 'MODULE_PATHNAME', 'gps_import_user_doc'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION gitproxy.import_user_doc(text, bigint) IS
  'Internal to gitproxy.import_users: one staged JSON line (a user record) converted as create_user converts its argument. username = its "username" lower-cased (the merge key); record_id = its "_id" when that is a JSON string of 24 hex characters (lower-cased), else NULL; stored_doc = the document without "_id" in stored jsonb form, username and email lower-cased, publicKeys [] when missing or null. Errors, each with the error context "gitproxy import, line <line_no>": 22004 doc or line_no NULL; 22P02 malformed JSON; 22023 not a JSON object, username missing, not a string or empty, publicKeys not an array of {"key": non-empty string, ...}, a username or email holding NUL, U+FFFF or a lone surrogate. VOLATILE: the merge calls it once per staged row, in FROM.';
REVOKE ALL ON FUNCTION gitproxy.import_user_doc(text, bigint) FROM PUBLIC;

CREATE FUNCTION gitproxy.import_repo_doc(doc text, line_no bigint,
    OUT url text, OUT record_id text, OUT stored_doc jsonb, OUT dates jsonb)
  AS 'MODULE_PATHNAME', 'gps_import_repo_doc'
  LANGUAGE C VOLATILE;
COMMENT ON FUNCTION gitproxy.import_repo_doc(text, bigint) IS
  'Internal to gitproxy.import_repos: one staged JSON line (a repo record) converted as create_repo converts its argument. url = its "url" (stored form, the merge key); record_id = its "_id" when that is a JSON string of 24 hex characters (lower-cased), else NULL; stored_doc = the document without "_id" in stored jsonb form with users.canPush and users.canAuthorise always present, usernames lower-cased, repeats dropped, order kept; dates = {"dateCreated", "lastModified"} holding the current time (ISO-8601 with milliseconds, UTC) for each of the two the record lacks or has falsy, {} when it has both. Errors, each with the error context "gitproxy import, line <line_no>": 22004 doc or line_no NULL; 22P02 malformed JSON; 22023 not a JSON object, url missing, not a string or empty, users not an object, a list not an array of strings. VOLATILE: the merge calls it once per staged row, in FROM.';
REVOKE ALL ON FUNCTION gitproxy.import_repo_doc(text, bigint) FROM PUBLIC;

CREATE FUNCTION gitproxy.import_users() RETURNS TABLE (inserted bigint, updated bigint)
  AS 'MODULE_PATHNAME', 'gps_import_users'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 1;
COMMENT ON FUNCTION gitproxy.import_users() IS
  'Bulk import of user records (used by "gitproxy-sink import --kind users"; no git-proxy sink method). Merges every row the calling session staged in pg_temp.gitproxy_import_staging (line_no bigint, doc text: one JSON user record per row, as in a JSON-lines file) into gitproxy.users in one statement and returns one row: inserted = new users, updated = users that existed (counted once per username). Per record: keyed by the lower-cased "username"; the stored document is replaced by the record converted as create_user does (username and email lower-cased, publicKeys [] when missing or null, password as given); "_id": the record''s own when it is 24 hex characters (stored lower-case; a stored user matched by username takes it, its SSH keys follow), else the stored user''s, else a new one; "_id" is never part of the stored document. gitproxy.user_public_keys is kept in step by its trigger. Several lines with one username: the highest line_no wins. Re-running a batch changes nothing and reports every user as updated. Staged rows are left in place (ON COMMIT DELETE ROWS clears them). Errors (the whole statement fails, nothing of the batch is applied), each with the error context "gitproxy import, line <line_no>" of the line at fault: 22P02 malformed JSON; 22023 not an object, bad username, bad publicKeys; 22004 NULL doc or line_no; 23505 "SSH key already in use by user ''<name>''" (a key owned by another user), a non-empty email of another user, an "_id" already used by a user with another username. Without line: 42P01 the staging table does not exist; 42809 it is not a temporary table; 42804 line_no is not bigint or doc not text; 42501 it has row level security.';
REVOKE ALL ON FUNCTION gitproxy.import_users() FROM PUBLIC;

CREATE FUNCTION gitproxy.import_repos() RETURNS TABLE (inserted bigint, updated bigint)
  AS 'MODULE_PATHNAME', 'gps_import_repos'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 1;
COMMENT ON FUNCTION gitproxy.import_repos() IS
  'Bulk import of repo records (used by "gitproxy-sink import --kind repos"; no git-proxy sink method). Merges every row the calling session staged in pg_temp.gitproxy_import_staging (line_no bigint, doc text: one JSON repo record per row, as in a JSON-lines file) into gitproxy.repos in one statement and returns one row: inserted = new repos, updated = repos that existed (counted once per url). Per record: keyed by "url" (exact, case-sensitive, as getRepoByUrl); the stored document is replaced by the record converted as create_repo does (users.canPush and users.canAuthorise always present, usernames lower-cased, repeats dropped, order kept; every other key kept); dateCreated and lastModified kept when the record has them (truthy), else the stored repo''s when it has them as non-empty strings, else the current time (ISO-8601 with milliseconds, UTC); "_id": the record''s own when it is 24 hex characters (stored lower-case; a stored repo matched by url takes it), else the stored repo''s, else a new one; "_id" is never part of the stored document. Several lines with one url: the highest line_no wins. Re-running a batch changes nothing and reports every repo as updated. Staged rows are left in place. Errors (the whole statement fails, nothing of the batch is applied), each with the error context "gitproxy import, line <line_no>" of the line at fault: 22P02 malformed JSON; 22023 not an object, url missing, not a string or empty, bad users; 22004 NULL doc or line_no; 23505 an "_id" already used by a repo with another url. Without line: 42P01 the staging table does not exist; 42809 it is not a temporary table; 42804 line_no is not bigint or doc not text; 42501 it has row level security.';
REVOKE ALL ON FUNCTION gitproxy.import_repos() FROM PUBLIC;
