/*
 * methods.c - one public function per sink method.  Each runs exactly one
 * parameterised, schema-qualified statement calling the matching gitproxy.*
 * SQL function (gpsi_call) and converts the result to JSON text or a C value.
 * Values are only ever passed as parameters, never spliced into SQL.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define T  GPSI_TEXTOID
#define J  GPSI_JSONOID
#define I4 GPSI_INT4OID
#define TA GPSI_TEXTARRAYOID
#define TS GPSI_TIMESTAMPTZOID
#define B  GPSI_BOOLOID

/* name, sql, nparams, types, idempotent (safe to retry once) */
#define METHOD(var, name, sql, n, idem, ...) \
	static const gpsi_method var = {name, sql, n, {__VA_ARGS__}, idem}

/* pushes */
METHOD(m_write_audit, "writeAudit", "SELECT gitproxy.write_audit($1)", 1, true, J);
METHOD(m_get_push, "getPush", "SELECT gitproxy.get_push($1)", 1, true, T);
METHOD(m_delete_push, "deletePush", "SELECT gitproxy.delete_push($1)", 1, true, T);
METHOD(m_authorise, "authorise", "SELECT gitproxy.authorise($1, $2)", 2, false, T, J);
METHOD(m_reject, "reject", "SELECT gitproxy.reject($1, $2)", 2, false, T, J);
METHOD(m_cancel, "cancel", "SELECT gitproxy.cancel($1)", 1, false, T);
METHOD(m_get_pushes, "getPushes",
	   "SELECT p.push, p.cursor FROM gitproxy.get_pushes($1, $2, $3, $4) AS p", 4, true, J, I4, T, B);
METHOD(m_profile, "getPushesForUserProfile",
	   "SELECT gitproxy.get_pushes_for_user_profile($1, $2)", 2, true, TA, T);
METHOD(m_rollups, "getRepoPushRollupsByCanonicalUrl",
	   "SELECT r.url, r.pending, r.approved, r.canceled, r.rejected, r.error, "
	   "r.latest_push_at_ms, r.latest_pending_review_at_ms "
	   "FROM gitproxy.get_repo_push_rollups() AS r", 0, true, 0);
