/*
 * call.c - run one statement on a pooled connection, with the retry-once
 * policy: when the server connection is lost during the call, an idempotent
 * or read-only method is repeated once on a freshly opened connection; any
 * other method fails with GPS_UNAVAILABLE (its write may or may not have
 * happened).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* how long a cancel request may take (it opens a connection of its own) */
#define CANCEL_TIMEOUT_MS 2000

/*
 * Ask the server to cancel the query running on pg.  libpq 17 has a
 * non-blocking cancel, bounded here; older libpq only has PQcancel, which
 * blocks for as long as connecting to the server takes.
 */
static void
cancel_query(gps_client *c, PGconn *pg)
{
#ifdef LIBPQ_HAS_ASYNC_CANCEL
	PGcancelConn *cc = PQcancelCreate(pg);
	int64_t		deadline = gpsi_deadline(CANCEL_TIMEOUT_MS);
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	bool		ok = false;

	if (cc != NULL && PQcancelStart(cc))
	{
		while (ps != PGRES_POLLING_OK && ps != PGRES_POLLING_FAILED && gpsi_now_ms() < deadline)
		{
			struct pollfd pfd;

			pfd.fd = PQcancelSocket(cc);
			pfd.events = ps == PGRES_POLLING_READING ? POLLIN : POLLOUT;
			pfd.revents = 0;
			if (pfd.fd < 0)
				break;
			if (poll(&pfd, 1, gpsi_poll_ms(deadline)) > 0)
				ps = PQcancelPoll(cc);
		}
		ok = ps == PGRES_POLLING_OK;
	}
	if (!ok)
		gpsi_log(c, GPS_LOG_WARNING, "could not send a cancel request: %s",
				 cc ? PQcancelErrorMessage(cc) : "out of memory");
	PQcancelFinish(cc);
#else
	PGcancel   *k = PQgetCancel(pg);
	char		errbuf[256];

	if (k == NULL || !PQcancel(k, errbuf, sizeof(errbuf)))
		gpsi_log(c, GPS_LOG_WARNING, "could not send a cancel request: %s",
				 k ? errbuf : "no connection");
	PQfreeCancel(k);
#endif
}

/* wait until pg's socket is ready for events or the deadline passes;
 * false on timeout */
static bool
wait_socket(PGconn *pg, short events, int64_t deadline)
{
	struct pollfd pfd;

	for (;;)
	{
		int			rc;

		pfd.fd = PQsocket(pg);
		pfd.events = events;
		pfd.revents = 0;
		if (pfd.fd < 0)
			return true;		/* broken: libpq reports it */
		rc = poll(&pfd, 1, gpsi_poll_ms(deadline));
		if (rc > 0)
			return true;
		if (rc == 0 || errno != EINTR)
			return rc != 0;
		if (gpsi_now_ms() >= deadline)
			return false;
	}
}

int64_t
gpsi_call_deadline(const gpsi_conn *conn)
{
	return conn->call_limit_ms > 0 ? gpsi_deadline(conn->call_limit_ms) : INT64_MAX;
}

PGresult *
gpsi_exec(gps_client *c, PGconn *pg, const char *sql, int nparams, const Oid *types,
		  const char *const *values, int64_t deadline, bool *timed_out)
{
	PGresult   *keep = NULL;
	int			flushed;

	*timed_out = false;
	/* non-blocking while sending: a server that reads nothing must not
	 * hold the caller past the deadline */
	if (PQsetnonblocking(pg, 1) != 0)
		return NULL;
	if (!PQsendQueryParams(pg, sql, nparams, types, values, NULL, NULL, 0))
	{
		PQsetnonblocking(pg, 0);
		return NULL;
	}
	while ((flushed = PQflush(pg)) == 1)
	{
		if (!wait_socket(pg, POLLOUT | POLLIN, deadline))
			goto timeout;
		if (!PQconsumeInput(pg))
			break;
	}
	PQsetnonblocking(pg, 0);
	if (flushed < 0)
		return NULL;
	for (;;)
	{
		PGresult   *r;

		while (PQisBusy(pg))
		{
			if (!wait_socket(pg, POLLIN, deadline))
				goto timeout;
			if (!PQconsumeInput(pg))
				break;
		}
		r = PQgetResult(pg);
		if (r == NULL)
			break;
		/* as PQexec: the last result, but an error wins */
		if (keep != NULL && PQresultStatus(keep) == PGRES_FATAL_ERROR)
			PQclear(r);
		else
		{
			PQclear(keep);
			keep = r;
		}
		if (PQstatus(pg) == CONNECTION_BAD)
			break;
	}
	return keep;

timeout:
	PQsetnonblocking(pg, 0);
	PQclear(keep);
	*timed_out = true;
	gpsi_log(c, GPS_LOG_WARNING, "no answer from the server (backend pid %d) in time: cancelling the query",
			 PQbackendPID(pg));
	cancel_query(c, pg);
	return NULL;
}

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
		bool		timed_out;
		int64_t		limit;
		gps_status	st = gpsi_acquire(c, attempt > 0, check, &conn, err);

		if (st != GPS_OK)
			return st;
		limit = conn->call_limit_ms;
		r = gpsi_exec(c, conn->pg, m->sql, m->nparams, m->types, values, gpsi_call_deadline(conn),
					  &timed_out);
		if (timed_out)
		{
			/* cancelled; the connection may still carry the answer: close */
			gpsi_release(c, conn, true);
			return gpsi_error_set(err, GPS_TIMEOUT, "",
								  "%s: no answer from the server within %lld ms (statement_timeout "
								  "plus %d ms); the query was cancelled%s", m->name,
								  (long long) limit, GPSI_CALL_GRACE_MS,
								  m->idempotent ? "" : " and may or may not have been applied");
		}
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

			gpsi_copy_text(why, sizeof(why), r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r)
						   : PQerrorMessage(conn->pg));
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

