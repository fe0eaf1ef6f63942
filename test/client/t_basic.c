/*
 * t_basic.c - library basics: versions, status names, SQLSTATE mapping,
 * configuration resolution, the per-connection handshake, errors of every
 * category raised by a real server, logging.
 */
#include "tests.h"

static void
test_version_and_names(void **state)
{
	(void) state;
	assert_string_equal(gps_version(), GPS_LIBRARY_VERSION);
	assert_string_equal(gps_status_name(GPS_OK), "OK");
	assert_string_equal(gps_status_name(GPS_NOT_FOUND), "NOT_FOUND");
	assert_string_equal(gps_status_name(GPS_CONFLICT), "CONFLICT");
	assert_string_equal(gps_status_name(GPS_INVALID_INPUT), "INVALID_INPUT");
	assert_string_equal(gps_status_name(GPS_PERMISSION_DENIED), "PERMISSION_DENIED");
	assert_string_equal(gps_status_name(GPS_UNAVAILABLE), "UNAVAILABLE");
	assert_string_equal(gps_status_name(GPS_INTERNAL), "INTERNAL");
	assert_string_equal(gps_status_name((gps_status) 42), "INTERNAL");
	gps_free(NULL);
	gps_close(NULL);
}

static void
test_sqlstate_mapping(void **state)
{
	static const struct
	{
		const char *code;
		gps_status	cat;
	}			cases[] = {
		{"P0002", GPS_NOT_FOUND},
		{"23505", GPS_CONFLICT}, {"42710", GPS_CONFLICT}, {"55000", GPS_CONFLICT},
		{"40001", GPS_CONFLICT}, {"40P01", GPS_CONFLICT},
		{"22023", GPS_INVALID_INPUT}, {"22004", GPS_INVALID_INPUT}, {"22P02", GPS_INVALID_INPUT},
		{"23502", GPS_INVALID_INPUT}, {"23503", GPS_INVALID_INPUT}, {"2201B", GPS_INVALID_INPUT},
		{"42501", GPS_PERMISSION_DENIED},
		{"08006", GPS_UNAVAILABLE}, {"08001", GPS_UNAVAILABLE}, {"57P01", GPS_UNAVAILABLE},
		{"57P02", GPS_UNAVAILABLE}, {"57P03", GPS_UNAVAILABLE},
		{"42883", GPS_INTERNAL}, {"55P03", GPS_TIMEOUT}, {"57014", GPS_TIMEOUT},
		{"54000", GPS_INVALID_INPUT}, {"54001", GPS_INVALID_INPUT}, {"53200", GPS_INTERNAL},
		{"XX000", GPS_INTERNAL}, {"P0001", GPS_INTERNAL}, {"", GPS_INTERNAL}, {"2200", GPS_INTERNAL},
		{"00000", GPS_OK},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		if (gps_sqlstate_category(cases[i].code) != cases[i].cat)
			print_error("SQLSTATE %s\n", cases[i].code);
		assert_int_equal(gps_sqlstate_category(cases[i].code), cases[i].cat);
	}
	assert_int_equal(gps_sqlstate_category(NULL), GPS_INTERNAL);
}

static void
test_config_defaults(void **state)
{
	gps_config	cfg;

	(void) state;
	memset(&cfg, 0x7f, sizeof(cfg));
	gps_config_init(&cfg);
	assert_null(cfg.conninfo);
	assert_null(cfg.application_name);
	assert_int_equal(cfg.min_size, 1);
	assert_int_equal(cfg.max_size, 10);
	assert_int_equal(cfg.acquire_timeout_ms, 5000);
	assert_int_equal(cfg.connect_timeout_ms, 10000);
	assert_int_equal(cfg.max_lifetime_ms, 1800000);
	assert_int_equal(cfg.idle_check_ms, 30000);
	assert_null(cfg.log_fn);
	gps_config_init(NULL);
}

/* save, clear and restore the variables that name a server */
static const char *const server_vars[] = {"GIT_PROXY_POSTGRES_CONNECTION_STRING", "PGHOST",
"PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"};
static char *saved[6];

static void
clear_env(void)
{
	for (int i = 0; i < 6; i++)
	{
		const char *v = getenv(server_vars[i]);

		saved[i] = v ? strdup(v) : NULL;
		unsetenv(server_vars[i]);
	}
}

