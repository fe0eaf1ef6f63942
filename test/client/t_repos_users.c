/*
 * t_repos_users.c - repos and permission lists, users and SSH keys,
 * migration bookkeeping.  Each test needs the SQL functions of issue 3 and
 * is skipped (never passed) while they are not installed.
 */
#include "tests.h"

#define REQUIRE_REPOS() do { \
	REQUIRE_FN("gitproxy.create_repo(json)"); REQUIRE_FN("gitproxy.get_repos(json)"); \
	REQUIRE_FN("gitproxy.get_repo(text)"); REQUIRE_FN("gitproxy.get_repo_by_url(text)"); \
	REQUIRE_FN("gitproxy.get_repo_by_id(text)"); REQUIRE_FN("gitproxy.update_repo(json)"); \
	REQUIRE_FN("gitproxy.delete_repo(text)"); } while (0)
#define REQUIRE_PERMS() do { \
	REQUIRE_FN("gitproxy.add_user_can_push(text,text)"); \
	REQUIRE_FN("gitproxy.add_user_can_authorise(text,text)"); \
	REQUIRE_FN("gitproxy.remove_user_can_push(text,text)"); \
	REQUIRE_FN("gitproxy.remove_user_can_authorise(text,text)"); } while (0)
#define REQUIRE_USERS() do { \
	REQUIRE_FN("gitproxy.create_user(json)"); REQUIRE_FN("gitproxy.find_user(text)"); \
	REQUIRE_FN("gitproxy.find_user_by_email(text)"); REQUIRE_FN("gitproxy.find_user_by_git_account(text)"); \
	REQUIRE_FN("gitproxy.find_user_by_oidc(text)"); REQUIRE_FN("gitproxy.get_users(json)"); \
	REQUIRE_FN("gitproxy.update_user(json)"); REQUIRE_FN("gitproxy.delete_user(text)"); } while (0)
#define REQUIRE_KEYS() do { \
	REQUIRE_FN("gitproxy.add_public_key(text,json)"); REQUIRE_FN("gitproxy.remove_public_key(text,text)"); \
	REQUIRE_FN("gitproxy.get_public_keys(text)"); REQUIRE_FN("gitproxy.find_user_by_ssh_key(text)"); } while (0)

/* create a repo named name with url; returns its _id (malloc'd) */
static char *
make_repo(gps_client *c, const char *name, const char *url)
{
	char		doc[512];
	char	   *stored = NULL,
			   *id;
	gps_error	e;

	snprintf(doc, sizeof(doc), "{\"name\":\"%s\",\"project\":\"finos\",\"url\":\"%s\","
			 "\"users\":{\"canPush\":[],\"canAuthorise\":[]}}", name, url);
	if (gps_create_repo(c, doc, &stored, &e) != GPS_OK)
		print_error("create_repo: %s\n", e.message);
	assert_non_null(stored);
	id = t_json_get(stored, "{_id}");
	assert_non_null(id);
	assert_int_equal(strlen(id), 24);
	gps_free(stored);
	return id;
}

