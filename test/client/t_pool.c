/*
 * t_pool.c - connection pool behaviour: sizes and counters, acquire
 * timeout with the pool exhausted, maximum lifetime (recycling), liveness
 * checks, broken connections discarded and replaced, connection lost in
 * flight (retried once when idempotent, UNAVAILABLE otherwise), server
 * restart, and 16 threads hammering decisions and permission edits.
 */
#include "tests.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* wait until the admin query (one text parameter) returns >= want; returns
 * the last value */
static long long
wait_for(const char *sql, const char *param, long long want, int timeout_ms)
{
	const char *p[] = {param};
	long long	deadline = t_now_ms() + timeout_ms,
				v;

	for (;;)
	{
		v = t_sql_int(sql, param ? 1 : 0, param ? p : NULL);
		if (v >= want || t_now_ms() > deadline)
			return v;
		t_sleep_ms(20);
	}
}

#define WAITING_ON_LOCK \
	"SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'"

static void
lock_push_row(const char *id)
{
	const char *p[] = {id};

	t_exec("BEGIN");
	free(t_sql("SELECT id FROM gitproxy.pushes WHERE id = $1 FOR UPDATE", 1, p));
}

static gps_client *
open_named(const char *app, int min, int max, int acquire_ms)
{
	gps_config	cfg;

	gps_config_init(&cfg);
	cfg.application_name = app;
	cfg.min_size = min;
	cfg.max_size = max;
	cfg.acquire_timeout_ms = acquire_ms;
	cfg.lock_timeout_ms = 0;	/* these tests hold locks longer than 5 s */
	return t_open_cfg(&cfg);
}

typedef struct call_job
{
	gps_client *c;
	const char *id;
	int			kind;			/* 0 get_push, 1 authorise */
	gps_status	st;
	gps_error	e;
	char	   *out;
	long long	ms;
} call_job;

static void *
run_job(void *arg)
{
	call_job   *j = arg;
	long long	t0 = t_now_ms();

	if (j->kind == 0)
		j->st = gps_get_push(j->c, j->id, &j->out, &j->e);
	else
		j->st = gps_authorise(j->c, j->id, "{\"reviewer\":{\"username\":\"r\"}}", &j->out, &j->e);
	j->ms = t_now_ms() - t0;
	return NULL;
}

static void
test_pool_sizes_and_reuse(void **state)
{
	gps_client *c;
	gps_pool_stats ps;
	gps_error	e;
	const char *q = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1";
	const char *p[] = {"gps-pool-sizes"};

	(void) state;
	c = open_named("gps-pool-sizes", 2, 3, 5000);
	assert_int_equal(gps_pool_status(c, &ps), GPS_OK);
	assert_int_equal(ps.size, 2);
	assert_int_equal(ps.idle, 2);
	assert_int_equal(ps.in_use, 0);
	assert_int_equal(ps.waiting, 0);
	assert_int_equal(ps.created, 2);
	assert_int_equal(ps.discarded, 0);
	assert_int_equal(t_sql_int(q, 1, p), 2);
	for (int i = 0; i < 5; i++)
		assert_int_equal(gps_get_push(c, "x", NULL, &e), GPS_OK);
	assert_int_equal(gps_pool_status(c, &ps), GPS_OK);
	assert_int_equal(ps.size, 2);	/* sequential calls reuse connections */
	assert_int_equal(ps.created, 2);
	assert_int_equal(ps.retries, 0);
	gps_close(c);
	assert_int_equal(wait_for("SELECT 2 - count(*) FROM pg_stat_activity WHERE application_name = $1",
							  p[0], 2, 5000), 2);
}

