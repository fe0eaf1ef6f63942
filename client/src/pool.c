/*
 * pool.c - the client object and its thread-safe connection pool.
 *
 * Idle connections are kept in a LIFO list.  Taking one vets it first:
 * closed when older than max_lifetime_ms, or when its socket shows that the
 * server closed it, or when a liveness round trip fails (done when it was
 * idle longer than idle_check_ms, or idle since a lost connection was
 * noticed anywhere in the pool).  When none is idle and max_size are open,
 * the caller waits at most acquire_timeout_ms.  Connections are opened and
 * closed outside the pool lock.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

const char *
gps_version(void)
{
	return GPS_LIBRARY_VERSION;
}

void
gps_free(void *ptr)
{
	free(ptr);
}

int64_t
gpsi_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
gpsi_log(gps_client *c, gps_log_level level, const char *fmt,...)
{
	char		msg[1024];
	va_list		ap;
	size_t		n;

	if (c == NULL || c->log_fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	c->log_fn(c->log_arg, level, msg);
}

void
gps_config_init(gps_config *cfg)
{
	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_size = 1;
	cfg->max_size = 10;
	cfg->acquire_timeout_ms = 5000;
	cfg->connect_timeout_ms = 10000;
	cfg->max_lifetime_ms = 30 * 60 * 1000;
	cfg->idle_check_ms = 30000;
}

static void
close_conn(gps_client *c, gpsi_conn *conn, const char *why)
{
	gpsi_log(c, GPS_LOG_DEBUG, "closing connection (backend pid %d): %s",
			 PQbackendPID(conn->pg), why);
	PQfinish(conn->pg);
	free(conn);
}

/* a connection left the pool for good: update the counters */
static void
count_closed(gps_client *c, bool discarded)
{
	pthread_mutex_lock(&c->mu);
	c->n_total--;
	if (discarded)
		c->discarded++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static bool
lifetime_over(gps_client *c, gpsi_conn *conn, int64_t now)
{
	return c->max_lifetime_ms > 0 && now - conn->created_ms >= c->max_lifetime_ms;
}

/*
 * Is this idle connection fit for use?  Returns NULL if so, else why not.
 * *checked tells whether a liveness round trip was made.
 */
static const char *
vet(gps_client *c, gpsi_conn *conn, bool check, int64_t suspect_before, bool *checked)
{
	int64_t		now = gpsi_now_ms();
	struct pollfd pfd;

	*checked = false;
	if (lifetime_over(c, conn, now))
		return "maximum lifetime reached";
	if (PQstatus(conn->pg) != CONNECTION_OK)
		return "connection broken";
	/* readable while idle: the server sent something, usually its goodbye */
	pfd.fd = PQsocket(conn->pg);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		return "connection broken";
	if (poll(&pfd, 1, 0) > 0)
	{
		if (!PQconsumeInput(conn->pg) || PQstatus(conn->pg) != CONNECTION_OK)
			return "closed by the server";
		for (PGnotify *n; (n = PQnotifies(conn->pg)) != NULL;)
			PQfreemem(n);
		/* the server spoke unasked (typically a FATAL message before it
		 * closes the connection): make sure with a round trip */
		check = true;
	}
	if (check || conn->last_used_ms <= suspect_before ||
		(c->idle_check_ms >= 0 && now - conn->last_used_ms >= c->idle_check_ms))
	{
		PGresult   *res = PQexec(conn->pg, "");
		bool		ok = res != NULL && PQresultStatus(res) == PGRES_EMPTY_QUERY;

		*checked = true;
		PQclear(res);
		if (!ok || PQstatus(conn->pg) != CONNECTION_OK)
			return "liveness check failed";
	}
	return NULL;
}

/* open a new connection for a slot already counted in n_total */
static gps_status
open_conn(gps_client *c, gpsi_conn **out, gps_error *err)
{
	PGconn	   *pg;
	gps_status	st = gpsi_connect(c, &pg, err);
	gpsi_conn  *conn;

	if (st != GPS_OK)
	{
		count_closed(c, false);
		return st;
	}
	conn = malloc(sizeof(*conn));
	if (conn == NULL)
	{
		PQfinish(pg);
		count_closed(c, false);
		return gpsi_oom(err);
	}
	conn->pg = pg;
	conn->created_ms = conn->last_used_ms = gpsi_now_ms();
	conn->next = NULL;
	pthread_mutex_lock(&c->mu);
	c->created++;
	pthread_mutex_unlock(&c->mu);
	*out = conn;
	return GPS_OK;
}

gps_status
gpsi_acquire(gps_client *c, bool fresh, bool check, gpsi_conn **out, gps_error *err)
{
	int64_t		deadline = gpsi_now_ms() + c->acquire_timeout_ms;
	struct timespec abstime;
	bool		timed_out = false;

	*out = NULL;
	clock_gettime(CLOCK_MONOTONIC, &abstime);
	abstime.tv_sec += c->acquire_timeout_ms / 1000;
	abstime.tv_nsec += (long) (c->acquire_timeout_ms % 1000) * 1000000L;
	if (abstime.tv_nsec >= 1000000000L)
	{
		abstime.tv_sec++;
		abstime.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&c->mu);
	for (;;)
	{
		if (c->idle != NULL && (!fresh || c->n_total >= c->max_size))
		{
			gpsi_conn  *conn = c->idle;
			int64_t		suspect = c->suspect_before_ms;
			const char *why;
			bool		checked = false;

			c->idle = conn->next;
			c->n_idle--;
			pthread_mutex_unlock(&c->mu);
			if (fresh)
				why = "making room for a new connection";
			else
				why = vet(c, conn, check, suspect, &checked);
			if (!fresh && checked)
			{
				pthread_mutex_lock(&c->mu);
				c->checks++;
				pthread_mutex_unlock(&c->mu);
			}
			if (why == NULL)
			{
				conn->next = NULL;
				*out = conn;
				return GPS_OK;
			}
			close_conn(c, conn, why);
			pthread_mutex_lock(&c->mu);
			c->n_total--;
			c->discarded++;
			continue;
		}
		if (c->n_total < c->max_size)
		{
			c->n_total++;
			pthread_mutex_unlock(&c->mu);
			return open_conn(c, out, err);
		}
		if (timed_out || gpsi_now_ms() >= deadline)
		{
			int			max = c->max_size;

			pthread_mutex_unlock(&c->mu);
			return gpsi_error_set(err, GPS_UNAVAILABLE, "",
								  "connection pool exhausted: all %d connections stayed in use "
								  "for %d ms (acquire_timeout_ms)", max, c->acquire_timeout_ms);
		}
		c->n_waiting++;
		if (pthread_cond_timedwait(&c->cv, &c->mu, &abstime) == ETIMEDOUT)
			timed_out = true;
		c->n_waiting--;
	}
}

void
gpsi_release(gps_client *c, gpsi_conn *conn, bool broken)
{
	const char *why = NULL;

	if (broken || PQstatus(conn->pg) != CONNECTION_OK)
		why = "connection lost";
	else if (PQtransactionStatus(conn->pg) != PQTRANS_IDLE)
		why = "left in a transaction";
	else if (lifetime_over(c, conn, gpsi_now_ms()))
		why = "maximum lifetime reached";
	if (why != NULL)
	{
		close_conn(c, conn, why);
		count_closed(c, true);
		return;
	}
	conn->last_used_ms = gpsi_now_ms();
	pthread_mutex_lock(&c->mu);
	conn->next = c->idle;
	c->idle = conn;
	c->n_idle++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void
gpsi_pool_suspect(gps_client *c)
{
	pthread_mutex_lock(&c->mu);
	c->suspect_before_ms = gpsi_now_ms();
	pthread_mutex_unlock(&c->mu);
}

void
gpsi_pool_count_retry(gps_client *c)
{
	pthread_mutex_lock(&c->mu);
	c->retries++;
	pthread_mutex_unlock(&c->mu);
}

gps_status
gps_pool_status(gps_client *c, gps_pool_stats *out)
{
	if (c == NULL || out == NULL)
		return GPS_INVALID_INPUT;
	pthread_mutex_lock(&c->mu);
	out->size = c->n_total;
	out->idle = c->n_idle;
	out->in_use = c->n_total - c->n_idle;
	out->waiting = c->n_waiting;
	out->created = c->created;
	out->discarded = c->discarded;
	out->liveness_checks = c->checks;
	out->retries = c->retries;
	pthread_mutex_unlock(&c->mu);
	return GPS_OK;
}

static gps_status
check_config(const gps_config *cfg, gps_error *err)
{
	const char *bad = NULL;

	if (cfg->max_size < 1)
		bad = "max_size must be at least 1";
	else if (cfg->min_size < 0 || cfg->min_size > cfg->max_size)
		bad = "min_size must be between 0 and max_size";
	else if (cfg->acquire_timeout_ms < 0)
		bad = "acquire_timeout_ms must not be negative";
	else if (cfg->connect_timeout_ms <= 0)
		bad = "connect_timeout_ms must be positive";
	if (bad)
		return gpsi_error_set(err, GPS_INVALID_INPUT, "", "invalid pool settings: %s", bad);
	return GPS_OK;
}

gps_status
gps_open(const gps_config *cfg, gps_client **out, gps_error *err)
{
	gps_config	defaults;
	gps_client *c;
	gps_status	st;
	pthread_condattr_t ca;

	gpsi_error_clear(err);
	if (out == NULL)
		return gpsi_error_set(err, GPS_INVALID_INPUT, "", "out must not be NULL");
	*out = NULL;
	if (cfg == NULL)
	{
		gps_config_init(&defaults);
		cfg = &defaults;
	}
	st = check_config(cfg, err);
	if (st != GPS_OK)
		return st;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return gpsi_oom(err);
	st = gpsi_resolve_conninfo(cfg->conninfo, &c->conninfo, err);
	if (st != GPS_OK)
	{
		free(c);
		return st;
	}
	if (cfg->application_name != NULL && (c->application_name = strdup(cfg->application_name)) == NULL)
	{
		free(c->conninfo);
		free(c);
		return gpsi_oom(err);
	}
	c->min_size = cfg->min_size;
	c->max_size = cfg->max_size;
	c->acquire_timeout_ms = cfg->acquire_timeout_ms;
	c->connect_timeout_ms = cfg->connect_timeout_ms;
	c->max_lifetime_ms = cfg->max_lifetime_ms;
	c->idle_check_ms = cfg->idle_check_ms;
	c->log_fn = cfg->log_fn;
	c->log_arg = cfg->log_arg;
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);

	for (int i = 0; i < c->min_size; i++)
	{
		gpsi_conn  *conn;

		pthread_mutex_lock(&c->mu);
		c->n_total++;
		pthread_mutex_unlock(&c->mu);
		st = open_conn(c, &conn, err);
		if (st != GPS_OK)
		{
			gps_close(c);
			return st;
		}
		gpsi_release(c, conn, false);
	}
	*out = c;
	return GPS_OK;
}

void
gps_close(gps_client *c)
{
	gpsi_conn  *conn;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	conn = c->idle;
	c->idle = NULL;
	c->n_idle = 0;
	pthread_mutex_unlock(&c->mu);
	while (conn != NULL)
	{
		gpsi_conn  *next = conn->next;

		PQfinish(conn->pg);
		free(conn);
		conn = next;
	}
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->conninfo);
	free(c->application_name);
	free(c);
}
