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