static void
test_acquire_timeout_pool_exhausted(void **state)
{
	const char *app = "gps-pool-timeout";
	gps_client *c;
	const char *id = t_uid("busy");
	call_job	a = {0},
				b = {0};
	pthread_t	ta,
				tb;
	gps_pool_stats ps;
	gps_error	e;
	int			waited = 0;
	const int	timeout = 3000;

	(void) state;
	c = open_named(app, 1, 1, timeout);
	t_push(c, id, 1, "https://example.com/busy.git");
	lock_push_row(id);
	/* A holds the only connection, blocked on the row lock */
	a.c = c;
	a.id = id;
	a.kind = 1;
	pthread_create(&ta, NULL, run_job, &a);
	assert_int_equal(wait_for(WAITING_ON_LOCK, app, 1, 30000), 1);
	/* B waits for a connection, then gives up */
	b.c = c;
	b.id = id;
	b.kind = 0;
	pthread_create(&tb, NULL, run_job, &b);
	for (long long end = t_now_ms() + timeout - 200; t_now_ms() < end && !waited;)
	{
		gps_pool_status(c, &ps);
		if (ps.waiting == 1)
		{
			waited = 1;
			assert_int_equal(ps.size, 1);
			assert_int_equal(ps.in_use, 1);
			assert_int_equal(ps.idle, 0);
		}
		else
			t_sleep_ms(10);
	}
	pthread_join(tb, NULL);
	t_exec("ROLLBACK");
	pthread_join(ta, NULL);
	assert_true(waited);
	assert_error(b.st, &b.e, GPS_UNAVAILABLE, "", "connection pool exhausted");
	assert_null(b.out);
	assert_true(b.ms >= timeout - 20);
	assert_true(b.ms < timeout + 10000);
	assert_int_equal(a.st, GPS_OK);
	gps_free(a.out);
	/* the pool works again */
	assert_int_equal(gps_get_push(c, id, NULL, &e), GPS_OK);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.waiting, 0);
	assert_int_equal(ps.size, 1);
	gps_close(c);
}

static void
test_max_lifetime_recycling(void **state)
{
	gps_client *c;
	gps_config	cfg;
	gps_pool_stats ps;
	gps_error	e;
	const char *p[] = {"gps-pool-lifetime"};

	(void) state;
	gps_config_init(&cfg);
	cfg.application_name = p[0];
	cfg.max_lifetime_ms = 1000;
	cfg.idle_check_ms = -1;
	c = t_open_cfg(&cfg);
	assert_int_equal(gps_get_push(c, "x", NULL, &e), GPS_OK);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.created, 1);
	assert_int_equal(ps.discarded, 0);
	t_sleep_ms(1200);
	assert_int_equal(gps_get_push(c, "x", NULL, &e), GPS_OK);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.created, 2);
	assert_int_equal(ps.discarded, 1);
	assert_int_equal(ps.size, 1);
	assert_int_equal(ps.liveness_checks, 0);
	/* the old backend is gone, one connection is left */
	assert_int_equal(wait_for("SELECT 2 - count(*) FROM pg_stat_activity WHERE application_name = $1",
							  p[0], 1, 5000), 1);
	gps_close(c);
}

static void
set_check_always(gps_config *cfg)
{
	cfg->idle_check_ms = 0;
}

static void
set_check_never(gps_config *cfg)
{
	cfg->idle_check_ms = -1;
}

static void
set_check_1000(gps_config *cfg)
{
	cfg->idle_check_ms = 1000;
}

static void
test_idle_liveness_check(void **state)
{
	gps_client *c;
	gps_pool_stats ps;
	gps_error	e;

	(void) state;
	c = t_open(set_check_always);
	assert_int_equal(gps_get_push(c, "x", NULL, &e), GPS_OK);
	assert_int_equal(gps_get_push(c, "x", NULL, &e), GPS_OK);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.liveness_checks, 2);
	gps_close(c);

	c = t_open(set_check_never);
	assert_int_equal(gps_get_push(c, "x", NULL, &e), GPS_OK);
	assert_int_equal(gps_get_push(c, "x", NULL, &e), GPS_OK);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.liveness_checks, 0);
	gps_close(c);

	c = t_open(set_check_1000);
	assert_int_equal(gps_get_push(c, "x", NULL, &e), GPS_OK);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.liveness_checks, 0);	/* used recently: no check */
	t_sleep_ms(1200);
	assert_int_equal(gps_get_push(c, "x", NULL, &e), GPS_OK);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.liveness_checks, 1);	/* idle 1200 ms > 1000 ms */
	assert_int_equal(ps.discarded, 0);
	gps_close(c);
}