static void
test_repos_crud(void **state)
{
	gps_client *c;
	gps_error	e;
	char	   *id,
			   *doc = NULL,
			   *list = NULL,
			   *v;
	const char *name = t_uid("repo");
	char		url[160],
				query[200],
				upd[256],
				dup[512];

	(void) state;
	REQUIRE_REPOS();
	c = t_open(NULL);
	snprintf(url, sizeof(url), "https://github.com/finos/%s.git", name);
	id = make_repo(c, name, url);

	assert_int_equal(gps_get_repo(c, name, &doc, &e), GPS_OK);
	assert_json_field(doc, "{_id}", id);
	v = t_json_get(doc, "{dateCreated}");
	assert_non_null(v);			/* filled in by the server */
	free(v);
	gps_free(doc);
	assert_int_equal(gps_get_repo_by_url(c, url, &doc, &e), GPS_OK);
	assert_non_null(doc);
	gps_free(doc);
	assert_int_equal(gps_get_repo_by_id(c, id, &doc, &e), GPS_OK);
	assert_non_null(doc);
	gps_free(doc);
	doc = (char *) 1;
	assert_int_equal(gps_get_repo_by_id(c, "ABCDEFGHIJKLMNOP", &doc, &e), GPS_OK);
	assert_null(doc);			/* malformed id: null, not an error */
	assert_int_equal(gps_get_repo(c, "no-such-repo-name", &doc, &e), GPS_OK);
	assert_null(doc);

	snprintf(query, sizeof(query), "{\"url\":\"%s\"}", url);
	assert_int_equal(gps_get_repos(c, query, &list, &e), GPS_OK);
	assert_int_equal(t_json_len(list), 1);
	gps_free(list);
	assert_int_equal(gps_get_repos(c, NULL, &list, &e), GPS_OK);
	assert_true(t_json_len(list) >= 1);
	gps_free(list);
	assert_error(gps_get_repos(c, "{\"$where\":\"1\"}", &list, &e), &e, GPS_INVALID_INPUT, "22023", NULL);
	assert_null(list);

	/* duplicate url: CONFLICT */
	snprintf(dup, sizeof(dup), "{\"project\":\"finos\",\"name\":\"%s-dup\",\"url\":\"%s\"}", name, url);
	assert_error(gps_create_repo(c, dup, &doc, &e), &e, GPS_CONFLICT, "23505", NULL);
	assert_null(doc);

	snprintf(upd, sizeof(upd), "{\"_id\":\"%s\",\"dateCreated\":\"2021-06-15T12:00:00.000Z\"}", id);
	assert_int_equal(gps_update_repo(c, upd, &e), GPS_OK);
	assert_int_equal(gps_get_repo_by_id(c, id, &doc, &e), GPS_OK);
	assert_json_field(doc, "{dateCreated}", "2021-06-15T12:00:00.000Z");
	assert_json_field(doc, "{name}", name);
	gps_free(doc);

	assert_int_equal(gps_delete_repo(c, id, &e), GPS_OK);
	assert_int_equal(gps_get_repo_by_id(c, id, &doc, &e), GPS_OK);
	assert_null(doc);
	assert_int_equal(gps_delete_repo(c, id, &e), GPS_OK);
	free(id);
	gps_close(c);
}

static void
test_repo_permissions(void **state)
{
	gps_client *c;
	gps_error	e;
	char	   *id,
			   *doc = NULL,
			   *v;
	const char *name = t_uid("perm");
	char		url[160];

	(void) state;
	REQUIRE_REPOS();
	REQUIRE_PERMS();
	c = t_open(NULL);
	snprintf(url, sizeof(url), "https://github.com/finos/%s.git", name);
	id = make_repo(c, name, url);
	assert_int_equal(gps_add_user_can_push(c, id, "TestUser", &e), GPS_OK);
	assert_int_equal(gps_add_user_can_push(c, id, "testuser", &e), GPS_OK);	/* once */
	assert_int_equal(gps_add_user_can_authorise(c, id, "Boss", &e), GPS_OK);
	assert_int_equal(gps_get_repo_by_id(c, id, &doc, &e), GPS_OK);
	v = t_json_get(doc, "{users}");
	assert_true(t_json_eq(v, "{\"canPush\":[\"testuser\"],\"canAuthorise\":[\"boss\"]}"));
	free(v);
	gps_free(doc);
	assert_int_equal(gps_remove_user_can_push(c, id, "TESTUSER", &e), GPS_OK);
	assert_int_equal(gps_remove_user_can_push(c, id, "testuser", &e), GPS_OK);	/* absent: fine */
	assert_int_equal(gps_remove_user_can_authorise(c, id, "boss", &e), GPS_OK);
	assert_int_equal(gps_get_repo_by_id(c, id, &doc, &e), GPS_OK);
	v = t_json_get(doc, "{users}");
	assert_true(t_json_eq(v, "{\"canPush\":[],\"canAuthorise\":[]}"));
	free(v);
	gps_free(doc);

	/* unknown and malformed repo ids: "Repo not found" */
	assert_error(gps_add_user_can_push(c, "ffffffffffffffffffffffff", "x", &e), &e, GPS_NOT_FOUND,
				 "P0002", NULL);
	assert_string_equal(e.message, "Repo not found");
	assert_error(gps_add_user_can_authorise(c, "bad", "x", &e), &e, GPS_NOT_FOUND, "P0002", NULL);
	assert_string_equal(e.message, "Repo not found");
	assert_error(gps_remove_user_can_push(c, "bad", "x", &e), &e, GPS_NOT_FOUND, "P0002", "Repo not found");
	assert_error(gps_remove_user_can_authorise(c, "bad", "x", &e), &e, GPS_NOT_FOUND, "P0002",
				 "Repo not found");
	assert_int_equal(gps_delete_repo(c, id, &e), GPS_OK);
	free(id);
	gps_close(c);
}

