/*
 * conn.c - configuration resolution and opening one connection: host by
 * host as libpq does (each host its own connect_timeout), application_name,
 * UTF8, an empty search_path set through pg_catalog.set_config, the
 * default statement_timeout and lock_timeout, and the extension version
 * handshake.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* connection attempt limit: connect_timeout from conninfo/env, else config;
 * in 64 bits, clamped (libpq's minimum is 2 s) */
static int64_t
connect_timeout_ms(gps_client *c, PGconn *pg)
{
	PQconninfoOption *opts = PQconninfo(pg);
	int64_t		ms = c->connect_timeout_ms;

	if (opts == NULL)
		return ms;
	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (strcmp(o->keyword, "connect_timeout") == 0 && o->val && *o->val)
		{
			long long	s = strtoll(o->val, NULL, 10);

			if (s > 0)
				ms = (s < 2 ? 2 : s > GPSI_MAX_TIMEOUT_MS / 1000 ? GPSI_MAX_TIMEOUT_MS / 1000 : s) * 1000;
		}
	}
	PQconninfoFree(opts);
	return ms;
}

int
gpsi_poll_ms(int64_t deadline)
{
	int64_t		left;

	if (deadline == INT64_MAX)
		return -1;
	left = deadline - gpsi_now_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int) left;
}

int64_t
gpsi_deadline(int64_t ms)
{
	int64_t		now = gpsi_now_ms();

	if (ms < 0 || ms >= GPSI_MAX_TIMEOUT_MS)
		ms = GPSI_MAX_TIMEOUT_MS;
	return now + ms;
}

/* the message of a failed attempt, libpq's wording; "" after OOM */
static void
attempt_failed(gpsi_buf *why, PGconn *pg, const char *what)
{
	if (pg == NULL)
	{
		why->oom = true;
		return;
	}
	if (what != NULL)
		gpsi_buf_printf(why, "connection to server at \"%s\", port %s failed: %s\n",
						PQhost(pg) ? PQhost(pg) : "", PQport(pg) ? PQport(pg) : "", what);
	else
		gpsi_buf_puts(why, PQerrorMessage(pg));
	PQfinish(pg);
}

/*
 * One connection attempt with the given parameters, under its own
 * connect_timeout.  NULL on failure, with libpq's message appended to why.
 */
static PGconn *
connect_once(gps_client *c, const char *const *keys, const char *const *vals, gpsi_buf *why)
{
	PGconn	   *pg;
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	int64_t		deadline;

	pg = PQconnectStartParams(keys, vals, 1);
	if (pg == NULL || PQstatus(pg) == CONNECTION_BAD)
	{
		attempt_failed(why, pg, NULL);
		return NULL;
	}
	/* before any server message can arrive: libpq would print notices */
	PQsetNoticeReceiver(pg, notice_receiver, c);
	deadline = gpsi_deadline(connect_timeout_ms(c, pg));
	while (ps != PGRES_POLLING_OK)
	{
		struct pollfd pfd;
		int			rc;

		if (ps == PGRES_POLLING_FAILED)
		{
			attempt_failed(why, pg, NULL);
			return NULL;
		}
		if (gpsi_now_ms() >= deadline)
		{
			attempt_failed(why, pg, "timeout expired");
			return NULL;
		}
		pfd.fd = PQsocket(pg);
		pfd.events = (ps == PGRES_POLLING_READING) ? POLLIN : POLLOUT;
		pfd.revents = 0;
		if (pfd.fd < 0)
		{
			attempt_failed(why, pg, NULL);
			return NULL;
		}
		rc = poll(&pfd, 1, gpsi_poll_ms(deadline));
		if (rc < 0 && errno != EINTR)
		{
			attempt_failed(why, pg, strerror(errno));
			return NULL;
		}
		if (rc <= 0)
			continue;
		ps = PQconnectPoll(pg);
	}
	return pg;
}