static void
test_broken_idle_connections_replaced(void **state)
{
	const char *app = "gps-pool-broken";
	gps_client *c;
	gps_pool_stats ps;
	gps_error	e;
	const char *p[] = {app};
	char	   *doc = NULL;
	const char *id = t_uid("broken");

	(void) state;
	c = open_named(app, 2, 2, 5000);
	t_push(c, id, 1, "https://example.com/broken.git");
	free(t_sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
			   1, p));
	assert_int_equal(wait_for("SELECT 1 - count(*) FROM pg_stat_activity WHERE application_name = $1",
							  app, 1, 10000), 1);
	/* both idle connections are dead: each next call still succeeds, also
	 * a call that is not retried (authorise) */
	assert_int_equal(gps_get_push(c, id, &doc, &e), GPS_OK);
	assert_non_null(doc);
	gps_free(doc);
	assert_int_equal(gps_authorise(c, id, NULL, NULL, &e), GPS_OK);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.discarded, 2);
	assert_int_equal(ps.created, 3);
	assert_int_equal(ps.retries, 0);
	assert_int_equal(ps.size, 1);
	gps_close(c);
}

static void
test_lost_in_flight_not_idempotent(void **state)
{
	const char *app = "gps-pool-inflight";
	gps_client *c;
	call_job	a = {0};
	pthread_t	ta;
	gps_pool_stats ps;
	gps_error	e;
	const char *id = t_uid("inflight");
	const char *p[] = {app};
	char	   *doc = NULL;

	(void) state;
	c = open_named(app, 1, 2, 5000);
	t_push(c, id, 1, "https://example.com/inflight.git");
	lock_push_row(id);
	a.c = c;
	a.id = id;
	a.kind = 1;
	pthread_create(&ta, NULL, run_job, &a);
	assert_int_equal(wait_for(WAITING_ON_LOCK, app, 1, 30000), 1);
	free(t_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
			   "WHERE application_name = $1 AND wait_event_type = 'Lock'", 1, p));
	pthread_join(ta, NULL);
	t_exec("ROLLBACK");
	assert_error(a.st, &a.e, GPS_UNAVAILABLE, "", "may or may not have been applied");
	assert_non_null(strstr(a.e.message, "authorise"));
	assert_null(a.out);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.retries, 0);
	assert_int_equal(ps.discarded, 1);
	/* not retried: the push is still undecided; the next call works */
	assert_int_equal(gps_get_push(c, id, &doc, &e), GPS_OK);
	assert_json_field(doc, "{authorised}", "false");
	gps_free(doc);
	gps_close(c);
}

static void
test_lost_in_flight_idempotent_retried(void **state)
{
	const char *app = "gps-pool-retry";
	gps_client *c;
	call_job	a = {0};
	pthread_t	ta;
	gps_pool_stats ps;
	const char *id = t_uid("retry");
	const char *p[] = {app};
	char	   *pid1;

	(void) state;
	c = open_named(app, 1, 2, 5000);
	t_push(c, id, 1, "https://example.com/retry.git");
	t_exec("BEGIN");
	t_exec("LOCK TABLE gitproxy.pushes IN ACCESS EXCLUSIVE MODE");
	a.c = c;
	a.id = id;
	a.kind = 0;
	pthread_create(&ta, NULL, run_job, &a);
	assert_int_equal(wait_for(WAITING_ON_LOCK, app, 1, 30000), 1);
	pid1 = t_sql("SELECT pid FROM pg_stat_activity WHERE application_name = $1 "
				 "AND wait_event_type = 'Lock'", 1, p);
	free(t_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
			   "WHERE application_name = $1 AND wait_event_type = 'Lock'", 1, p));
	/* the retry runs on a new connection and waits for the lock again */
	{
		const char *p2[] = {app, pid1};
		long long	deadline = t_now_ms() + 30000;

		while (t_sql_int("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
						 "AND wait_event_type = 'Lock' AND pid <> $2::int", 2, p2) < 1 &&
			   t_now_ms() < deadline)
			t_sleep_ms(20);
	}
	free(pid1);
	t_exec("ROLLBACK");
	pthread_join(ta, NULL);
	if (a.st != GPS_OK)
		print_error("get_push: %s\n", a.e.message);
	assert_int_equal(a.st, GPS_OK);
	assert_non_null(a.out);
	gps_free(a.out);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.retries, 1);
	assert_true(ps.discarded >= 1);
	gps_close(c);
}