static void
test_users(void **state)
{
	gps_client *c;
	gps_error	e;
	char	   *doc = NULL,
			   *list = NULL,
			   *v;
	const char *name = t_uid("User");
	char		lower[96],
				user[512],
				query[256],
				upd[256];

	(void) state;
	REQUIRE_USERS();
	c = t_open(NULL);
	snprintf(lower, sizeof(lower), "%s", name);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char) (*p + 32);
	snprintf(user, sizeof(user), "{\"username\":\"%s\",\"email\":\"%s@Example.COM\",\"gitAccount\":\"%s-gh\","
			 "\"password\":\"hash\",\"admin\":false,\"oidcId\":\"oidc-%s\"}", name, name, lower, name);
	assert_int_equal(gps_create_user(c, user, &e), GPS_OK);
	assert_error(gps_create_user(c, user, &e), &e, GPS_CONFLICT, "23505", NULL);

	assert_int_equal(gps_find_user(c, name, &doc, &e), GPS_OK);
	assert_json_field(doc, "{username}", lower);
	assert_json_field(doc, "{password}", "hash");
	gps_free(doc);
	{
		char		email[128],
					git[128],
					oidc[128];

		snprintf(email, sizeof(email), "%s@example.com", name);
		snprintf(git, sizeof(git), "%s-GH", lower);
		snprintf(oidc, sizeof(oidc), "oidc-%s", name);
		assert_int_equal(gps_find_user_by_email(c, email, &doc, &e), GPS_OK);
		assert_non_null(doc);
		gps_free(doc);
		assert_int_equal(gps_find_user_by_git_account(c, git, &doc, &e), GPS_OK);
		assert_non_null(doc);
		gps_free(doc);
		assert_int_equal(gps_find_user_by_oidc(c, oidc, &doc, &e), GPS_OK);
		assert_non_null(doc);
		gps_free(doc);
	}
	assert_int_equal(gps_find_user(c, "no-such-user-anywhere", &doc, &e), GPS_OK);
	assert_null(doc);

	snprintf(query, sizeof(query), "{\"username\":\"%s\"}", name);	/* lower-cased by the server */
	assert_int_equal(gps_get_users(c, query, &list, &e), GPS_OK);
	assert_int_equal(t_json_len(list), 1);
	v = t_json_get(list, "{0,password}");
	assert_null(v);				/* never includes password */
	gps_free(list);

	snprintf(upd, sizeof(upd), "{\"username\":\"%s\",\"gitAccount\":\"changed\"}", lower);
	assert_int_equal(gps_update_user(c, upd, &e), GPS_OK);
	assert_int_equal(gps_find_user(c, lower, &doc, &e), GPS_OK);
	assert_json_field(doc, "{gitAccount}", "changed");
	v = t_json_get(doc, "{email}");	/* kept */
	assert_non_null(v);
	free(v);
	gps_free(doc);

	assert_int_equal(gps_delete_user(c, name, &e), GPS_OK);
	assert_int_equal(gps_find_user(c, lower, &doc, &e), GPS_OK);
	assert_null(doc);
	assert_int_equal(gps_delete_user(c, name, &e), GPS_OK);
	gps_close(c);
}

