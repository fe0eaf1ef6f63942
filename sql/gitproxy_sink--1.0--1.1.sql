-- gitproxy_sink upgrade script 1.0 -> 1.1.
-- One 1.1 collects every schema change of the open issues; it stays open until
-- none of them is open, then it is frozen like the 1.0 install script.
-- A fresh CREATE EXTENSION of 1.1 runs the 1.0 install script and then this
-- file, so this script alone defines how 1.1 differs from 1.0, for new and
-- upgraded databases alike (test/tap/upgrade compares both).
-- Rules as in the install script: every object schema-qualified, API functions
-- SECURITY DEFINER with SET search_path = pg_catalog, pg_temp and not executable
-- by PUBLIC, every member commented, every object created unconditionally
-- (never replacing or skipping an existing one).
-- After ALTER EXTENSION ... UPDATE, run gitproxy.grant_runtime(...) and
-- gitproxy.grant_readonly(...) again so roles get the new functions.

\echo Use "ALTER EXTENSION gitproxy_sink UPDATE TO '1.1'" to load this file. \quit

-- Each issue keeps its changes in its own section below, in this order.
-- Sections that rewrite stored rows come after those that only change the
-- schema: such updates fire the 1.1 module's triggers, which expect the 1.1
-- tables (digest keys, ...).

-- == Security: staging, strict review, complete decision log, long values ==

-- --- Import staging owned by the extension (issue 9 §1) ---------------------
-- 1.0 read a staging table the caller created in pg_temp, so the caller's
-- indexes, defaults, triggers, rules and types ran with the definer's rights.
-- 1.1 stages in this extension-owned table: the runtime role may only INSERT
-- (COPY) line_no and doc (grant_runtime); xact_id defaults to the inserting
-- transaction, and the import functions read and delete only the rows of
-- their own transaction.  Other sessions' rows are invisible until committed
-- and carry another transaction id.  UNLOGGED: staged rows never outlive
-- their transaction, so they need no WAL.
CREATE UNLOGGED TABLE gitproxy.import_staging (
    xact_id  xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    line_no  bigint NOT NULL,
    doc      text NOT NULL
);
-- the documents are parsed once, never compressed for nothing
ALTER TABLE gitproxy.import_staging ALTER COLUMN doc SET STORAGE EXTERNAL;
CREATE INDEX import_staging_xact_idx ON gitproxy.import_staging (xact_id);
COMMENT ON TABLE gitproxy.import_staging IS
  'Staging rows of the bulk import functions (import_pushes, import_users, import_repos): one JSON record per row. A client COPYs (line_no, doc) into it and calls an import function in the same transaction; the function reads and deletes only the rows whose xact_id is its own transaction''s. The runtime role may INSERT line_no and doc only (gitproxy.grant_runtime); owned by the extension, so no caller-defined index, default, trigger, rule or type is ever evaluated by the import functions.';
COMMENT ON COLUMN gitproxy.import_staging.xact_id IS 'top-level transaction that staged the row (pg_current_xact_id(), not settable by the runtime role)';
COMMENT ON COLUMN gitproxy.import_staging.line_no IS 'line number of the record in its input (error context "gitproxy import, line <n>"; the highest wins per key)';
COMMENT ON COLUMN gitproxy.import_staging.doc IS 'one JSON record as text (a line of a JSON-lines file)';

COMMENT ON FUNCTION gitproxy.import_pushes() IS
  'Bulk import of push records (used by "gitproxy-sink import"; no git-proxy sink method). Merges every row the calling transaction staged in gitproxy.import_staging (COPY ... (line_no, doc): one JSON push record per row, as in a JSON-lines file) into gitproxy.pushes in one statement, deletes those staged rows, and returns one row: inserted = new pushes, updated = pushes that existed (counted once per id). Semantics of writeAudit per record: keyed by "id", the stored document is replaced (in strict review mode an existing push keeps its decision fields); "_id": the record''s own when it is 24 hex characters (stored lower-case), else the stored one, else a new one; "_id" is never part of the stored document. Every change of a push''s decision fields is appended to gitproxy.decision_log with action "import". Several lines with one id: the highest line_no wins. Re-running a batch changes nothing but updated_at. Errors (the whole statement fails, nothing of the batch is applied): 22P02 malformed JSON, 22023 "Invalid id", 22004 NULL doc or line_no - each with the error context "gitproxy import, line <line_no>"; 23505 an "_id" already used by another push, with the error context "gitproxy import, line <line_no>" of the first line that cannot be applied.';
COMMENT ON FUNCTION gitproxy.import_users() IS
  'Bulk import of user records (used by "gitproxy-sink import --kind users"; no git-proxy sink method). Merges every row the calling transaction staged in gitproxy.import_staging (line_no, doc: one JSON user record per row, as in a JSON-lines file) into gitproxy.users in one statement, deletes those staged rows, and returns one row: inserted = new users, updated = users that existed (counted once per username). Per record: keyed by the lower-cased "username"; the stored document is replaced by the record converted as create_user does (username and email lower-cased, publicKeys [] when missing or null, password as given); "_id": the record''s own when it is 24 hex characters (stored lower-case; a stored user matched by username takes it, its SSH keys follow), else the stored user''s, else a new one; "_id" is never part of the stored document. gitproxy.user_public_keys is kept in step by its trigger. Several lines with one username: the highest line_no wins. Re-running a batch changes nothing and reports every user as updated. Errors (the whole statement fails, nothing of the batch is applied), each with the error context "gitproxy import, line <line_no>" of the line at fault: 22P02 malformed JSON; 22023 not an object, bad username, bad publicKeys; 22004 NULL doc or line_no; 23505 "SSH key already in use by user ''<name>''" (a key owned by another user), a non-empty email of another user, an "_id" already used by a user with another username.';
COMMENT ON FUNCTION gitproxy.import_repos() IS
  'Bulk import of repo records (used by "gitproxy-sink import --kind repos"; no git-proxy sink method). Merges every row the calling transaction staged in gitproxy.import_staging (line_no, doc: one JSON repo record per row, as in a JSON-lines file) into gitproxy.repos in one statement, deletes those staged rows, and returns one row: inserted = new repos, updated = repos that existed (counted once per url). Per record: keyed by "url" (exact, case-sensitive, as getRepoByUrl); the stored document is replaced by the record converted as create_repo does (users.canPush and users.canAuthorise always present, usernames lower-cased, repeats dropped, order kept; every other key kept); dateCreated and lastModified kept when the record has them (truthy), else the stored repo''s when it has them as non-empty strings, else the current time (ISO-8601 with milliseconds, UTC); "_id": the record''s own when it is 24 hex characters (stored lower-case; a stored repo matched by url takes it), else the stored repo''s, else a new one; "_id" is never part of the stored document. Several lines with one url: the highest line_no wins. Re-running a batch changes nothing and reports every repo as updated. Errors (the whole statement fails, nothing of the batch is applied), each with the error context "gitproxy import, line <line_no>" of the line at fault: 22P02 malformed JSON; 22023 not an object, url missing, not a string or empty, bad users; 22004 NULL doc or line_no; 23505 an "_id" already used by a repo with another url.';

-- --- Review mode owned by the database, not the session (issue 9 §2) --------
-- 1.0's GUC gitproxy_sink.strict_review could be masked by a client's
-- startup option (placeholder set before the library loaded).  1.1 reads
-- the mode from this table, which only its owner (the extension owner) or
-- a superuser can write, through gitproxy.set_review_mode.  No row: parity.
CREATE TABLE gitproxy.settings (
    name    text COLLATE "C" NOT NULL,
    value   text NOT NULL,
    set_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    set_by  text NOT NULL DEFAULT session_user,
    CONSTRAINT settings_pkey PRIMARY KEY (name),
    CONSTRAINT settings_name_check CHECK (name OPERATOR(pg_catalog.=) ANY (ARRAY['review_mode'])),
    CONSTRAINT settings_review_mode_check
      CHECK (name OPERATOR(pg_catalog.<>) 'review_mode' OR value OPERATOR(pg_catalog.=) ANY (ARRAY['strict', 'parity']))
);
COMMENT ON TABLE gitproxy.settings IS
  'Database-wide settings of gitproxy_sink, one row per name; written only by gitproxy.set_review_mode (its owner or a superuser). review_mode: strict (decisions only on pending pushes; write_audit and import never change the decision of an existing push) or parity (git-proxy''s backends: any decision may overwrite another); no row means parity.';
COMMENT ON COLUMN gitproxy.settings.name IS 'setting name: review_mode';
COMMENT ON COLUMN gitproxy.settings.value IS 'review_mode: strict or parity';
COMMENT ON COLUMN gitproxy.settings.set_at IS 'when the value was last set (transaction time)';
COMMENT ON COLUMN gitproxy.settings.set_by IS 'session_user that set the value';
SELECT pg_catalog.pg_extension_config_dump('gitproxy.settings', '');

