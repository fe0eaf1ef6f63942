/*
 * gitproxy_sink.h - libgitproxy_sink, the C client of the gitproxy_sink
 * PostgreSQL extension (the storage backend, "sink", of FINOS git-proxy).
 *
 * The library is thin by design: every sink method below is exactly ONE
 * parameterised, schema-qualified call of the matching gitproxy.* SQL function
 * (one round trip).  The rules live in the extension; this library adds a
 * thread-safe connection pool, error categories and a retry-once policy for
 * calls that are safe to repeat.
 *
 * Conventions for every function
 *   - Arguments and results are JSON text (UTF-8); ids, names and other keys
 *     are C strings.  Results are allocated by the library and must be
 *     released with gps_free().  Every result pointer may be NULL when the
 *     caller does not want the result; on error result pointers are set to
 *     NULL.
 *   - Every function returns a gps_status: GPS_OK (0) or the error category,
 *     and fills *err (which may be NULL) with category, SQLSTATE and the
 *     server's message, unchanged (e.g. "push <id> not found").
 *   - A required string argument given as NULL fails with GPS_INVALID_INPUT,
 *     SQLSTATE 22004, without a round trip.
 *   - Times are epoch milliseconds (int64_t) unless a JSON document says
 *     otherwise.
 *   - "Idempotent" below means the call is retried once on a fresh connection
 *     when the server connection is lost during the call; a call that is not
 *     idempotent fails with GPS_UNAVAILABLE instead and the write may or may
 *     not have happened.
 *   - The library never calls exit() and never prints; diagnostics go to the
 *     optional log callback of gps_config only.
 *   - All functions taking a gps_client are thread-safe.
 *   - Every call is bounded in time: connecting by connect_timeout per host,
 *     waiting for a pooled connection by acquire_timeout_ms, each statement
 *     by statement_timeout_ms and lock_timeout_ms (see gps_config); a call
 *     whose result does not come in time is cancelled on the server.
 */
#ifndef GITPROXY_SINK_CLIENT_H
#define GITPROXY_SINK_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(GPS_BUILDING_LIBRARY)
#define GPS_API __attribute__((visibility("default")))
#else
#define GPS_API
#endif

/* Version of this library. */
#define GPS_LIBRARY_VERSION "1.1.0"
/* Oldest gitproxy_sink extension version this library works with. */
#define GPS_REQUIRED_EXTENSION_VERSION "1.1"

/*
 * Status of a call, and error category.  The category of a server error is
 * derived from its SQLSTATE (see gps_sqlstate_category):
 *   GPS_NOT_FOUND          P0002 (e.g. "push <id> not found", "Repo not found",
 *                          "User not found")
 *   GPS_CONFLICT           23505, 42710, 55000, 40001, 40P01 (duplicates,
 *                          "SSH key already exists", wrong state in strict
 *                          review mode, serialization failure, deadlock)
 *   GPS_INVALID_INPUT      other class 22 and 23 codes (bad JSON, "Invalid id",
 *                          bad query or cursor, NULL argument), 54000 and
 *                          54001 (a program limit or the stack depth
 *                          exceeded by the input); also client side:
 *                          configuration errors, bad pool settings
 *   GPS_PERMISSION_DENIED  42501 (the database role lacks grants)
 *   GPS_UNAVAILABLE        class 08, 57P01-57P03, connection failures, pool
 *                          acquire timeout, connection lost during a call
 *                          that is not idempotent, extension missing or too
 *                          old in the database
 *   GPS_INTERNAL           everything else (e.g. 42883 undefined function,
 *                          out of memory)
 *   GPS_TIMEOUT            57014 (statement_timeout, or a cancel request such
 *                          as pg_cancel_backend), 55P03 (lock_timeout, lock
 *                          not available); client side: no answer within
 *                          the call's time limit (the query was cancelled
 *                          on the server, see gps_config.statement_timeout_ms).
 *                          A call that timed out changed nothing when it is
 *                          a single statement (the server rolled it back),
 *                          but after a client-side timeout of a write the
 *                          outcome is unknown, as with GPS_UNAVAILABLE.
 */
typedef enum gps_status
{
	GPS_OK = 0,
	GPS_NOT_FOUND = 1,
	GPS_CONFLICT = 2,
	GPS_INVALID_INPUT = 3,
	GPS_PERMISSION_DENIED = 4,
	GPS_UNAVAILABLE = 5,
	GPS_INTERNAL = 6,
	GPS_TIMEOUT = 7
} gps_status;

/*
 * Error details of a failed call.  sqlstate is the server's five-character
 * SQLSTATE, or "" when the error was detected by the client (connection
 * failure, pool timeout, configuration) - except NULL arguments (22004).
 * message is the server's primary message unchanged; detail and hint are
 * the server's DETAIL and HINT ("" when none).  Texts longer than the
 * buffers are truncated at a UTF-8 character boundary (never in the middle
 * of a multi-byte sequence), so every field stays valid UTF-8.  On success the struct is reset (category GPS_OK,
 * empty strings).
 */
