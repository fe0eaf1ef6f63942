-- Bulk import (issue 6): set-based merge of JSON lines a client staged with
-- COPY into its own temporary table.  Per batch, in ONE transaction, the
-- client runs:
--   CREATE TEMP TABLE IF NOT EXISTS gitproxy_import_staging
--     (line_no bigint NOT NULL, doc text NOT NULL) ON COMMIT DELETE ROWS;
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