static void
restore_env(void)
{
	for (int i = 0; i < 6; i++)
	{
		if (saved[i])
			setenv(server_vars[i], saved[i], 1);
		else
			unsetenv(server_vars[i]);
		free(saved[i]);
		saved[i] = NULL;
	}
}

static void
test_config_nothing_configured(void **state)
{
	gps_client *c = (gps_client *) 1;
	gps_error	e;
	gps_status	st;

	(void) state;
	clear_env();
	st = gps_open(NULL, &c, &e);
	/* an empty variable counts as unset */
	setenv("PGHOST", "", 1);
	setenv("GIT_PROXY_POSTGRES_CONNECTION_STRING", "", 1);
	{
		gps_client *c2 = (gps_client *) 1;
		gps_error	e2;
		gps_status	st2 = gps_open(NULL, &c2, &e2);

		restore_env();
		assert_error(st2, &e2, GPS_INVALID_INPUT, "", "No database configured");
		assert_null(c2);
	}
	assert_error(st, &e, GPS_INVALID_INPUT, "", "No database configured");
	assert_non_null(strstr(e.message, "GIT_PROXY_POSTGRES_CONNECTION_STRING"));
	assert_null(c);
}

static void
test_config_env_and_precedence(void **state)
{
	gps_client *c = NULL;
	gps_error	e;
	gps_config	cfg;
	gps_status	st;
	const char *old = getenv("GIT_PROXY_POSTGRES_CONNECTION_STRING");
	char	   *keep = old ? strdup(old) : NULL;

	(void) state;
	/* the variable is used when no conninfo is given ... */
	setenv("GIT_PROXY_POSTGRES_CONNECTION_STRING", "dbname=gps_client_noext", 1);
	st = gps_open(NULL, &c, &e);
	assert_error(st, &e, GPS_UNAVAILABLE, "", "CREATE EXTENSION gitproxy_sink");
	assert_null(c);
	/* ... and a given conninfo wins over it */
	gps_config_init(&cfg);
	cfg.conninfo = t_conninfo(NULL);
	c = t_open_cfg(&cfg);
	gps_close(c);
	/* an unparsable variable is reported as such */
	setenv("GIT_PROXY_POSTGRES_CONNECTION_STRING", "nosuchoption=1", 1);
	st = gps_open(NULL, &c, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "GIT_PROXY_POSTGRES_CONNECTION_STRING");
	if (keep)
		setenv("GIT_PROXY_POSTGRES_CONNECTION_STRING", keep, 1);
	else
		unsetenv("GIT_PROXY_POSTGRES_CONNECTION_STRING");
	free(keep);
	/* without conninfo nor variable, libpq's PG* environment is used */
	c = t_open(NULL);
	gps_close(c);
}

static void
test_config_invalid(void **state)
{
	gps_client *c = NULL;
	gps_error	e;
	gps_config	cfg;
	gps_status	st;

	(void) state;
	gps_config_init(&cfg);
	cfg.conninfo = "host=localhost bogus_keyword=1";
	st = gps_open(&cfg, &c, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "invalid connection string");
	cfg.conninfo = "postgresql://[broken";
	st = gps_open(&cfg, &c, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "invalid connection string");

	gps_config_init(&cfg);
	cfg.max_size = 0;
	st = gps_open(&cfg, &c, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "max_size");
	gps_config_init(&cfg);
	cfg.min_size = 3;
	cfg.max_size = 2;
	st = gps_open(&cfg, &c, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "min_size");
	gps_config_init(&cfg);
	cfg.acquire_timeout_ms = -1;
	st = gps_open(&cfg, &c, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "acquire_timeout_ms");
	gps_config_init(&cfg);
	cfg.connect_timeout_ms = 0;
	st = gps_open(&cfg, &c, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "connect_timeout_ms");
	assert_null(c);
	st = gps_open(NULL, NULL, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "", "out");
}

