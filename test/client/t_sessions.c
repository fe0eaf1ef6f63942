/*
 * t_sessions.c - the session store functions (express-session Store
 * adapter): get, set, touch, destroy, all, length, clear, destroy-user,
 * prune.  Skipped while the SQL functions of issue 4 are not installed.
 */
#include "tests.h"

#include <time.h>

#define REQUIRE_SESSIONS() do { \
	REQUIRE_FN("gitproxy.session_get(text)"); \
	REQUIRE_FN("gitproxy.session_set(text,json,timestamp with time zone)"); \
	REQUIRE_FN("gitproxy.session_touch(text,timestamp with time zone)"); \
	REQUIRE_FN("gitproxy.session_destroy(text)"); REQUIRE_FN("gitproxy.session_all()"); \
	REQUIRE_FN("gitproxy.session_length()"); REQUIRE_FN("gitproxy.session_clear()"); \
	REQUIRE_FN("gitproxy.session_destroy_user(text)"); REQUIRE_FN("gitproxy.session_prune(integer)"); \
} while (0)

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_session_get_set_touch_destroy(void **state)
{
	gps_client *c;
	gps_error	e;
	char	   *sess = NULL;
	const char *sid = t_uid("sid");
	int64_t		later = wall_ms() + 3600 * 1000;

	(void) state;
	REQUIRE_SESSIONS();
	c = t_open(NULL);
	assert_int_equal(gps_session_get(c, sid, &sess, &e), GPS_OK);
	assert_null(sess);
	assert_int_equal(gps_session_set(c, sid, "{\"cookie\":{\"path\":\"/\"},\"passport\":{\"user\":\"alice\"}}",
									 later, &e), GPS_OK);
	assert_int_equal(gps_session_get(c, sid, &sess, &e), GPS_OK);
	assert_true(t_json_eq(sess, "{\"cookie\":{\"path\":\"/\"},\"passport\":{\"user\":\"alice\"}}"));
	gps_free(sess);
	/* the given expiry is honoured */
	assert_int_equal(gps_session_set(c, sid, "{\"short\":true}", wall_ms() + 1500, &e), GPS_OK);
	assert_int_equal(gps_session_get(c, sid, &sess, &e), GPS_OK);
	assert_non_null(sess);
	gps_free(sess);
	t_sleep_ms(1700);
	assert_int_equal(gps_session_get(c, sid, &sess, &e), GPS_OK);
	assert_null(sess);
	/* set again = replace; default expiry from the server */
	assert_int_equal(gps_session_set(c, sid, "{\"n\":2}", GPS_EXPIRES_DEFAULT, &e), GPS_OK);
	assert_int_equal(gps_session_get(c, sid, &sess, &e), GPS_OK);
	assert_true(t_json_eq(sess, "{\"n\":2}"));
	gps_free(sess);
	/* touch into the past expires it; touching a missing session is fine */
	assert_int_equal(gps_session_touch(c, sid, wall_ms() - 1000, &e), GPS_OK);
	assert_int_equal(gps_session_get(c, sid, &sess, &e), GPS_OK);
	assert_null(sess);
	assert_int_equal(gps_session_touch(c, sid, later, &e), GPS_OK);
	assert_int_equal(gps_session_touch(c, "no-such-sid", later, &e), GPS_OK);
	assert_int_equal(gps_session_touch(c, sid, GPS_EXPIRES_DEFAULT, &e), GPS_OK);
	assert_int_equal(gps_session_destroy(c, sid, &e), GPS_OK);
	assert_int_equal(gps_session_get(c, sid, &sess, &e), GPS_OK);
	assert_null(sess);
	assert_int_equal(gps_session_destroy(c, sid, &e), GPS_OK);
	/* invalid input */
	assert_error(gps_session_set(c, sid, "{bad", later, &e), &e, GPS_INVALID_INPUT, NULL, NULL);
	assert_error(gps_session_set(c, sid, "{}", INT64_MAX, &e), &e, GPS_INVALID_INPUT, "22008", NULL);
	gps_close(c);
}