typedef struct gps_error
{
	gps_status	category;
	char		sqlstate[6];
	char		message[1024];
	char		detail[1024];
	char		hint[512];
} gps_error;

typedef enum gps_log_level
{
	GPS_LOG_DEBUG = 0,			/* every new, checked or discarded connection */
	GPS_LOG_INFO = 1,			/* server NOTICE/INFO messages */
	GPS_LOG_WARNING = 2,		/* retries, server WARNINGs */
	GPS_LOG_ERROR = 3			/* failed connection attempts */
} gps_log_level;

/* Log callback: called from the calling thread; message is NUL-terminated
 * and valid only during the call. */
typedef void (*gps_log_fn) (void *arg, gps_log_level level, const char *message);

/*
 * Client configuration.  Always start from gps_config_init(), then change
 * fields.  Strings are copied by gps_open().
 *
 * conninfo: libpq connection string ("host=db dbname=gitproxy sslmode=...")
 *   or URI ("postgresql://user@db/gitproxy?sslmode=verify-full").  When NULL
 *   or "", the environment variable GIT_PROXY_POSTGRES_CONNECTION_STRING is
 *   used; when that is unset or empty too, libpq's own PG* environment,
 *   service file and .pgpass apply - but only if at least one of PGHOST,
 *   PGHOSTADDR, PGPORT, PGDATABASE or PGSERVICE is set and non-empty;
 *   otherwise gps_open fails with GPS_INVALID_INPUT "No database configured"
 *   instead of guessing a local default.  Every other libpq setting (TLS:
 *   sslmode, sslrootcert, sslcert, sslkey, ...; keepalives; options) passes
 *   through unchanged; PGPASSWORD/.pgpass/PGSSLMODE etc. apply as usual.
 *   client_encoding is always UTF8 (JSON is UTF-8).
 *   Several hosts (host=a,b,c and/or hostaddr=..., port=p or p1,p2,p3) are
 *   tried in order as libpq does, each with its own connect_timeout:
 *   a host that refuses, fails, times out or does not match
 *   target_session_attrs (read-write, read-only, primary, standby, any;
 *   prefer-standby tries for a standby first, then any host) makes the next
 *   one be tried; load_balance_hosts=random (libpq 16 and later; older libpq
 *   refuses the option with GPS_INVALID_INPUT) tries them in random order.
 *   When every host fails, the GPS_UNAVAILABLE message names each attempt
 *   ("connection to server at "h", port p failed: ..."); with a service
 *   (service=, PGSERVICE) the lists are left to libpq, which applies no
 *   per-host timeout.
 * application_name: reported in pg_stat_activity.  NULL = the one from
 *   conninfo or PGAPPNAME, else "gitproxy-sink".  When set it wins.
 * min_size: connections opened by gps_open (default 1; 0 = lazy).
 * max_size: upper bound of open connections (default 10, >= 1, >= min_size).
 * acquire_timeout_ms: longest wait for a free connection when max_size are
 *   in use (default 5000, >= 0); then GPS_UNAVAILABLE.  Never waits forever.
 * connect_timeout_ms: limit of one connection attempt to one host including
 *   TLS and authentication (default 10000, > 0); a connect_timeout in
 *   conninfo or PGCONNECT_TIMEOUT (seconds, at least 2 as in libpq; values
 *   up to about 35 years are honoured, larger ones clamped) takes
 *   precedence.  Also bounds the connection's setup query and a liveness
 *   round trip.
 * max_lifetime_ms: a connection older than this is closed when it is
 *   returned to or taken from the pool (default 1800000 = 30 min; <= 0 means
 *   unlimited).
 * idle_check_ms: a connection idle longer than this gets a liveness round
 *   trip before reuse (default 30000; 0 = before every reuse; < 0 never).
 *   Independently, an idle connection whose socket shows the server closed
 *   it is discarded without a round trip.
 * log_fn/log_arg: optional log callback (default none: nothing is printed).
 * statement_timeout_ms: limit of one statement, i.e. of one call (default
 *   30000 = 30 s, >= 0).  Set as the server's statement_timeout on each new
 *   connection (query canceled: GPS_TIMEOUT, SQLSTATE 57014), unless the
 *   connection string or PGOPTIONS set statement_timeout (options='-c
 *   statement_timeout=60s'), which then wins.  The client itself waits for
 *   a result at most the statement_timeout in force on the connection plus
 *   500 ms (the configured value when the server's is 0); then it sends a
 *   cancel request (PQcancel; PQcancelCreate/PQcancelPoll, bounded to 2 s,
 *   with libpq 17), closes the connection (its slot is free again) and
 *   returns GPS_TIMEOUT with SQLSTATE "" - e.g. when the backend hangs or
 *   the network drops packets.  0 = set nothing: the server's and role's
 *   settings apply and the client waits as long as they allow.
 * lock_timeout_ms: longest wait for a lock (default 5000 = 5 s, >= 0), set
 *   as the server's lock_timeout in the same way (GPS_TIMEOUT, 55P03); a
 *   lock_timeout in the connection string wins; 0 = set nothing.
 *   Bulk import (gps_import_batch) runs under the same server settings:
 *   each of its statements, the COPY of one batch and the import call,
 *   must finish within statement_timeout.
 *
 * Fork: a client may be used in a child process after fork().  The
 * connections inherited from the parent are dropped in the child without
 * touching their server sessions (no Terminate message: the child's copy
 * of each socket is replaced by /dev/null before libpq frees it), and the
 * child opens its own; the parent's connections keep working.  As always
 * with fork() in a threaded program, no other thread may be inside a
 * library call at the moment of the fork.
 */
