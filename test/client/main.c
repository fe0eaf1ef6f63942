/*
 * main.c - runs every group of the libgitproxy_sink suite as one cmocka
 * group (one TAP stream).  Set CMOCKA_MESSAGE_OUTPUT=TAP for TAP.
 */
#include "tests.h"

static int
setup(void **state)
{
	(void) state;
	t_admin = PQconnectdb("");
	if (PQstatus(t_admin) != CONNECTION_OK)
	{
		fprintf(stderr, "admin connection failed: %s", PQerrorMessage(t_admin));
		PQfinish(t_admin);
		return -1;
	}
	PQclear(PQexec(t_admin, "SET client_min_messages = warning"));
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	PQfinish(t_admin);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest *groups[] = {t_basic_tests, t_push_tests, t_repo_user_tests,
	t_session_tests, t_pool_tests, t_import_tests, t_limit_tests};
	const size_t counts[] = {t_basic_count, t_push_count, t_repo_user_count, t_session_count,
	t_pool_count, t_import_count, t_limit_count};
	size_t		total = 0,
				k = 0;
	struct CMUnitTest *all;
	int			rc;

	for (size_t g = 0; g < sizeof(counts) / sizeof(counts[0]); g++)
		total += counts[g];
	all = calloc(total, sizeof(*all));
	if (all == NULL)
		return 1;
	for (size_t g = 0; g < sizeof(counts) / sizeof(counts[0]); g++)
		for (size_t i = 0; i < counts[g]; i++)
			all[k++] = groups[g][i];
	rc = _cmocka_run_group_tests("libgitproxy_sink", all, total, setup, teardown);
	free(all);
	return rc;
}
