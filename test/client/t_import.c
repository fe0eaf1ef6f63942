/*
 * t_import.c - gps_import_batch / gps_import_records: a batch applied whole
 * (counts, ids kept exactly, last line wins, re-run skips what is stored,
 * replace explicit), errors naming their line with nothing
 * applied, checks made before anything is sent, several batches on one
 * pooled connection (it goes on after a failed batch).
 */
#include "tests.h"

#include "internal.h"

#define REQUIRE_IMPORT() do { REQUIRE_FN("gitproxy.import_pushes(boolean)"); \
	REQUIRE_FN("gitproxy.import_users(boolean)"); REQUIRE_FN("gitproxy.import_repos(boolean)"); } while (0)

static long long
count_like(const char *table_sql, const char *prefix)
{
	const char *p[] = {prefix};
	char		sql[256];

	snprintf(sql, sizeof(sql), "%s LIKE $1 || '%%'", table_sql);
	return t_sql_int(sql, 1, p);
}

static void
test_import_pushes(void **state)
{
	gps_client *c;
	const char *pre = t_uid("imp");
	char		d[4][256];
	const char *docs[4];
	int64_t		lines[4] = {1, 2, 3, 5};
	int64_t		ins = -1,
				upd = -1,
				bad = -1;
	gps_error	e;
	char	   *got;

	(void) state;
	REQUIRE_IMPORT();
	c = t_open(NULL);
	snprintf(d[0], sizeof(d[0]), "{\"id\":\"%s-a\",\"_id\":\"6D0000000000000000000A01\",\"type\":\"push\",\"timestamp\":1}", pre);
	snprintf(d[1], sizeof(d[1]), "{\"id\":\"%s-b\",\"type\":\"push\",\"timestamp\":2,\"v\":2}", pre);
	snprintf(d[2], sizeof(d[2]), "{\"id\":\"%s-c\",\"type\":\"push\",\"timestamp\":3,\"log\":\"a\\u0000b\"}", pre);
	snprintf(d[3], sizeof(d[3]), "{\"id\":\"%s-b\",\"type\":\"push\",\"timestamp\":2,\"v\":5}", pre);
	for (int i = 0; i < 4; i++)
		docs[i] = d[i];

	assert_int_equal(gps_import_batch(c, GPS_IMPORT_PUSHES, docs, lines, 4, &ins, &upd, &bad, &e), GPS_OK);
	assert_int_equal(ins, 3);
	assert_int_equal(upd, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(e.category, GPS_OK);
	assert_int_equal(count_like("SELECT count(*) FROM gitproxy.pushes WHERE id", pre), 3);
	/* the record's own _id kept exactly; the last line of an id wins */
	{
		char		id[128];

		snprintf(id, sizeof(id), "%s-a", pre);
		assert_int_equal(gps_get_push(c, id, &got, &e), GPS_OK);
		assert_non_null(strstr(got, "\"_id\": \"6D0000000000000000000A01\""));
		gps_free(got);
		snprintf(id, sizeof(id), "%s-b", pre);
		assert_int_equal(gps_get_push(c, id, &got, &e), GPS_OK);
		assert_non_null(strstr(got, "\"v\": 5"));
		gps_free(got);
		snprintf(id, sizeof(id), "%s-c", pre);
		assert_int_equal(gps_get_push(c, id, &got, &e), GPS_OK);
		assert_non_null(strstr(got, "a\\u0000b"));
		gps_free(got);
	}
	/* re-run: nothing inserted or changed, nothing duplicated; NULL result
	 * pointers */
	assert_int_equal(gps_import_batch(c, GPS_IMPORT_PUSHES, docs, lines, 4, NULL, &upd, NULL, &e), GPS_OK);
	assert_int_equal(upd, 0);
	assert_int_equal(count_like("SELECT count(*) FROM gitproxy.pushes WHERE id", pre), 3);
	/* the same with counts: every record skipped (already present), a
	 * changed one included; with replace every record replaced */
	{
		gps_import_counts k = {-1, -1, -1};
		char		id[128];

		snprintf(d[3], sizeof(d[3]), "{\"id\":\"%s-b\",\"type\":\"push\",\"timestamp\":2,\"v\":6}", pre);
		assert_int_equal(gps_import_records(c, GPS_IMPORT_PUSHES, docs, lines, 4, false, &k, NULL, &e),
						 GPS_OK);
		assert_int_equal(k.inserted, 0);
		assert_int_equal(k.updated, 0);
		assert_int_equal(k.skipped, 3);
		snprintf(id, sizeof(id), "%s-b", pre);
		assert_int_equal(gps_get_push(c, id, &got, &e), GPS_OK);
		assert_non_null(strstr(got, "\"v\": 5"));
		gps_free(got);
		assert_int_equal(gps_import_records(c, GPS_IMPORT_PUSHES, docs, lines, 4, true, &k, NULL, &e),
						 GPS_OK);
		assert_int_equal(k.inserted, 0);
		assert_int_equal(k.updated, 3);
		assert_int_equal(k.skipped, 0);
		assert_int_equal(gps_get_push(c, id, &got, &e), GPS_OK);
		assert_non_null(strstr(got, "\"v\": 6"));
		gps_free(got);
	}
	/* an empty batch */
	assert_int_equal(gps_import_batch(c, GPS_IMPORT_PUSHES, NULL, NULL, 0, &ins, &upd, &bad, &e), GPS_OK);
	assert_int_equal(ins + upd, 0);
	gps_close(c);
}

static void
test_import_errors(void **state)
{
	gps_client *c;
	const char *pre = t_uid("imperr");
	char		d[3][256];
	const char *docs[3];
	int64_t		lines[3] = {10, 11, 12};
	int64_t		ins,
				upd,
				bad;
	gps_error	e;
	gps_status	st;

	(void) state;
	REQUIRE_IMPORT();
	c = t_open(NULL);
	snprintf(d[0], sizeof(d[0]), "{\"id\":\"%s-1\",\"type\":\"push\"}", pre);
	snprintf(d[1], sizeof(d[1]), "{\"id\":\"%s-2\",\"type\":", pre);
	snprintf(d[2], sizeof(d[2]), "{\"id\":\"%s-3\",\"type\":\"push\"}", pre);
	for (int i = 0; i < 3; i++)
		docs[i] = d[i];

	/* malformed JSON: the server names line 11, nothing is applied */
	st = gps_import_batch(c, GPS_IMPORT_PUSHES, docs, lines, 3, &ins, &upd, &bad, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "22P02", "invalid input syntax for type json");
	assert_int_equal(bad, 11);
	assert_int_equal(count_like("SELECT count(*) FROM gitproxy.pushes WHERE id", pre), 0);
	/* the same connection goes on after the rollback */
	assert_int_equal(gps_import_batch(c, GPS_IMPORT_PUSHES, docs, lines, 1, &ins, &upd, &bad, &e), GPS_OK);
	assert_int_equal(ins, 1);
	/* a record the server refuses: "Invalid id" on its line */
	d[1][0] = '\0';
	snprintf(d[1], sizeof(d[1]), "{\"type\":\"push\"}");
	st = gps_import_batch(c, GPS_IMPORT_PUSHES, docs, lines, 3, &ins, &upd, &bad, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "22023", "Invalid id");
	assert_int_equal(bad, 11);
	assert_int_equal(count_like("SELECT count(*) FROM gitproxy.pushes WHERE id", pre), 1);

	/* checked before anything is sent: a raw line break, an empty record */
	snprintf(d[1], sizeof(d[1]), "{\"id\":\n\"x\"}");
	st = gps_import_batch(c, GPS_IMPORT_PUSHES, docs, lines, 3, &ins, &upd, &bad, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "line 11");
	assert_int_equal(bad, 11);
	d[1][0] = '\0';
	st = gps_import_batch(c, GPS_IMPORT_PUSHES, docs, lines, 3, &ins, &upd, &bad, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "empty");
	st = gps_import_batch(NULL, GPS_IMPORT_PUSHES, docs, lines, 3, &ins, &upd, &bad, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "client");
	st = gps_import_batch(c, (gps_import_kind) 7, docs, lines, 3, &ins, &upd, &bad, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "kind");
	st = gps_import_batch(c, GPS_IMPORT_USERS, NULL, lines, 3, &ins, &upd, &bad, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "22004", NULL);
	assert_string_equal(gps_import_kind_name(GPS_IMPORT_REPOS), "repos");
	assert_null(gps_import_kind_name((gps_import_kind) 3));
	gps_close(c);
}

static void
test_import_users_repos(void **state)
{
	gps_client *c;
	const char *u = t_uid("impuser");
	char		d[3][512];
	const char *docs[3];
	int64_t		lines[3] = {1, 2, 3};
	int64_t		ins,
				upd,
				bad;
	gps_error	e;
	gps_status	st;
	char	   *got,
			   *v;
	char		url[160];

	(void) state;
	REQUIRE_IMPORT();
	c = t_open(NULL);
	snprintf(d[0], sizeof(d[0]), "{\"username\":\"%s-A\",\"email\":\"%s-a@Example.com\","
			 "\"publicKeys\":[{\"key\":\"ssh-ed25519 AAAA%s\"}]}", u, u, u);
	snprintf(d[1], sizeof(d[1]), "{\"username\":\"%s-b\",\"_id\":\"6E0000000000000000000B02\"}", u);
	for (int i = 0; i < 2; i++)
		docs[i] = d[i];
	assert_int_equal(gps_import_batch(c, GPS_IMPORT_USERS, docs, lines, 2, &ins, &upd, &bad, &e), GPS_OK);
	assert_int_equal(ins, 2);
	{
		char		name[128];

		snprintf(name, sizeof(name), "%s-a", u);
		assert_int_equal(gps_find_user(c, name, &got, &e), GPS_OK);
		assert_non_null(got);
		v = t_json_get(got, "{email}");
		assert_non_null(strstr(v, "-a@example.com"));
		free(v);
		gps_free(got);
		snprintf(name, sizeof(name), "ssh-ed25519 AAAA%s", u);
		assert_int_equal(gps_find_user_by_ssh_key(c, name, &got, &e), GPS_OK);
		assert_non_null(got);
		gps_free(got);
		snprintf(name, sizeof(name), "%s-b", u);
		assert_int_equal(gps_find_user(c, name, &got, &e), GPS_OK);
		assert_json_field(got, "{_id}", "6E0000000000000000000B02");
		gps_free(got);
	}
	/* a key owned by another user: CONFLICT on that line, nothing applied */
	snprintf(d[0], sizeof(d[0]), "{\"username\":\"%s-c\"}", u);
	snprintf(d[1], sizeof(d[1]), "{\"username\":\"%s-d\",\"publicKeys\":[{\"key\":\"ssh-ed25519 AAAA%s\"}]}", u, u);
	st = gps_import_batch(c, GPS_IMPORT_USERS, docs, lines, 2, &ins, &upd, &bad, &e);
	assert_error(st, &e, GPS_CONFLICT, "23505", "SSH key already in use by user");
	assert_int_equal(bad, 2);
	assert_int_equal(count_like("SELECT count(*) FROM gitproxy.users WHERE username", u), 2);

	/* repos: keyed by url, permission lists normalised, re-run harmless
	 * (skipped), replace explicit; a NeDB id kept */
	snprintf(url, sizeof(url), "https://import.example/%s.git", u);
	snprintf(d[0], sizeof(d[0]), "{\"_id\":\"Kz3XsYpL0aB9cD2e\",\"project\":\"p\",\"name\":\"%s\",\"url\":\"%s\",\"users\":{\"canPush\":[\"Bob\",\"bob\"]}}", u, url);
	assert_int_equal(gps_import_batch(c, GPS_IMPORT_REPOS, docs, lines, 1, &ins, &upd, &bad, &e), GPS_OK);
	assert_int_equal(ins, 1);
	{
		gps_import_counts k;

		assert_int_equal(gps_import_records(c, GPS_IMPORT_REPOS, docs, lines, 1, false, &k, &bad, &e), GPS_OK);
		assert_true(k.inserted == 0 && k.updated == 0 && k.skipped == 1);
		assert_int_equal(gps_import_records(c, GPS_IMPORT_REPOS, docs, lines, 1, true, &k, &bad, &e), GPS_OK);
		assert_true(k.inserted == 0 && k.updated == 1 && k.skipped == 0);
	}
	assert_int_equal(gps_get_repo_by_id(c, "Kz3XsYpL0aB9cD2e", &got, &e), GPS_OK);
	assert_non_null(got);
	gps_free(got);
	/* a repo the one validation refuses (no name): 22023 on its line */
	snprintf(d[1], sizeof(d[1]), "{\"project\":\"p\",\"url\":\"%s-2\"}", url);
	st = gps_import_batch(c, GPS_IMPORT_REPOS, docs, lines, 2, &ins, &upd, &bad, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "22023", "invalid repo: name is missing");
	assert_int_equal(bad, 2);
	assert_int_equal(gps_get_repo_by_url(c, url, &got, &e), GPS_OK);
	assert_non_null(got);
	v = t_json_get(got, "{users}");
	assert_true(t_json_eq(v, "{\"canPush\":[\"bob\"],\"canAuthorise\":[]}"));
	free(v);
	gps_free(got);
	gps_close(c);
}

/* a batch leaves no session setting behind on the pooled connection */
static void
test_import_leaves_no_settings(void **state)
{
	gps_config	cfg;
	gps_client *c;
	gpsi_conn  *conn;
	char		doc[256];
	const char *docs[1] = {doc};
	int64_t		lines[1] = {1};
	int64_t		ins,
				upd,
				bad;
	gps_error	e;
	PGresult   *res;

	(void) state;
	REQUIRE_IMPORT();
	gps_config_init(&cfg);
	cfg.max_size = 1;
	c = t_open_cfg(&cfg);
	for (int round = 0; round < 2; round++)
	{
		snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":1}", t_uid("imp-set"));
		assert_int_equal(gps_import_batch(c, GPS_IMPORT_PUSHES, docs, lines, 1, &ins, &upd, &bad, &e), GPS_OK);
		assert_int_equal(gpsi_acquire(c, false, false, &conn, &e), GPS_OK);
		/* the value RESET would give: the server's, not the batch's */
		res = PQexec(conn->pg, "SELECT setting, reset_val FROM pg_catalog.pg_settings "
					 "WHERE name = 'temp_buffers'");
		assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
		print_message("# temp_buffers after batch %d: %s (reset value %s)\n", round + 1,
					  PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		assert_string_equal(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		PQclear(res);
		gpsi_release(c, conn, false);
	}
	gps_close(c);
}

const struct CMUnitTest t_import_tests[] = {
	cmocka_unit_test(test_import_pushes),
	cmocka_unit_test(test_import_errors),
	cmocka_unit_test(test_import_users_repos),
	cmocka_unit_test(test_import_leaves_no_settings),
};
const size_t t_import_count = sizeof(t_import_tests) / sizeof(t_import_tests[0]);