typedef struct gps_config
{
	const char *conninfo;
	const char *application_name;
	int			min_size;
	int			max_size;
	int			acquire_timeout_ms;
	int			connect_timeout_ms;
	int			max_lifetime_ms;
	int			idle_check_ms;
	gps_log_fn	log_fn;
	void	   *log_arg;
	int			statement_timeout_ms;
	int			lock_timeout_ms;
} gps_config;

/* Pool counters, see gps_pool_status. */
typedef struct gps_pool_stats
{
	int			size;			/* open connections (idle + in use) */
	int			idle;			/* open and not in use */
	int			in_use;			/* handed out to running calls */
	int			waiting;		/* calls waiting for a connection now */
	uint64_t	created;		/* connections opened since gps_open */
	uint64_t	discarded;		/* connections closed because broken, failed
								 * a liveness check, exceeded max lifetime,
								 * or made room for the fresh connection of
								 * a retry */
	uint64_t	liveness_checks;	/* liveness round trips made */
	uint64_t	retries;		/* calls retried after a lost connection */
} gps_pool_stats;

/* Opaque client: configuration plus connection pool. */
typedef struct gps_client gps_client;

/* Value for expires_ms meaning "let the server decide" (SQL NULL). */
#define GPS_EXPIRES_DEFAULT INT64_MIN

/* ---------------------------------------------------------------------- */
/* Library, client and pool                                                */
/* ---------------------------------------------------------------------- */

/* Library version, e.g. "1.1.0" (GPS_LIBRARY_VERSION). */
GPS_API const char *gps_version(void);

/* Name of a status: "OK", "NOT_FOUND", "CONFLICT", "INVALID_INPUT",
 * "PERMISSION_DENIED", "UNAVAILABLE", "INTERNAL", "TIMEOUT"
 * ("INTERNAL" for unknown). */
GPS_API const char *gps_status_name(gps_status status);

/* Category of a SQLSTATE (mapping in the gps_status comment); NULL or ""
 * gives GPS_INTERNAL, "00000" GPS_OK. */
GPS_API gps_status gps_sqlstate_category(const char *sqlstate);

/* Fill *cfg with the defaults documented at gps_config. */
GPS_API void gps_config_init(gps_config *cfg);

/*
 * Create a client.  cfg NULL = defaults.  Resolves and validates the
 * configuration (GPS_INVALID_INPUT: "No database configured: ...", a
 * conninfo that libpq cannot parse, bad pool settings) and opens min_size
 * connections.  Each new connection sets application_name, runs
 * SELECT pg_catalog.set_config('search_path', '', false) and checks the
 * extension: GPS_UNAVAILABLE with a message naming
 * "CREATE EXTENSION gitproxy_sink" when it is not installed in the database,
 * or "ALTER EXTENSION gitproxy_sink UPDATE" when its version is older than
 * GPS_REQUIRED_EXTENSION_VERSION.  On success *out is the client, to be
 * released with gps_close(); on failure *out is NULL.
 */
GPS_API gps_status gps_open(const gps_config *cfg, gps_client **out, gps_error *err);

/* Close every connection and free the client.  No call may be running on
 * it.  NULL is ignored. */
GPS_API void gps_close(gps_client *client);

/* Free a result returned by this library.  NULL is ignored. */
GPS_API void gps_free(void *ptr);

/* Snapshot of the pool counters (consistent under the pool lock).
 * GPS_INVALID_INPUT when client or out is NULL. */
GPS_API gps_status gps_pool_status(gps_client *client, gps_pool_stats *out);