static void
test_server_restart(void **state)
{
	const char *cmd = getenv("GPS_TEST_RESTART_CMD");
	gps_client *c;
	gps_pool_stats ps;
	gps_error	e;
	char	   *doc = NULL;
	const char *id = t_uid("restart");

	(void) state;
	if (cmd == NULL || *cmd == '\0')
	{
		printf("# skip: GPS_TEST_RESTART_CMD is not set\n");
		skip();
	}
	c = open_named("gps-pool-restart", 2, 4, 10000);
	t_push(c, id, 1, "https://example.com/restart.git");
	assert_int_equal(system(cmd), 0);
	PQreset(t_admin);
	assert_int_equal(PQstatus(t_admin), CONNECTION_OK);
	/* the next call succeeds (read-only) */
	assert_int_equal(gps_get_push(c, id, &doc, &e), GPS_OK);
	assert_non_null(doc);
	gps_free(doc);
	gps_pool_status(c, &ps);
	assert_true(ps.discarded >= 1);

	/* again, now the first call is a decision, which is never retried:
	 * the dead idle connections are recognised before use */
	assert_int_equal(system(cmd), 0);
	PQreset(t_admin);
	assert_int_equal(PQstatus(t_admin), CONNECTION_OK);
	if (gps_authorise(c, id, NULL, NULL, &e) != GPS_OK)
		print_error("authorise after restart: %s\n", e.message);
	assert_int_equal(e.category, GPS_OK);
	assert_int_equal(gps_health_check(c, NULL, &e), GPS_OK);
	gps_close(c);
}

/* ---- 16 threads ---- */

#define N_THREADS 16
#define N_OPS 8

typedef struct hammer
{
	gps_client *c;
	int			t;
	const char *shared;
	char		own[96];
	const char *repo;
	char		user[64];
	int			failures;
	char		last_error[1024];
} hammer;

static gps_status
decide(gps_client *c, const char *id, int op, gps_error *e)
{
	switch (op)
	{
		case 0:
			return gps_authorise(c, id, "{\"reviewer\":{\"username\":\"h\"}}", NULL, e);
		case 1:
			return gps_reject(c, id, "{\"reason\":\"h\"}", NULL, e);
		default:
			return gps_cancel(c, id, NULL, e);
	}
}

static void *
hammer_decisions(void *arg)
{
	hammer	   *h = arg;
	gps_error	e;

	for (int k = 0; k < N_OPS; k++)
	{
		int			op = (h->t + k) % 3;

		if (decide(h->c, h->shared, op, &e) != GPS_OK || decide(h->c, h->own, op, &e) != GPS_OK)
		{
			h->failures++;
			snprintf(h->last_error, sizeof(h->last_error), "%s", e.message);
		}
	}
	return NULL;
}

static const char *const state_flag[] = {"authorised", "rejected", "canceled"};
static const char *const log_action[] = {"authorise", "reject", "cancel"};

/* which of authorised/rejected/canceled is true; -1 unless exactly one */
static int
decision_state(gps_client *c, const char *id)
{
	char	   *doc = NULL;
	gps_error	e;
	int			found = -1,
				n = 0;

	assert_int_equal(gps_get_push(c, id, &doc, &e), GPS_OK);
	for (int i = 0; i < 3; i++)
	{
		char		path[32];
		char	   *v;

		snprintf(path, sizeof(path), "{%s}", state_flag[i]);
		v = t_json_get(doc, path);
		if (v && strcmp(v, "true") == 0)
		{
			found = i;
			n++;
		}
		free(v);
	}
	gps_free(doc);
	return n == 1 ? found : -1;
}

