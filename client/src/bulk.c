/*
 * bulk.c - gps_import_batch: one batch of a bulk import on one pooled
 * connection, following the extension's staging contract (README "Bulk
 * import"):
 *
 *   once per connection (outside the batch transaction, so that a failed
 *   batch does not take it away):
 *     CREATE TEMP TABLE IF NOT EXISTS gitproxy_import_staging
 *       (line_no int8 NOT NULL, doc text NOT NULL) ON COMMIT DELETE ROWS;
 *     ALTER TABLE ... ALTER COLUMN doc SET STORAGE EXTERNAL
 *   per batch:
 *     BEGIN;
 *     SET LOCAL temp_buffers = '128MB'   (see TEMP_BUFFERS_SQL)
 *     COPY pg_temp.gitproxy_import_staging (line_no, doc) FROM STDIN
 *       WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');
 *     SELECT i.inserted, i.updated FROM gitproxy.import_<kind>() AS i;
 *     COMMIT;                      (ROLLBACK after any error)
 *
 * CSV with a quote and a delimiter byte that valid JSON text never holds
 * sends every document byte for byte; the documents are checked for those
 * bytes (and raw line breaks) before anything is sent.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Before the session's first use of a temporary table: room for a whole
 * batch in local buffers (they are allocated as needed), so the staged text
 * is not written out and read back; this halves the time of a first batch
 * of real push records.  SET LOCAL: the pooled connection does not carry
 * the setting into later calls (the local buffers, sized by the first
 * batch, stay; a later batch sets the same value, which is accepted).
 */
#define TEMP_BUFFERS_SQL "SET LOCAL temp_buffers = '128MB'"

#define STAGING_SETUP_SQL \
	"CREATE TEMP TABLE IF NOT EXISTS gitproxy_import_staging " \
	"(line_no pg_catalog.int8 NOT NULL, doc pg_catalog.text NOT NULL) ON COMMIT DELETE ROWS; " \
	"ALTER TABLE pg_temp.gitproxy_import_staging ALTER COLUMN doc SET STORAGE EXTERNAL"

#define COPY_SQL \
	"COPY pg_temp.gitproxy_import_staging (line_no, doc) FROM STDIN " \
	"WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"

/* bytes sent to the server per PQputCopyData call */
#define COPY_CHUNK (1024 * 1024)

static const struct
{
	const char *name;
	const char *sql;
}			kinds[] = {
	[GPS_IMPORT_PUSHES] = {"pushes", "SELECT i.inserted, i.updated FROM gitproxy.import_pushes() AS i"},
	[GPS_IMPORT_USERS] = {"users", "SELECT i.inserted, i.updated FROM gitproxy.import_users() AS i"},
	[GPS_IMPORT_REPOS] = {"repos", "SELECT i.inserted, i.updated FROM gitproxy.import_repos() AS i"},
};

const char *
gps_import_kind_name(gps_import_kind kind)
{
	if ((int) kind < 0 || (size_t) kind >= sizeof(kinds) / sizeof(kinds[0]))
		return NULL;
	return kinds[kind].name;
}

/* The line an error names: "gitproxy import, line N" in its context (the
 * extension's per-line errors), else "COPY gitproxy_import_staging, line K"
 * (K-th row of this batch); 0 when neither. */
static int64_t
error_line_of(const PGresult *res, const int64_t *line_nos, size_t n)
{
	const char *ctx = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
	const char *p;

	if (ctx == NULL)
		return 0;
	if ((p = strstr(ctx, "gitproxy import, line ")) != NULL)
		return strtoll(p + strlen("gitproxy import, line "), NULL, 10);
	if ((p = strstr(ctx, "COPY gitproxy_import_staging, line ")) != NULL)
	{
		long long	k = strtoll(p + strlen("COPY gitproxy_import_staging, line "), NULL, 10);

		if (k >= 1 && (size_t) k <= n)
			return line_nos[k - 1];
	}
	return 0;
}

