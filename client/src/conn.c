/*
 * conn.c - configuration resolution and opening one connection:
 * application_name, UTF8, an empty search_path set through
 * pg_catalog.set_config and the extension version handshake.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ENV_CONNINFO "GIT_PROXY_POSTGRES_CONNECTION_STRING"

/* libpq variables that name a server (or a service that does). */
static const char *const server_env[] = {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"};

static gps_status
validate_conninfo(const char *conninfo, const char *origin, gps_error *err)
{
	char	   *errmsg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);

	if (opts == NULL)
	{
		gps_status	st;

		if (errmsg == NULL)
			return gpsi_oom(err);
		st = gpsi_error_set(err, GPS_INVALID_INPUT, "", "invalid connection string in %s: %s",
							origin, errmsg);
		PQfreemem(errmsg);
		return st;
	}
	PQconninfoFree(opts);
	return GPS_OK;
}

gps_status
gpsi_resolve_conninfo(const char *given, char **resolved, gps_error *err)
{
	const char *origin = "the configuration";
	gps_status	st;

	*resolved = NULL;
	if (given == NULL || *given == '\0')
	{
		given = getenv(ENV_CONNINFO);
		origin = ENV_CONNINFO;
	}
	if (given != NULL && *given != '\0')
	{
		st = validate_conninfo(given, origin, err);
		if (st != GPS_OK)
			return st;
		*resolved = strdup(given);
		return *resolved ? GPS_OK : gpsi_oom(err);
	}
	for (size_t i = 0; i < sizeof(server_env) / sizeof(server_env[0]); i++)
	{
		const char *v = getenv(server_env[i]);

		if (v != NULL && *v != '\0')
			return GPS_OK;		/* libpq's own environment names a server */
	}
	return gpsi_error_set(err, GPS_INVALID_INPUT, "",
						  "No database configured: pass a connection string (gps_config.conninfo, "
						  "gitproxy-sink --db), set " ENV_CONNINFO
						  ", or set one of PGHOST, PGHOSTADDR, PGPORT, PGDATABASE, PGSERVICE");
}

/* compare dotted numeric versions: <0, 0, >0 */
static int
version_cmp(const char *a, const char *b)
{
	while (*a || *b)
	{
		char	   *ea,
				   *eb;
		long		x = strtol(a, &ea, 10);
		long		y = strtol(b, &eb, 10);

		if (x != y)
			return x < y ? -1 : 1;
		a = (*ea == '.') ? ea + 1 : ea + strlen(ea);
		b = (*eb == '.') ? eb + 1 : eb + strlen(eb);
	}
	return 0;
}

static void
notice_receiver(void *arg, const PGresult *res)
{
	gps_client *c = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	gps_log_level level = GPS_LOG_INFO;

	if (sev != NULL && strcmp(sev, "WARNING") == 0)
		level = GPS_LOG_WARNING;
	else if (sev != NULL && (strcmp(sev, "DEBUG") == 0 || strcmp(sev, "LOG") == 0))
		level = GPS_LOG_DEBUG;
	gpsi_log(c, level, "server: %s", PQresultErrorMessage(res));
}

/* connection attempt limit: connect_timeout from conninfo/env, else config */
static int
connect_timeout_ms(gps_client *c, PGconn *pg)
{
	PQconninfoOption *opts = PQconninfo(pg);
	int			ms = c->connect_timeout_ms;

	if (opts == NULL)
		return ms;
	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && *o->val)
		{
			int			s = atoi(o->val);

			if (s > 0)
				ms = (s < 2 ? 2 : s) * 1000;	/* libpq's minimum is 2 s */
		}
	}
	PQconninfoFree(opts);
	return ms;
}

static gps_status
connect_failed(gps_client *c, PGconn *pg, gps_error *err, const char *what)
{
	const char *msg = pg ? PQerrorMessage(pg) : "";
	gps_status	st;

	if (pg == NULL)
		return gpsi_oom(err);
	st = gpsi_error_set(err, GPS_UNAVAILABLE, "", "could not connect to the database: %s%s%s",
						what ? what : "", (what && *msg) ? "; " : "", msg);
	gpsi_log(c, GPS_LOG_ERROR, "%s", err ? err->message : "could not connect to the database");
	PQfinish(pg);
	return st;
}