static void
test_hammer_decisions(void **state)
{
	gps_client *c;
	hammer		h[N_THREADS];
	pthread_t	th[N_THREADS];
	gps_pool_stats ps;
	const char *shared = t_uid("hammer-shared");
	const char *p[1];
	char	   *last;
	int			s;

	(void) state;
	c = open_named("gps-hammer", 1, 4, 120000);
	t_push(c, shared, 1, "https://example.com/hammer.git");
	for (int t = 0; t < N_THREADS; t++)
	{
		memset(&h[t], 0, sizeof(h[t]));
		h[t].c = c;
		h[t].t = t;
		h[t].shared = shared;
		snprintf(h[t].own, sizeof(h[t].own), "%s-own-%d", shared, t);
		t_push(c, h[t].own, 2, "https://example.com/hammer.git");
	}
	for (int t = 0; t < N_THREADS; t++)
		pthread_create(&th[t], NULL, hammer_decisions, &h[t]);
	for (int t = 0; t < N_THREADS; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < N_THREADS; t++)
	{
		if (h[t].failures)
			print_error("thread %d: %d failures, last: %s\n", t, h[t].failures, h[t].last_error);
		assert_int_equal(h[t].failures, 0);
	}
	/* each own push ends in its thread's last decision, logged N_OPS times */
	for (int t = 0; t < N_THREADS; t++)
	{
		p[0] = h[t].own;
		assert_int_equal(decision_state(c, h[t].own), (t + N_OPS - 1) % 3);
		assert_int_equal(t_sql_int("SELECT count(*) FROM gitproxy.decision_log WHERE push_id = $1 "
								   "AND action <> 'write_audit'", 1, p),
						 N_OPS);
	}
	/* the shared push: one consistent state, equal to the last logged
	 * decision, and every decision logged */
	p[0] = shared;
	s = decision_state(c, shared);
	assert_true(s >= 0);
	assert_int_equal(t_sql_int("SELECT count(*) FROM gitproxy.decision_log WHERE push_id = $1 "
							   "AND action <> 'write_audit'", 1, p),
					 N_THREADS * N_OPS);
	last = t_sql("SELECT action FROM gitproxy.decision_log WHERE push_id = $1 ORDER BY log_id DESC LIMIT 1",
				 1, p);
	assert_string_equal(last, log_action[s]);
	free(last);
	gps_pool_status(c, &ps);
	assert_true(ps.size <= 4);
	assert_true(ps.created <= 4);
	assert_int_equal(ps.waiting, 0);
	assert_int_equal(ps.in_use, 0);
	assert_int_equal(ps.discarded, 0);
	gps_close(c);
}

static void *
hammer_permissions(void *arg)
{
	hammer	   *h = arg;
	gps_error	e;

	for (int k = 0; k < N_OPS; k++)
	{
		gps_status	st = gps_add_user_can_push(h->c, h->repo, h->user, &e);

		if (st == GPS_OK)
			st = gps_add_user_can_authorise(h->c, h->repo, h->user, &e);
		if (st == GPS_OK)
			st = gps_add_user_can_push(h->c, h->repo, "Shared-User", &e);
		if (st == GPS_OK && h->t % 2 == 1)
			st = gps_remove_user_can_push(h->c, h->repo, h->user, &e);
		if (st == GPS_OK && h->t % 4 == 3)
			st = gps_remove_user_can_authorise(h->c, h->repo, h->user, &e);
		if (st != GPS_OK)
		{
			h->failures++;
			snprintf(h->last_error, sizeof(h->last_error), "%s", e.message);
		}
	}
	return NULL;
}