/*
 * Health check: takes a connection (always liveness-checked, new if needed)
 * and reads the extension and server versions in one round trip.  Result:
 *   {"status":"ok","libraryVersion":"1.1.0","requiredExtensionVersion":"1.1",
 *    "extensionVersion":"1.1","serverVersion":"15.20 ...",
 *    "pool":{"size":n,"idle":n,"inUse":n,"waiting":n,"maxSize":n,
 *            "created":n,"discarded":n,"livenessChecks":n,"retries":n}}
 * When no connection is free (all max_size in use) it does not wait: GPS_OK
 * with "status":"degraded", "reason":"no connection free: all N connections
 * are in use", the pool figures, and "extensionVersion"/"serverVersion"
 * null.  When the server cannot be used it returns the error
 * (GPS_UNAVAILABLE: server down, extension missing or too old;
 * GPS_TIMEOUT) AND - unlike every other function - still sets
 * *report_json, to {"status":"unavailable","reason":"<the error message>",
 * ..., "pool":{...}} (free it with gps_free).  Read-only (retried).
 */
GPS_API gps_status gps_health_check(gps_client *client, char **report_json, gps_error *err);

/* ---------------------------------------------------------------------- */
/* Pushes and review decisions (contract §4.2)                             */
/* ---------------------------------------------------------------------- */

/*
 * writeAudit(action) -> gitproxy.write_audit(push json).
 * Upsert of a push document keyed by its "id" (replace semantics; "_id" in
 * the argument is ignored, the stored one kept).  push_json: a JSON object
 * with a non-empty string "id", e.g. {"id":"a__b","type":"push",
 * "timestamp":1718000000000,"url":"https://github.com/o/r.git",
 * "blocked":true,"allowPush":false,"authorised":false,"rejected":false,
 * "canceled":false,"error":false,...}; \u0000 and lone surrogates are kept.
 * Errors: GPS_INVALID_INPUT 22023 "Invalid id", 22P02 malformed JSON.
 * Idempotent (upsert).
 */
GPS_API gps_status gps_write_audit(gps_client *client, const char *push_json, gps_error *err);

/*
 * getPush(id) -> gitproxy.get_push(id text).
 * *push_json = the full document including "_id" (24 hex characters), or
 * NULL when no push has that id (status GPS_OK).  Read-only.
 */
GPS_API gps_status gps_get_push(gps_client *client, const char *id, char **push_json, gps_error *err);

/*
 * deletePush(id) -> gitproxy.delete_push(id text).
 * Deletes the push; GPS_OK when absent.  Idempotent.
 */
GPS_API gps_status gps_delete_push(gps_client *client, const char *id, gps_error *err);

/*
 * authorise(id, attestation) -> gitproxy.authorise(id text, attestation json).
 * Sets authorised=true, canceled=false, rejected=false and stores the
 * attestation (opaque JSON such as {"reviewer":{"username":"u","email":"e"},
 * "timestamp":"ISO-8601","answers":[{"label":"...","checked":true}]};
 * attestation_json NULL removes a previous one).
 * *result_json = {"message":"authorised <id>"}.
 * Errors: GPS_NOT_FOUND P0002 "push <id> not found" (nothing written);
 * GPS_CONFLICT 55000 "push <id> is already <state>" when the database's
 * review mode is strict (gitproxy.review_mode()).  NOT idempotent (each decision is
 * appended to the decision log): a lost connection gives GPS_UNAVAILABLE.
 */
GPS_API gps_status gps_authorise(gps_client *client, const char *id, const char *attestation_json,
								 char **result_json, gps_error *err);

/*
 * reject(id, rejection) -> gitproxy.reject(id text, rejection json).
 * Sets authorised=false, canceled=false, rejected=true and stores the
 * rejection ({"reason":"...","timestamp":"ISO-8601","reviewer":{...}};
 * NULL removes a previous one); an earlier attestation is kept.
 * *result_json = {"message":"reject <id>"}.  Errors as gps_authorise.
 * NOT idempotent.
 */
GPS_API gps_status gps_reject(gps_client *client, const char *id, const char *rejection_json,
							  char **result_json, gps_error *err);

/*
 * cancel(id) -> gitproxy.cancel(id text).
 * Sets authorised=false, canceled=true, rejected=false.
 * *result_json = {"message":"canceled <id>"}.  Errors as gps_authorise.
 * NOT idempotent.
 */
GPS_API gps_status gps_cancel(gps_client *client, const char *id, char **result_json, gps_error *err);

/* Value for limit meaning "no limit". */
#define GPS_NO_LIMIT (-1)