#define HANDSHAKE_SQL \
	"SELECT pg_catalog.set_config('search_path', '', false), " \
	"(SELECT e.extversion FROM pg_catalog.pg_extension e " \
	"WHERE e.extname OPERATOR(pg_catalog.=) 'gitproxy_sink'), " \
	"pg_catalog.current_database()"

gps_status
gpsi_connect(gps_client *c, PGconn **out, gps_error *err)
{
	const char *keys[6];
	const char *vals[6];
	int			n = 0;
	PGconn	   *pg;
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	int64_t		deadline;
	PGresult   *res;
	gps_status	st;

	*out = NULL;
	/* array entries before dbname yield to the connection string, later
	 * ones override it */
	if (c->application_name == NULL)
	{
		keys[n] = "fallback_application_name";
		vals[n++] = "gitproxy-sink";
	}
	if (c->conninfo != NULL)
	{
		keys[n] = "dbname";
		vals[n++] = c->conninfo;
	}
	if (c->application_name != NULL)
	{
		keys[n] = "application_name";
		vals[n++] = c->application_name;
	}
	keys[n] = "client_encoding";
	vals[n++] = "UTF8";
	keys[n] = NULL;
	vals[n] = NULL;

	pg = PQconnectStartParams(keys, vals, 1);
	if (pg == NULL || PQstatus(pg) == CONNECTION_BAD)
		return connect_failed(c, pg, err, NULL);
	/* before any server message can arrive: libpq would print notices */
	PQsetNoticeReceiver(pg, notice_receiver, c);
	deadline = gpsi_now_ms() + connect_timeout_ms(c, pg);
	while (ps != PGRES_POLLING_OK)
	{
		struct pollfd pfd;
		int64_t		left;
		int			rc;

		if (ps == PGRES_POLLING_FAILED)
			return connect_failed(c, pg, err, NULL);
		left = deadline - gpsi_now_ms();
		if (left <= 0)
			return connect_failed(c, pg, err, "timeout expired");
		pfd.fd = PQsocket(pg);
		pfd.events = (ps == PGRES_POLLING_READING) ? POLLIN : POLLOUT;
		pfd.revents = 0;
		if (pfd.fd < 0)
			return connect_failed(c, pg, err, NULL);
		rc = poll(&pfd, 1, (int) left);
		if (rc < 0 && errno != EINTR)
			return connect_failed(c, pg, err, strerror(errno));
		if (rc <= 0)
			continue;
		ps = PQconnectPoll(pg);
	}

	res = PQexec(pg, HANDSHAKE_SQL);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		st = gpsi_error_from_result(err, res, pg);
		gpsi_log(c, GPS_LOG_ERROR, "connection setup failed: %s", err ? err->message : "");
		PQclear(res);
		PQfinish(pg);
		return st;
	}
	if (PQgetisnull(res, 0, 1))
	{
		st = gpsi_error_set(err, GPS_UNAVAILABLE, "",
							"extension gitproxy_sink is not installed in database \"%s\": "
							"run CREATE EXTENSION gitproxy_sink",
							PQgetvalue(res, 0, 2));
		PQclear(res);
		PQfinish(pg);
		return st;
	}
	if (version_cmp(PQgetvalue(res, 0, 1), GPS_REQUIRED_EXTENSION_VERSION) < 0)
	{
		st = gpsi_error_set(err, GPS_UNAVAILABLE, "",
							"extension gitproxy_sink version %s in database \"%s\" is older than "
							"version " GPS_REQUIRED_EXTENSION_VERSION
							" required by libgitproxy_sink: run ALTER EXTENSION gitproxy_sink UPDATE",
							PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
		PQclear(res);
		PQfinish(pg);
		return st;
	}
	gpsi_log(c, GPS_LOG_DEBUG, "connected to database \"%s\" (backend pid %d, extension %s)",
			 PQgetvalue(res, 0, 2), PQbackendPID(pg), PQgetvalue(res, 0, 1));
	PQclear(res);
	*out = pg;
	return GPS_OK;
}