/* one statement of a paged call; GPS_OK with *res, else err filled and
 * *lost set when the connection is gone (conn must then be closed) */
static gps_status
page_exec(gps_client *c, gpsi_conn *conn, const gpsi_method *m, const char *sql, int nparams,
		  const char *const *values, PGresult **res, bool *lost, gps_error *err)
{
	bool		timed_out;
	ExecStatusType es;
	PGresult   *r = gpsi_exec(c, conn->pg, sql, nparams, m->types, values, gpsi_call_deadline(conn),
							  &timed_out);

	*res = NULL;
	*lost = false;
	if (timed_out)
	{
		*lost = true;
		return gpsi_error_set(err, GPS_TIMEOUT, "",
							  "%s: no answer from the server within %lld ms (statement_timeout "
							  "plus %d ms); the query was cancelled", m->name,
							  (long long) conn->call_limit_ms, GPSI_CALL_GRACE_MS);
	}
	es = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (es == PGRES_TUPLES_OK || es == PGRES_COMMAND_OK)
	{
		*res = r;
		return GPS_OK;
	}
	if (gpsi_connection_lost(conn->pg, r))
	{
		char		why[512];

		gpsi_copy_text(why, sizeof(why), r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r)
					   : PQerrorMessage(conn->pg));
		*lost = true;
		PQclear(r);
		return gpsi_error_set(err, GPS_UNAVAILABLE, "", "%s", why);
	}
	{
		gps_status	st = gpsi_error_from_result(err, r, conn->pg);

		PQclear(r);
		return st;
	}
}

gps_status
gpsi_call_pages(gps_client *c, const gpsi_method *m, const char **values, int cursor_param,
				gpsi_page_fn page, gpsi_restart_fn restart, void *arg, gps_error *err)
{
	const char *first_cursor;
	gps_error	own;

	if (err == NULL)
		err = &own;				/* its message is needed below */
	if (c == NULL)
		return gpsi_error_set(err, GPS_INVALID_INPUT, "", "client must not be NULL");
	first_cursor = values[cursor_param];
	for (int attempt = 0;; attempt++)
	{
		gpsi_conn  *conn;
		PGresult   *r;
		bool		lost = false;
		bool		done = false;
		gps_status	st = gpsi_acquire(c, attempt > 0, false, &conn, err);

		if (st != GPS_OK)
			return st;
		values[cursor_param] = first_cursor;
		if (attempt > 0)
			restart(arg);
		/* one snapshot for every page, as one statement would read */
		st = page_exec(c, conn, m, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, &r,
					   &lost, err);
		PQclear(r);
		while (st == GPS_OK && !done)
		{
			st = page_exec(c, conn, m, m->sql, m->nparams, values, &r, &lost, err);
			if (st == GPS_OK)
			{
				st = page(arg, r, &values[cursor_param], &done, err);
				PQclear(r);
			}
		}
		if (!lost)
		{
			gps_error	local;
			bool		failed = st != GPS_OK;

			/* COMMIT after the last page, ROLLBACK after an error (the
			 * caller gets the first error, never a retry for it) */
			if (page_exec(c, conn, m, failed ? "ROLLBACK" : "COMMIT", 0, NULL, &r, &lost,
						  failed ? &local : err) == GPS_OK)
				PQclear(r);
			else if (!failed)
				st = err->category;
			if (failed)
			{
				gpsi_release(c, conn, lost);
				return st;
			}
		}
		if (!lost)
		{
			gpsi_release(c, conn, false);
			if (st == GPS_OK)
				gpsi_error_clear(err);
			return st;
		}
		gpsi_release(c, conn, true);
		if (st == GPS_TIMEOUT)
			return st;
		gpsi_pool_suspect(c);
		if (attempt == 0)
		{
			gpsi_pool_count_retry(c);
			gpsi_log(c, GPS_LOG_WARNING, "connection lost during %s, retrying once on a new connection: %s",
					 m->name, err->message);
			continue;
		}
		{
			char		why[sizeof(err->message)];

			gpsi_copy_text(why, sizeof(why), err->message);
			return gpsi_error_set(err, GPS_UNAVAILABLE, "",
								  "connection to the server lost during %s (also on retry): %s",
								  m->name, why);
		}
	}
}