/* outcome of one attempt */
typedef struct attempt
{
	gps_status	st;
	bool		lost;			/* the connection was lost (retry) */
	bool		broken;			/* the connection must not be reused */
	int64_t		error_line;
	int64_t		inserted;
	int64_t		updated;
} attempt;

/* a failed step: fill err from res (may be NULL) and the outcome */
static void
failed(attempt *a, PGconn *pg, PGresult *res, const int64_t *line_nos, size_t n, gps_error *err)
{
	a->lost = gpsi_connection_lost(pg, res);
	a->st = gpsi_error_from_result(err, res, pg);
	a->error_line = error_line_of(res, line_nos, n);
	PQclear(res);
}

/* run a statement expecting `want`; false (and a filled outcome) on error */
static bool
exec_ok(attempt *a, PGconn *pg, const char *sql, ExecStatusType want,
		const int64_t *line_nos, size_t n, gps_error *err, PGresult **keep)
{
	PGresult   *res = PQexec(pg, sql);

	if (res != NULL && PQresultStatus(res) == want)
	{
		if (keep)
			*keep = res;
		else
			PQclear(res);
		return true;
	}
	failed(a, pg, res, line_nos, n, err);
	return false;
}

/* send the batch as COPY data; false on a failure, after which the
 * connection is left mid-COPY and must be closed (a->broken) */
static bool
send_rows(PGconn *pg, const char *const *docs, const int64_t *line_nos, size_t n, gps_error *err,
		  attempt *a)
{
	gpsi_buf	b;

	gpsi_buf_init(&b);
	for (size_t i = 0; i < n; i++)
	{
		gpsi_buf_printf(&b, "%" PRId64 "\x02", line_nos[i]);
		gpsi_buf_puts(&b, docs[i]);
		gpsi_buf_put(&b, "\n", 1);
		if (b.oom)
		{
			gpsi_buf_free(&b);
			a->st = gpsi_oom(err);
			a->broken = true;
			return false;
		}
		if (b.len >= COPY_CHUNK || i + 1 == n)
		{
			if (PQputCopyData(pg, b.data, (int) b.len) != 1)
			{
				gpsi_buf_free(&b);
				a->lost = gpsi_connection_lost(pg, NULL);
				a->broken = true;
				a->st = gpsi_error_from_result(err, NULL, pg);
				return false;
			}
			b.len = 0;
		}
	}
	gpsi_buf_free(&b);
	return true;
}

static void
run_batch(gpsi_conn *conn, gps_import_kind kind, const char *const *docs,
		  const int64_t *line_nos, size_t n, attempt *a, gps_error *err)
{
	PGconn	   *pg = conn->pg;
	PGresult   *res;
	bool		in_xact = false;

	if (!conn->import_staging)
	{
		if (!exec_ok(a, pg, STAGING_SETUP_SQL, PGRES_COMMAND_OK, line_nos, n, err, NULL))
			return;
		conn->import_staging = true;
	}
	if (!exec_ok(a, pg, "BEGIN", PGRES_COMMAND_OK, line_nos, n, err, NULL))
		return;
	in_xact = true;
	if (!exec_ok(a, pg, TEMP_BUFFERS_SQL, PGRES_COMMAND_OK, line_nos, n, err, NULL))
		goto rollback;
	if (!exec_ok(a, pg, COPY_SQL, PGRES_COPY_IN, line_nos, n, err, NULL))
		goto rollback;
	if (!send_rows(pg, docs, line_nos, n, err, a))
		return;
	if (PQputCopyEnd(pg, NULL) != 1)
	{
		failed(a, pg, NULL, line_nos, n, err);
		a->broken = true;
		return;
	}
	res = PQgetResult(pg);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		PGresult   *more;

		failed(a, pg, res, line_nos, n, err);
		while ((more = PQgetResult(pg)) != NULL)
			PQclear(more);
		if (a->lost)
			return;
		goto rollback;
	}
	PQclear(res);
	while ((res = PQgetResult(pg)) != NULL)
		PQclear(res);

	if (!exec_ok(a, pg, kinds[kind].sql, PGRES_TUPLES_OK, line_nos, n, err, &res))
	{
		if (a->lost)
			return;
		goto rollback;
	}
	if (PQntuples(res) != 1 || PQnfields(res) != 2)
	{
		PQclear(res);
		a->st = gpsi_error_set(err, GPS_INTERNAL, "", "gitproxy.import_%s() returned an unexpected result",
							   kinds[kind].name);
		goto rollback;
	}
	a->inserted = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	a->updated = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	if (!exec_ok(a, pg, "COMMIT", PGRES_COMMAND_OK, line_nos, n, err, NULL))
		return;					/* lost (maybe committed: a retry is harmless) */
	a->st = GPS_OK;
	gpsi_error_clear(err);
	return;

