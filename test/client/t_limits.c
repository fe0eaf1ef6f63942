/*
 * t_limits.c - every call bounded in time and cancelled when abandoned
 * (default statement_timeout and lock_timeout, client-side deadline with a
 * cancel request), the TIMEOUT and INVALID_INPUT categories of 57014,
 * 55P03, 54000, 54001, messages cut at a UTF-8 character boundary, health
 * reports when no connection is free, and fork safety.
 */
#include "tests.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* is s[0..n) valid UTF-8? (RFC 3629: no overlongs, surrogates, > U+10FFFF) */
static bool
utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *) str;
	size_t		i = 0;

	while (i < n)
	{
		unsigned char c = s[i];
		size_t		len;
		uint32_t	cp;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			len = 2, cp = c & 0x1F;
		else if ((c & 0xF0) == 0xE0)
			len = 3, cp = c & 0x0F;
		else if ((c & 0xF8) == 0xF0)
			len = 4, cp = c & 0x07;
		else
			return false;
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++)
		{
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
			cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

static void
test_timeout_categories(void **state)
{
	(void) state;
	assert_int_equal(gps_sqlstate_category("57014"), GPS_TIMEOUT);
	assert_int_equal(gps_sqlstate_category("55P03"), GPS_TIMEOUT);
	assert_int_equal(gps_sqlstate_category("54000"), GPS_INVALID_INPUT);
	assert_int_equal(gps_sqlstate_category("54001"), GPS_INVALID_INPUT);
	assert_int_equal(gps_sqlstate_category("55000"), GPS_CONFLICT);
	assert_string_equal(gps_status_name(GPS_TIMEOUT), "TIMEOUT");
}

static void
test_utf8_clip(void **state)
{
	/* "aé" + first byte of "€" (E2 82 AC) + ... */
	const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
	char		dst[8];

	(void) state;
	assert_int_equal(gpsi_utf8_clip(s, 1), 1);
	assert_int_equal(gpsi_utf8_clip(s, 2), 1);	/* inside é */
	assert_int_equal(gpsi_utf8_clip(s, 3), 3);
	assert_int_equal(gpsi_utf8_clip(s, 4), 3);	/* inside € */
	assert_int_equal(gpsi_utf8_clip(s, 5), 3);
	assert_int_equal(gpsi_utf8_clip(s, 6), 6);
	assert_int_equal(gpsi_utf8_clip(s, 9), 6);	/* inside the emoji */
	assert_int_equal(gpsi_utf8_clip(s, 10), 10);
	/* a buffer of 8 holds 7 bytes: "aé€" is 6, the emoji does not fit */
	assert_int_equal(gpsi_copy_text(dst, sizeof(dst), s), 6);
	assert_string_equal(dst, "a\xC3\xA9\xE2\x82\xAC");
	assert_int_equal(gpsi_copy_text(dst, 3, s), 1);
	assert_string_equal(dst, "a");
}

/* gps_cancel of an id of 600 "é" (after 0 or 1 ASCII byte, so that the
 * cut at 1,023 bytes falls once between and once inside a character): the
 * message is cut at a character boundary */
static void
test_long_message_cut_at_character(void **state)
{
	gps_client *c;
	char		id[1202];

	(void) state;
	c = t_open(NULL);
	for (int lead = 0; lead < 2; lead++)
	{
		gps_error	e;
		gps_status	st;
		char	   *out = NULL;
		size_t		n;

		if (lead)
			id[0] = 'x';
		for (int i = 0; i < 600; i++)
			memcpy(id + lead + 2 * i, "\xC3\xA9", 2);
		id[lead + 1200] = '\0';
		st = gps_cancel(c, id, &out, &e);
		assert_int_equal(st, GPS_NOT_FOUND);
		assert_null(out);
		n = strlen(e.message);
		assert_true(n < sizeof(e.message));
		assert_true(n > 1000);		/* really cut, not emptied */
		assert_true(utf8_valid(e.message, n));
		assert_memory_equal(e.message, "push ", 5);
	}
	gps_close(c);
}

static void
cfg_timeouts(gps_config *cfg)
{
	cfg->min_size = 1;
	cfg->max_size = 1;
	cfg->statement_timeout_ms = 2000;
	cfg->lock_timeout_ms = 1000;
}

/* SHOW name on the pool's connection */
static char *
show_on_pool(gps_client *c, const char *name)
{
	gpsi_conn  *conn;
	gps_error	e;
	char		sql[128];
	PGresult   *res;
	char	   *v;

	assert_int_equal(gpsi_acquire(c, false, false, &conn, &e), GPS_OK);
	snprintf(sql, sizeof(sql), "SHOW %s", name);
	res = PQexec(conn->pg, sql);
	assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
	v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	gpsi_release(c, conn, false);
	return v;
}

static void
test_default_timeouts_and_overrides(void **state)
{
	gps_config	cfg;
	gps_client *c;
	char	   *v;

	(void) state;
	/* library defaults: 30 s and 5 s */
	gps_config_init(&cfg);
	assert_int_equal(cfg.statement_timeout_ms, 30000);
	assert_int_equal(cfg.lock_timeout_ms, 5000);
	c = t_open_cfg(&cfg);
	v = show_on_pool(c, "statement_timeout");
	assert_string_equal(v, "30s");
	free(v);
	v = show_on_pool(c, "lock_timeout");
	assert_string_equal(v, "5s");
	free(v);
	gps_close(c);

	/* configured values */
	c = t_open(cfg_timeouts);
	v = show_on_pool(c, "statement_timeout");
	assert_string_equal(v, "2s");
	free(v);
	gps_close(c);

	/* the connection string wins over the configuration */
	gps_config_init(&cfg);
	cfg.conninfo = t_conninfo("options='-c statement_timeout=7s -c lock_timeout=3s'");
	c = t_open_cfg(&cfg);
	v = show_on_pool(c, "statement_timeout");
	assert_string_equal(v, "7s");
	free(v);
	v = show_on_pool(c, "lock_timeout");
	assert_string_equal(v, "3s");
	free(v);
	gps_close(c);

	/* 0 = leave the server's setting */
	gps_config_init(&cfg);
	cfg.statement_timeout_ms = 0;
	cfg.lock_timeout_ms = 0;
	c = t_open_cfg(&cfg);
	v = show_on_pool(c, "statement_timeout");
	assert_string_equal(v, "0");
	free(v);
	gps_close(c);

	/* negative values are refused */
	{
		gps_error	e;

		gps_config_init(&cfg);
		cfg.statement_timeout_ms = -1;
		c = NULL;
		assert_error(gps_open(&cfg, &c, &e), &e, GPS_INVALID_INPUT, "", "statement_timeout_ms");
		assert_null(c);
	}
}

/* the backend of the only pooled connection of application app */
static long long
backend_of(const char *app)
{
	const char *p[] = {app};

	return t_sql_int("SELECT pid FROM pg_stat_activity WHERE application_name = $1", 1, p);
}

/* wait until that backend is no longer running a query (idle or gone) */
static long long
wait_not_active(long long pid, int timeout_ms)
{
	char		b[24];
	const char *p[] = {b};

	snprintf(b, sizeof(b), "%lld", pid);
	return t_wait_int("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND state <> 'idle'",
					  1, p, 0, timeout_ms);
}

static void
assert_pool_free(gps_client *c)
{
	gps_pool_stats ps;

	assert_int_equal(gps_pool_status(c, &ps), GPS_OK);
	assert_int_equal(ps.in_use, 0);
	assert_int_equal(ps.waiting, 0);
}

static gps_client *
open_limited(const char *app)
{
	gps_config	cfg;

	gps_config_init(&cfg);
	cfg_timeouts(&cfg);
	cfg.application_name = app;
	return t_open_cfg(&cfg);
}

/* a backreference regex on a 1,009-character value: statement_timeout */
static void
test_regex_backreference_bounded(void **state)
{
	const char *app = "gps-limit-regex";
	gps_client *c;
	char		doc[1400];
	char		value[1010];
	const char *id = t_uid("rb");
	gps_error	e;
	gps_status	st;
	char	   *out = NULL;
	long long	t0,
				ms,
				pid;

	(void) state;
	REQUIRE_FN("gitproxy.get_pushes(json,integer,text,boolean)");
	c = open_limited(app);
	memset(value, 'a', 1009);	/* odd: no match, found by backtracking */
	value[1009] = '\0';
	snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":1,\"rb\":\"%s\"}", id, value);
	assert_int_equal(gps_write_audit(c, doc, &e), GPS_OK);
	pid = backend_of(app);
	t0 = t_now_ms();
	st = gps_get_pushes(c, "{\"rb\":{\"$regex\":\"^((a*)\\\\2)*$\"}}", 10, NULL, &out, &e);
	ms = t_now_ms() - t0;
	print_message("# regex query: %s after %lld ms: %s\n", gps_status_name(st), ms, e.message);
	assert_error(st, &e, GPS_TIMEOUT, NULL, NULL);
	assert_null(out);
	assert_true(ms < 2000 + 1000);
	assert_int_equal(wait_not_active(pid, 5000), 0);
	assert_pool_free(c);
	/* the slot works again */
	assert_int_equal(gps_get_push(c, id, &out, &e), GPS_OK);
	gps_free(out);
	gps_close(c);
}