/* split a comma-separated libpq list in place; returns the count (0 for
 * NULL or "") */
static int
split_list(char *s, char **items, int max)
{
	int			n = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (;;)
	{
		char	   *comma = strchr(s, ',');

		if (n == max)
			return max + 1;
		items[n++] = s;
		if (comma == NULL)
			return n;
		*comma = '\0';
		s = comma + 1;
	}
}

#define MAX_HOSTS 64

/* where to connect: the libpq options that list hosts, from the
 * connection string, else from the environment (as libpq) */
typedef struct host_plan
{
	char	   *host;			/* owned copies, split in place */
	char	   *hostaddr;
	char	   *port;
	char	   *tsa;			/* target_session_attrs */
	char	   *lbh;			/* load_balance_hosts (libpq >= 16) */
	char	   *hosts[MAX_HOSTS + 1];
	char	   *addrs[MAX_HOSTS + 1];
	char	   *ports[MAX_HOSTS + 1];
	int			n_hosts,
				n_addrs,
				n_ports;
} host_plan;

static char *
option_or_env(const PQconninfoOption *opts, const char *keyword, const char *env, bool *known)
{
	const char *v = NULL;

	*known = false;
	for (const PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0)
		{
			*known = true;
			v = o->val;
		}
	if (*known && (v == NULL || *v == '\0'))
		v = getenv(env);
	return (v != NULL && *v != '\0') ? strdup(v) : NULL;
}

static void
plan_free(host_plan *hp)
{
	free(hp->host);
	free(hp->hostaddr);
	free(hp->port);
	free(hp->tsa);
	free(hp->lbh);
}

/*
 * Read the host lists.  Returns the number of host entries to try one by
 * one, or 1 when libpq is to be given the options unchanged (one host, a
 * service file, lists libpq will refuse itself).
 */
static int
make_plan(gps_client *c, host_plan *hp)
{
	PQconninfoOption *opts = NULL;
	bool		known;
	int			n;

	memset(hp, 0, sizeof(*hp));
	if (c->conninfo != NULL && (opts = PQconninfoParse(c->conninfo, NULL)) == NULL)
		return 1;
	if (opts == NULL && (opts = PQconndefaults()) == NULL)
		return 1;
	/* with a service the lists may come from the service file: libpq alone */
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "service") == 0 &&
			((o->val && *o->val) || (getenv("PGSERVICE") && *getenv("PGSERVICE"))))
		{
			PQconninfoFree(opts);
			return 1;
		}
	hp->host = option_or_env(opts, "host", "PGHOST", &known);
	hp->hostaddr = option_or_env(opts, "hostaddr", "PGHOSTADDR", &known);
	hp->port = option_or_env(opts, "port", "PGPORT", &known);
	hp->tsa = option_or_env(opts, "target_session_attrs", "PGTARGETSESSIONATTRS", &known);
	hp->lbh = option_or_env(opts, "load_balance_hosts", "PGLOADBALANCEHOSTS", &known);
	PQconninfoFree(opts);
	hp->n_hosts = split_list(hp->host, hp->hosts, MAX_HOSTS);
	hp->n_addrs = split_list(hp->hostaddr, hp->addrs, MAX_HOSTS);
	hp->n_ports = split_list(hp->port, hp->ports, MAX_HOSTS);
	n = hp->n_hosts > hp->n_addrs ? hp->n_hosts : hp->n_addrs;
	if (n <= 1 || n > MAX_HOSTS || hp->n_ports > MAX_HOSTS ||
		(hp->n_hosts > 0 && hp->n_addrs > 0 && hp->n_hosts != hp->n_addrs) ||
		(hp->n_ports > 1 && hp->n_ports != n))
		return 1;
	return n;
}

