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
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int) sizeof(msg))
		msg[gpsi_utf8_clip(msg, strlen(msg))] = '\0';	/* cut inside a character */
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
	cfg->statement_timeout_ms = 30000;
	cfg->lock_timeout_ms = 5000;
}

/*
 * Fork safety.  A child inherits the parent's sockets: PQfinish there would
 * send Terminate on the parent's server sessions, and any use would mix
 * both processes' messages on one socket.  So a connection opened by
 * another process is abandoned: /dev/null is put in place of its socket
 * (dup2 keeps the descriptor number libpq knows), and PQfinish then frees
 * libpq's memory and "sends" its Terminate into /dev/null; the parent's
 * socket and server session are untouched.  (Not calling PQfinish at all,
 * as psycopg does in a child, would leak the PGconn.)
 */
void
gpsi_abandon(PGconn *pg)
{
	int			fd = PQsocket(pg);

	if (fd >= 0)
	{
		int			null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null_fd < 0 || dup2(null_fd, fd) < 0)
		{
			/* cannot swap: release this process's descriptor only and
			 * leave libpq's memory (a small leak beats a broken parent) */
			if (null_fd >= 0)
				close(null_fd);
			close(fd);
			return;
		}
		close(null_fd);
	}
	PQfinish(pg);
}

/*
 * First use of the pool in a forked child: forget the parent's
 * connections (abandoned when idle; those in use belong to the parent's
 * other threads, which do not exist here) and start an empty pool.
 */
static void
after_fork(gps_client *c)
{
	gpsi_conn  *conn;
	pid_t		me = getpid();

	pthread_mutex_lock(&c->mu);
	if (c->owner == me)
	{
		pthread_mutex_unlock(&c->mu);
		return;
	}
	conn = c->idle;
	c->idle = NULL;
	c->n_idle = 0;
	c->n_total = 0;
	c->n_waiting = 0;
	c->owner = me;
	pthread_mutex_unlock(&c->mu);
	while (conn != NULL)
	{
		gpsi_conn  *next = conn->next;

		gpsi_abandon(conn->pg);
		free(conn);
		conn = next;
	}
	gpsi_log(c, GPS_LOG_DEBUG, "forked: the parent's connections were dropped in process %d",
			 (int) me);
}

static void
close_conn(gps_client *c, gpsi_conn *conn, const char *why)
{
	gpsi_log(c, GPS_LOG_DEBUG, "closing connection (backend pid %d): %s",
			 PQbackendPID(conn->pg), why);
	if (conn->owner == getpid())
		PQfinish(conn->pg);
	else
		gpsi_abandon(conn->pg);
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
		bool		timed_out;
		PGresult   *res = gpsi_exec(c, conn->pg, "", 0, NULL, NULL,
									gpsi_deadline(c->connect_timeout_ms), &timed_out);
		bool		ok = res != NULL && PQresultStatus(res) == PGRES_EMPTY_QUERY;

		*checked = true;
		PQclear(res);
		if (timed_out)
			return "no answer to the liveness check";
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
	int64_t		stmt_ms;
	gps_status	st = gpsi_connect(c, &pg, &stmt_ms, err);
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
	conn->owner = getpid();
	/* the server's statement_timeout, else the configured one, plus the
	 * grace that lets the server's own error arrive first */
	if (stmt_ms <= 0)
		stmt_ms = c->statement_timeout_ms;
	conn->call_limit_ms = stmt_ms > 0 ? (stmt_ms > GPSI_MAX_TIMEOUT_MS ? GPSI_MAX_TIMEOUT_MS : stmt_ms)
		+ GPSI_CALL_GRACE_MS : 0;
	conn->created_ms = conn->last_used_ms = gpsi_now_ms();
	conn->import_staging = false;
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
	after_fork(c);
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

	if (conn->owner != getpid())
	{
		/* taken before a fork: the pool of this process does not count it */
		after_fork(c);
		gpsi_abandon(conn->pg);
		free(conn);
		return;
	}
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
	after_fork(c);
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
	else if (cfg->statement_timeout_ms < 0)
		bad = "statement_timeout_ms must not be negative";
	else if (cfg->lock_timeout_ms < 0)
		bad = "lock_timeout_ms must not be negative";
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
	c->statement_timeout_ms = cfg->statement_timeout_ms;
	c->lock_timeout_ms = cfg->lock_timeout_ms;
	c->owner = getpid();
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

		if (conn->owner == getpid())
			PQfinish(conn->pg);
		else
			gpsi_abandon(conn->pg);	/* the parent's, inherited by fork */
		free(conn);
		conn = next;
	}
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->conninfo);
	free(c->application_name);
	free(c);
}