/* a DBA's FOR UPDATE on the push: lock_timeout */
static void
test_row_lock_bounded(void **state)
{
	const char *app = "gps-limit-lock";
	gps_client *c;
	const char *id = t_uid("locked");
	const char *p[1];
	gps_error	e;
	gps_status	st;
	char	   *out = NULL;
	long long	t0,
				ms,
				pid;

	(void) state;
	c = open_limited(app);
	t_push(c, id, 1, "https://example.com/locked.git");
	pid = backend_of(app);
	p[0] = id;
	t_exec("BEGIN");
	free(t_sql("SELECT id FROM gitproxy.pushes WHERE id = $1 FOR UPDATE", 1, p));
	t0 = t_now_ms();
	st = gps_authorise(c, id, "{\"reviewer\":{\"username\":\"r\"}}", &out, &e);
	ms = t_now_ms() - t0;
	t_exec("ROLLBACK");
	assert_error(st, &e, GPS_TIMEOUT, "55P03", NULL);
	assert_null(out);
	assert_true(ms < 1000 + 1000);
	assert_int_equal(wait_not_active(pid, 5000), 0);
	assert_pool_free(c);
	assert_int_equal(gps_authorise(c, id, "{\"reviewer\":{\"username\":\"r\"}}", &out, &e), GPS_OK);
	gps_free(out);
	gps_close(c);
}

