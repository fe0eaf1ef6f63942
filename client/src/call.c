/*
 * call.c - run one statement on a pooled connection, with the retry-once
 * policy: when the server connection is lost during the call, an idempotent
 * or read-only method is repeated once on a freshly opened connection; any
 * other method fails with GPS_UNAVAILABLE (its write may or may not have
 * happened).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "internal.h"

bool
gpsi_connection_lost(PGconn *pg, const PGresult *res)
{
	const char *s;

	if (PQstatus(pg) != CONNECTION_OK)
		return true;
	if (res == NULL)
		return false;			/* out of memory in libpq */
	s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return s != NULL && (strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 ||
						 strcmp(s, "57P02") == 0 || strcmp(s, "57P03") == 0);
}

gps_status
gpsi_call(gps_client *c, const gpsi_method *m, const char *const *values, bool check,
		  PGresult **res, gps_error *err)
{
	*res = NULL;
	if (c == NULL)
		return gpsi_error_set(err, GPS_INVALID_INPUT, "", "client must not be NULL");
	for (int attempt = 0;; attempt++)
	{
		gpsi_conn  *conn;
		PGresult   *r;
		ExecStatusType es;
		gps_status	st = gpsi_acquire(c, attempt > 0, check, &conn, err);

		if (st != GPS_OK)
			return st;
		r = PQexecParams(conn->pg, m->sql, m->nparams, m->types, values, NULL, NULL, 0);
		es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (es == PGRES_TUPLES_OK || es == PGRES_COMMAND_OK)
		{
			gpsi_release(c, conn, false);
			gpsi_error_clear(err);
			*res = r;
			return GPS_OK;
		}
		if (gpsi_connection_lost(conn->pg, r))
		{
			char		why[512];
			const char *msg = r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r)
				: PQerrorMessage(conn->pg);
			size_t		n;

			snprintf(why, sizeof(why), "%s", msg);
			n = strlen(why);
			while (n > 0 && (why[n - 1] == '\n' || why[n - 1] == ' '))
				why[--n] = '\0';
			PQclear(r);
			gpsi_release(c, conn, true);
			gpsi_pool_suspect(c);
			if (m->idempotent && attempt == 0)
			{
				gpsi_pool_count_retry(c);
				gpsi_log(c, GPS_LOG_WARNING, "connection lost during %s, retrying once on a new connection: %s",
						 m->name, why);
				continue;
			}
			if (m->idempotent)
				return gpsi_error_set(err, GPS_UNAVAILABLE, "",
									  "connection to the server lost during %s (also on retry): %s",
									  m->name, why);
			return gpsi_error_set(err, GPS_UNAVAILABLE, "",
								  "connection to the server lost during %s; it is not retried and "
								  "may or may not have been applied: %s", m->name, why);
		}
		st = gpsi_error_from_result(err, r, conn->pg);
		PQclear(r);
		gpsi_release(c, conn, false);
		return st;
	}
}