/*
 * getPushes(query) -> gitproxy.get_pushes(query json, "limit" integer,
 * cursor text), one page.
 * query_json: NULL (or "null") = git-proxy's default listing filter
 *   {"error":false,"blocked":true,"allowPush":false,"authorised":false,
 *   "type":"push"} (it also returns rejected and canceled pushes);
 *   "{}" matches every record; otherwise an object of equality conditions
 *   (AND, JSON-type strict, dotted paths, array contains,
 *   {"$regex":"src","$options":"i"}).
 * limit: maximum number of pushes (>= 0), or any negative value
 *   (GPS_NO_LIMIT) for all.  All are read in keyset pages of 100 on one
 *   connection inside one REPEATABLE READ READ ONLY transaction: one
 *   consistent snapshot, as one statement would read, without the server
 *   building the whole result at once; each page is bounded like a call.
 * cursor: NULL for the first page, else the "cursor" of the previous page.
 * *page_json = {"pushes":[<push>,...],"cursor":"<opaque>"|null}: pushes
 *   newest first (timestamp, epoch ms, descending; then id descending),
 *   without "_id".  "cursor" is non-null exactly when more matching pushes
 *   follow (the library asks for limit+1 rows to know); pass it back
 *   unchanged to get the next page.  Without a limit "cursor" is null.
 * Errors: GPS_INVALID_INPUT 22023 (bad query: not an object, $-prefixed key,
 *   unsupported operator; "invalid cursor").  Read-only.
 */
GPS_API gps_status gps_get_pushes(gps_client *client, const char *query_json, int limit,
								  const char *cursor, char **page_json, gps_error *err);

/*
 * getPushes(query) as git-proxy's MongoDB listing returns it ->
 * gitproxy.get_pushes(query json, "limit" integer, cursor text,
 * summary => true).  Arguments, paging, order, cursors and errors exactly
 * as gps_get_pushes (cursors of either function resume the other), but each
 * push is its listing summary: only the fields id, allowPush, attestation,
 * authorised, blocked, blockedMessage, branch, canceled, commitData,
 * commitFrom, commitTo, error, method, project, rejected, rejection, repo,
 * repoName, timestamp, type, url, userEmail that it has (never "_id",
 * "steps", "user", ...).  Much smaller and faster than whole documents.
 * Read-only.  Since library 1.1.0.
 */
GPS_API gps_status gps_get_push_summaries(gps_client *client, const char *query_json, int limit,
										  const char *cursor, char **page_json, gps_error *err);

/*
 * getPushesForUserProfile(emailVariants, username) ->
 * gitproxy.get_pushes_for_user_profile(email_variants text[], username text).
 * email_variants: n_variants strings (n_variants may be 0; no element may be
 * NULL).  *pushes_json = JSON array of push documents (type "push", userEmail
 * exactly one of the variants or attestation.reviewer.username equal to
 * username case-insensitively), newest first.  Read-only.
 */
GPS_API gps_status gps_get_pushes_for_user_profile(gps_client *client,
												   const char *const *email_variants,
												   size_t n_variants, const char *username,
												   char **pushes_json, gps_error *err);

/*
 * getRepoPushRollupsByCanonicalUrl() -> gitproxy.get_repo_push_rollups().
 * *rollups_json =
 *   {"tabCounts":{"<key>":{"pending":n,"approved":n,"canceled":n,
 *                          "rejected":n,"error":n},...},
 *    "latestPendingReviewAtMs":{"<key>":epoch_ms,...},
 *    "latestPushAtMs":{"<key>":epoch_ms,...}}
 * where <key> is the canonical remote URL (e.g. "github.com/finos/git-proxy");
 * a key is absent from the two timestamp maps when unknown.  Read-only.
 */
GPS_API gps_status gps_get_repo_push_rollups(gps_client *client, char **rollups_json, gps_error *err);

/* Administrative: gitproxy.rebuild_repo_push_rollups() recomputes the rollups
 * from the push table.  Idempotent. */
GPS_API gps_status gps_rebuild_repo_push_rollups(gps_client *client, gps_error *err);

/* canonicalRemoteUrl(url) -> gitproxy.canonical_remote_url(url text):
 * *key = the canonical key (contract §6.2), e.g.
 * "https://GitHub.com/FINOS/git-proxy.git" -> "github.com/finos/git-proxy".
 * Read-only. */
GPS_API gps_status gps_canonical_remote_url(gps_client *client, const char *url, char **key,
											gps_error *err);

/*
 * deriveCreatedAt(id) -> gitproxy.derive_created_at(id text).
 * *iso = creation time encoded in a record id (24 hex characters) as
 * ISO-8601 with milliseconds, e.g. "2021-06-15T12:00:00.000Z", or NULL when
 * id is not such an id.  Read-only.
 */
GPS_API gps_status gps_derive_created_at(gps_client *client, const char *id, char **iso,
										 gps_error *err);

/* ---------------------------------------------------------------------- */
/* Repos and permission lists (contract §4.3)                              */
/* ---------------------------------------------------------------------- */

/*
 * getRepos(query) -> gitproxy.get_repos(query json).
 * query_json NULL or "{}" = all repos; otherwise equality conditions as in
 * gps_get_pushes.  *repos_json = JSON array of repo documents
 * ({"_id","name","project","url","users":{"canPush":[],"canAuthorise":[]},
 * "dateCreated","lastModified",...}).  Errors: GPS_INVALID_INPUT 22023 bad
 * query.  Read-only.
 */