rollback:
	if (in_xact)
	{
		res = PQexec(pg, "ROLLBACK");
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
			a->broken = true;
		PQclear(res);
	}
}

gps_status
gps_import_batch(gps_client *client, gps_import_kind kind, const char *const *docs,
				 const int64_t *line_nos, size_t n, int64_t *inserted, int64_t *updated,
				 int64_t *error_line, gps_error *err)
{
	if (inserted)
		*inserted = 0;
	if (updated)
		*updated = 0;
	if (error_line)
		*error_line = 0;
	if (client == NULL)
		return gpsi_error_set(err, GPS_INVALID_INPUT, "", "client must not be NULL");
	if (gps_import_kind_name(kind) == NULL)
		return gpsi_error_set(err, GPS_INVALID_INPUT, "", "unknown import kind %d", (int) kind);
	if (n > 0 && (docs == NULL || line_nos == NULL))
		return gpsi_error_set(err, GPS_INVALID_INPUT, "22004", "docs and line_nos must not be NULL");
	if (n > INT32_MAX)
		return gpsi_error_set(err, GPS_INVALID_INPUT, "", "too many records in one batch");
	/* nothing may break the CSV framing: checked before anything is sent */
	for (size_t i = 0; i < n; i++)
	{
		if (docs[i] == NULL)
		{
			if (error_line)
				*error_line = line_nos[i];
			return gpsi_error_set(err, GPS_INVALID_INPUT, "22004",
								  "record of line %" PRId64 " is NULL", line_nos[i]);
		}
		if (docs[i][strcspn(docs[i], "\n\r\x01\x02")] != '\0' || docs[i][0] == '\0')
		{
			if (error_line)
				*error_line = line_nos[i];
			return gpsi_error_set(err, GPS_INVALID_INPUT, "",
								  "record of line %" PRId64 " is empty or holds a raw line break "
								  "or control byte 0x01/0x02 (not valid JSON)", line_nos[i]);
		}
	}

	for (int attempt_no = 0;; attempt_no++)
	{
		gpsi_conn  *conn;
		attempt		a;
		gps_status	st = gpsi_acquire(client, attempt_no > 0, false, &conn, err);

		if (st != GPS_OK)
			return st;
		memset(&a, 0, sizeof(a));
		a.st = GPS_INTERNAL;
		run_batch(conn, kind, docs, line_nos, n, &a, err);
		if (a.lost)
		{
			gpsi_release(client, conn, true);
			gpsi_pool_suspect(client);
			if (attempt_no == 0)
			{
				gpsi_pool_count_retry(client);
				gpsi_log(client, GPS_LOG_WARNING,
						 "connection lost during import of %s, retrying the batch once on a new connection",
						 kinds[kind].name);
				continue;
			}
			return gpsi_error_set(err, GPS_UNAVAILABLE, "",
								  "connection to the server lost during import of %s (also on retry)",
								  kinds[kind].name);
		}
		gpsi_release(client, conn, a.broken);
		if (a.st == GPS_OK)
		{
			if (inserted)
				*inserted = a.inserted;
			if (updated)
				*updated = a.updated;
		}
		else if (error_line)
			*error_line = a.error_line;
		return a.st;
	}
}