static void
test_hammer_permissions(void **state)
{
	gps_client *c;
	hammer		h[N_THREADS];
	pthread_t	th[N_THREADS];
	gps_error	e;
	char		doc[512];
	char	   *stored = NULL,
			   *repo_id,
			   *repo = NULL,
			   *can_push,
			   *can_auth;
	const char *name = t_uid("hammer-repo");
	int			want_push = 1,
				want_auth = 0;

	(void) state;
	REQUIRE_FN("gitproxy.create_repo(json)");
	REQUIRE_FN("gitproxy.get_repo_by_id(text)");
	REQUIRE_FN("gitproxy.add_user_can_push(text,text)");
	REQUIRE_FN("gitproxy.add_user_can_authorise(text,text)");
	REQUIRE_FN("gitproxy.remove_user_can_push(text,text)");
	REQUIRE_FN("gitproxy.remove_user_can_authorise(text,text)");
	c = open_named("gps-hammer-perm", 1, 4, 120000);
	snprintf(doc, sizeof(doc), "{\"project\":\"finos\",\"name\":\"%s\",\"url\":\"https://github.com/finos/%s.git\","
			 "\"users\":{\"canPush\":[],\"canAuthorise\":[]}}", name, name);
	assert_int_equal(gps_create_repo(c, doc, &stored, &e), GPS_OK);
	repo_id = t_json_get(stored, "{_id}");
	gps_free(stored);
	for (int t = 0; t < N_THREADS; t++)
	{
		memset(&h[t], 0, sizeof(h[t]));
		h[t].c = c;
		h[t].t = t;
		h[t].repo = repo_id;
		snprintf(h[t].user, sizeof(h[t].user), "Hammer-User-%02d", t);
	}
	for (int t = 0; t < N_THREADS; t++)
		pthread_create(&th[t], NULL, hammer_permissions, &h[t]);
	for (int t = 0; t < N_THREADS; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < N_THREADS; t++)
	{
		if (h[t].failures)
			print_error("thread %d: %d failures, last: %s\n", t, h[t].failures, h[t].last_error);
		assert_int_equal(h[t].failures, 0);
	}
	assert_int_equal(gps_get_repo_by_id(c, repo_id, &repo, &e), GPS_OK);
	can_push = t_json_get(repo, "{users,canPush}");
	can_auth = t_json_get(repo, "{users,canAuthorise}");
	/* lower-cased, no duplicates: even threads and the shared user can
	 * push; all but t % 4 == 3 can authorise */
	for (int t = 0; t < N_THREADS; t++)
	{
		char		lower[64];
		const char *p1[] = {can_push, lower};
		const char *p2[] = {can_auth, lower};

		snprintf(lower, sizeof(lower), "hammer-user-%02d", t);
		assert_int_equal(t_sql_int("SELECT ($1::jsonb ? $2)::int", 2, p1), t % 2 == 0);
		assert_int_equal(t_sql_int("SELECT ($1::jsonb ? $2)::int", 2, p2), t % 4 != 3);
		want_push += t % 2 == 0;
		want_auth += t % 4 != 3;
	}
	assert_int_equal(t_json_len(can_push), want_push);
	assert_int_equal(t_json_len(can_auth), want_auth);
	{
		const char *p1[] = {can_push, "shared-user"};

		assert_int_equal(t_sql_int("SELECT ($1::jsonb ? $2)::int", 2, p1), 1);
	}
	free(can_push);
	free(can_auth);
	gps_free(repo);
	free(repo_id);
	gps_close(c);
}

/* ---- multi-host failover: each host its own connect_timeout ---- */

/* a loopback listener that completes TCP handshakes (the kernel's backlog)
 * but never answers; returns the fd, *port its port */
static int
silent_listener(int *port)
{
	struct sockaddr_in a;
	socklen_t	len = sizeof(a);
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *) &a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* a loopback port nobody listens on (connections are refused) */
static int
closed_port(void)
{
	int			port;
	int			fd = silent_listener(&port);

	close(fd);
	return port;
}

static const char *
server_port(void)
{
	const char *p = getenv("PGPORT");

	return p && *p ? p : "5432";
}

/* open a client on conninfo; returns the status, the port it reached in
 * *port (or 0) and the time it took */
static gps_status
open_on(const char *conninfo, int *port, long long *ms, gps_error *e)
{
	gps_config	cfg;
	gps_client *c = NULL;
	gps_status	st;
	long long	t0 = t_now_ms();

	gps_config_init(&cfg);
	cfg.conninfo = conninfo;
	cfg.connect_timeout_ms = 2000;
	st = gps_open(&cfg, &c, e);
	*ms = t_now_ms() - t0;
	*port = 0;
	if (st == GPS_OK)
	{
		gpsi_conn  *conn;
		char	   *out = NULL;

		assert_int_equal(gpsi_acquire(c, false, false, &conn, e), GPS_OK);
		*port = atoi(PQport(conn->pg));
		gpsi_release(c, conn, false);
		assert_int_equal(gps_get_push(c, "x", &out, e), GPS_OK);
		gps_close(c);
	}
	return st;
}