static void
test_uri_and_unreachable(void **state)
{
	gps_client *c = NULL;
	gps_error	e;
	gps_config	cfg;
	gps_status	st;
	char		uri[256];
	const char *port = getenv("PGPORT");

	(void) state;
	snprintf(uri, sizeof(uri), "postgresql://localhost:%s/%s?application_name=gps-uri-test",
			 port ? port : "5432", getenv("PGDATABASE"));
	gps_config_init(&cfg);
	cfg.conninfo = uri;
	c = t_open_cfg(&cfg);
	assert_int_equal(t_sql_int("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gps-uri-test'",
							   0, NULL), 1);
	gps_close(c);

	/* nothing listens on port 1: UNAVAILABLE at open (min_size 1) ... */
	cfg.conninfo = "host=127.0.0.1 port=1 dbname=x";
	st = gps_open(&cfg, &c, &e);
	assert_error(st, &e, GPS_UNAVAILABLE, "", "could not connect");
	assert_null(c);
	/* ... or at the first call with a lazy pool */
	cfg.min_size = 0;
	c = t_open_cfg(&cfg);
	st = gps_get_push(c, "x", NULL, &e);
	assert_error(st, &e, GPS_UNAVAILABLE, "", "could not connect");
	gps_close(c);
}

static void
test_handshake_extension_missing_or_old(void **state)
{
	gps_client *c = NULL;
	gps_error	e;
	gps_config	cfg;
	gps_status	st;
	char	   *health = NULL;

	(void) state;
	gps_config_init(&cfg);
	cfg.conninfo = "dbname=gps_client_noext";
	st = gps_open(&cfg, &c, &e);
	assert_error(st, &e, GPS_UNAVAILABLE, "", "run CREATE EXTENSION gitproxy_sink");
	assert_non_null(strstr(e.message, "gps_client_noext"));
	assert_null(c);

	cfg.conninfo = "dbname=gps_client_old";
	st = gps_open(&cfg, &c, &e);
	assert_error(st, &e, GPS_UNAVAILABLE, "", "run ALTER EXTENSION gitproxy_sink UPDATE");
	assert_non_null(strstr(e.message, "version 0.9"));

	/* lazily: the first call reports it, health too */
	cfg.min_size = 0;
	c = t_open_cfg(&cfg);
	st = gps_health_check(c, &health, &e);
	assert_error(st, &e, GPS_UNAVAILABLE, "", "ALTER EXTENSION gitproxy_sink UPDATE");
	/* with the report: status "unavailable", the reason */
	assert_non_null(health);
	{
		char	   *v = t_json_get(health, "{status}");

		assert_string_equal(v, "unavailable");
		free(v);
		v = t_json_get(health, "{reason}");
		assert_non_null(strstr(v, "ALTER EXTENSION gitproxy_sink UPDATE"));
		free(v);
	}
	gps_free(health);
	gps_close(c);
}

static void
set_app_name(gps_config *cfg)
{
	cfg->application_name = "gps-configured-name";
}

static void
test_application_name(void **state)
{
	gps_client *c;
	gps_config	cfg;
	const char *q = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1";
	const char *def[] = {"gitproxy-sink"};
	const char *conf[] = {"gps-configured-name"};
	const char *fromconn[] = {"gps-from-conninfo"};

	(void) state;
	c = t_open(NULL);
	assert_int_equal(t_sql_int(q, 1, def), 1);
	gps_close(c);
	assert_int_equal(t_wait_int(q, 1, def, 0, 10000), 0);

	c = t_open(set_app_name);
	assert_int_equal(t_sql_int(q, 1, conf), 1);
	gps_close(c);
	assert_int_equal(t_wait_int(q, 1, conf, 0, 10000), 0);

	/* the connection string's own application_name replaces the default */
	gps_config_init(&cfg);
	cfg.conninfo = t_conninfo("application_name=gps-from-conninfo");
	c = t_open_cfg(&cfg);
	assert_int_equal(t_sql_int(q, 1, fromconn), 1);
	gps_close(c);
	/* and the configured one wins over it */
	cfg.application_name = "gps-configured-name";
	c = t_open_cfg(&cfg);
	assert_int_equal(t_wait_int(q, 1, conf, 1, 10000), 1);
	assert_int_equal(t_wait_int(q, 1, fromconn, 0, 10000), 0);
	gps_close(c);
}

