/*
 * bulk.c - gps_import_records / gps_import_batch: one batch of a bulk
 * import on one pooled connection, following the extension's staging
 * contract (docs/import.md):
 *
 *     BEGIN;
 *     COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT binary);
 *     SELECT i.inserted, i.updated, i.skipped FROM gitproxy.import_<kind>($1) AS i;
 *     COMMIT;                      (ROLLBACK after any error)
 *
 * gitproxy.import_staging belongs to the extension (the runtime role may
 * only insert into it); the import function reads and removes the rows of
 * its own transaction, so nothing is set up per connection.
 *
 * Binary COPY sends every document byte for byte and spares the server a
 * byte-by-byte scan of the input (with CSV that scan was about a fifth of
 * the server's time for an import of real pushes).  The documents are still
 * checked for raw line breaks and the bytes 0x01/0x02 before anything is
 * sent, as when CSV with those bytes as quote and delimiter was used, so
 * what a caller may pass does not change.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define COPY_SQL \
	"COPY gitproxy.import_staging (line_no, doc) FROM STDIN WITH (FORMAT binary)"

/* binary COPY: signature, flags, header extension length */
static const char copy_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

/* bytes sent to the server per PQputCopyData call */
#define COPY_CHUNK (1024 * 1024)

static const struct
{
	const char *name;
	const char *sql;
}			kinds[] = {
	[GPS_IMPORT_PUSHES] = {"pushes", "SELECT i.inserted, i.updated, i.skipped FROM gitproxy.import_pushes($1) AS i"},
	[GPS_IMPORT_USERS] = {"users", "SELECT i.inserted, i.updated, i.skipped FROM gitproxy.import_users($1) AS i"},
	[GPS_IMPORT_REPOS] = {"repos", "SELECT i.inserted, i.updated, i.skipped FROM gitproxy.import_repos($1) AS i"},
};

const char *
gps_import_kind_name(gps_import_kind kind)
{
	if ((int) kind < 0 || (size_t) kind >= sizeof(kinds) / sizeof(kinds[0]))
		return NULL;
	return kinds[kind].name;
}

/* The line an error names: "gitproxy import, line N" in its context (the
 * extension's per-line errors), else "COPY import_staging, line K"
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
	if ((p = strstr(ctx, "COPY import_staging, line ")) != NULL)
	{
		long long	k = strtoll(p + strlen("COPY import_staging, line "), NULL, 10);

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
	gps_import_counts counts;
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

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
}

/* send the batch as COPY data; false on a failure, after which the
 * connection is left mid-COPY and must be closed (a->broken) */
static bool
send_rows(PGconn *pg, const char *const *docs, const int64_t *line_nos, size_t n, gps_error *err,
		  attempt *a)
{
	gpsi_buf	b;

	gpsi_buf_init(&b);
	gpsi_buf_put(&b, copy_header, sizeof(copy_header));
	for (size_t i = 0; i <= n; i++)
	{
		if (i < n)
		{
			size_t		len = strlen(docs[i]);
			unsigned char t[2 + 4 + 8 + 4];
			uint64_t	v = (uint64_t) line_nos[i];

			if (len > (size_t) INT32_MAX)
			{
				gpsi_buf_free(&b);
				a->st = gpsi_error_set(err, GPS_INVALID_INPUT, "54000",
									   "record of line %" PRId64 " is too long", line_nos[i]);
				a->broken = true;
				return false;
			}
			/* a tuple: 2 fields; 8 bytes of line_no; the document's length */
			t[0] = 0;
			t[1] = 2;
			put_be32(t + 2, 8);
			for (int k = 0; k < 8; k++)
				t[6 + k] = (unsigned char) (v >> (56 - 8 * k));
			put_be32(t + 14, (uint32_t) len);
			gpsi_buf_put(&b, (const char *) t, sizeof(t));
			gpsi_buf_put(&b, docs[i], len);
		}
		else
			gpsi_buf_put(&b, "\377\377", 2);	/* the trailer: field count -1 */
		if (b.oom)
		{
			gpsi_buf_free(&b);
			a->st = gpsi_oom(err);
			a->broken = true;
			return false;
		}
		if (b.len >= COPY_CHUNK || i == n)
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
		  const int64_t *line_nos, size_t n, int replace, attempt *a, gps_error *err)
{
	PGconn	   *pg = conn->pg;
	PGresult   *res;
	bool		in_xact = false;

	if (!exec_ok(a, pg, "BEGIN", PGRES_COMMAND_OK, line_nos, n, err, NULL))
		return;
	in_xact = true;
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

	{
		const char *param = replace ? "true" : "false";

		res = PQexecParams(pg, kinds[kind].sql, 1, NULL, &param, NULL, NULL, 0);
	}
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		failed(a, pg, res, line_nos, n, err);
		if (a->lost)
			return;
		goto rollback;
	}
	if (PQntuples(res) != 1 || PQnfields(res) != 3)
	{
		PQclear(res);
		a->st = gpsi_error_set(err, GPS_INTERNAL, "", "gitproxy.import_%s() returned an unexpected result",
							   kinds[kind].name);
		goto rollback;
	}
	a->counts.inserted = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	a->counts.updated = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	a->counts.skipped = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
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
	gps_import_counts counts;
	gps_status	st = gps_import_records(client, kind, docs, line_nos, n, 0, &counts,
										error_line, err);

	if (inserted)
		*inserted = counts.inserted;
	if (updated)
		*updated = counts.updated;
	return st;
}

gps_status
gps_import_records(gps_client *client, gps_import_kind kind, const char *const *docs,
				   const int64_t *line_nos, size_t n, int replace, gps_import_counts *counts,
				   int64_t *error_line, gps_error *err)
{
	if (counts)
		memset(counts, 0, sizeof(*counts));
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
		run_batch(conn, kind, docs, line_nos, n, replace, &a, err);
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
			if (counts)
				*counts = a.counts;
		}
		else if (error_line)
			*error_line = a.error_line;
		return a.st;
	}
}