static void
test_failover_silent_first_host(void **state)
{
	char		ci[512];
	int			silent_port,
				fd = silent_listener(&silent_port),
				port;
	long long	ms;
	gps_error	e;
	gps_status	st;

	(void) state;
	/* connect_timeout of the connection string, per host */
	snprintf(ci, sizeof(ci), "host=127.0.0.1,127.0.0.1 port=%d,%s connect_timeout=2",
			 silent_port, server_port());
	st = open_on(t_conninfo(ci), &port, &ms, &e);
	if (st != GPS_OK)
		print_error("%s\n", e.message);
	assert_int_equal(st, GPS_OK);
	assert_int_equal(port, atoi(server_port()));
	assert_true(ms >= 2000 && ms < 4000);
	/* connect_timeout_ms of the configuration, per host */
	snprintf(ci, sizeof(ci), "host=127.0.0.1,127.0.0.1 port=%d,%s", silent_port, server_port());
	st = open_on(t_conninfo(ci), &port, &ms, &e);
	assert_int_equal(st, GPS_OK);
	assert_int_equal(port, atoi(server_port()));
	assert_true(ms >= 2000 && ms < 4000);
	close(fd);
}

static void
test_failover_refusing_first_host(void **state)
{
	char		ci[512];
	int			refusing = closed_port(),
				silent_port,
				fd,
				port;
	long long	ms;
	gps_error	e;

	(void) state;
	snprintf(ci, sizeof(ci), "host=127.0.0.1,127.0.0.1 port=%d,%s connect_timeout=2",
			 refusing, server_port());
	assert_int_equal(open_on(t_conninfo(ci), &port, &ms, &e), GPS_OK);
	assert_int_equal(port, atoi(server_port()));
	assert_true(ms < 2000);
	/* hostaddr lists work the same */
	snprintf(ci, sizeof(ci), "host=localhost,localhost hostaddr=127.0.0.1,127.0.0.1 port=%d,%s connect_timeout=2",
			 refusing, server_port());
	assert_int_equal(open_on(t_conninfo(ci), &port, &ms, &e), GPS_OK);
	assert_int_equal(port, atoi(server_port()));
	/* every host fails: one error naming each attempt */
	fd = silent_listener(&silent_port);
	snprintf(ci, sizeof(ci), "host=127.0.0.1,127.0.0.1 port=%d,%d connect_timeout=2",
			 refusing, silent_port);
	assert_error(open_on(t_conninfo(ci), &port, &ms, &e), &e, GPS_UNAVAILABLE, "",
				 "could not connect to the database");
	assert_true(ms >= 2000 && ms < 4000);
	snprintf(ci, sizeof(ci), "port %d failed: Connection refused", refusing);
	assert_non_null(strstr(e.message, ci));
	snprintf(ci, sizeof(ci), "port %d failed: timeout expired", silent_port);
	assert_non_null(strstr(e.message, ci));
	close(fd);
}

/* a read-only first server (test/tap/client_tests starts one with
 * default_transaction_read_only=on, which libpq's read-write check sees
 * as a standby) */