GPS_API gps_status gps_get_repos(gps_client *client, const char *query_json, char **repos_json,
								 gps_error *err);

/* getRepo(name) -> gitproxy.get_repo(name text): *repo_json or NULL when
 * absent.  Read-only. */
GPS_API gps_status gps_get_repo(gps_client *client, const char *name, char **repo_json, gps_error *err);

/* getRepoByUrl(url) -> gitproxy.get_repo_by_url(url text): *repo_json or
 * NULL.  Read-only. */
GPS_API gps_status gps_get_repo_by_url(gps_client *client, const char *url, char **repo_json,
									   gps_error *err);

/* getRepoById(_id) -> gitproxy.get_repo_by_id(id text): *repo_json or NULL
 * (also NULL for a malformed id).  Read-only. */
GPS_API gps_status gps_get_repo_by_id(gps_client *client, const char *id, char **repo_json,
									  gps_error *err);

/*
 * createRepo(repo) -> gitproxy.create_repo(repo json).
 * *stored_json = the stored repo including its new "_id" and the
 * dateCreated/lastModified the server filled in when missing.
 * Errors: GPS_CONFLICT 23505 duplicate url; GPS_INVALID_INPUT 22023 not an
 * object.  NOT idempotent (a retry could create a duplicate or fail).
 */
GPS_API gps_status gps_create_repo(gps_client *client, const char *repo_json, char **stored_json,
								   gps_error *err);

/* updateRepo(repo) -> gitproxy.update_repo(repo json): "_id" selects the
 * repo, every other key is set (JSON null sets null); unknown _id is a
 * no-op.  Idempotent. */
GPS_API gps_status gps_update_repo(gps_client *client, const char *repo_json, gps_error *err);

/* deleteRepo(_id) -> gitproxy.delete_repo(id text); silent when absent.
 * Idempotent. */
GPS_API gps_status gps_delete_repo(gps_client *client, const char *id, gps_error *err);

/* addUserCanPush(_id, user) -> gitproxy.add_user_can_push(id text,
 * username text): adds the lower-cased username to users.canPush once.
 * Errors: GPS_NOT_FOUND P0002 "Repo not found".  Idempotent. */
GPS_API gps_status gps_add_user_can_push(gps_client *client, const char *id, const char *username,
										 gps_error *err);

/* addUserCanAuthorise(_id, user) -> gitproxy.add_user_can_authorise: as
 * gps_add_user_can_push for users.canAuthorise.  Idempotent. */
GPS_API gps_status gps_add_user_can_authorise(gps_client *client, const char *id,
											  const char *username, gps_error *err);

/* removeUserCanPush(_id, user) -> gitproxy.remove_user_can_push: removes the
 * lower-cased username from users.canPush (absent user: no error).
 * Errors: GPS_NOT_FOUND "Repo not found".  Idempotent. */
GPS_API gps_status gps_remove_user_can_push(gps_client *client, const char *id,
											const char *username, gps_error *err);

/* removeUserCanAuthorise(_id, user) -> gitproxy.remove_user_can_authorise.
 * Idempotent. */
GPS_API gps_status gps_remove_user_can_authorise(gps_client *client, const char *id,
												 const char *username, gps_error *err);

/* ---------------------------------------------------------------------- */
/* Users and SSH keys (contract §4.4)                                      */
/* ---------------------------------------------------------------------- */

/* findUser(username) -> gitproxy.find_user(username text): the user document
 * ({"_id","username","email","gitAccount","admin","password",
 * "publicKeys":[...],...}) or NULL; username compared lower-cased.
 * Read-only. */
GPS_API gps_status gps_find_user(gps_client *client, const char *username, char **user_json,
								 gps_error *err);

/* findUserByEmail(email) -> gitproxy.find_user_by_email: document or NULL.
 * Read-only. */
GPS_API gps_status gps_find_user_by_email(gps_client *client, const char *email, char **user_json,
										  gps_error *err);

/* findUserByGitAccount(gitAccount) -> gitproxy.find_user_by_git_account
 * (case-insensitive): document or NULL.  Read-only. */
GPS_API gps_status gps_find_user_by_git_account(gps_client *client, const char *git_account,
												char **user_json, gps_error *err);

/* findUserByOIDC(oidcId) -> gitproxy.find_user_by_oidc (exact): document or
 * NULL.  Read-only. */
GPS_API gps_status gps_find_user_by_oidc(gps_client *client, const char *oidc_id, char **user_json,
										 gps_error *err);

/* findUserBySSHKey(sshKey) -> gitproxy.find_user_by_ssh_key: the user owning
 * a public key whose "key" equals ssh_key exactly, or NULL.  Read-only. */
GPS_API gps_status gps_find_user_by_ssh_key(gps_client *client, const char *ssh_key,
											char **user_json, gps_error *err);