METHOD(m_rebuild, "rebuildRepoPushRollups", "SELECT gitproxy.rebuild_repo_push_rollups()", 0, true, 0);
METHOD(m_canonical, "canonicalRemoteUrl", "SELECT gitproxy.canonical_remote_url($1)", 1, true, T);
METHOD(m_derive, "deriveCreatedAt", "SELECT gitproxy.derive_created_at($1)", 1, true, T);
/* repos */
METHOD(m_get_repos, "getRepos", "SELECT gitproxy.get_repos($1)", 1, true, J);
METHOD(m_get_repo, "getRepo", "SELECT gitproxy.get_repo($1)", 1, true, T);
METHOD(m_get_repo_by_url, "getRepoByUrl", "SELECT gitproxy.get_repo_by_url($1)", 1, true, T);
METHOD(m_get_repo_by_id, "getRepoById", "SELECT gitproxy.get_repo_by_id($1)", 1, true, T);
METHOD(m_create_repo, "createRepo", "SELECT gitproxy.create_repo($1)", 1, false, J);
METHOD(m_update_repo, "updateRepo", "SELECT gitproxy.update_repo($1)", 1, true, J);
METHOD(m_delete_repo, "deleteRepo", "SELECT gitproxy.delete_repo($1)", 1, true, T);
METHOD(m_add_push, "addUserCanPush", "SELECT gitproxy.add_user_can_push($1, $2)", 2, true, T, T);
METHOD(m_add_auth, "addUserCanAuthorise", "SELECT gitproxy.add_user_can_authorise($1, $2)", 2, true, T, T);
METHOD(m_rm_push, "removeUserCanPush", "SELECT gitproxy.remove_user_can_push($1, $2)", 2, true, T, T);
METHOD(m_rm_auth, "removeUserCanAuthorise", "SELECT gitproxy.remove_user_can_authorise($1, $2)", 2, true, T, T);
/* users */
METHOD(m_find_user, "findUser", "SELECT gitproxy.find_user($1)", 1, true, T);
METHOD(m_find_email, "findUserByEmail", "SELECT gitproxy.find_user_by_email($1)", 1, true, T);
METHOD(m_find_git, "findUserByGitAccount", "SELECT gitproxy.find_user_by_git_account($1)", 1, true, T);
METHOD(m_find_oidc, "findUserByOIDC", "SELECT gitproxy.find_user_by_oidc($1)", 1, true, T);
METHOD(m_find_ssh, "findUserBySSHKey", "SELECT gitproxy.find_user_by_ssh_key($1)", 1, true, T);
METHOD(m_get_users, "getUsers", "SELECT gitproxy.get_users($1)", 1, true, J);
METHOD(m_create_user, "createUser", "SELECT gitproxy.create_user($1)", 1, false, J);
METHOD(m_delete_user, "deleteUser", "SELECT gitproxy.delete_user($1)", 1, true, T);
METHOD(m_update_user, "updateUser", "SELECT gitproxy.update_user($1)", 1, true, J);
METHOD(m_add_key, "addPublicKey", "SELECT gitproxy.add_public_key($1, $2)", 2, false, T, J);
METHOD(m_rm_key, "removePublicKey", "SELECT gitproxy.remove_public_key($1, $2)", 2, true, T, T);
METHOD(m_get_keys, "getPublicKeys", "SELECT gitproxy.get_public_keys($1)", 1, true, T);
/* migrations */
METHOD(m_applied, "getAppliedMigrations", "SELECT gitproxy.get_applied_migrations()", 0, true, 0);
METHOD(m_record, "recordMigration", "SELECT gitproxy.record_migration($1)", 1, true, T);
METHOD(m_unrecord, "unrecordMigration", "SELECT gitproxy.unrecord_migration($1)", 1, true, T);
/* sessions */
METHOD(m_s_get, "session.get", "SELECT gitproxy.session_get($1)", 1, true, T);
METHOD(m_s_set, "session.set", "SELECT gitproxy.session_set($1, $2, $3)", 3, true, T, J, TS);
METHOD(m_s_touch, "session.touch", "SELECT gitproxy.session_touch($1, $2)", 2, true, T, TS);
METHOD(m_s_destroy, "session.destroy", "SELECT gitproxy.session_destroy($1)", 1, true, T);
METHOD(m_s_all, "session.all", "SELECT s.sid, s.sess FROM gitproxy.session_all() AS s", 0, true, 0);
METHOD(m_s_length, "session.length", "SELECT gitproxy.session_length()", 0, true, 0);
METHOD(m_s_clear, "session.clear", "SELECT gitproxy.session_clear()", 0, true, 0);
METHOD(m_s_destroy_user, "session.destroyUser", "SELECT gitproxy.session_destroy_user($1)", 1, true, T);
METHOD(m_s_prune, "session.prune", "SELECT gitproxy.session_prune($1)", 1, true, I4);
METHOD(m_s_prune_default, "session.prune", "SELECT gitproxy.session_prune()", 0, true, 0);
/* health */
METHOD(m_health, "healthCheck",
	   "SELECT e.extversion, pg_catalog.current_setting('server_version') "
	   "FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'gitproxy_sink'",
	   0, true, 0);

/* ---- helpers ---- */

static void
null_out(char **out)
{
	if (out)
		*out = NULL;
}

/* a required string argument */
static gps_status
need(const char *v, const char *what, gps_error *err)
{
	if (v != NULL)
		return GPS_OK;
	return gpsi_error_set(err, GPS_INVALID_INPUT, "22004", "%s must not be NULL", what);
}

#define NEED(v, what) do { \
	gps_status st_ = need((v), (what), err); \
	if (st_ != GPS_OK) return st_; \
} while (0)

static gps_status
dup_value(PGresult *res, int row, int col, char **out, gps_error *err)
{
	if (out == NULL)
		return GPS_OK;
	if (row >= PQntuples(res) || PQgetisnull(res, row, col))
	{
		*out = NULL;
		return GPS_OK;
	}
	*out = strdup(PQgetvalue(res, row, col));
	return *out ? GPS_OK : gpsi_oom(err);
}