/* a stopped backend: the client's own deadline, a cancel request, the
 * connection closed */
static void
test_stopped_backend_bounded(void **state)
{
	const char *app = "gps-limit-stopped";
	gps_client *c;
	gps_error	e;
	gps_status	st;
	char	   *out = NULL;
	long long	t0,
				ms,
				pid;

	(void) state;
	c = open_limited(app);
	pid = backend_of(app);
	assert_true(pid > 0);
	if (kill((pid_t) pid, SIGSTOP) != 0)
	{
		print_message("# skip: cannot stop backend %lld (not allowed)\n", pid);
		gps_close(c);
		skip();
	}
	t0 = t_now_ms();
	st = gps_get_push(c, "x", &out, &e);
	ms = t_now_ms() - t0;
	kill((pid_t) pid, SIGCONT);
	print_message("# stopped backend: %s after %lld ms: %s\n", gps_status_name(st), ms, e.message);
	assert_error(st, &e, GPS_TIMEOUT, "", "the query was cancelled");
	assert_null(out);
	assert_true(ms >= 2000);
	assert_true(ms < 2000 + 1000);
	/* the backend got the cancel and the closed connection: not running */
	assert_int_equal(wait_not_active(pid, 10000), 0);
	assert_pool_free(c);
	assert_int_equal(gps_get_push(c, "x", &out, &e), GPS_OK);
	assert_pool_free(c);
	gps_close(c);
}

/* timeouts set through the connection string are TIMEOUT, not INTERNAL */
static void
test_conninfo_timeout_category(void **state)
{
	gps_config	cfg;
	gps_client *c;
	gps_error	e;
	char	   *out = NULL;

	(void) state;
	gps_config_init(&cfg);
	cfg.conninfo = t_conninfo("options='-c statement_timeout=100'");
	c = t_open_cfg(&cfg);
	/* gitproxy.get_push is fast; pg_sleep is not reachable: use the regex */
	{
		char		doc[1400];
		char		value[1010];
		const char *id = t_uid("rbc");

		memset(value, 'a', 1009);
		value[1009] = '\0';
		snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":1,\"rb\":\"%s\"}", id, value);
		assert_int_equal(gps_write_audit(c, doc, &e), GPS_OK);
	}
	assert_error(gps_get_pushes(c, "{\"rb\":{\"$regex\":\"^((a*)\\\\2)*$\"}}", 10, NULL, &out, &e),
				 &e, GPS_TIMEOUT, "57014", "statement timeout");
	gps_close(c);
}