static void
test_public_keys(void **state)
{
	gps_client *c;
	gps_error	e;
	char	   *doc = NULL,
			   *keys = NULL,
			   *v;
	const char *a = t_uid("keya");
	const char *b = t_uid("keyb");
	char		user[256],
				key1[256],
				key2[256],
				k1[128];

	(void) state;
	REQUIRE_USERS();
	REQUIRE_KEYS();
	c = t_open(NULL);
	snprintf(user, sizeof(user), "{\"username\":\"%s\",\"email\":\"%s@x.org\",\"gitAccount\":\"g\"}", a, a);
	assert_int_equal(gps_create_user(c, user, &e), GPS_OK);
	snprintf(user, sizeof(user), "{\"username\":\"%s\",\"email\":\"%s@x.org\",\"gitAccount\":\"g\"}", b, b);
	assert_int_equal(gps_create_user(c, user, &e), GPS_OK);

	assert_int_equal(gps_get_public_keys(c, a, &keys, &e), GPS_OK);
	assert_true(t_json_eq(keys, "[]"));
	gps_free(keys);

	snprintf(k1, sizeof(k1), "ssh-ed25519 AAAA%s", a);
	snprintf(key1, sizeof(key1), "{\"key\":\"%s\",\"fingerprint\":\"SHA256:%s-1\",\"name\":\"one\"}", k1, a);
	snprintf(key2, sizeof(key2), "{\"key\":\"ssh-ed25519 BBBB%s\",\"fingerprint\":\"SHA256:%s-2\",\"name\":\"two\"}",
			 a, a);
	assert_int_equal(gps_add_public_key(c, a, key1, &e), GPS_OK);
	assert_int_equal(gps_add_public_key(c, a, key2, &e), GPS_OK);
	assert_error(gps_add_public_key(c, a, key1, &e), &e, GPS_CONFLICT, "42710", NULL);
	assert_string_equal(e.message, "SSH key already exists");
	assert_error(gps_add_public_key(c, b, key1, &e), &e, GPS_CONFLICT, "23505", NULL);
	{
		char		msg[160];

		snprintf(msg, sizeof(msg), "SSH key already in use by user '%s'", a);
		assert_string_equal(e.message, msg);
	}
	/* (a key owned by someone else is reported before a missing user) */
	assert_error(gps_add_public_key(c, "no-such-user-x", "{\"key\":\"ssh-ed25519 CCCCunowned\"}", &e), &e,
				 GPS_NOT_FOUND, "P0002", NULL);
	assert_string_equal(e.message, "User not found");

	assert_int_equal(gps_get_public_keys(c, a, &keys, &e), GPS_OK);
	assert_int_equal(t_json_len(keys), 2);
	v = t_json_get(keys, "{0,name}");
	assert_string_equal(v, "one");	/* insertion order */
	free(v);
	gps_free(keys);
	assert_int_equal(gps_find_user_by_ssh_key(c, k1, &doc, &e), GPS_OK);
	assert_json_field(doc, "{username}", a);
	gps_free(doc);

	{
		char		fp[128];

		snprintf(fp, sizeof(fp), "SHA256:%s-1", a);
		assert_int_equal(gps_remove_public_key(c, a, fp, &e), GPS_OK);
		assert_int_equal(gps_remove_public_key(c, a, fp, &e), GPS_OK);
	}
	assert_int_equal(gps_get_public_keys(c, a, &keys, &e), GPS_OK);
	assert_int_equal(t_json_len(keys), 1);
	gps_free(keys);
	assert_int_equal(gps_find_user_by_ssh_key(c, k1, &doc, &e), GPS_OK);
	assert_null(doc);

	assert_error(gps_get_public_keys(c, "no-such-user-x", &keys, &e), &e, GPS_NOT_FOUND, "P0002", NULL);
	assert_string_equal(e.message, "User not found");
	assert_null(keys);
	assert_error(gps_remove_public_key(c, "no-such-user-x", "fp", &e), &e, GPS_NOT_FOUND, "P0002",
				 "User not found");
	assert_int_equal(gps_delete_user(c, a, &e), GPS_OK);
	assert_int_equal(gps_delete_user(c, b, &e), GPS_OK);
	gps_close(c);
}

static void
test_migrations(void **state)
{
	gps_client *c;
	gps_error	e;
	char	   *ids = NULL;
	const char *m1 = t_uid("20260101-mig");
	char		with[200],
				q[300];
	char	   *v;
	const char *p[2];

	(void) state;
	REQUIRE_FN("gitproxy.get_applied_migrations()");
	REQUIRE_FN("gitproxy.record_migration(text)");
	REQUIRE_FN("gitproxy.unrecord_migration(text)");
	c = t_open(NULL);
	assert_int_equal(gps_record_migration(c, m1, &e), GPS_OK);
	assert_int_equal(gps_record_migration(c, m1, &e), GPS_OK);	/* idempotent */
	assert_int_equal(gps_get_applied_migrations(c, &ids, &e), GPS_OK);
	snprintf(with, sizeof(with), "[\"%s\"]", m1);
	p[0] = ids;
	p[1] = with;
	snprintf(q, sizeof(q), "SELECT (SELECT count(*) FROM jsonb_array_elements($1::jsonb) x "
			 "WHERE x = ($2::jsonb)->0)");
	v = t_sql(q, 2, p);
	assert_string_equal(v, "1");	/* exactly once */
	free(v);
	gps_free(ids);
	assert_int_equal(gps_unrecord_migration(c, m1, &e), GPS_OK);
	assert_int_equal(gps_unrecord_migration(c, m1, &e), GPS_OK);
	assert_int_equal(gps_get_applied_migrations(c, &ids, &e), GPS_OK);
	p[0] = ids;
	v = t_sql(q, 2, p);
	assert_string_equal(v, "0");
	free(v);
	gps_free(ids);
	gps_close(c);
}

const struct CMUnitTest t_repo_user_tests[] = {
	cmocka_unit_test(test_repos_crud),
	cmocka_unit_test(test_repo_permissions),
	cmocka_unit_test(test_users),
	cmocka_unit_test(test_public_keys),
	cmocka_unit_test(test_migrations),
};
const size_t t_repo_user_count = sizeof(t_repo_user_tests) / sizeof(t_repo_user_tests[0]);