static gps_status
call_void(gps_client *c, const gpsi_method *m, const char *const *vals, gps_error *err)
{
	PGresult   *res;
	gps_status	st = gpsi_call(c, m, vals, false, &res, err);

	PQclear(res);
	return st;
}

/* one value (json or text); SQL NULL gives *out = NULL */
static gps_status
call_scalar(gps_client *c, const gpsi_method *m, const char *const *vals, char **out, gps_error *err)
{
	PGresult   *res;
	gps_status	st;

	null_out(out);
	st = gpsi_call(c, m, vals, false, &res, err);
	if (st != GPS_OK)
		return st;
	st = dup_value(res, 0, 0, out, err);
	PQclear(res);
	return st;
}

/* rows of one column as a JSON array; as_string quotes text values */
static gps_status
call_array(gps_client *c, const gpsi_method *m, const char *const *vals, bool as_string,
		   char **out, gps_error *err)
{
	PGresult   *res;
	gps_status	st;
	gpsi_buf	b;

	null_out(out);
	st = gpsi_call(c, m, vals, false, &res, err);
	if (st != GPS_OK)
		return st;
	gpsi_buf_init(&b);
	gpsi_buf_put(&b, "[", 1);
	for (int i = 0; i < PQntuples(res); i++)
	{
		if (i > 0)
			gpsi_buf_put(&b, ",", 1);
		if (PQgetisnull(res, i, 0))
			gpsi_buf_puts(&b, "null");
		else if (as_string)
			gpsi_buf_json_string(&b, PQgetvalue(res, i, 0));
		else
			gpsi_buf_puts(&b, PQgetvalue(res, i, 0));
	}
	gpsi_buf_put(&b, "]", 1);
	PQclear(res);
	return gpsi_buf_finish(&b, out, err);
}

static gps_status
call_int8(gps_client *c, const gpsi_method *m, const char *const *vals, int64_t *out, gps_error *err)
{
	PGresult   *res;
	gps_status	st;

	if (out)
		*out = 0;
	st = gpsi_call(c, m, vals, false, &res, err);
	if (st != GPS_OK)
		return st;
	if (out && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		*out = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return GPS_OK;
}

/* epoch milliseconds -> timestamptz text in UTC; NULL for the default */
static gps_status
format_expiry(int64_t ms, char *buf, size_t size, const char **out, gps_error *err)
{
	int64_t		secs;
	int			millis;
	time_t		t;
	struct tm	tm;

	*out = NULL;
	if (ms == GPS_EXPIRES_DEFAULT)
		return GPS_OK;
	secs = ms / 1000;
	millis = (int) (ms % 1000);
	if (millis < 0)
	{
		millis += 1000;
		secs--;
	}
	t = (time_t) secs;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 99999)
		return gpsi_error_set(err, GPS_INVALID_INPUT, "22008", "expires_ms %lld is out of range",
							  (long long) ms);
	snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
	*out = buf;
	return GPS_OK;
}

/* ---- health ---- */

