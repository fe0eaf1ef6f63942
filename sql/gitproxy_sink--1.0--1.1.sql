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

-- == Query and identity semantics: locale-independent case folding ==

-- == Write path: storage, rollups, listing projection ==