/* getUsers(query) -> gitproxy.get_users(query json): JSON array of user
 * documents WITHOUT "password"; username/email values of the query are
 * lower-cased.  Errors: GPS_INVALID_INPUT bad query.  Read-only. */
GPS_API gps_status gps_get_users(gps_client *client, const char *query_json, char **users_json,
								 gps_error *err);

/* createUser(user) -> gitproxy.create_user("user" json): stores the user
 * (username and email lower-cased, publicKeys defaults to []).  Errors:
 * GPS_CONFLICT 23505 duplicate username or email.  NOT idempotent. */
GPS_API gps_status gps_create_user(gps_client *client, const char *user_json, gps_error *err);

/* deleteUser(username) -> gitproxy.delete_user: silent when absent.
 * Idempotent. */
GPS_API gps_status gps_delete_user(gps_client *client, const char *username, gps_error *err);

/* updateUser(user) -> gitproxy.update_user("user" json): upsert-merge of a
 * partial user selected by "_id" or "username".  Idempotent. */
GPS_API gps_status gps_update_user(gps_client *client, const char *user_json, gps_error *err);

/*
 * addPublicKey(username, publicKey) -> gitproxy.add_public_key(username text,
 * public_key json).  public_key_json: {"key":"ssh-ed25519 AAAA...",
 * "fingerprint":"SHA256:...","name":"laptop","addedAt":"ISO-8601"}.
 * Errors: GPS_NOT_FOUND P0002 "User not found"; GPS_CONFLICT 42710
 * "SSH key already exists" (same user, same key or fingerprint);
 * GPS_CONFLICT 23505 "SSH key already in use by user '<name>'".
 * NOT idempotent (a retry would report "SSH key already exists").
 */
GPS_API gps_status gps_add_public_key(gps_client *client, const char *username,
									  const char *public_key_json, gps_error *err);

/* removePublicKey(username, fingerprint) -> gitproxy.remove_public_key:
 * removes the user's keys with that fingerprint.  Errors: GPS_NOT_FOUND
 * "User not found".  Idempotent. */
GPS_API gps_status gps_remove_public_key(gps_client *client, const char *username,
										 const char *fingerprint, gps_error *err);

/* getPublicKeys(username) -> gitproxy.get_public_keys: JSON array of the
 * user's key records in insertion order ([] when none).  Errors:
 * GPS_NOT_FOUND "User not found".  Read-only. */
GPS_API gps_status gps_get_public_keys(gps_client *client, const char *username, char **keys_json,
									   gps_error *err);

/* ---------------------------------------------------------------------- */
/* Migration bookkeeping (contract §4.5)                                   */
/* ---------------------------------------------------------------------- */

/* getAppliedMigrations() -> gitproxy.get_applied_migrations(): JSON array of
 * migration id strings (order unspecified).  Read-only. */
GPS_API gps_status gps_get_applied_migrations(gps_client *client, char **ids_json, gps_error *err);

/* recordMigration(id) -> gitproxy.record_migration: idempotent upsert. */
GPS_API gps_status gps_record_migration(gps_client *client, const char *id, gps_error *err);

/* unrecordMigration(id) -> gitproxy.unrecord_migration: unknown id is a
 * no-op.  Idempotent. */
GPS_API gps_status gps_unrecord_migration(gps_client *client, const char *id, gps_error *err);

/* ---------------------------------------------------------------------- */
/* Session store (contract §7), for an express-session Store adapter       */
/* ---------------------------------------------------------------------- */

/* Store.get(sid) -> gitproxy.session_get(sid text): *sess_json = the stored
 * session payload (opaque JSON), or NULL when absent or expired.
 * Read-only. */
GPS_API gps_status gps_session_get(gps_client *client, const char *sid, char **sess_json,
								   gps_error *err);

/* Store.set(sid, session) -> gitproxy.session_set(sid text, sess json,
 * expire timestamptz): upsert.  expires_ms: expiry in epoch milliseconds,
 * or GPS_EXPIRES_DEFAULT to let the server derive it (cookie.expires, else
 * its default).  Idempotent. */
GPS_API gps_status gps_session_set(gps_client *client, const char *sid, const char *sess_json,
								   int64_t expires_ms, gps_error *err);

/* Store.touch(sid, session) -> gitproxy.session_touch(sid text, expire
 * timestamptz): moves the expiry (expires_ms as in gps_session_set); an
 * absent session is not an error.  Idempotent. */
GPS_API gps_status gps_session_touch(gps_client *client, const char *sid, int64_t expires_ms,
									 gps_error *err);

/* Store.destroy(sid) -> gitproxy.session_destroy(sid text).  Idempotent. */
GPS_API gps_status gps_session_destroy(gps_client *client, const char *sid, gps_error *err);