/* Fisher-Yates with a generator seeded per call (load_balance_hosts=random) */
static void
shuffle(int *order, int n)
{
	struct timespec ts;
	uint64_t	x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = ((uint64_t) ts.tv_nsec << 20) ^ (uint64_t) ts.tv_sec ^ ((uint64_t) getpid() << 40) ^
		(uint64_t) (uintptr_t) order;
	for (int i = n - 1; i > 0; i--)
	{
		int			j;
		int			t;

		/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (int) (x % (uint64_t) (i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/*
 * Connect as libpq would, host by host: each entry of a host/hostaddr list
 * is its own attempt with its own connect_timeout (libpq's blocking
 * connect does the same; its PQconnectPoll, which the library drives so
 * that nothing is printed and every wait is bounded, applies no timeout at
 * all).  target_session_attrs is checked by libpq on each host;
 * prefer-standby takes two rounds (a standby, then any host);
 * load_balance_hosts=random (libpq 16 and later) shuffles the order.
 */
static PGconn *
connect_hosts(gps_client *c, const char **keys, const char **vals, int n, gpsi_buf *why)
{
	host_plan	hp;
	int			hosts = make_plan(c, &hp);
	int			order[MAX_HOSTS];
	const char *rounds[2] = {NULL, NULL};
	int			n_rounds = 1;
	PGconn	   *pg = NULL;

	if (hosts <= 1)
	{
		plan_free(&hp);
		return connect_once(c, keys, vals, why);
	}
	for (int i = 0; i < hosts; i++)
		order[i] = i;
	if (hp.lbh != NULL && strcmp(hp.lbh, "random") == 0)
		shuffle(order, hosts);
	if (hp.tsa != NULL && strcmp(hp.tsa, "prefer-standby") == 0)
	{
		rounds[0] = "standby";
		rounds[1] = "any";
		n_rounds = 2;
	}
	for (int r = 0; r < n_rounds && pg == NULL && !why->oom; r++)
	{
		for (int k = 0; k < hosts && pg == NULL && !why->oom; k++)
		{
			int			i = order[k];
			int			m = n;

			/* after dbname: these override the connection string */
			if (hp.n_hosts > 0)
			{
				keys[m] = "host";
				vals[m++] = hp.hosts[i];
			}
			if (hp.n_addrs > 0)
			{
				keys[m] = "hostaddr";
				vals[m++] = hp.addrs[i];
			}
			if (hp.n_ports > 0)
			{
				keys[m] = "port";
				vals[m++] = hp.ports[hp.n_ports > 1 ? i : 0];
			}
			if (rounds[r] != NULL)
			{
				keys[m] = "target_session_attrs";
				vals[m++] = rounds[r];
			}
			keys[m] = NULL;
			vals[m] = NULL;
			pg = connect_once(c, keys, vals, why);
		}
	}
	keys[n] = NULL;
	vals[n] = NULL;
	plan_free(&hp);
	return pg;
}

#define HANDSHAKE_SQL \
	"SELECT pg_catalog.set_config('search_path', '', false), " \
	"(SELECT e.extversion FROM pg_catalog.pg_extension e " \
	"WHERE e.extname OPERATOR(pg_catalog.=) 'gitproxy_sink'), " \
	"pg_catalog.current_database(), " \
	TIMEOUT_SQL("statement_timeout", "$1") ", " \
	TIMEOUT_SQL("lock_timeout", "$2")

/*
 * Set a timeout GUC to the configured milliseconds (NULL = leave it) unless
 * the connection string or PGOPTIONS set it (source "client"); the value in
 * force is returned in milliseconds.
 */
#define TIMEOUT_SQL(name, param) \
	"(SELECT CASE WHEN s.source OPERATOR(pg_catalog.=) 'client' OR " param "::pg_catalog.text IS NULL " \
	"THEN s.setting ELSE pg_catalog.left(pg_catalog.set_config(s.name, " param ", false), 0) " \
	"OPERATOR(pg_catalog.||) " param " END " \
	"FROM pg_catalog.pg_settings s WHERE s.name OPERATOR(pg_catalog.=) '" name "')"

static gps_status
setup_failed(gps_client *c, PGconn *pg, PGresult *res, gps_status st)
{
	PQclear(res);
	PQfinish(pg);
	(void) c;
	return st;
}

gps_status
gpsi_connect(gps_client *c, PGconn **out, int64_t *statement_timeout_ms, gps_error *err)
{
	/* 4 base entries, 4 per-host overrides, the terminator */
	const char *keys[10];
	const char *vals[10];
	int			n = 0;
	PGconn	   *pg;
	PGresult   *res;
	gps_status	st;
	gpsi_buf	why;
	char		stmt_ms[24],
				lock_ms[24];
	const char *params[2];
	bool		timed_out = false;

	*out = NULL;
	*statement_timeout_ms = 0;
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

	gpsi_buf_init(&why);
	pg = connect_hosts(c, keys, vals, n, &why);
	if (pg == NULL)
	{
		if (why.oom)
		{
			gpsi_buf_free(&why);
			return gpsi_oom(err);
		}
		gpsi_buf_put(&why, "", 1);	/* NUL-terminate */
		st = gpsi_error_set(err, GPS_UNAVAILABLE, "", "could not connect to the database: %s",
							why.data ? why.data : "");
		gpsi_log(c, GPS_LOG_ERROR, "could not connect to the database: %s", why.data ? why.data : "");
		gpsi_buf_free(&why);
		return st;
	}
	gpsi_buf_free(&why);

	snprintf(stmt_ms, sizeof(stmt_ms), "%d", c->statement_timeout_ms);
	snprintf(lock_ms, sizeof(lock_ms), "%d", c->lock_timeout_ms);
	params[0] = c->statement_timeout_ms > 0 ? stmt_ms : NULL;
	params[1] = c->lock_timeout_ms > 0 ? lock_ms : NULL;
	res = gpsi_exec(c, pg, HANDSHAKE_SQL, 2, NULL, params, gpsi_deadline(c->connect_timeout_ms),
					&timed_out);
	if (timed_out)
	{
		st = gpsi_error_set(err, GPS_UNAVAILABLE, "",
							"connection setup timed out: no answer from the server within %d ms "
							"(connect_timeout_ms)", c->connect_timeout_ms);
		gpsi_log(c, GPS_LOG_ERROR, "%s", err ? err->message : "connection setup timed out");
		return setup_failed(c, pg, res, st);
	}
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		st = gpsi_error_from_result(err, res, pg);
		gpsi_log(c, GPS_LOG_ERROR, "connection setup failed: %s", err ? err->message : "");
		return setup_failed(c, pg, res, st);
	}
	if (PQgetisnull(res, 0, 1))
	{
		st = gpsi_error_set(err, GPS_UNAVAILABLE, "",
							"extension gitproxy_sink is not installed in database \"%s\": "
							"run CREATE EXTENSION gitproxy_sink",
							PQgetvalue(res, 0, 2));
		return setup_failed(c, pg, res, st);
	}
	if (version_cmp(PQgetvalue(res, 0, 1), GPS_REQUIRED_EXTENSION_VERSION) < 0)
	{
		st = gpsi_error_set(err, GPS_UNAVAILABLE, "",
							"extension gitproxy_sink version %s in database \"%s\" is older than "
							"version " GPS_REQUIRED_EXTENSION_VERSION
							" required by libgitproxy_sink: run ALTER EXTENSION gitproxy_sink UPDATE",
							PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
		return setup_failed(c, pg, res, st);
	}
	*statement_timeout_ms = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	gpsi_log(c, GPS_LOG_DEBUG, "connected to database \"%s\" (backend pid %d, extension %s, "
			 "statement_timeout %s ms, lock_timeout %s ms)",
			 PQgetvalue(res, 0, 2), PQbackendPID(pg), PQgetvalue(res, 0, 1),
			 PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
	PQclear(res);
	*out = pg;
	return GPS_OK;
}
