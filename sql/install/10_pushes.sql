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