/* Store.all() -> gitproxy.session_all(): *sessions_json = JSON array
 * [{"sid":"...","sess":{...}},...] of the unexpired sessions.  Read-only. */
GPS_API gps_status gps_session_all(gps_client *client, char **sessions_json, gps_error *err);

/* Store.length() -> gitproxy.session_length(): *count = number of
 * unexpired sessions.  Read-only. */
GPS_API gps_status gps_session_length(gps_client *client, int64_t *count, gps_error *err);

/* Store.clear() -> gitproxy.session_clear(): removes every session;
 * *removed = rows removed.  Idempotent (after a retry *removed counts only
 * the retry's rows). */
GPS_API gps_status gps_session_clear(gps_client *client, int64_t *removed, gps_error *err);

/* gitproxy.session_destroy_user(username text): removes the sessions of a
 * user (e.g. after deleting the user); *removed = rows removed.
 * Idempotent. */
GPS_API gps_status gps_session_destroy_user(gps_client *client, const char *username,
											int64_t *removed, gps_error *err);

/* gitproxy.session_prune(batch integer): removes up to batch expired
 * sessions (batch <= 0: server default 1000); *removed = rows removed.
 * Call it periodically.  Idempotent. */
GPS_API gps_status gps_session_prune(gps_client *client, int batch, int64_t *removed,
									 gps_error *err);

/* ---------------------------------------------------------------------- */
/* Bulk import (README "Bulk import"; used by gitproxy-sink import)        */
/* ---------------------------------------------------------------------- */

typedef enum gps_import_kind
{
	GPS_IMPORT_PUSHES = 0,		/* gitproxy.import_pushes(): keyed by "id" */
	GPS_IMPORT_USERS = 1,		/* gitproxy.import_users(): by username */
	GPS_IMPORT_REPOS = 2		/* gitproxy.import_repos(): by url */
} gps_import_kind;

/* "pushes", "users", "repos"; NULL for an unknown kind. */
GPS_API const char *gps_import_kind_name(gps_import_kind kind);

/*
 * Import one batch of records in ONE transaction on one pooled connection:
 * COPY of the n records into the extension's staging table
 * gitproxy.import_staging (the runtime role may insert into it), then one
 * gitproxy.import_pushes(replace) / import_users(replace) /
 * import_repos(replace) call, then COMMIT; after any error ROLLBACK, so a
 * batch is applied whole or not at all.
 * docs[i]: one JSON record as text (UTF-8, one JSON object; records
 *   are not parsed by the library, the server reports bad ones); a record
 *   must not hold a raw line break (CR, LF) or the bytes 0x01 or 0x02,
 *   which valid JSON never does: such a record fails the call with
 *   GPS_INVALID_INPUT before anything is sent.
 * line_nos[i]: the record's line number in its source (>= 1): errors name
 *   it, and of several records with one key the highest line number wins.
 * n: number of records (0 is allowed: nothing is merged).
 * replace: 0 inserts the records whose key ("id", username, url) is new
 *   and leaves stored records untouched, so re-importing never undoes newer
 *   data; nonzero replaces stored records (pushes through write_audit: strict
 *   review mode honoured).
 * On success *counts (may be NULL) holds the numbers of records inserted,
 * replaced (updated, only with replace) and left untouched because already
 * present (skipped), each key counted once.  On error *error_line (may be
 * NULL) is the line number of the record at fault when the error names one
 * (server error context "gitproxy import, line N", or the COPY row), else 0.
 * Errors: GPS_INVALID_INPUT 22P02 malformed JSON, 22023 a record the
 *   extension refuses ("Invalid id", "invalid repo: url is missing", an _id
 *   it cannot keep, ...); GPS_CONFLICT 23505 a duplicate _id / e-mail / SSH
 *   key of another record; GPS_PERMISSION_DENIED 42501; GPS_UNAVAILABLE.
 * Idempotent (re-importing a batch changes nothing): retried once on a
 * fresh connection when the connection is lost.
 */
typedef struct gps_import_counts
{
	int64_t		inserted;
	int64_t		updated;
	int64_t		skipped;
} gps_import_counts;

GPS_API gps_status gps_import_records(gps_client *client, gps_import_kind kind,
									  const char *const *docs, const int64_t *line_nos, size_t n,
									  int replace, gps_import_counts *counts,
									  int64_t *error_line, gps_error *err);

/*
 * gps_import_records without replace: *inserted = new records, *updated =
 * 0 (stored records are left untouched; use gps_import_records to see how
 * many were skipped or to replace them).  Kept for callers of 1.0.
 */
GPS_API gps_status gps_import_batch(gps_client *client, gps_import_kind kind,
									const char *const *docs, const int64_t *line_nos, size_t n,
									int64_t *inserted, int64_t *updated, int64_t *error_line,
									gps_error *err);

#ifdef __cplusplus
}
#endif

#endif							/* GITPROXY_SINK_CLIENT_H */