static void
test_session_all_length_clear(void **state)
{
	gps_client *c;
	gps_error	e;
	char	   *all = NULL,
			   *v;
	int64_t		n = -1,
				later = wall_ms() + 3600 * 1000;
	const char *s1 = t_uid("all");
	const char *s2 = t_uid("all");
	const char *s3 = t_uid("all");

	(void) state;
	REQUIRE_SESSIONS();
	c = t_open(NULL);
	assert_int_equal(gps_session_clear(c, NULL, &e), GPS_OK);
	assert_int_equal(gps_session_set(c, s1, "{\"a\":1}", later, &e), GPS_OK);
	assert_int_equal(gps_session_set(c, s2, "{\"a\":\"quote\\\"d\"}", later, &e), GPS_OK);
	assert_int_equal(gps_session_set(c, s3, "{\"a\":3}", wall_ms() - 5000, &e), GPS_OK);	/* expired */
	assert_int_equal(gps_session_length(c, &n, &e), GPS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(gps_session_all(c, &all, &e), GPS_OK);
	assert_int_equal(t_json_len(all), 2);
	{
		const char *p[2] = {all, s2};

		v = t_sql("SELECT x->'sess'->>'a' FROM jsonb_array_elements($1::jsonb) x WHERE x->>'sid' = $2", 2, p);
		assert_string_equal(v, "quote\"d");
		free(v);
	}
	gps_free(all);
	assert_int_equal(gps_session_clear(c, &n, &e), GPS_OK);
	assert_int_equal(n, 3);
	assert_int_equal(gps_session_length(c, &n, &e), GPS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(gps_session_all(c, &all, &e), GPS_OK);
	assert_true(t_json_eq(all, "[]"));
	gps_free(all);
	gps_close(c);
}

static void
test_session_destroy_user_and_prune(void **state)
{
	gps_client *c;
	gps_error	e;
	int64_t		n = -1,
				later = wall_ms() + 3600 * 1000;
	const char *user = t_uid("sessuser");
	char		sess[200];

	(void) state;
	REQUIRE_SESSIONS();
	c = t_open(NULL);
	snprintf(sess, sizeof(sess), "{\"passport\":{\"user\":\"%s\"}}", user);
	assert_int_equal(gps_session_set(c, t_uid("du"), sess, later, &e), GPS_OK);
	assert_int_equal(gps_session_set(c, t_uid("du"), sess, later, &e), GPS_OK);
	assert_int_equal(gps_session_set(c, t_uid("du"), "{\"passport\":{\"user\":\"someone-else\"}}", later,
									 &e), GPS_OK);
	assert_int_equal(gps_session_destroy_user(c, user, &n, &e), GPS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(gps_session_destroy_user(c, user, &n, &e), GPS_OK);
	assert_int_equal(n, 0);

	for (int i = 0; i < 3; i++)
		assert_int_equal(gps_session_set(c, t_uid("old"), "{}", wall_ms() - 60000, &e), GPS_OK);
	assert_int_equal(gps_session_prune(c, 2, &n, &e), GPS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(gps_session_prune(c, 0, &n, &e), GPS_OK);	/* server default batch */
	assert_int_equal(n, 1);
	assert_int_equal(gps_session_prune(c, 10, NULL, &e), GPS_OK);
	assert_int_equal(gps_session_clear(c, NULL, &e), GPS_OK);
	gps_close(c);
}

const struct CMUnitTest t_session_tests[] = {
	cmocka_unit_test(test_session_get_set_touch_destroy),
	cmocka_unit_test(test_session_all_length_clear),
	cmocka_unit_test(test_session_destroy_user_and_prune),
};
const size_t t_session_count = sizeof(t_session_tests) / sizeof(t_session_tests[0]);