/* health: pool figures even when no connection is free, or no server */
static void
test_health_degraded_and_unavailable(void **state)
{
	gps_config	cfg;
	gps_client *c;
	gpsi_conn  *held;
	gps_error	e;
	char	   *out = NULL,
			   *v;
	long long	t0;

	(void) state;
	gps_config_init(&cfg);
	cfg.max_size = 1;
	c = t_open_cfg(&cfg);
	assert_int_equal(gpsi_acquire(c, false, false, &held, &e), GPS_OK);
	t0 = t_now_ms();
	assert_int_equal(gps_health_check(c, &out, &e), GPS_OK);
	assert_true(t_now_ms() - t0 < 1000);	/* not after acquire_timeout_ms */
	assert_non_null(out);
	assert_json_field(out, "{status}", "degraded");
	v = t_json_get(out, "{reason}");
	assert_non_null(strstr(v, "no connection free"));
	free(v);
	assert_json_field(out, "{pool,inUse}", "1");
	gps_free(out);
	gpsi_release(c, held, false);
	assert_int_equal(gps_health_check(c, &out, &e), GPS_OK);
	assert_json_field(out, "{status}", "ok");
	gps_free(out);
	gps_close(c);

	/* no server: the error, and the report with the reason */
	gps_config_init(&cfg);
	cfg.conninfo = "host=127.0.0.1 port=1 dbname=x connect_timeout=2";
	cfg.min_size = 0;
	c = t_open_cfg(&cfg);
	assert_error(gps_health_check(c, &out, &e), &e, GPS_UNAVAILABLE, "", "could not connect");
	assert_non_null(out);
	assert_json_field(out, "{status}", "unavailable");
	v = t_json_get(out, "{reason}");
	assert_non_null(strstr(v, "could not connect"));
	free(v);
	assert_json_field(out, "{pool,size}", "0");
	gps_free(out);
	gps_close(c);
}

/* a forked child uses and closes the client; the parent's connection is
 * untouched and both work */
static void
test_fork_parent_and_child(void **state)
{
	const char *app = "gps-fork";
	gps_config	cfg;
	gps_client *c;
	gps_error	e;
	gps_pool_stats ps;
	char	   *out = NULL;
	long long	parent_pid;
	const char *id = t_uid("fork");
	pid_t		child;
	int			status = 0;

	(void) state;
	gps_config_init(&cfg);
	cfg.application_name = app;
	cfg.max_size = 2;
	cfg.idle_check_ms = 0;		/* a liveness round trip before every reuse */
	c = t_open_cfg(&cfg);
	t_push(c, id, 1, "https://example.com/fork.git");
	parent_pid = backend_of(app);
	fflush(stdout);
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
	{
		/* the child: its own connection; exit code tells what failed */
		char	   *got = NULL;
		gps_error	ce;
		gps_pool_stats cps;
		int			rc = 0;

		if (gps_get_push(c, id, &got, &ce) != GPS_OK || got == NULL)
			rc = 1;
		gps_free(got);
		if (gps_pool_status(c, &cps) != GPS_OK || cps.size != 1 || cps.created != 2)
			rc = rc ? rc : 2;
		gps_close(c);
		_exit(rc);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the parent's session survived and is reused (no new connection) */
	assert_int_equal(gps_get_push(c, id, &out, &e), GPS_OK);
	assert_non_null(out);
	gps_free(out);
	assert_int_equal(gps_pool_status(c, &ps), GPS_OK);
	assert_int_equal(ps.created, 1);
	assert_int_equal(ps.discarded, 0);
	{
		char		b[24];
		const char *p[] = {b};

		snprintf(b, sizeof(b), "%lld", parent_pid);
		assert_int_equal(t_sql_int("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", 1, p), 1);
	}
	gps_close(c);
}

const struct CMUnitTest t_limit_tests[] = {
	cmocka_unit_test(test_timeout_categories),
	cmocka_unit_test(test_utf8_clip),
	cmocka_unit_test(test_long_message_cut_at_character),
	cmocka_unit_test(test_default_timeouts_and_overrides),
	cmocka_unit_test(test_regex_backreference_bounded),
	cmocka_unit_test(test_row_lock_bounded),
	cmocka_unit_test(test_stopped_backend_bounded),
	cmocka_unit_test(test_conninfo_timeout_category),
	cmocka_unit_test(test_health_degraded_and_unavailable),
	cmocka_unit_test(test_fork_parent_and_child),
};
const size_t t_limit_count = sizeof(t_limit_tests) / sizeof(t_limit_tests[0]);