-- Carry 1.0's setting over: the GUC as the session running this upgrade
-- sees it, or a database-wide ALTER DATABASE ... SET.  (Read before any C
-- function of this script loads the 1.1 library, which no longer defines
-- the GUC.)
INSERT INTO gitproxy.settings (name, value)
SELECT 'review_mode', 'strict'
 WHERE pg_catalog.lower(pg_catalog.current_setting('gitproxy_sink.strict_review', true))
         OPERATOR(pg_catalog.=) ANY (ARRAY['on', 'true', 'yes', '1', 't', 'y'])
    OR EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) c
                WHERE s.setdatabase OPERATOR(pg_catalog.=)
                        (SELECT d.oid FROM pg_catalog.pg_database d
                          WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
                  AND s.setrole OPERATOR(pg_catalog.=) 0
                  AND pg_catalog.lower(c) OPERATOR(pg_catalog.=) ANY (ARRAY[
                        'gitproxy_sink.strict_review=on', 'gitproxy_sink.strict_review=true',
                        'gitproxy_sink.strict_review=yes', 'gitproxy_sink.strict_review=1']));

CREATE FUNCTION gitproxy.review_mode(OUT mode text, OUT source text, OUT set_at timestamptz, OUT set_by text)
  AS 'MODULE_PATHNAME', 'gps_review_mode'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.review_mode() IS
  'The effective review mode of this database, the same for every session and role: mode = strict or parity; source = gitproxy.settings when set_review_mode set it (set_at, set_by: when and by which session_user), else default (parity; set_at and set_by NULL). No session setting, startup option or role setting changes it. No git-proxy sink method.';

CREATE FUNCTION gitproxy.set_review_mode(new_mode text,
    OUT mode text, OUT source text, OUT set_at timestamptz, OUT set_by text)
  AS 'MODULE_PATHNAME', 'gps_set_review_mode'
  LANGUAGE C VOLATILE SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.set_review_mode(text) IS
  'Administrative: sets the review mode of this database to strict (authorise, reject and cancel only on a pending push, SQLSTATE 55000 otherwise; write_audit and import keep an existing push''s decision fields) or parity (git-proxy''s backends), effective for every session from the transaction''s commit; returns the new gitproxy.review_mode(). Runs with the caller''s rights: only the extension owner or a superuser may call it (and write gitproxy.settings). Not granted by gitproxy.grant_runtime. Errors: 42501 other callers; 22004 new_mode NULL; 22023 new_mode not strict or parity.';
REVOKE ALL ON FUNCTION gitproxy.review_mode() FROM PUBLIC;
REVOKE ALL ON FUNCTION gitproxy.set_review_mode(text) FROM PUBLIC;

COMMENT ON FUNCTION gitproxy.authorise(text, json) IS
  'Sink method authorise(id, attestation). Atomically sets authorised=true, canceled=false, rejected=false and stores the attestation (opaque JSON, e.g. {"reviewer":{"username","email"},"timestamp":ISO-8601,"answers":[{"label","checked"}]}; JSON null stored as null; SQL NULL removes a previous one), logs the decision, returns {"message":"authorised <id>"}. Errors: 22004 id NULL; P0002 "push <id> not found" (nothing written); 55000 when gitproxy.review_mode() is strict and the push already has a decision.';

-- --- Complete decision log (issue 9 §3) ---------------------------------------
-- Every change of a push's decision fields (authorised, rejected, canceled,
-- attestation, rejection) is logged, by any function: write_audit and
-- import log the decision fields they leave (payload), so replaying a
-- push's rows in log_id order gives its current decision fields.  Existing
-- 1.0 rows keep their meaning (authorise, reject, cancel, delete).
ALTER TABLE gitproxy.decision_log DROP CONSTRAINT decision_log_action_check;
ALTER TABLE gitproxy.decision_log ADD CONSTRAINT decision_log_action_check
  CHECK (action OPERATOR(pg_catalog.=) ANY (ARRAY['authorise', 'reject', 'cancel', 'delete', 'write_audit', 'import']));
ALTER TABLE gitproxy.decision_log DROP CONSTRAINT decision_log_state_before_check;
ALTER TABLE gitproxy.decision_log ADD CONSTRAINT decision_log_state_before_check
  CHECK (state_before OPERATOR(pg_catalog.=) ANY (ARRAY['absent', 'pending', 'authorised', 'rejected', 'canceled']));
COMMENT ON TABLE gitproxy.decision_log IS
  'Append-only history of every change of a push''s decision fields (authorised, rejected, canceled, attestation, rejection) and of its deletion, one row per change, in log_id order; never updated or deleted by the API. Replaying a push''s rows from {} gives its current decision fields: authorise sets authorised=true, canceled=false, rejected=false and attestation = payload (removed when NULL); reject likewise with rejected=true and rejection; cancel sets authorised=false, canceled=true, rejected=false; delete empties them (the push is gone); write_audit and import set them to payload exactly (the document''s decision keys after the write, keys absent from payload absent).';
COMMENT ON COLUMN gitproxy.decision_log.action IS 'the function that made the change: authorise, reject, cancel, delete (delete_push), write_audit or import (import_pushes)';
COMMENT ON COLUMN gitproxy.decision_log.reviewer IS 'payload reviewer.username for authorise and reject, when the payload names one; NULL otherwise';
COMMENT ON COLUMN gitproxy.decision_log.payload IS 'authorise/reject: the attestation or rejection as given (stored jsonb form; NULL removes it); write_audit/import: the push''s decision keys after the write as an object (stored form); NULL for cancel and delete';
COMMENT ON COLUMN gitproxy.decision_log.state_before IS 'review state of the push before the change: absent (write_audit or import created it), pending, authorised, rejected or canceled';

CREATE FUNCTION gitproxy.push_decision(doc jsonb) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'gps_push_decision_sql'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.push_decision(jsonb) IS
  'The decision fields of a stored push document: the object of its top-level keys authorised, rejected, canceled, attestation and rejection that it has ({} when none), as logged by write_audit and import. Pure; no table access.';
REVOKE ALL ON FUNCTION gitproxy.push_decision(jsonb) FROM PUBLIC;

COMMENT ON FUNCTION gitproxy.write_audit(json) IS
  'Sink method writeAudit(action). Upsert of a push document keyed by its "id", replace semantics (fs backend): fields missing from the new document disappear; _id is kept and an "_id" in the argument is ignored. json (not jsonb) argument so \u0000 and lone surrogates are accepted and kept. In strict review mode (gitproxy.review_mode()) an existing push keeps its authorised/rejected/canceled flags, attestation and rejection: only a new push takes them from the argument. A change of those fields is appended to gitproxy.decision_log (action write_audit). Errors: 22004 NULL argument; 22023 "Invalid id" (not an object, or id missing, not a string or empty); 22P02 malformed JSON.';

-- == Data fidelity: opaque ids, imports, one validation per record kind ==

