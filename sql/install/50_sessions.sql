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