/* the report; extension and server versions NULL = unknown */
static gps_status
health_report(gps_client *c, const char *status, const char *reason, const char *ext,
			  const char *server, char **report, gps_error *err)
{
	gps_pool_stats ps;
	gpsi_buf	b;

	gps_pool_status(c, &ps);
	gpsi_buf_init(&b);
	gpsi_buf_printf(&b, "{\"status\":\"%s\",", status);
	if (reason != NULL)
	{
		gpsi_buf_puts(&b, "\"reason\":");
		gpsi_buf_json_string(&b, reason);
		gpsi_buf_puts(&b, ",");
	}
	gpsi_buf_puts(&b, "\"libraryVersion\":\"" GPS_LIBRARY_VERSION
				  "\",\"requiredExtensionVersion\":\"" GPS_REQUIRED_EXTENSION_VERSION
				  "\",\"extensionVersion\":");
	if (ext)
		gpsi_buf_json_string(&b, ext);
	else
		gpsi_buf_puts(&b, "null");
	gpsi_buf_puts(&b, ",\"serverVersion\":");
	if (server)
		gpsi_buf_json_string(&b, server);
	else
		gpsi_buf_puts(&b, "null");
	gpsi_buf_printf(&b, ",\"pool\":{\"size\":%d,\"idle\":%d,\"inUse\":%d,\"waiting\":%d,"
					"\"maxSize\":%d,\"created\":%llu,\"discarded\":%llu,\"livenessChecks\":%llu,"
					"\"retries\":%llu}}",
					ps.size, ps.idle, ps.in_use, ps.waiting, c->max_size,
					(unsigned long long) ps.created, (unsigned long long) ps.discarded,
					(unsigned long long) ps.liveness_checks, (unsigned long long) ps.retries);
	return gpsi_buf_finish(&b, report, err);
}

/* no idle connection and no room for another */
static bool
pool_exhausted(gps_client *c)
{
	gps_pool_stats ps;

	gps_pool_status(c, &ps);
	return ps.idle == 0 && ps.size >= c->max_size;
}

gps_status
gps_health_check(gps_client *c, char **report, gps_error *err)
{
	PGresult   *res;
	gps_status	st;
	gps_error	local;
	char		reason[sizeof(local.message) + 64];

	null_out(report);
	if (c == NULL)
		return gpsi_error_set(err, GPS_INVALID_INPUT, "", "client must not be NULL");
	if (err == NULL)
		err = &local;
	/* a busy pool is reported at once, not after acquire_timeout_ms */
	if (pool_exhausted(c))
	{
		snprintf(reason, sizeof(reason), "no connection free: all %d connections are in use",
				 c->max_size);
		gpsi_error_clear(err);
		return health_report(c, "degraded", reason, NULL, NULL, report, err);
	}
	st = gpsi_call(c, &m_health, NULL, true, &res, err);
	if (st != GPS_OK)
	{
		gps_status	rst;

		if (st == GPS_UNAVAILABLE && pool_exhausted(c))
		{
			gpsi_copy_text(reason, sizeof(reason), err->message);
			gpsi_error_clear(err);
			return health_report(c, "degraded", reason, NULL, NULL, report, err);
		}
		gpsi_copy_text(reason, sizeof(reason), err->message);
		rst = health_report(c, "unavailable", reason, NULL, NULL, report, &local);
		return rst == GPS_OK ? st : rst;
	}
	if (PQntuples(res) == 0)
	{
		gps_status	rst;

		PQclear(res);
		st = gpsi_error_set(err, GPS_UNAVAILABLE, "",
							"extension gitproxy_sink is not installed: run CREATE EXTENSION gitproxy_sink");
		rst = health_report(c, "unavailable", err->message, NULL, NULL, report, &local);
		return rst == GPS_OK ? st : rst;
	}
	st = health_report(c, "ok", NULL, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), report, err);
	PQclear(res);
	return st;
}

/* ---- pushes ---- */

gps_status
gps_write_audit(gps_client *c, const char *push_json, gps_error *err)
{
	const char *v[] = {push_json};

	NEED(push_json, "push");
	return call_void(c, &m_write_audit, v, err);
}

gps_status
gps_get_push(gps_client *c, const char *id, char **push_json, gps_error *err)
{
	const char *v[] = {id};

	null_out(push_json);
	NEED(id, "id");
	return call_scalar(c, &m_get_push, v, push_json, err);
}

gps_status
gps_delete_push(gps_client *c, const char *id, gps_error *err)
{
	const char *v[] = {id};

	NEED(id, "id");
	return call_void(c, &m_delete_push, v, err);
}

gps_status
gps_authorise(gps_client *c, const char *id, const char *attestation_json, char **result_json,
			  gps_error *err)
{
	const char *v[] = {id, attestation_json};

	null_out(result_json);
	NEED(id, "id");
	return call_scalar(c, &m_authorise, v, result_json, err);
}