-- Record ids are opaque strings (issue 10): any non-empty string _id is kept
-- exactly (NeDB's 16-character ids, ObjectIds, UUIDs) up to 1,024 bytes (value_limits.h).
ALTER TABLE gitproxy.repos DROP CONSTRAINT repos__id_format;
ALTER TABLE gitproxy.repos ADD CONSTRAINT repos__id_opaque
  CHECK (_id OPERATOR(pg_catalog.<>) '' AND pg_catalog.octet_length(_id) OPERATOR(pg_catalog.<=) 1024);
ALTER TABLE gitproxy.users DROP CONSTRAINT users__id_format;
ALTER TABLE gitproxy.users ADD CONSTRAINT users__id_opaque
  CHECK (_id OPERATOR(pg_catalog.<>) '' AND pg_catalog.octet_length(_id) OPERATOR(pg_catalog.<=) 1024);
ALTER TABLE gitproxy.pushes ADD CONSTRAINT pushes__id_opaque
  CHECK (_id OPERATOR(pg_catalog.<>) '' AND pg_catalog.octet_length(_id) OPERATOR(pg_catalog.<=) 1024);
COMMENT ON COLUMN gitproxy.pushes._id IS 'record id, an opaque string kept exactly as an import gave it (1 to 1,024 bytes); generated ones are 24 hex characters, 4 bytes of epoch seconds then 8 random bytes (ObjectId layout)';
COMMENT ON COLUMN gitproxy.repos._id IS 'record id, an opaque string kept exactly as given (1 to 1,024 bytes: NeDB ids, MongoDB ObjectIds, UUIDs); generated ones are 24 lowercase hex characters, 4 bytes of epoch seconds then 8 random bytes (ObjectId layout)';
COMMENT ON COLUMN gitproxy.users._id IS 'record id, an opaque string kept exactly as given (1 to 1,024 bytes: NeDB ids, MongoDB ObjectIds, UUIDs); generated ones are 24 lowercase hex characters, 4 bytes of epoch seconds then 8 random bytes (ObjectId layout)';
COMMENT ON COLUMN gitproxy.pending_pushes.record_id IS 'record id (_id, an opaque string)';

COMMENT ON FUNCTION gitproxy.derive_created_at(text) IS
  'Sink method deriveCreatedAt(id). The creation time embedded in an ObjectId-shaped id (24 hex characters, either case: 4 bytes of epoch seconds first), as ISO-8601 with milliseconds, UTC (2021-06-15T12:00:00.000Z); NULL for every other id (NeDB ids, UUIDs: the fs backend''s answer) and for NULL. Pure decode, no table access.';
COMMENT ON FUNCTION gitproxy.get_repo_by_id(text) IS
  'Sink method getRepoById(_id). The repo with exactly that _id (ids are opaque strings, compared exactly), or NULL when absent (MongoDB would throw for a malformed id; the contract asks for NULL).';
COMMENT ON FUNCTION gitproxy.create_repo(json) IS
  'Sink method createRepo(repo). Stores {"project", "name", "url", "users", ...} with every key it has (e.g. "proxyURL": ""), in one statement, and returns the stored repo with "_id". The repo check shared with update_repo and import_repos: "project" a string (may be empty), "name" and "url" non-empty strings (what git-proxy always sends); every other key kept. A non-empty string "_id" is kept exactly as given (up to 1,024 bytes); an absent, null or empty one is generated (24 hex characters). dateCreated and lastModified, when absent or falsy, are both set to the current time as an ISO-8601 string with milliseconds, UTC (2026-01-02T03:04:05.678Z). users is normalised: canPush and canAuthorise always present (missing or null: []), usernames lower-cased, repeats dropped, order kept (linear time); other keys of users kept. name and project are stored as given. Errors: 22004 NULL; 22023 not an object, a required field missing or of the wrong type (the detail names the field), an _id that is not a string; 22001 an _id longer than 1,024 bytes, users not an object, a list not an array of strings; 23505 ''a repo with url "<url>" already exists'' (or the _id is taken), nothing stored.';
COMMENT ON FUNCTION gitproxy.update_repo(json) IS
  'Sink method updateRepo(repo). "_id" selects the repo (exact match); every other top-level key is set to its value (JSON null is stored as null; objects and arrays replace the old value). Key removal (JavaScript undefined, MongoDB $unset): list the keys in "$unset", e.g. {"_id": "...", "$unset": ["dateCreated", "lastModified"]}. Nothing happens when there is no key besides _id, when _id is missing or not a usable id, or when no repo has it (no upsert). lastModified is not bumped. The given project, name and url pass the repo check of create_repo and cannot be removed; a users value is normalised as by create_repo; removing users leaves both lists empty. Errors: 22004 NULL; 22023 not an object, "$unset" not an array of non-empty strings, any other "$"-key, a key both set and in "$unset", "_id", "project", "name" or "url" in "$unset", a bad project/name/url value (the detail names the field), bad users; 23505 the new url belongs to another repo (nothing changed).';
COMMENT ON FUNCTION gitproxy.get_users(json) IS
  'Sink method getUsers(query). Every user matching the query object, in insertion order, WITHOUT "password" (MongoDB behaviour), with "_id". NULL, JSON null and {} match all. Filter as get_repos; "username" and "email" values are lower-cased, "_id" compares exactly (ids are opaque strings). Errors: 22023 bad query, or a condition on "password" (refused so that it cannot be probed).';
COMMENT ON FUNCTION gitproxy.create_user(json) IS
  'Sink method createUser(user). Stores {"username", "password", "gitAccount", "email", "admin", "mustChangePassword", "oidcId"?, "publicKeys"?, ...} with every key it has (password as given, never hashed); username and email lower-cased; publicKeys [] when missing or null; a non-empty string "_id" is kept exactly as given (up to 1,024 bytes), an absent, null or empty one is generated. The user check shared with update_user and import_users: username a non-empty string (required); email, gitAccount, password, oidcId, displayName, title strings and admin, mustChangePassword booleans when present and not null; every other key kept. Errors: 22004 NULL; 22023 not an object, username missing/empty/not a string, a field of the wrong type (the detail names it), an _id that cannot be kept, publicKeys not an array of {"key": non-empty string, ...}; 23505 ''a user with username "<u>" already exists'', ''a user with email "<e>" already exists'' (non-empty emails are unique), _id taken, or "SSH key already in use by user ''<name>''"; nothing is stored on error.';
COMMENT ON FUNCTION gitproxy.update_user(json) IS
  'Sink method updateUser(user). Upsert-merge: selects the user by "_id" (exact match) when the argument has one, else by its lower-cased "username"; sets every given key over the stored ones (shallow: given keys win, JSON null is stored, publicKeys replaced whole; username/email lower-cased; password stored as given). {"$unset": ["key", ...]} removes keys (not _id or username). Given fields pass the user check of create_user. When nothing is selected the argument is inserted as a new user (its non-empty string _id kept exactly; publicKeys not added); it then needs a username. Errors: 22004 NULL; 22023 not an object, neither _id nor username, bad username, a field of the wrong type (the detail names it), bad "$unset" or other "$"-key, bad publicKeys; 23505 the username or non-empty email belongs to another user, or "SSH key already in use by user ''<name>''"; nothing is changed on error.';

-- One word for one thing (issue 10): "pending" is the review queue
-- (pending_pushes, the rollups' pending); get_pushes without a query applies
-- git-proxy's default listing filter, which also returns rejected and
-- canceled pushes (the get_pushes comment, set by the query section below,
-- says so too).
COMMENT ON INDEX gitproxy.pushes_pending_idx IS 'git-proxy''s default listing filter of getPushes() (error false, blocked true, allowPush false, authorised false, type push; it also returns rejected and canceled pushes), newest first';
-- Imports never undo newer data (issue 10): by default a re-run inserts the
-- records whose key is new and leaves stored ones untouched (skipped);
-- replacing is the explicit parameter replace.
DROP FUNCTION gitproxy.import_pushes();
CREATE FUNCTION gitproxy.import_pushes(replace boolean DEFAULT false)
  RETURNS TABLE (inserted bigint, updated bigint, skipped bigint)
  AS 'MODULE_PATHNAME', 'gps_import_pushes'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 1;
COMMENT ON FUNCTION gitproxy.import_pushes(boolean) IS
  'Bulk import of push records (used by "gitproxy-sink import"; no git-proxy sink method). Reads every row the calling transaction staged in gitproxy.import_staging (COPY ... (line_no, doc): one JSON push record per row, as in a JSON-lines file), deletes those staged rows and returns one row: inserted = new pushes, updated = pushes replaced, skipped = pushes already present and left untouched (each id counted once). Keyed by "id". replace false (default): one set-based statement inserts the pushes whose id is new and leaves every stored push as it is, so re-running a file never undoes newer writes or review decisions. replace true: one set-based statement replaces the stored pushes as write_audit does (strict review mode, gitproxy.review_mode(), keeps an existing push''s decision fields). Every change of a push''s decision fields (a new push''s from "absent") is appended to gitproxy.decision_log with action "import". "_id": the record''s own kept exactly (any non-empty string up to 1,024 bytes; with replace also given to a stored push), a missing, null or empty one generated (a stored push keeps its own); "_id" is never part of the stored document. Several lines with one id: the highest line_no wins. Errors (the whole statement fails, nothing of the batch is applied): 22P02 malformed JSON, 22023 "Invalid id" or an "_id" that cannot be kept, 22004 NULL doc or line_no - each with the error context "gitproxy import, line <line_no>"; 22004 replace NULL; 23505 an "_id" already used by another push, with the error context "gitproxy import, line <line_no>" of the first line that cannot be applied.';
REVOKE ALL ON FUNCTION gitproxy.import_pushes(boolean) FROM PUBLIC;

DROP FUNCTION gitproxy.import_users();
CREATE FUNCTION gitproxy.import_users(replace boolean DEFAULT false)
  RETURNS TABLE (inserted bigint, updated bigint, skipped bigint)
  AS 'MODULE_PATHNAME', 'gps_import_users'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 1;
COMMENT ON FUNCTION gitproxy.import_users(boolean) IS
  'Bulk import of user records (used by "gitproxy-sink import --kind users"; no git-proxy sink method). Merges every row the calling transaction staged in gitproxy.import_staging (line_no, doc: one JSON user record per row) into gitproxy.users in one statement, deletes those staged rows and returns one row: inserted = new users, updated = users replaced, skipped = users already present and left untouched (each username counted once). Per record: keyed by the lower-cased "username"; checked and converted as create_user does (the same user check; username and email lower-cased, publicKeys [] when missing or null, password as given). replace false (default): only new usernames are inserted, stored users are left as they are. replace true: a stored user''s document is replaced and it takes the record''s "_id" (its SSH keys follow). "_id": the record''s own kept exactly (any non-empty string up to 1,024 bytes), else (replace) the stored user''s, else a new one; never part of the stored document. gitproxy.user_public_keys is kept in step by its trigger. Several lines with one username: the highest line_no wins. Errors (the whole statement fails, nothing of the batch is applied), each with the error context "gitproxy import, line <line_no>" of the line at fault: 22P02 malformed JSON; 22023 not an object, bad username, a field of the wrong type, an "_id" that cannot be kept, bad publicKeys; 22004 NULL doc or line_no; 23505 "SSH key already in use by user ''<name>''" (a key owned by another user), a non-empty email of another user, an "_id" already used by another user. Without line: 22004 replace NULL.';
REVOKE ALL ON FUNCTION gitproxy.import_users(boolean) FROM PUBLIC;

DROP FUNCTION gitproxy.import_repos();
CREATE FUNCTION gitproxy.import_repos(replace boolean DEFAULT false)
  RETURNS TABLE (inserted bigint, updated bigint, skipped bigint)
  AS 'MODULE_PATHNAME', 'gps_import_repos'
  LANGUAGE C VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 1;
COMMENT ON FUNCTION gitproxy.import_repos(boolean) IS
  'Bulk import of repo records (used by "gitproxy-sink import --kind repos"; no git-proxy sink method). Merges every row the calling transaction staged in gitproxy.import_staging (line_no, doc: one JSON repo record per row) into gitproxy.repos in one statement, deletes those staged rows and returns one row: inserted = new repos, updated = repos replaced, skipped = repos already present and left untouched (each url counted once). Per record: keyed by "url" (exact, case-sensitive, as getRepoByUrl); checked and converted as create_repo does (the same repo check: project a string, name and url non-empty strings; users normalised; every other key kept); dateCreated and lastModified kept when the record has them (truthy), else (replace) the stored repo''s when it has them as non-empty strings, else the current time (ISO-8601 with milliseconds, UTC). replace false (default): only new urls are inserted, stored repos are left as they are. replace true: a stored repo''s document is replaced and it takes the record''s "_id". "_id": the record''s own kept exactly (any non-empty string up to 1,024 bytes), else (replace) the stored repo''s, else a new one; never part of the stored document. Several lines with one url: the highest line_no wins. Errors (the whole statement fails, nothing of the batch is applied), each with the error context "gitproxy import, line <line_no>" of the line at fault: 22P02 malformed JSON; 22023 not an object, a required field missing or of the wrong type, an "_id" that cannot be kept, bad users; 22004 NULL doc or line_no; 23505 an "_id" already used by a repo with another url. Without line: 22004 replace NULL.';
REVOKE ALL ON FUNCTION gitproxy.import_repos(boolean) FROM PUBLIC;

COMMENT ON FUNCTION gitproxy.import_stored_doc(text, bigint) IS
  'Internal to gitproxy.import_pushes: one staged JSON line (a push record) converted for storage as write_audit does. push_id = its "id" (stored form); record_id = its "_id" exactly as given (NULL when absent, null or empty); stored_doc = the document without "_id" in stored jsonb form (U+FFFF escape for \u0000 and lone surrogates); type ... rejected = the typed columns of gitproxy.pushes derived from it as write_audit derives them. Errors, each with the error context "gitproxy import, line <line_no>": 22004 doc or line_no NULL; 22P02 malformed JSON; 22023 "Invalid id" (not a JSON object, or "id" missing, not a string or empty), an "_id" that is not a string or holds NUL/U+FFFF/a lone surrogate; 22001 an "_id" longer than 1,024 bytes. VOLATILE: the merge calls it once per staged row, in FROM.';
COMMENT ON FUNCTION gitproxy.import_user_doc(text, bigint) IS
  'Internal to gitproxy.import_users: one staged JSON line (a user record) checked and converted as create_user does. username = its "username" lower-cased (the merge key); record_id = its "_id" exactly as given (NULL when absent, null or empty); stored_doc = the document without "_id" in stored jsonb form, username and email lower-cased, publicKeys [] when missing or null. Errors, each with the error context "gitproxy import, line <line_no>": 22004 doc or line_no NULL; 22P02 malformed JSON; 22023 not a JSON object, username missing, not a string or empty, a field of the wrong type, an "_id" that cannot be kept, publicKeys not an array of {"key": non-empty string, ...}, a username or email holding NUL, U+FFFF or a lone surrogate. VOLATILE: the merge calls it once per staged row, in FROM.';
COMMENT ON FUNCTION gitproxy.import_repo_doc(text, bigint) IS
  'Internal to gitproxy.import_repos: one staged JSON line (a repo record) checked and converted as create_repo does. url = its "url" (stored form, the merge key); record_id = its "_id" exactly as given (NULL when absent, null or empty); stored_doc = the document without "_id" in stored jsonb form with users.canPush and users.canAuthorise always present, usernames lower-cased, repeats dropped, order kept; dates = {"dateCreated", "lastModified"} holding the current time (ISO-8601 with milliseconds, UTC) for each of the two the record lacks or has falsy, {} when it has both. Errors, each with the error context "gitproxy import, line <line_no>": 22004 doc or line_no NULL; 22P02 malformed JSON; 22023 not a JSON object, project not a string, name or url missing, not a string or empty, an "_id" that cannot be kept, users not an object, a list not an array of strings. VOLATILE: the merge calls it once per staged row, in FROM.';

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
    ('gitproxy.import_pushes(boolean)', '22001 as write_audit for an id, url or userEmail over 8192 bytes, with the line.'),
    ('gitproxy.import_stored_doc(text,bigint)', '22001 as write_audit for an id, url or userEmail over 8192 bytes.'),
    ('gitproxy.create_repo(json)', '22001 ''repo "url" is too long'' (over 8192 bytes) or ''repo "name" is too long'' (over 1024 bytes); nothing stored.'),
    ('gitproxy.update_repo(json)', '22001 a url over 8192 bytes or a name over 1024 bytes; nothing changed.'),
    ('gitproxy.import_repo_doc(text,bigint)', '22001 a url over 8192 bytes or a name over 1024 bytes.'),
    ('gitproxy.import_repos(boolean)', '22001 a url over 8192 bytes or a name over 1024 bytes, with the line.'),
    ('gitproxy.create_user(json)', '22001 ''user "<field>" is too long'' for a username, email, gitAccount or oidcId over 1024 bytes, ''SSH public key "key" is too long'' for a key over 16384 bytes; nothing stored.'),
    ('gitproxy.update_user(json)', '22001 a username, email, gitAccount or oidcId over 1024 bytes or an SSH key over 16384 bytes; nothing changed.'),
    ('gitproxy.import_user_doc(text,bigint)', '22001 a username, email, gitAccount or oidcId over 1024 bytes or an SSH key over 16384 bytes.'),
    ('gitproxy.import_users(boolean)', '22001 a username, email, gitAccount or oidcId over 1024 bytes or an SSH key over 16384 bytes, with the line.'),
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
  'Sink method getPushes(query). NULL or JSON null query = git-proxy''s default listing filter {"error":false,"blocked":true,"allowPush":false,"authorised":false,"type":"push"} (it also returns rejected and canceled pushes; the review queue is the pending_pushes view); {} matches every row. Filter: AND of keys; JSON-type-strict equality, numbers by value; dotted paths with MongoDB rules (a decimal segment without leading zero indexes an array, any other segment applies to each object element of an array); a value matches an equal field or an array with an equal element; null matches null, an array holding null or a path missing on some branch; {"$regex":src,"$options":"imsx"} matches the real string (NUL, U+FFFF, lone surrogates are single characters). Typed columns never change a result. Ordered by timestamp (epoch ms, read as JavaScript Number()) descending then id descending; non-numeric timestamps last. Returns documents without _id, each with an opaque keyset cursor that resumes after that row; limit NULL returns all rows. Errors: 22023 bad query (not an object, empty or $-prefixed key, unsupported operator or $options flag, a $regex holding NUL or a lone surrogate), bad cursor or negative limit; 2201B malformed $regex.';
COMMENT ON FUNCTION gitproxy.get_repos(json) IS
  'Sink method getRepos(query). Every repo matching the query object, in insertion order, each {"_id", "project", "name", "url", "users": {"canPush": [...], "canAuthorise": [...]}, "dateCreated", "lastModified", ...extra keys}. NULL, JSON null and {} match all. Filter rules as get_pushes (e.g. "users.canPush": "alice"); "name" compares case-insensitively (gitproxy.lower_case on both sides), "_id" exactly (ids are opaque strings). Errors: 22023 bad query (not an object, empty or $-prefixed key, unsupported operator); 2201B malformed $regex.';

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

-- --- Repo push rollups without a hot row (issue 13) ---
-- 1.0 kept one rollup row per canonical URL: every change to a push updated
-- its repo's row and held that row lock until commit, so writers of one repo
-- queued behind each other.  1.1 keys rollup rows by (url_digest, slot),
-- slot being the writing backend's number: a backend runs one transaction at
-- a time, so two open transactions never touch the same row, and readers sum
-- the slots.  The two maxima are no longer stored (a maximum cannot be
-- maintained without a shared row): readers take them from gitproxy.pushes,
-- one backward index probe per URL.  The probe is keyed by a stored digest
-- of the canonical URL so that repo_activity needs no function call (its
-- readers may execute none).  This section rewrites no pushes row, so it
-- must come before any section whose updates fire the rollup trigger.

ALTER TABLE gitproxy.pushes
  ADD COLUMN canonical_url_digest bytea
  GENERATED ALWAYS AS (gitproxy.text_digest(gitproxy.canonical_remote_url(url))) STORED;
COMMENT ON COLUMN gitproxy.pushes.canonical_url_digest IS 'gitproxy.text_digest(gitproxy.canonical_remote_url(url)): the repo of the push as the rollups key it (repo_push_rollups.url_digest); NULL when url is NULL';
DROP INDEX gitproxy.pushes_canonical_url_idx;
CREATE INDEX pushes_canonical_url_idx ON gitproxy.pushes (canonical_url_digest, ts)
  WHERE type OPERATOR(pg_catalog.=) 'push';
COMMENT ON INDEX gitproxy.pushes_canonical_url_idx IS 'latest push per canonical URL: the latest_push_at of get_repo_push_rollups and repo_activity (one backward probe per URL)';
-- The pending predicate must match PENDING_SQL in src/activity.c and the
-- one of repo_activity below.
DROP INDEX gitproxy.pushes_canonical_url_pending_idx;
CREATE INDEX pushes_canonical_url_pending_idx ON gitproxy.pushes (canonical_url_digest, ts)
  WHERE type OPERATOR(pg_catalog.=) 'push'
    AND error IS NOT TRUE AND rejected IS NOT TRUE AND canceled IS NOT TRUE
    AND authorised IS NOT TRUE AND (blocked IS TRUE OR allow_push IS NOT TRUE);
COMMENT ON INDEX gitproxy.pushes_canonical_url_pending_idx IS 'latest pending push per canonical URL: the latest_pending_review_at of get_repo_push_rollups and repo_activity';

-- The 1.0 rows are exact per URL: each becomes that URL's slot 0 row (the
-- slot of rebuilt rows, which no backend writes).  repo_activity reads the
-- columns that go, so it is recreated, keeping its grants.
DO $rollups$
DECLARE
  acl aclitem[];
  g record;
BEGIN
  SELECT c.relacl INTO acl FROM pg_catalog.pg_class c
   WHERE c.oid OPERATOR(pg_catalog.=) 'gitproxy.repo_activity'::pg_catalog.regclass;
  DROP VIEW gitproxy.repo_activity;

  ALTER TABLE gitproxy.repo_push_rollups ADD COLUMN slot integer NOT NULL DEFAULT 0;
  ALTER TABLE gitproxy.repo_push_rollups ALTER COLUMN slot DROP DEFAULT;
  ALTER TABLE gitproxy.repo_push_rollups DROP COLUMN latest_push_at_ms;
  ALTER TABLE gitproxy.repo_push_rollups DROP COLUMN latest_pending_review_at_ms;
  ALTER TABLE gitproxy.repo_push_rollups DROP CONSTRAINT repo_push_rollups_pkey;
  ALTER TABLE gitproxy.repo_push_rollups ADD CONSTRAINT repo_push_rollups_pkey PRIMARY KEY (url_digest, slot);

  -- Counts: the sum of the URL's slot rows (a slot row may be negative: a
  -- push counted by one backend can be decided by another); a URL whose
  -- sums are all zero has no push.  Maxima: the greatest ts within the
  -- bigint range, from the indexes above (OFFSET 0 keeps the planner from
  -- copying each probe into every use of its result).  Keep in step with
  -- rollups_plan in src/activity.c.
  CREATE VIEW gitproxy.repo_activity AS
  SELECT s.url AS repo_key,
         s.pending,
         s.approved,
         s.canceled,
         s.rejected,
         s.error,
         s.pending OPERATOR(pg_catalog.+) s.approved OPERATOR(pg_catalog.+) s.canceled
           OPERATOR(pg_catalog.+) s.rejected OPERATOR(pg_catalog.+) s.error AS total,
         CASE WHEN m.latest_push_at_ms OPERATOR(pg_catalog.>=) '-210000000000000'::pg_catalog.float8
               AND m.latest_push_at_ms OPERATOR(pg_catalog.<=) '8200000000000000'::pg_catalog.float8
              THEN pg_catalog.to_timestamp(m.latest_push_at_ms OPERATOR(pg_catalog./) '1000'::pg_catalog.float8) END AS latest_push_at,
         CASE WHEN m.latest_pending_review_at_ms OPERATOR(pg_catalog.>=) '-210000000000000'::pg_catalog.float8
               AND m.latest_pending_review_at_ms OPERATOR(pg_catalog.<=) '8200000000000000'::pg_catalog.float8
              THEN pg_catalog.to_timestamp(m.latest_pending_review_at_ms OPERATOR(pg_catalog./) '1000'::pg_catalog.float8) END AS latest_pending_review_at
    FROM (SELECT r.url_digest, r.url,
                 pg_catalog.sum(r.pending)::pg_catalog.int8 AS pending,
                 pg_catalog.sum(r.approved)::pg_catalog.int8 AS approved,
                 pg_catalog.sum(r.canceled)::pg_catalog.int8 AS canceled,
                 pg_catalog.sum(r.rejected)::pg_catalog.int8 AS rejected,
                 pg_catalog.sum(r.error)::pg_catalog.int8 AS error
            FROM gitproxy.repo_push_rollups r
           GROUP BY r.url_digest, r.url
          HAVING pg_catalog.sum(r.pending OPERATOR(pg_catalog.+) r.approved OPERATOR(pg_catalog.+) r.canceled
                   OPERATOR(pg_catalog.+) r.rejected OPERATOR(pg_catalog.+) r.error)
                   OPERATOR(pg_catalog.<>) '0'::pg_catalog.numeric) s
   CROSS JOIN LATERAL (
      SELECT (SELECT p.ts FROM gitproxy.pushes p
               WHERE p.type OPERATOR(pg_catalog.=) 'push'
                 AND p.canonical_url_digest OPERATOR(pg_catalog.=) s.url_digest
                 AND p.ts OPERATOR(pg_catalog.>=) '-9223372036854775808'::pg_catalog.float8
                 AND p.ts OPERATOR(pg_catalog.<) '9223372036854775808'::pg_catalog.float8
               ORDER BY p.ts DESC LIMIT 1) AS latest_push_at_ms,
             (SELECT p.ts FROM gitproxy.pushes p
               WHERE p.type OPERATOR(pg_catalog.=) 'push'
                 AND p.canonical_url_digest OPERATOR(pg_catalog.=) s.url_digest
                 AND p.ts OPERATOR(pg_catalog.>=) '-9223372036854775808'::pg_catalog.float8
                 AND p.ts OPERATOR(pg_catalog.<) '9223372036854775808'::pg_catalog.float8
                 AND p.error IS NOT TRUE AND p.rejected IS NOT TRUE AND p.canceled IS NOT TRUE
                 AND p.authorised IS NOT TRUE AND (p.blocked IS TRUE OR p.allow_push IS NOT TRUE)
               ORDER BY p.ts DESC LIMIT 1) AS latest_pending_review_at_ms
      OFFSET 0) m;

  FOR g IN SELECT a.grantee, a.privilege_type, a.is_grantable
             FROM pg_catalog.aclexplode(acl) a
            WHERE a.grantee OPERATOR(pg_catalog.<>) a.grantor
  LOOP
    EXECUTE pg_catalog.format('GRANT %s ON gitproxy.repo_activity TO %s%s', g.privilege_type,
      CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
           ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
      CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
END
$rollups$;

-- A view that aggregates is not automatically updatable: without a trigger
-- PostgreSQL would refuse a change before checking privileges (55000), where
-- 1.0's simple view answered a reader without UPDATE right with 42501.
CREATE FUNCTION gitproxy.repo_activity_read_only() RETURNS trigger
  AS 'MODULE_PATHNAME', 'gps_repo_activity_read_only' LANGUAGE C;
COMMENT ON FUNCTION gitproxy.repo_activity_read_only() IS
  'Trigger on view gitproxy.repo_activity: INSTEAD OF INSERT/UPDATE/DELETE FOR EACH ROW raises 55000, the view being derived data (a role without the privilege gets 42501 before it fires). Refuses any other relation (39P01).';
REVOKE ALL ON FUNCTION gitproxy.repo_activity_read_only() FROM PUBLIC;
CREATE TRIGGER repo_activity_read_only INSTEAD OF INSERT OR UPDATE OR DELETE ON gitproxy.repo_activity
  FOR EACH ROW EXECUTE FUNCTION gitproxy.repo_activity_read_only();
COMMENT ON TRIGGER repo_activity_read_only ON gitproxy.repo_activity IS 'the view is read-only: changes are refused with 55000 (42501 without the privilege)';

COMMENT ON TABLE gitproxy.repo_push_rollups IS
  'Per-repo push counts (contract §4.2.3), as deltas: rows keyed by (url_digest, slot), where slot is the number of the backend that wrote the row (0: rows written by rebuild_repo_push_rollups and the 1.0 upgrade). A URL''s count per bucket is the sum of its rows (a single row may be negative; a URL whose sums are all zero has no push), so concurrent transactions, one per backend, never update the same row. Maintained by trigger pushes_rollup_maintain in the same transaction as every change to gitproxy.pushes; read through gitproxy.get_repo_push_rollups() or gitproxy.repo_activity, which add the latest timestamps from gitproxy.pushes. Rows: at most one per URL and backend slot that wrote it; rebuild_repo_push_rollups() folds them into one row per URL. Derived data: pg_dump writes none of its rows (registered with WHERE false); restoring the pushes rebuilds it through the trigger; gitproxy.rebuild_repo_push_rollups() recomputes it, e.g. after loading pushes with triggers disabled.';
COMMENT ON COLUMN gitproxy.repo_push_rollups.url IS 'gitproxy.canonical_remote_url(push url), e.g. github.com/finos/git-proxy; the same in every row of one url_digest';
COMMENT ON COLUMN gitproxy.repo_push_rollups.url_digest IS 'gitproxy.text_digest(url) (a canonical URL can be longer than a btree entry); with slot the primary key; equals gitproxy.pushes.canonical_url_digest of the URL''s pushes';
COMMENT ON COLUMN gitproxy.repo_push_rollups.slot IS 'backend number (PostgreSQL''s backend id, 1-based) of the transactions whose deltas the row sums; 0 for rows of rebuild_repo_push_rollups() and of the 1.0 upgrade';
COMMENT ON COLUMN gitproxy.repo_push_rollups.pending IS 'delta of the pending bucket (§6.1: no error/rejected/canceled/authorised, and blocked or not allowPush); summed over the URL''s rows';
COMMENT ON COLUMN gitproxy.repo_push_rollups.approved IS 'delta of the approved bucket (authorised, or allowPush and not blocked); summed over the URL''s rows';
COMMENT ON COLUMN gitproxy.repo_push_rollups.canceled IS 'delta of the canceled bucket; summed over the URL''s rows';
COMMENT ON COLUMN gitproxy.repo_push_rollups.rejected IS 'delta of the rejected bucket; summed over the URL''s rows';
COMMENT ON COLUMN gitproxy.repo_push_rollups.error IS 'delta of the error bucket (error is true; highest priority); summed over the URL''s rows';
COMMENT ON CONSTRAINT repo_push_rollups_pkey ON gitproxy.repo_push_rollups IS 'one row per canonical URL (through its digest) and backend slot';

COMMENT ON VIEW gitproxy.repo_activity IS
  'Push activity per repo, cheap to read: the counts per activity bucket (contract §6.1) of the pushes whose canonical remote URL is repo_key (the sums of the URL''s rows in gitproxy.repo_push_rollups), their total, and the latest push and latest pending push (one index probe each into gitproxy.pushes). The data of gitproxy.get_repo_push_rollups(); repo_key matches gitproxy.canonical_remote_url(repo url). Unordered.';
COMMENT ON COLUMN gitproxy.repo_activity.repo_key IS 'canonical remote URL, e.g. github.com/finos/git-proxy';
COMMENT ON COLUMN gitproxy.repo_activity.total IS 'all pushes of the repo (the five buckets partition them)';
COMMENT ON COLUMN gitproxy.repo_activity.latest_push_at IS 'greatest numeric push timestamp as timestamptz; NULL when none';
COMMENT ON COLUMN gitproxy.repo_activity.latest_pending_review_at IS 'greatest timestamp of the pending pushes; NULL when none is pending';

COMMENT ON FUNCTION gitproxy.pushes_rollup_maintain() IS
  'Trigger on gitproxy.pushes: AFTER INSERT/UPDATE/DELETE FOR EACH ROW adds the row''s change of contribution (type "push", key canonical_remote_url(url) not '''', §6.1 bucket from the boolean flag columns) as count deltas to this backend''s own rows of gitproxy.repo_push_rollups (one upsert per key touched; nothing when the bucket and key stay), so it never waits for another transaction; AFTER TRUNCATE empties the rollups. Refuses any other table (39P01).';
COMMENT ON FUNCTION gitproxy.get_repo_push_rollups() IS
  'Sink method getRepoPushRollupsByCanonicalUrl() (contract §4.2.3, §6.1, §6.2): one row per canonical remote URL having pushes, ordered by url: counts per activity bucket (pending, approved, canceled, rejected, error; a flag counts only when it is JSON true) and the greatest timestamps of all pushes and of pending pushes in epoch milliseconds (bigint, fractions floored; NULL when no push of that key has a numeric timestamp within the bigint range). tabCounts = the five counts; latestPushAtMs / latestPendingReviewAtMs = the two timestamps where not NULL. Counts are the sums of the URL''s rows in gitproxy.repo_push_rollups, the timestamps one backward index probe each into gitproxy.pushes, all in one snapshot: O(rollup rows + repos), not a scan of the pushes. Errors: none.';
COMMENT ON FUNCTION gitproxy.rebuild_repo_push_rollups() IS
  'Recomputes gitproxy.repo_push_rollups from gitproxy.pushes from scratch, one row per canonical URL having pushes (slot 0), so it also folds the per-backend rows (after loading pushes with triggers disabled, to check the incremental maintenance, or to compact the table). Locks gitproxy.pushes against writes until the transaction ends. Administrative: not granted by gitproxy.grant_runtime. Errors: 25000 at REPEATABLE READ or SERIALIZABLE isolation.';


-- --- Review decisions as an overlay of the stored document (issue 13) ---------
-- 1.0's decisions rewrote the whole document: a new TOAST value (most of the
-- WAL of a decision) and a dead copy of it per decision.  1.1's decisions
-- write only the flag columns and the small overlay `decision`; the API
-- merges it into doc on reading (gitproxy.push_document), and write_audit and
-- the import, which replace doc, reset it to NULL.  1.0 rows have no overlay.
ALTER TABLE gitproxy.pushes ADD COLUMN decision jsonb;
-- kept in the heap row (MAIN: moved out of line only if the row cannot fit
-- otherwise): a few hundred bytes, read with the flag columns
ALTER TABLE gitproxy.pushes ALTER COLUMN decision SET STORAGE MAIN;
ALTER TABLE gitproxy.pushes ADD CONSTRAINT pushes_decision_is_object
  CHECK (pg_catalog.jsonb_typeof(decision) OPERATOR(pg_catalog.=) 'object');
COMMENT ON COLUMN gitproxy.pushes.decision IS 'what review decisions changed since doc was last written: {"set": {key: value, ...}, "unset": [key, ...]} over the keys authorised, canceled, rejected, attestation and rejection; NULL when none (write_audit and import reset it). Read the document through gitproxy.push_document(doc, decision)';
COMMENT ON COLUMN gitproxy.pushes.doc IS 'the document without _id as last written by write_audit or an import, U+FFFF-escaped jsonb; review decisions leave it as it is (see decision). Decode with gitproxy.get_push';

-- the reviewer of the current attestation, so that a decision (a non-HOT
-- update: the flag columns sit in index predicates) inserts into
-- pushes_reviewer_idx without detoasting doc
ALTER TABLE gitproxy.pushes ADD COLUMN reviewer text;
COMMENT ON COLUMN gitproxy.pushes.reviewer IS 'attestation.reviewer.username of the document (stored form) when a JSON string, else NULL; set by write_audit, import and authorise; indexed case-folded by pushes_reviewer_idx';
UPDATE gitproxy.pushes p
   SET reviewer = p.doc OPERATOR(pg_catalog.#>>) '{attestation,reviewer,username}'
 WHERE pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.#>) '{attestation,reviewer,username}') OPERATOR(pg_catalog.=) 'string';
DROP INDEX gitproxy.pushes_reviewer_idx;
CREATE INDEX pushes_reviewer_idx ON gitproxy.pushes USING hash (gitproxy.fold_case(reviewer))
  WHERE type OPERATOR(pg_catalog.=) 'push';
COMMENT ON INDEX gitproxy.pushes_reviewer_idx IS 'case-folded attestation.reviewer.username of pushes (get_pushes_for_user_profile), any length, from the plain column reviewer';

-- the same for pushes_irregular_idx: its predicate on doc (ten detoasts of
-- the document per decision) becomes a plain column set by the writers
ALTER TABLE gitproxy.pushes ADD COLUMN irregular boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN gitproxy.pushes.irregular IS 'true when the document was written with an array at a key that has a typed column (type, url, userEmail, timestamp, error, blocked, allowPush, authorised, canceled, rejected), which its column then cannot answer; set by write_audit and import (kept by a strict-mode write), not cleared by decisions (listings test the document too)';
UPDATE gitproxy.pushes p SET irregular = true
 WHERE pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'type') OPERATOR(pg_catalog.=) 'array'
    OR pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'url') OPERATOR(pg_catalog.=) 'array'
    OR pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'userEmail') OPERATOR(pg_catalog.=) 'array'
    OR pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'timestamp') OPERATOR(pg_catalog.=) 'array'
    OR pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'error') OPERATOR(pg_catalog.=) 'array'
    OR pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'blocked') OPERATOR(pg_catalog.=) 'array'
    OR pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'allowPush') OPERATOR(pg_catalog.=) 'array'
    OR pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'authorised') OPERATOR(pg_catalog.=) 'array'
    OR pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'canceled') OPERATOR(pg_catalog.=) 'array'
    OR pg_catalog.jsonb_typeof(p.doc OPERATOR(pg_catalog.->) 'rejected') OPERATOR(pg_catalog.=) 'array';
DROP INDEX gitproxy.pushes_irregular_idx;
CREATE INDEX pushes_irregular_idx ON gitproxy.pushes (ts DESC, id DESC) WHERE irregular;
COMMENT ON INDEX gitproxy.pushes_irregular_idx IS 'get_pushes filters on typed keys: the pushes whose document holds an array at one of them (their typed column cannot answer), marked by the column irregular';

CREATE FUNCTION gitproxy.push_document(doc jsonb, decision jsonb) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'gps_push_document_sql'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION gitproxy.push_document(jsonb, jsonb) IS
  'The push document as the API returns it (without _id), from the columns doc and decision of gitproxy.pushes: doc without the keys decision names in "set" (an object) and "unset" (an array of key strings), plus the "set" pairs; doc itself, unread, when decision is NULL. The same jsonb that 1.0 stored after the same decisions. Internal to get_push, get_pushes, get_pushes_for_user_profile, write_audit and import (no git-proxy sink method); for ad-hoc SQL on the table: SELECT gitproxy.push_document(p.doc, p.decision) FROM gitproxy.pushes p. Pure. Errors: none (NULL doc gives NULL).';
REVOKE ALL ON FUNCTION gitproxy.push_document(jsonb, jsonb) FROM PUBLIC;

COMMENT ON TABLE gitproxy.pushes IS
  'git-proxy push and request records (Action), one row per id. The document (without _id, stored jsonb form: U+FFFF escape for \u0000 and lone surrogates, see README) is gitproxy.push_document(doc, decision): doc as last written, decision the overlay of later review decisions. type, ts, url, user_email, the six flag columns and reviewer are typed copies of document fields (NULL unless the JSON type fits) that listings filter and sort on; the API functions set them on every write, so write only through gitproxy.write_audit, the decision functions and gitproxy.import_pushes.';

-- --- Listing summary projection (issue 13) ---
-- get_pushes gains a fourth argument: summary true returns git-proxy's
-- MongoDB listing projection of each push instead of the whole document.
-- A new signature is a new function: drop the three-argument one (no view
-- or function depends on it) and create the four-argument one in its place;
-- calls with up to three arguments resolve to it through the defaults.
DROP FUNCTION gitproxy.get_pushes(json, integer, text);
CREATE FUNCTION gitproxy.get_pushes(query json DEFAULT NULL, "limit" integer DEFAULT NULL, cursor text DEFAULT NULL, summary boolean DEFAULT false)
  RETURNS TABLE (push json, cursor text)
  AS 'MODULE_PATHNAME', 'gps_get_pushes'
  LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  ROWS 100;
COMMENT ON FUNCTION gitproxy.get_pushes(json, integer, text, boolean) IS
  'Sink method getPushes(query). NULL or JSON null query = git-proxy''s default listing filter {"error":false,"blocked":true,"allowPush":false,"authorised":false,"type":"push"} (it also returns rejected and canceled pushes; the review queue is the pending_pushes view); {} matches every row. Filter: AND of keys; JSON-type-strict equality, numbers by value; dotted paths with MongoDB rules (a decimal segment without leading zero indexes an array, any other segment applies to each object element of an array); a value matches an equal field or an array with an equal element; null matches null, an array holding null or a path missing on some branch; {"$regex":src,"$options":"imsx"} matches the real string (NUL, U+FFFF, lone surrogates are single characters). Typed columns never change a result. Ordered by timestamp (epoch ms, read as JavaScript Number()) descending then id descending; non-numeric timestamps last. Returns documents without _id, each with an opaque keyset cursor that resumes after that row; limit NULL returns all rows. summary false (default): whole documents; true: each document restricted to the fields of git-proxy''s MongoDB listing projection (id, allowPush, attestation, authorised, blocked, blockedMessage, branch, canceled, commitData, commitFrom, commitTo, error, method, project, rejected, rejection, repo, repoName, timestamp, type, url, userEmail; a field the document lacks is absent; never _id), with the same filter, order and cursors; NULL counts as false. Errors: 22023 bad query (not an object, empty or $-prefixed key, unsupported operator or $options flag, a $regex holding NUL or a lone surrogate), bad cursor or negative limit; 2201B malformed $regex.';
REVOKE ALL ON FUNCTION gitproxy.get_pushes(json, integer, text, boolean) FROM PUBLIC;

-- --- Import throughput (issue 13) ---
-- A staged line of up to about 8 kB stays in the staging row, uncompressed,
-- instead of going to TOAST (EXTERNAL moves any value past the 2 kB default
-- target out of line): writing, reading and deleting the chunks of every
-- staged document was about a tenth of an import's server time.
ALTER TABLE gitproxy.import_staging SET (toast_tuple_target = 8160);

-- --- Permission lists as rows (issue 13) -------------------------------------
-- users.canPush and users.canAuthorise move out of the repo document into
-- gitproxy.repo_users, one row per list entry, so that an edit inserts or
-- updates only its own entry's row: edits of different users on one repo no
-- longer wait for each other's commit.  The stored document keeps both lists
-- as [] (so repos_users_lists still holds) and every other key; the API
-- assembles the lists (in insertion order) and the lastModified the edits
-- set from the rows on read (GPS_REPO_DOC_SQL, src/repos.h).  A removal keeps
-- its row as a tombstone (live false) carrying the time it set, so that
-- removals, like 1.0's, set lastModified without touching the repo row.
CREATE SEQUENCE gitproxy.repo_users_ord_seq;
COMMENT ON SEQUENCE gitproxy.repo_users_ord_seq IS 'list order of gitproxy.repo_users: an entry appended later takes a greater value';
CREATE TABLE gitproxy.repo_users (
    repo_seq bigint NOT NULL,
    list     "char" NOT NULL,
    name     text COLLATE "C" NOT NULL,
    ord      bigint NOT NULL DEFAULT pg_catalog.nextval('gitproxy.repo_users_ord_seq'::pg_catalog.regclass),
    live     boolean NOT NULL DEFAULT true,
    stamp    text COLLATE "C",
    CONSTRAINT repo_users_list_kind CHECK (list OPERATOR(pg_catalog.=) ANY (ARRAY['p', 'a']::"char"[]))
);
ALTER SEQUENCE gitproxy.repo_users_ord_seq OWNED BY gitproxy.repo_users.ord;
COMMENT ON TABLE gitproxy.repo_users IS
  'The permission lists of the repos (users.canPush, users.canAuthorise of gitproxy.repos), one row per entry, so that concurrent edits of different users on one repo never wait for each other. Written by create_repo, update_repo, import_repos (which replace a repo''s rows), the add_user_can_*/remove_user_can_* functions (one row each) and delete_user; a repo''s rows go with it (trigger repos_users_cascade). Read through the repo functions, which assemble the lists in ord order, and the view gitproxy.repo_permissions.';
COMMENT ON COLUMN gitproxy.repo_users.repo_seq IS 'the repo: gitproxy.repos.seq (never changes, unlike _id on an import with replace)';
COMMENT ON COLUMN gitproxy.repo_users.list IS 'p = users.canPush, a = users.canAuthorise';
COMMENT ON COLUMN gitproxy.repo_users.name IS 'the username as listed: lower-cased (gitproxy.lower_case), stored form (U+FFFF escape, see README); compared exactly, through gitproxy.text_digest(name) in repo_users_entry_key';
COMMENT ON COLUMN gitproxy.repo_users.ord IS 'list order: the lists are assembled in ascending ord; an add (or re-add after a removal) takes a new value, so it appends';
COMMENT ON COLUMN gitproxy.repo_users.live IS 'true: the name is in the list; false: a tombstone left by a removal, kept only for stamp';
COMMENT ON COLUMN gitproxy.repo_users.stamp IS 'lastModified set by the add or remove that wrote the row (ISO-8601 with milliseconds, UTC), NULL for rows written with the document; the greatest stamp of a repo''s rows is its lastModified until update_repo or import_repos folds it into the document';
CREATE UNIQUE INDEX repo_users_entry_key ON gitproxy.repo_users (repo_seq, list, gitproxy.text_digest(name));
COMMENT ON INDEX gitproxy.repo_users_entry_key IS 'one row per repo, list and name (a concurrent double add stores the name once, R7); the conflict target of the add/remove functions. Through the digest, so a name of any length fits';
CREATE INDEX repo_users_order_idx ON gitproxy.repo_users (repo_seq, ord);
COMMENT ON INDEX gitproxy.repo_users_order_idx IS 'a repo''s entries in list order: every repo read assembles its lists from it without sorting';

SELECT pg_catalog.pg_extension_config_dump('gitproxy.repo_users', '');
SELECT pg_catalog.pg_extension_config_dump('gitproxy.repo_users_ord_seq', '');

CREATE FUNCTION gitproxy.repo_users_cascade() RETURNS trigger
  AS 'MODULE_PATHNAME', 'gps_repo_users_cascade'
  LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION gitproxy.repo_users_cascade() IS
  'Trigger on gitproxy.repos: AFTER DELETE FOR EACH ROW deletes the repo''s permission list rows (gitproxy.repo_users); AFTER TRUNCATE empties gitproxy.repo_users (so TRUNCATE gitproxy.repos still works alone, and a restarted seq finds no old entries). Refuses any other table (39P01).';
REVOKE ALL ON FUNCTION gitproxy.repo_users_cascade() FROM PUBLIC;
CREATE TRIGGER repos_users_cascade AFTER DELETE ON gitproxy.repos
  FOR EACH ROW EXECUTE FUNCTION gitproxy.repo_users_cascade();
CREATE TRIGGER repos_users_truncate AFTER TRUNCATE ON gitproxy.repos
  FOR EACH STATEMENT EXECUTE FUNCTION gitproxy.repo_users_cascade();

-- 1.0 data: every list entry becomes a row, in list order, and the lists of
-- the documents are emptied.
INSERT INTO gitproxy.repo_users (repo_seq, list, name)
SELECT r.seq, l.list, l.name
  FROM gitproxy.repos r
 CROSS JOIN LATERAL (
        SELECT 'p'::"char" AS list, e.name, e.o
          FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canPush}') WITH ORDINALITY AS e(name, o)
        UNION ALL
        SELECT 'a'::"char", e.name, e.o
          FROM pg_catalog.jsonb_array_elements_text(r.doc OPERATOR(pg_catalog.#>) '{users,canAuthorise}') WITH ORDINALITY AS e(name, o)) l
 ORDER BY r.seq, l.list, l.o
    ON CONFLICT DO NOTHING;
UPDATE gitproxy.repos r
   SET doc = pg_catalog.jsonb_set(pg_catalog.jsonb_set(r.doc, '{users,canPush}', '[]'::jsonb), '{users,canAuthorise}', '[]'::jsonb)
 WHERE r.doc OPERATOR(pg_catalog.#>) '{users,canPush}' OPERATOR(pg_catalog.<>) '[]'::jsonb
    OR r.doc OPERATOR(pg_catalog.#>) '{users,canAuthorise}' OPERATOR(pg_catalog.<>) '[]'::jsonb;

COMMENT ON TABLE gitproxy.repos IS
  'git-proxy repos (contract §2.3), one row per repo. doc is the document without _id in stored jsonb form (U+FFFF escape, see README), every extra key kept, except that users.canPush and users.canAuthorise are always [] here: the lists live in gitproxy.repo_users (one row per entry), and the API returns them, lower-cased and distinct, in insertion order. Write through gitproxy.create_repo, update_repo, delete_repo, import_repos and the add_user_can_*/remove_user_can_* functions.';
COMMENT ON CONSTRAINT repos_users_lists ON gitproxy.repos IS 'users.canPush and users.canAuthorise are always present as arrays (stored empty: the entries are rows of gitproxy.repo_users)';

-- The view reads the rows (1.0 read the document's arrays); recreated,
-- keeping its grants (e.g. grant_readonly's), as repo_activity above.
DO $repo_permissions$
DECLARE
  acl aclitem[];
  g record;
BEGIN
  SELECT c.relacl INTO acl FROM pg_catalog.pg_class c
   WHERE c.oid OPERATOR(pg_catalog.=) 'gitproxy.repo_permissions'::pg_catalog.regclass;
  DROP VIEW gitproxy.repo_permissions;
  CREATE VIEW gitproxy.repo_permissions AS
  SELECT r._id AS repo_id,
         r.doc OPERATOR(pg_catalog.->>) 'project' AS project,
         r.doc OPERATOR(pg_catalog.->>) 'name' AS name,
         r.url,
         u.name AS username,
         CASE u.list WHEN 'p' THEN 'canPush'::pg_catalog.text ELSE 'canAuthorise'::pg_catalog.text END AS role
    FROM gitproxy.repos r
    JOIN gitproxy.repo_users u ON u.repo_seq OPERATOR(pg_catalog.=) r.seq AND u.live;

  FOR g IN SELECT a.grantee, a.privilege_type, a.is_grantable
             FROM pg_catalog.aclexplode(acl) a
            WHERE a.grantee OPERATOR(pg_catalog.<>) a.grantor
  LOOP
    EXECUTE pg_catalog.format('GRANT %s ON gitproxy.repo_permissions TO %s%s', g.privilege_type,
      CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
           ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
      CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
END
$repo_permissions$;
COMMENT ON VIEW gitproxy.repo_permissions IS
  'Who may do what on which repo: one row per repo, user and role, role being canPush (users.canPush) or canAuthorise (users.canAuthorise); a user with both appears twice. Reads gitproxy.repo_users. Strings in stored form (see README).';
COMMENT ON COLUMN gitproxy.repo_permissions.repo_id IS 'repo record id (_id)';
COMMENT ON COLUMN gitproxy.repo_permissions.url IS 'repo url as registered (gitproxy.canonical_remote_url(url) is the repo_activity key)';
COMMENT ON COLUMN gitproxy.repo_permissions.username IS 'a username listed in the repo''s permission list';
COMMENT ON COLUMN gitproxy.repo_permissions.role IS 'canPush or canAuthorise';

COMMENT ON FUNCTION gitproxy.add_user_can_push(text, text) IS
  'Sink method addUserCanPush(_id, user). One atomic statement writing one row of gitproxy.repo_users, never the repo row: appends the lower-cased username to users.canPush and sets lastModified (ISO-8601, milliseconds, UTC) unless the list already holds it, in which case nothing is written (idempotent, lastModified unchanged). Concurrent edits of different users on one repo never wait for each other; two of the same user meet on its row, so none is lost and a name is never stored twice. Errors: 22004 NULL argument; P0002 "Repo not found" for an unknown or malformed id (nothing written); 22023 username containing U+FFFF.';
COMMENT ON FUNCTION gitproxy.add_user_can_authorise(text, text) IS
  'Sink method addUserCanAuthorise(_id, user). As add_user_can_push, for users.canAuthorise: lower-cased, idempotent without lastModified bump, atomic, one gitproxy.repo_users row. Errors: 22004 NULL argument; P0002 "Repo not found" (nothing written); 22023 username containing U+FFFF.';
COMMENT ON FUNCTION gitproxy.remove_user_can_push(text, text) IS
  'Sink method removeUserCanPush(_id, user). One atomic statement writing one row of gitproxy.repo_users (a tombstone carrying the time), never the repo row: removes the lower-cased username from users.canPush (the last removal leaves [], an absent name is not an error) and always sets lastModified (ISO-8601, milliseconds, UTC). Errors: 22004 NULL argument; P0002 "Repo not found" for an unknown or malformed id (nothing written).';
COMMENT ON FUNCTION gitproxy.remove_user_can_authorise(text, text) IS
  'Sink method removeUserCanAuthorise(_id, user). As remove_user_can_push, for users.canAuthorise: removed, lastModified always set, atomic, one gitproxy.repo_users row. Errors: 22004 NULL argument; P0002 "Repo not found" (nothing written).';
COMMENT ON FUNCTION gitproxy.delete_user(text) IS
  'Sink method deleteUser(username). Deletes the user with the lower-cased username (silent when none) and its SSH keys, and in the same statement removes that name from users.canPush and users.canAuthorise of every repo (its gitproxy.repo_users rows become tombstones; those repos'' lastModified is set), so a new user re-using the name inherits no rights. Deliberate difference: git-proxy''s backends leave the names in the lists. Errors: 22004 NULL.';
