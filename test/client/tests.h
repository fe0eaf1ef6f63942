/*
 * tests.h - shared helpers of the libgitproxy_sink cmocka suite.
 *
 * The suite runs against the database named by the PG* environment (set by
 * test/tap/client_tests inside pg_virtualenv): PGDATABASE has the extension;
 * gps_client_noext has none; gps_client_old has it with a faked older
 * version.  A test of a method whose SQL function is not installed yet
 * reports a cmocka skip (never a pass).
 */
#ifndef GPS_CLIENT_TESTS_H
#define GPS_CLIENT_TESTS_H

#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libpq-fe.h>

#include "gitproxy_sink.h"

/* admin connection of the suite (plain libpq, for fixtures and checks) */
extern PGconn *t_admin;

/* run SQL with parameters on the admin connection; returns the first value
 * of the first row as a malloc'd string (NULL for SQL NULL or no row);
 * fails the test on error */
char	   *t_sql(const char *sql, int n, const char *const *params);
/* same, returning the result as long long (0 when NULL) */
long long	t_sql_int(const char *sql, int n, const char *const *params);
/* poll t_sql_int until it returns want (or the timeout passes); returns
 * the last value (backends of closed connections go away asynchronously) */
long long	t_wait_int(const char *sql, int n, const char *const *params, long long want,
					   int timeout_ms);
/* run SQL without parameters on the admin connection; fails on error */
void		t_exec(const char *sql);

/* is the SQL function (regprocedure text) installed?  If not, prints a TAP
 * comment and skips the test. */
#define REQUIRE_FN(sig) do { if (!t_has_fn(sig)) { \
	printf("# skip: %s is not installed in this database\n", sig); skip(); } } while (0)
bool		t_has_fn(const char *signature);

/* JSON helpers evaluated by the server (jsonb semantics) */
bool		t_json_eq(const char *a, const char *b);
/* value at a path (e.g. "{attestation,reviewer,username}") as text, malloc'd
 * or NULL */
char	   *t_json_get(const char *doc, const char *path);
/* assert that the value at path of doc, as text, is want (cmocka reports
 * the caller's line) */
#define assert_json_field(doc, path, want) \
	t_assert_json_field((doc), (path), (want), __FILE__, __LINE__)
void		t_assert_json_field(const char *doc, const char *path, const char *want,
								const char *file, int line);
/* jsonb_array_length */
long long	t_json_len(const char *doc);

/* an id unique within the run: prefix-<pid>-<counter> (static buffer
 * rotating over 8 slots) */
const char *t_uid(const char *prefix);

/* open a client with the default configuration modified by fn (may be
 * NULL); fails the test on error */
gps_client *t_open(void (*fn) (gps_config *));
gps_client *t_open_cfg(const gps_config *cfg);

/* write a push {"id":id,"type":"push","timestamp":ts,"url":url, pending} */
void		t_push(gps_client *c, const char *id, long long ts, const char *url);

/* assert an error's category, SQLSTATE ("" = client side; NULL = any) and
 * that its message contains part (NULL = any) */
#define assert_error(st, err, cat, state, part) \
	t_assert_error((st), (err), (cat), (state), (part), __FILE__, __LINE__)
void		t_assert_error(gps_status st, const gps_error *err, gps_status cat, const char *state,
						   const char *part, const char *file, int line);

/* milliseconds, monotonic */
long long	t_now_ms(void);
void		t_sleep_ms(int ms);

/* connection string of the database of the suite with extra settings */
const char *t_conninfo(const char *extra);

/* test groups */
extern const struct CMUnitTest t_basic_tests[];
extern const size_t t_basic_count;
extern const struct CMUnitTest t_push_tests[];
extern const size_t t_push_count;
extern const struct CMUnitTest t_repo_user_tests[];
extern const size_t t_repo_user_count;
extern const struct CMUnitTest t_session_tests[];
extern const size_t t_session_count;
extern const struct CMUnitTest t_pool_tests[];
extern const size_t t_pool_count;
extern const struct CMUnitTest t_import_tests[];
extern const size_t t_import_count;
extern const struct CMUnitTest t_limit_tests[];
extern const size_t t_limit_count;

#endif