gps_status
gps_reject(gps_client *c, const char *id, const char *rejection_json, char **result_json,
		   gps_error *err)
{
	const char *v[] = {id, rejection_json};

	null_out(result_json);
	NEED(id, "id");
	return call_scalar(c, &m_reject, v, result_json, err);
}

gps_status
gps_cancel(gps_client *c, const char *id, char **result_json, gps_error *err)
{
	const char *v[] = {id};

	null_out(result_json);
	NEED(id, "id");
	return call_scalar(c, &m_cancel, v, result_json, err);
}

/*
 * Rows of an unpaged listing read per statement: one keyset page of this
 * many rows at a time, so the server never builds (and spills to temporary
 * files) the whole result of one set-returning call.  100 real documents
 * (about 10 KB each) stay well below the default work_mem of 4 MB, beyond
 * which even one page would go to a temporary file.
 */
#define LISTING_PAGE_ROWS 100
#define LISTING_PAGE_ROWS_TEXT "100"

/* an unpaged getPushes collected page by page (gpsi_call_pages) */
typedef struct push_pages
{
	gpsi_buf	b;
	int			n;				/* pushes so far */
	char	   *cursor;			/* of the last row so far */
} push_pages;

static gps_status
push_page(void *arg, const PGresult *res, const char **cursor, bool *done, gps_error *err)
{
	push_pages *pp = arg;
	int			n = PQntuples(res);

	(void) err;
	for (int i = 0; i < n; i++)
	{
		if (pp->n++ > 0)
			gpsi_buf_put(&pp->b, ",", 1);
		gpsi_buf_puts(&pp->b, PQgetvalue(res, i, 0));
	}
	*done = n < LISTING_PAGE_ROWS;
	if (!*done)
	{
		free(pp->cursor);
		pp->cursor = strdup(PQgetvalue(res, n - 1, 1));
		if (pp->cursor == NULL)
			return gpsi_oom(err);
		*cursor = pp->cursor;
	}
	return GPS_OK;
}

static void
push_restart(void *arg)
{
	push_pages *pp = arg;

	gpsi_buf_free(&pp->b);
	gpsi_buf_init(&pp->b);
	gpsi_buf_puts(&pp->b, "{\"pushes\":[");
	pp->n = 0;
}

static gps_status
get_pushes(gps_client *c, const char *query_json, int limit, const char *cursor, bool summary,
		   char **page_json, gps_error *err)
{
	char		lim[16];
	const char *v[] = {query_json, NULL, cursor, summary ? "true" : "false"};
	PGresult   *res;
	gps_status	st;
	gpsi_buf	b;
	int			n,
				shown;
	bool		more;

	null_out(page_json);
	if (limit < 0)
	{
		push_pages	pp = {{0}, 0, NULL};

		v[1] = LISTING_PAGE_ROWS_TEXT;
		gpsi_buf_init(&pp.b);
		push_restart(&pp);
		st = gpsi_call_pages(c, &m_get_pushes, v, 2, push_page, push_restart, &pp, err);
		free(pp.cursor);
		if (st != GPS_OK)
		{
			gpsi_buf_free(&pp.b);
			return st;
		}
		gpsi_buf_puts(&pp.b, "],\"cursor\":null}");
		return gpsi_buf_finish(&pp.b, page_json, err);
	}
	/* one row more than asked tells whether another page follows */
	snprintf(lim, sizeof(lim), "%d", (limit > 0 && limit < INT_MAX) ? limit + 1 : limit);
	v[1] = lim;
	st = gpsi_call(c, &m_get_pushes, v, false, &res, err);
	if (st != GPS_OK)
		return st;
	n = PQntuples(res);
	more = limit > 0 && (n > limit || (limit == INT_MAX && n == limit));
	shown = n > limit ? limit : n;
	gpsi_buf_init(&b);
	gpsi_buf_puts(&b, "{\"pushes\":[");
	gpsi_buf_put_column(&b, res, shown, 0);
	gpsi_buf_puts(&b, "],\"cursor\":");
	if (more)
		gpsi_buf_json_string(&b, PQgetvalue(res, shown - 1, 1));
	else
		gpsi_buf_puts(&b, "null");
	gpsi_buf_put(&b, "}", 1);
	PQclear(res);
	return gpsi_buf_finish(&b, page_json, err);
}