static void
test_failover_read_only_first_host(void **state)
{
	const char *ro = getenv("GPS_TEST_READONLY_PORT");
	char		ci[512];
	int			port;
	long long	ms;
	gps_error	e;

	(void) state;
	if (ro == NULL || *ro == '\0')
	{
		print_message("# skip: no read-only server (GPS_TEST_READONLY_PORT)\n");
		skip();
	}
	snprintf(ci, sizeof(ci), "host=127.0.0.1,127.0.0.1 port=%s,%s connect_timeout=2 "
			 "target_session_attrs=read-write", ro, server_port());
	assert_int_equal(open_on(t_conninfo(ci), &port, &ms, &e), GPS_OK);
	assert_int_equal(port, atoi(server_port()));
	/* without it the first server is taken (it lacks the extension) */
	snprintf(ci, sizeof(ci), "host=127.0.0.1,127.0.0.1 port=%s,%s connect_timeout=2", ro, server_port());
	assert_error(open_on(t_conninfo(ci), &port, &ms, &e), &e, GPS_UNAVAILABLE, "",
				 "extension gitproxy_sink is not installed");
	/* read-only: the read-only one although it comes second */
	snprintf(ci, sizeof(ci), "host=127.0.0.1,127.0.0.1 port=%s,%s connect_timeout=2 "
			 "target_session_attrs=read-only", server_port(), ro);
	assert_error(open_on(t_conninfo(ci), &port, &ms, &e), &e, GPS_UNAVAILABLE, "",
				 "extension gitproxy_sink is not installed");
	/* prefer-standby (in_hot_standby, which neither is): a second round
	 * takes the first host */
	snprintf(ci, sizeof(ci), "host=127.0.0.1,127.0.0.1 port=%s,%s connect_timeout=2 "
			 "target_session_attrs=prefer-standby", server_port(), ro);
	assert_int_equal(open_on(t_conninfo(ci), &port, &ms, &e), GPS_OK);
	assert_int_equal(port, atoi(server_port()));
}

static void
test_load_balance_hosts(void **state)
{
	char		ci[512];
	int			refusing = closed_port(),
				port;
	long long	ms;
	gps_error	e;

	(void) state;
	snprintf(ci, sizeof(ci), "host=127.0.0.1,127.0.0.1 port=%d,%s load_balance_hosts=random",
			 refusing, server_port());
	if (PQlibVersion() < 160000)
	{
		/* libpq before 16 does not know the option: refused when opening */
		gps_client *c = NULL;
		gps_config	cfg;

		gps_config_init(&cfg);
		cfg.conninfo = t_conninfo(ci);
		assert_error(gps_open(&cfg, &c, &e), &e, GPS_INVALID_INPUT, "", "load_balance_hosts");
		return;
	}
	for (int i = 0; i < 8; i++)
	{
		assert_int_equal(open_on(t_conninfo(ci), &port, &ms, &e), GPS_OK);
		assert_int_equal(port, atoi(server_port()));
	}
}

/* connect_timeout past 2,147,483 s used to overflow an int */
static void
test_connect_timeout_overflow(void **state)
{
	int			port;
	long long	ms;
	gps_error	e;

	(void) state;
	assert_int_equal(open_on(t_conninfo("connect_timeout=2147484"), &port, &ms, &e), GPS_OK);
	assert_int_equal(open_on(t_conninfo("connect_timeout=4294968"), &port, &ms, &e), GPS_OK);
	assert_int_equal(open_on(t_conninfo("connect_timeout=99999999999999999999"), &port, &ms, &e), GPS_OK);
	assert_true(gpsi_poll_ms(gpsi_deadline(INT64_MAX)) == INT32_MAX);
	assert_true(gpsi_poll_ms(gpsi_deadline((int64_t) 4294968 * 1000)) == INT32_MAX);
}

const struct CMUnitTest t_pool_tests[] = {
	cmocka_unit_test(test_pool_sizes_and_reuse),
	cmocka_unit_test(test_acquire_timeout_pool_exhausted),
	cmocka_unit_test(test_max_lifetime_recycling),
	cmocka_unit_test(test_idle_liveness_check),
	cmocka_unit_test(test_broken_idle_connections_replaced),
	cmocka_unit_test(test_lost_in_flight_not_idempotent),
	cmocka_unit_test(test_lost_in_flight_idempotent_retried),
	cmocka_unit_test(test_hammer_decisions),
	cmocka_unit_test(test_hammer_permissions),
	cmocka_unit_test(test_server_restart),
	cmocka_unit_test(test_failover_silent_first_host),
	cmocka_unit_test(test_failover_refusing_first_host),
	cmocka_unit_test(test_failover_read_only_first_host),
	cmocka_unit_test(test_load_balance_hosts),
	cmocka_unit_test(test_connect_timeout_overflow),
};
const size_t t_pool_count = sizeof(t_pool_tests) / sizeof(t_pool_tests[0]);