static void
test_search_path_is_empty(void **state)
{
	gps_client *c;
	gps_config	cfg;
	char	   *doc = NULL;
	gps_error	e;
	const char *id = t_uid("sp");

	(void) state;
	/* a hostile search_path from the connection string does not matter:
	 * the library resets it, and every call is schema-qualified */
	t_exec("DROP SCHEMA IF EXISTS gps_evil CASCADE");
	t_exec("CREATE SCHEMA gps_evil");
	t_exec("CREATE FUNCTION gps_evil.get_push(text) RETURNS json LANGUAGE sql AS 'SELECT ''{\"evil\":true}''::json'");
	gps_config_init(&cfg);
	cfg.conninfo = t_conninfo("options='-c search_path=gps_evil,gitproxy'");
	c = t_open_cfg(&cfg);
	t_push(c, id, 1, "https://example.com/sp.git");
	assert_int_equal(gps_get_push(c, id, &doc, &e), GPS_OK);
	assert_non_null(doc);
	assert_null(strstr(doc, "evil"));
	gps_free(doc);
	gps_close(c);
	t_exec("DROP SCHEMA gps_evil CASCADE");
}

static void
test_permission_denied(void **state)
{
	gps_client *c = NULL;
	gps_config	cfg;
	gps_error	e;
	gps_status	st;
	char	   *doc = (char *) 1;

	(void) state;
	t_exec("DROP ROLE IF EXISTS gps_client_noperm");
	t_exec("CREATE ROLE gps_client_noperm LOGIN PASSWORD 'gps-noperm-pw'");
	gps_config_init(&cfg);
	cfg.conninfo = t_conninfo("user=gps_client_noperm password=gps-noperm-pw");
	c = t_open_cfg(&cfg);
	st = gps_get_push(c, "x", &doc, &e);
	assert_error(st, &e, GPS_PERMISSION_DENIED, "42501", "permission denied");
	assert_null(doc);
	st = gps_write_audit(c, "{\"id\":\"x\"}", &e);
	assert_error(st, &e, GPS_PERMISSION_DENIED, "42501", "permission denied");
	gps_close(c);
	t_exec("DROP ROLE gps_client_noperm");
}

static void
test_lock_timeout_error(void **state)
{
	gps_client *c;
	gps_config	cfg;
	gps_error	e;
	gps_status	st;
	const char *id = t_uid("lock");
	const char *p[] = {id};
	char	   *msg = (char *) 1;

	(void) state;
	/* lock_not_available (55P03) from a lock_timeout of the connection
	 * string: TIMEOUT */
	gps_config_init(&cfg);
	cfg.conninfo = t_conninfo("options='-c lock_timeout=100'");
	c = t_open_cfg(&cfg);
	t_push(c, id, 1, "https://example.com/lock.git");
	t_exec("BEGIN");
	PQclear(PQexecParams(t_admin, "SELECT 1 FROM gitproxy.pushes WHERE id = $1 FOR UPDATE", 1, NULL, p,
						 NULL, NULL, 0));
	st = gps_authorise(c, id, NULL, &msg, &e);
	t_exec("ROLLBACK");
	assert_error(st, &e, GPS_TIMEOUT, "55P03", "lock");
	assert_null(msg);
	/* the connection stays usable */
	assert_int_equal(gps_cancel(c, id, NULL, &e), GPS_OK);
	gps_close(c);
}

static int	log_count;
static int	log_debug;
static int	log_warning;

static void
log_cb(void *arg, gps_log_level level, const char *msg)
{
	(void) msg;
	(*(int *) arg)++;
	log_count++;
	if (level == GPS_LOG_DEBUG)
		log_debug++;
	if (level == GPS_LOG_WARNING && strstr(msg, "gps-log-test") != NULL)
		log_warning++;
}