gps_status
gps_get_pushes(gps_client *c, const char *query_json, int limit, const char *cursor,
			   char **page_json, gps_error *err)
{
	return get_pushes(c, query_json, limit, cursor, false, page_json, err);
}

gps_status
gps_get_push_summaries(gps_client *c, const char *query_json, int limit, const char *cursor,
					   char **page_json, gps_error *err)
{
	return get_pushes(c, query_json, limit, cursor, true, page_json, err);
}

gps_status
gps_get_pushes_for_user_profile(gps_client *c, const char *const *email_variants, size_t n_variants,
								const char *username, char **pushes_json, gps_error *err)
{
	gpsi_buf	arr;
	const char *v[2];
	gps_status	st;

	null_out(pushes_json);
	NEED(username, "username");
	if (n_variants > 0 && email_variants == NULL)
		return need(NULL, "email_variants", err);
	/* text[] literal: every element double-quoted, \ and " escaped */
	gpsi_buf_init(&arr);
	gpsi_buf_put(&arr, "{", 1);
	for (size_t i = 0; i < n_variants; i++)
	{
		if (email_variants[i] == NULL)
		{
			gpsi_buf_free(&arr);
			return need(NULL, "email_variants element", err);
		}
		if (i > 0)
			gpsi_buf_put(&arr, ",", 1);
		gpsi_buf_put(&arr, "\"", 1);
		for (const char *p = email_variants[i]; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				gpsi_buf_put(&arr, "\\", 1);
			gpsi_buf_put(&arr, p, 1);
		}
		gpsi_buf_put(&arr, "\"", 1);
	}
	gpsi_buf_put(&arr, "}", 1);
	if (arr.oom)
	{
		gpsi_buf_free(&arr);
		return gpsi_oom(err);
	}
	v[0] = arr.data;
	v[1] = username;
	st = call_array(c, &m_profile, v, false, pushes_json, err);
	gpsi_buf_free(&arr);
	return st;
}

gps_status
gps_get_repo_push_rollups(gps_client *c, char **rollups_json, gps_error *err)
{
	static const char *const buckets[] = {"pending", "approved", "canceled", "rejected", "error"};
	PGresult   *res;
	gps_status	st;
	gpsi_buf	counts,
				pend,
				last;
	bool		first_p = true,
				first_l = true;

	null_out(rollups_json);
	st = gpsi_call(c, &m_rollups, NULL, false, &res, err);
	if (st != GPS_OK)
		return st;
	gpsi_buf_init(&counts);
	gpsi_buf_init(&pend);
	gpsi_buf_init(&last);
	gpsi_buf_puts(&counts, "{\"tabCounts\":{");
	gpsi_buf_puts(&pend, "},\"latestPendingReviewAtMs\":{");
	gpsi_buf_puts(&last, "},\"latestPushAtMs\":{");
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *url = PQgetvalue(res, i, 0);

		if (i > 0)
			gpsi_buf_put(&counts, ",", 1);
		gpsi_buf_json_string(&counts, url);
		gpsi_buf_put(&counts, ":{", 2);
		for (int k = 0; k < 5; k++)
			gpsi_buf_printf(&counts, "%s\"%s\":%s", k ? "," : "", buckets[k],
							PQgetisnull(res, i, 1 + k) ? "0" : PQgetvalue(res, i, 1 + k));
		gpsi_buf_put(&counts, "}", 1);
		if (!PQgetisnull(res, i, 7))
		{
			if (!first_p)
				gpsi_buf_put(&pend, ",", 1);
			first_p = false;
			gpsi_buf_json_string(&pend, url);
			gpsi_buf_printf(&pend, ":%s", PQgetvalue(res, i, 7));
		}
		if (!PQgetisnull(res, i, 6))
		{
			if (!first_l)
				gpsi_buf_put(&last, ",", 1);
			first_l = false;
			gpsi_buf_json_string(&last, url);
			gpsi_buf_printf(&last, ":%s", PQgetvalue(res, i, 6));
		}
	}
	PQclear(res);
	gpsi_buf_puts(&last, "}}");
	if (!pend.oom)
		gpsi_buf_put(&counts, pend.data, pend.len);
	if (!last.oom)
		gpsi_buf_put(&counts, last.data, last.len);
	if (pend.oom || last.oom)
		counts.oom = true;
	gpsi_buf_free(&pend);
	gpsi_buf_free(&last);
	return gpsi_buf_finish(&counts, rollups_json, err);
}

