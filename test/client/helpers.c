/*
 * helpers.c - fixtures and checks shared by the client test files.
 */
#include "tests.h"

#include <time.h>
#include <unistd.h>

PGconn	   *t_admin;

static PGresult *
admin_exec(const char *sql, int n, const char *const *params)
{
	PGresult   *res = PQexecParams(t_admin, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		print_error("admin SQL failed: %s\n  %s\n", sql, PQresultErrorMessage(res));
		PQclear(res);
		fail();
	}
	return res;
}

char *
t_sql(const char *sql, int n, const char *const *params)
{
	PGresult   *res = admin_exec(sql, n, params);
	char	   *v = NULL;

	if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
		v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

long long
t_sql_int(const char *sql, int n, const char *const *params)
{
	char	   *v = t_sql(sql, n, params);
	long long	r = v ? atoll(v) : 0;

	free(v);
	return r;
}

long long
t_wait_int(const char *sql, int n, const char *const *params, long long want, int timeout_ms)
{
	long long	deadline = t_now_ms() + timeout_ms;
	long long	v;

	while ((v = t_sql_int(sql, n, params)) != want && t_now_ms() < deadline)
		t_sleep_ms(20);
	return v;
}

void
t_exec(const char *sql)
{
	PQclear(admin_exec(sql, 0, NULL));
}

bool
t_has_fn(const char *signature)
{
	const char *p[] = {signature};

	return t_sql_int("SELECT (pg_catalog.to_regprocedure($1) IS NOT NULL)::int", 1, p) == 1;
}

bool
t_json_eq(const char *a, const char *b)
{
	const char *p[] = {a, b};

	if (a == NULL || b == NULL)
		return a == b;
	return t_sql_int("SELECT ($1::jsonb = $2::jsonb)::int", 2, p) == 1;
}

char *
t_json_get(const char *doc, const char *path)
{
	const char *p[] = {doc, path};

	return t_sql("SELECT $1::json #>> $2::text[]", 2, p);
}

void
t_assert_json_field(const char *doc, const char *path, const char *want,
					const char *file, int line)
{
	char	   *v = t_json_get(doc, path);

	_assert_string_equal(v, want, file, line);
	free(v);
}

long long
t_json_len(const char *doc)
{
	const char *p[] = {doc};

	return t_sql_int("SELECT jsonb_array_length($1::jsonb)", 1, p);
}

const char *
t_uid(const char *prefix)
{
	static char buf[8][96];
	static int	slot,
				counter;

	slot = (slot + 1) % 8;
	snprintf(buf[slot], sizeof(buf[slot]), "%s-%d-%d", prefix, (int) getpid(), ++counter);
	return buf[slot];
}

gps_client *
t_open_cfg(const gps_config *cfg)
{
	gps_client *c = NULL;
	gps_error	e;
	gps_status	st = gps_open(cfg, &c, &e);

	if (st != GPS_OK)
		print_error("gps_open: %s: %s\n", gps_status_name(st), e.message);
	assert_int_equal(st, GPS_OK);
	assert_non_null(c);
	return c;
}

gps_client *
t_open(void (*fn) (gps_config *))
{
	gps_config	cfg;

	gps_config_init(&cfg);
	if (fn)
		fn(&cfg);
	return t_open_cfg(&cfg);
}

void
t_push(gps_client *c, const char *id, long long ts, const char *url)
{
	char		doc[1024];
	gps_error	e;
	gps_status	st;

	snprintf(doc, sizeof(doc),
			 "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":%lld,\"url\":\"%s\","
			 "\"userEmail\":\"dev@example.com\",\"error\":false,\"blocked\":true,"
			 "\"allowPush\":false,\"authorised\":false,\"rejected\":false,\"canceled\":false}",
			 id, ts, url);
	st = gps_write_audit(c, doc, &e);
	if (st != GPS_OK)
		print_error("write_audit: %s\n", e.message);
	assert_int_equal(st, GPS_OK);
}

void
t_assert_error(gps_status st, const gps_error *err, gps_status cat, const char *state,
			   const char *part, const char *file, int line)
{
	if (st != cat || err->category != cat ||
		(state && strcmp(err->sqlstate, state) != 0) ||
		(part && strstr(err->message, part) == NULL))
	{
		print_error("%s:%d: expected %s [%s] \"%s\", got %s/%s [%s] \"%s\"\n", file, line,
					gps_status_name(cat), state ? state : "*", part ? part : "*",
					gps_status_name(st), gps_status_name(err->category), err->sqlstate,
					err->message);
		fail();
	}
}

long long
t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
t_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

const char *
t_conninfo(const char *extra)
{
	static char buf[4][512];
	static int	slot;
	const char *db = getenv("PGDATABASE");

	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "dbname=%s %s", db ? db : "postgres", extra ? extra : "");
	return buf[slot];
}