static void
test_log_callback(void **state)
{
	gps_client *c;
	gps_config	cfg;
	int			calls = 0;
	gps_error	e;
	gps_status	st;
	const char *id = t_uid("log");

	(void) state;
	/* a server WARNING reaches the callback (and nothing is printed) */
	t_exec("CREATE OR REPLACE FUNCTION public.gps_warn() RETURNS trigger LANGUAGE plpgsql AS "
		   "$$BEGIN RAISE WARNING 'gps-log-test'; RETURN NEW; END$$");
	t_exec("CREATE TRIGGER gps_warn BEFORE INSERT ON gitproxy.pushes FOR EACH ROW "
		   "EXECUTE FUNCTION public.gps_warn()");
	gps_config_init(&cfg);
	cfg.log_fn = log_cb;
	cfg.log_arg = &calls;
	log_count = log_debug = log_warning = 0;
	c = t_open_cfg(&cfg);
	{
		char		doc[128];

		snprintf(doc, sizeof(doc), "{\"id\":\"%s\"}", id);
		st = gps_write_audit(c, doc, &e);
	}
	gps_close(c);
	t_exec("DROP TRIGGER gps_warn ON gitproxy.pushes");
	t_exec("DROP FUNCTION public.gps_warn()");
	assert_int_equal(st, GPS_OK);
	assert_true(log_debug >= 1);	/* "connected to database ..." */
	assert_int_equal(log_warning, 1);
	assert_int_equal(calls, log_count);
}

static void
test_health_check(void **state)
{
	gps_client *c = t_open(NULL);
	char	   *r = NULL;
	gps_error	e;
	gps_pool_stats ps;

	(void) state;
	assert_int_equal(gps_health_check(c, &r, &e), GPS_OK);
	assert_non_null(r);
	assert_json_field(r, "{status}", "ok");
	assert_json_field(r, "{extensionVersion}", "1.1");
	assert_json_field(r, "{requiredExtensionVersion}", GPS_REQUIRED_EXTENSION_VERSION);
	assert_json_field(r, "{pool,size}", "1");
	gps_free(r);
	/* health always checks a reused connection */
	assert_int_equal(gps_pool_status(c, &ps), GPS_OK);
	assert_true(ps.liveness_checks >= 1);
	assert_int_equal(gps_health_check(c, NULL, &e), GPS_OK);
	assert_int_equal(gps_pool_status(NULL, &ps), GPS_INVALID_INPUT);
	assert_int_equal(gps_pool_status(c, NULL), GPS_INVALID_INPUT);
	gps_close(c);
}

static void
test_null_arguments(void **state)
{
	gps_client *c = t_open(NULL);
	gps_error	e;
	char	   *out = (char *) 1;
	int64_t		n = 7;
	gps_status	st;

	(void) state;
	st = gps_get_push(c, NULL, &out, &e);
	assert_error(st, &e, GPS_INVALID_INPUT, "22004", "id must not be NULL");
	assert_null(out);
	assert_error(gps_write_audit(c, NULL, &e), &e, GPS_INVALID_INPUT, "22004", "push");
	assert_error(gps_add_user_can_push(c, "x", NULL, &e), &e, GPS_INVALID_INPUT, "22004", "username");
	assert_error(gps_session_destroy_user(c, NULL, &n, &e), &e, GPS_INVALID_INPUT, "22004", NULL);
	assert_int_equal(n, 0);
	assert_error(gps_get_pushes_for_user_profile(c, NULL, 1, "u", &out, &e), &e, GPS_INVALID_INPUT,
				 "22004", NULL);
	assert_error(gps_get_push(NULL, "x", &out, &e), &e, GPS_INVALID_INPUT, "", "client");
	/* err may be NULL */
	assert_int_equal(gps_get_push(c, NULL, &out, NULL), GPS_INVALID_INPUT);
	gps_close(c);
}

const struct CMUnitTest t_basic_tests[] = {
	cmocka_unit_test(test_version_and_names),
	cmocka_unit_test(test_sqlstate_mapping),
	cmocka_unit_test(test_config_defaults),
	cmocka_unit_test(test_config_nothing_configured),
	cmocka_unit_test(test_config_env_and_precedence),
	cmocka_unit_test(test_config_invalid),
	cmocka_unit_test(test_uri_and_unreachable),
	cmocka_unit_test(test_handshake_extension_missing_or_old),
	cmocka_unit_test(test_application_name),
	cmocka_unit_test(test_search_path_is_empty),
	cmocka_unit_test(test_permission_denied),
	cmocka_unit_test(test_lock_timeout_error),
	cmocka_unit_test(test_log_callback),
	cmocka_unit_test(test_health_check),
	cmocka_unit_test(test_null_arguments),
};
const size_t t_basic_count = sizeof(t_basic_tests) / sizeof(t_basic_tests[0]);