gps_status
gps_rebuild_repo_push_rollups(gps_client *c, gps_error *err)
{
	return call_void(c, &m_rebuild, NULL, err);
}

gps_status
gps_canonical_remote_url(gps_client *c, const char *url, char **key, gps_error *err)
{
	const char *v[] = {url};

	null_out(key);
	NEED(url, "url");
	return call_scalar(c, &m_canonical, v, key, err);
}

gps_status
gps_derive_created_at(gps_client *c, const char *id, char **iso, gps_error *err)
{
	const char *v[] = {id};

	null_out(iso);
	NEED(id, "id");
	return call_scalar(c, &m_derive, v, iso, err);
}

/* ---- repos ---- */

gps_status
gps_get_repos(gps_client *c, const char *query_json, char **repos_json, gps_error *err)
{
	const char *v[] = {query_json};

	return call_array(c, &m_get_repos, v, false, repos_json, err);
}

#define LOOKUP(fn, method, arg) \
gps_status \
fn(gps_client *c, const char *arg, char **out, gps_error *err) \
{ \
	const char *v[] = {arg}; \
	null_out(out); \
	NEED(arg, #arg); \
	return call_scalar(c, &method, v, out, err); \
}

LOOKUP(gps_get_repo, m_get_repo, name)
LOOKUP(gps_get_repo_by_url, m_get_repo_by_url, url)
LOOKUP(gps_get_repo_by_id, m_get_repo_by_id, id)
LOOKUP(gps_find_user, m_find_user, username)
LOOKUP(gps_find_user_by_email, m_find_email, email)
LOOKUP(gps_find_user_by_git_account, m_find_git, git_account)
LOOKUP(gps_find_user_by_oidc, m_find_oidc, oidc_id)
LOOKUP(gps_find_user_by_ssh_key, m_find_ssh, ssh_key)
LOOKUP(gps_session_get, m_s_get, sid)

gps_status
gps_create_repo(gps_client *c, const char *repo_json, char **stored_json, gps_error *err)
{
	const char *v[] = {repo_json};

	null_out(stored_json);
	NEED(repo_json, "repo");
	return call_scalar(c, &m_create_repo, v, stored_json, err);
}

#define VOID1(fn, method, arg) \
gps_status \
fn(gps_client *c, const char *arg, gps_error *err) \
{ \
	const char *v[] = {arg}; \
	NEED(arg, #arg); \
	return call_void(c, &method, v, err); \
}

#define VOID2(fn, method, a1, a2) \
gps_status \
fn(gps_client *c, const char *a1, const char *a2, gps_error *err) \
{ \
	const char *v[] = {a1, a2}; \
	NEED(a1, #a1); \
	NEED(a2, #a2); \
	return call_void(c, &method, v, err); \
}

VOID1(gps_update_repo, m_update_repo, repo_json)
VOID1(gps_delete_repo, m_delete_repo, id)
VOID2(gps_add_user_can_push, m_add_push, id, username)
VOID2(gps_add_user_can_authorise, m_add_auth, id, username)
VOID2(gps_remove_user_can_push, m_rm_push, id, username)
VOID2(gps_remove_user_can_authorise, m_rm_auth, id, username)

/* ---- users ---- */

gps_status
gps_get_users(gps_client *c, const char *query_json, char **users_json, gps_error *err)
{
	const char *v[] = {query_json};

	return call_array(c, &m_get_users, v, false, users_json, err);
}

VOID1(gps_create_user, m_create_user, user_json)
VOID1(gps_delete_user, m_delete_user, username)
VOID1(gps_update_user, m_update_user, user_json)
VOID2(gps_add_public_key, m_add_key, username, public_key_json)
VOID2(gps_remove_public_key, m_rm_key, username, fingerprint)

gps_status
gps_get_public_keys(gps_client *c, const char *username, char **keys_json, gps_error *err)
{
	const char *v[] = {username};

	null_out(keys_json);
	NEED(username, "username");
	return call_scalar(c, &m_get_keys, v, keys_json, err);
}

/* ---- migrations ---- */

gps_status
gps_get_applied_migrations(gps_client *c, char **ids_json, gps_error *err)
{
	return call_array(c, &m_applied, NULL, true, ids_json, err);
}

VOID1(gps_record_migration, m_record, id)
VOID1(gps_unrecord_migration, m_unrecord, id)

/* ---- sessions ---- */

gps_status
gps_session_set(gps_client *c, const char *sid, const char *sess_json, int64_t expires_ms,
				gps_error *err)
{
	char		buf[64];
	const char *v[3] = {sid, sess_json, NULL};
	gps_status	st;

	NEED(sid, "sid");
	NEED(sess_json, "sess");
	st = format_expiry(expires_ms, buf, sizeof(buf), &v[2], err);
	if (st != GPS_OK)
		return st;
	return call_void(c, &m_s_set, v, err);
}

gps_status
gps_session_touch(gps_client *c, const char *sid, int64_t expires_ms, gps_error *err)
{
	char		buf[64];
	const char *v[2] = {sid, NULL};
	gps_status	st;

	NEED(sid, "sid");
	st = format_expiry(expires_ms, buf, sizeof(buf), &v[1], err);
	if (st != GPS_OK)
		return st;
	return call_void(c, &m_s_touch, v, err);
}

VOID1(gps_session_destroy, m_s_destroy, sid)

gps_status
gps_session_all(gps_client *c, char **sessions_json, gps_error *err)
{
	PGresult   *res;
	gps_status	st;
	gpsi_buf	b;

	null_out(sessions_json);
	st = gpsi_call(c, &m_s_all, NULL, false, &res, err);
	if (st != GPS_OK)
		return st;
	gpsi_buf_init(&b);
	gpsi_buf_put(&b, "[", 1);
	for (int i = 0; i < PQntuples(res); i++)
	{
		gpsi_buf_puts(&b, i ? ",{\"sid\":" : "{\"sid\":");
		gpsi_buf_json_string(&b, PQgetvalue(res, i, 0));
		gpsi_buf_puts(&b, ",\"sess\":");
		gpsi_buf_puts(&b, PQgetisnull(res, i, 1) ? "null" : PQgetvalue(res, i, 1));
		gpsi_buf_put(&b, "}", 1);
	}
	gpsi_buf_put(&b, "]", 1);
	PQclear(res);
	return gpsi_buf_finish(&b, sessions_json, err);
}

gps_status
gps_session_length(gps_client *c, int64_t *count, gps_error *err)
{
	return call_int8(c, &m_s_length, NULL, count, err);
}

gps_status
gps_session_clear(gps_client *c, int64_t *removed, gps_error *err)
{
	return call_int8(c, &m_s_clear, NULL, removed, err);
}

gps_status
gps_session_destroy_user(gps_client *c, const char *username, int64_t *removed, gps_error *err)
{
	const char *v[] = {username};

	if (removed)
		*removed = 0;
	NEED(username, "username");
	return call_int8(c, &m_s_destroy_user, v, removed, err);
}

gps_status
gps_session_prune(gps_client *c, int batch, int64_t *removed, gps_error *err)
{
	char		b[16];
	const char *v[] = {b};

	if (batch <= 0)				/* the SQL function's own default batch */
		return call_int8(c, &m_s_prune_default, NULL, removed, err);
	snprintf(b, sizeof(b), "%d", batch);
	return call_int8(c, &m_s_prune, v, removed, err);
}
