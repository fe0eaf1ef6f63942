/*
 * t_pushes.c - pushes and review decisions: write_audit, get_push,
 * delete_push, authorise, reject, cancel, get_pushes (filter, pages,
 * cursor), get_pushes_for_user_profile, rollups, canonical_remote_url,
 * derive_created_at; the contract's messages and error categories.
 */
#include "tests.h"

static void
test_write_get_delete(void **state)
{
	gps_client *c = t_open(NULL);
	const char *id = t_uid("wgd");
	char		doc[512];
	char	   *got = NULL,
			   *v;
	gps_error	e;

	(void) state;
	/* \u0000 and a lone surrogate survive the round trip */
	snprintf(doc, sizeof(doc),
			 "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":1700000000000,\"_id\":\"ignored\","
			 "\"steps\":[{\"log\":\"a\\u0000b \\ud800 c\"}],\"blocked\":true}", id);
	assert_int_equal(gps_write_audit(c, doc, &e), GPS_OK);
	assert_int_equal(e.category, GPS_OK);
	assert_string_equal(e.message, "");
	assert_int_equal(gps_get_push(c, id, &got, &e), GPS_OK);
	assert_non_null(got);
	assert_non_null(strstr(got, "a\\u0000b \\ud800 c"));
	{
		/* (the server cannot extract from a document holding \u0000) */
		const char *p[] = {id};

		v = t_sql("SELECT _id FROM gitproxy.pushes WHERE id = $1", 1, p);
		assert_int_equal(strlen(v), 24);
		assert_non_null(strstr(got, v));
		assert_null(strstr(got, "ignored"));
		free(v);
	}
	gps_free(got);
	/* replace semantics: a field missing from the new document disappears */
	snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":1}", id);
	assert_int_equal(gps_write_audit(c, doc, &e), GPS_OK);
	assert_int_equal(gps_get_push(c, id, &got, &e), GPS_OK);
	v = t_json_get(got, "{blocked}");
	assert_null(v);
	gps_free(got);
	/* result pointer may be NULL */
	assert_int_equal(gps_get_push(c, id, NULL, &e), GPS_OK);
	assert_int_equal(gps_delete_push(c, id, &e), GPS_OK);
	got = (char *) 1;
	assert_int_equal(gps_get_push(c, id, &got, &e), GPS_OK);
	assert_null(got);
	/* deleting a missing push is fine */
	assert_int_equal(gps_delete_push(c, id, &e), GPS_OK);
	gps_close(c);
}

static void
test_write_audit_invalid(void **state)
{
	gps_client *c = t_open(NULL);
	gps_error	e;

	(void) state;
	assert_error(gps_write_audit(c, "{\"id\":5}", &e), &e, GPS_INVALID_INPUT, "22023", "Invalid id");
	assert_error(gps_write_audit(c, "[1,2]", &e), &e, GPS_INVALID_INPUT, "22023", "Invalid id");
	assert_error(gps_write_audit(c, "{\"id\":", &e), &e, GPS_INVALID_INPUT, "22P02", NULL);
	assert_string_not_equal(e.message, "");
	gps_close(c);
}

/* n pseudo-random hex digits (incompressible, like real ids and keys) */
static char *
t_noise(const char *prefix, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t		plen = strlen(prefix);
	char	   *s = malloc(plen + n + 1);
	unsigned long long x = 88172645463325252ULL;

	assert_non_null(s);
	memcpy(s, prefix, plen);
	for (size_t i = 0; i < n; i++)
	{
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s[plen + i] = hex[x & 0xf];
	}
	s[plen + n] = '\0';
	return s;
}

/*
 * Values longer than a btree entry are stored and found; values over the
 * documented limit (8 KiB for a push id or url) are INVALID_INPUT 22001
 * naming the field, never INTERNAL (issue 9 §5).
 */
static void
test_long_values(void **state)
{
	gps_client *c = t_open(NULL);
	char	   *id = t_noise("long-", 3000);
	char	   *over = t_noise("over-", 8200);
	size_t		size = strlen(over) + 64;
	char	   *doc = malloc(size);
	char	   *got = NULL;
	gps_error	e;

	(void) state;
	assert_non_null(doc);
	snprintf(doc, size, "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":1}", id);
	assert_int_equal(gps_write_audit(c, doc, &e), GPS_OK);
	assert_int_equal(gps_get_push(c, id, &got, &e), GPS_OK);
	assert_non_null(got);
	assert_non_null(strstr(got, id));
	gps_free(got);
	assert_int_equal(gps_delete_push(c, id, &e), GPS_OK);

	snprintf(doc, size, "{\"id\":\"%s\",\"type\":\"push\"}", over);
	assert_error(gps_write_audit(c, doc, &e), &e, GPS_INVALID_INPUT, "22001", "push \"id\" is too long");
	snprintf(doc, size, "{\"id\":\"x\",\"url\":\"%s\"}", over);
	assert_error(gps_write_audit(c, doc, &e), &e, GPS_INVALID_INPUT, "22001", "push \"url\" is too long");
	got = (char *) 1;
	assert_int_equal(gps_get_push(c, over, &got, &e), GPS_OK);
	assert_null(got);
	free(doc);
	free(over);
	free(id);
	gps_close(c);
}

static void
test_decisions(void **state)
{
	gps_client *c = t_open(NULL);
	const char *id = t_uid("dec");
	char		expect[128];
	char	   *res = NULL,
			   *doc = NULL,
			   *v;
	gps_error	e;

	(void) state;
	t_push(c, id, 1000, "https://example.com/dec.git");

	assert_int_equal(gps_authorise(c, id, "{\"reviewer\":{\"username\":\"alice\"},\"note\":\"ok\"}",
								   &res, &e), GPS_OK);
	snprintf(expect, sizeof(expect), "{\"message\":\"authorised %s\"}", id);
	assert_true(t_json_eq(res, expect));
	gps_free(res);
	assert_int_equal(gps_get_push(c, id, &doc, &e), GPS_OK);
	assert_json_field(doc, "{attestation,reviewer,username}", "alice");
	assert_json_field(doc, "{authorised}", "true");
	gps_free(doc);

	assert_int_equal(gps_reject(c, id, "{\"reason\":\"no\"}", &res, &e), GPS_OK);
	snprintf(expect, sizeof(expect), "{\"message\":\"reject %s\"}", id);
	assert_true(t_json_eq(res, expect));
	gps_free(res);
	assert_int_equal(gps_get_push(c, id, &doc, &e), GPS_OK);
	assert_json_field(doc, "{rejected}", "true");
	assert_json_field(doc, "{rejection,reason}", "no");
	v = t_json_get(doc, "{attestation,reviewer,username}");	/* kept */
	assert_string_equal(v, "alice");
	free(v);
	gps_free(doc);

	assert_int_equal(gps_cancel(c, id, &res, &e), GPS_OK);
	snprintf(expect, sizeof(expect), "{\"message\":\"canceled %s\"}", id);
	assert_true(t_json_eq(res, expect));
	gps_free(res);
	assert_int_equal(gps_get_push(c, id, &doc, &e), GPS_OK);
	assert_json_field(doc, "{canceled}", "true");
	gps_free(doc);

	/* without attestation, and without wanting the result */
	assert_int_equal(gps_authorise(c, id, NULL, NULL, &e), GPS_OK);
	assert_int_equal(gps_reject(c, id, NULL, NULL, &e), GPS_OK);
	gps_close(c);
}

static void
test_decisions_not_found(void **state)
{
	gps_client *c = t_open(NULL);
	gps_error	e;
	char	   *res = (char *) 1;

	(void) state;
	assert_error(gps_authorise(c, "no-such-push", NULL, &res, &e), &e, GPS_NOT_FOUND, "P0002", NULL);
	assert_string_equal(e.message, "push no-such-push not found");
	assert_null(res);
	assert_error(gps_reject(c, "no-such-push", "{}", &res, &e), &e, GPS_NOT_FOUND, "P0002", NULL);
	assert_string_equal(e.message, "push no-such-push not found");
	assert_error(gps_cancel(c, "no-such-push", &res, &e), &e, GPS_NOT_FOUND, "P0002", NULL);
	assert_string_equal(e.message, "push no-such-push not found");
	gps_close(c);
}

static void
test_strict_review_conflict(void **state)
{
	gps_client *c;
	gps_config	cfg;
	gps_error	e;
	const char *id = t_uid("strict");
	char		msg[128];

	(void) state;
	/* the database's review mode, set by the extension owner */
	t_exec("SELECT gitproxy.set_review_mode('strict')");
	gps_config_init(&cfg);
	cfg.conninfo = t_conninfo(NULL);
	c = t_open_cfg(&cfg);
	t_push(c, id, 1, "https://example.com/strict.git");
	assert_int_equal(gps_authorise(c, id, NULL, NULL, &e), GPS_OK);
	assert_error(gps_reject(c, id, NULL, NULL, &e), &e, GPS_CONFLICT, "55000", NULL);
	snprintf(msg, sizeof(msg), "push %s is already authorised", id);
	assert_string_equal(e.message, msg);
	assert_string_not_equal(e.detail, "");
	assert_error(gps_cancel(c, id, NULL, &e), &e, GPS_CONFLICT, "55000", NULL);
	gps_close(c);
	t_exec("SELECT gitproxy.set_review_mode('parity')");
}

static void
test_get_pushes_filter_and_pages(void **state)
{
	gps_client *c = t_open(NULL);
	const char *url = t_uid("https://example.com/pages");
	char		query[256];
	char	   *page = NULL,
			   *cursor = NULL,
			   *v;
	char		seen[6] = {0};
	gps_error	e;
	int			pages = 0;

	(void) state;
	for (int i = 0; i < 5; i++)
	{
		char		id[128];

		snprintf(id, sizeof(id), "%s-%d", url, i);
		t_push(c, id, 1000 + i, url);
	}
	snprintf(query, sizeof(query), "{\"url\":\"%s\"}", url);

	/* all at once, newest first, no cursor */
	assert_int_equal(gps_get_pushes(c, query, GPS_NO_LIMIT, NULL, &page, &e), GPS_OK);
	v = t_json_get(page, "{pushes}");
	assert_int_equal(t_json_len(v), 5);
	free(v);
	assert_json_field(page, "{pushes,0,timestamp}", "1004");
	v = t_json_get(page, "{pushes,0,_id}");
	assert_null(v);				/* listings carry no _id */
	v = t_json_get(page, "{cursor}");
	assert_null(v);
	gps_free(page);

	/* pages of 2: 2 + 2 + 1, cursor null on the last one */
	for (;;)
	{
		long long	n;
		char	   *pushes;

		assert_int_equal(gps_get_pushes(c, query, 2, cursor, &page, &e), GPS_OK);
		free(cursor);
		pushes = t_json_get(page, "{pushes}");
		n = t_json_len(pushes);
		for (long long i = 0; i < n; i++)
		{
			char		path[32];
			char	   *ts;

			snprintf(path, sizeof(path), "{%lld,timestamp}", i);
			ts = t_json_get(pushes, path);
			seen[atoi(ts) - 1000]++;
			free(ts);
		}
		free(pushes);
		cursor = t_json_get(page, "{cursor}");
		pages++;
		assert_int_equal(n, pages < 3 ? 2 : 1);
		gps_free(page);
		if (cursor == NULL)
			break;
		assert_true(pages < 3);
	}
	assert_int_equal(pages, 3);
	for (int i = 0; i < 5; i++)
		assert_int_equal(seen[i], 1);

	/* exactly a page's worth left: no cursor afterwards */
	assert_int_equal(gps_get_pushes(c, query, 5, NULL, &page, &e), GPS_OK);
	v = t_json_get(page, "{cursor}");
	assert_null(v);
	gps_free(page);
	assert_int_equal(gps_get_pushes(c, query, 0, NULL, &page, &e), GPS_OK);
	assert_true(t_json_eq(page, "{\"pushes\":[],\"cursor\":null}"));
	gps_free(page);

	/* default filter (NULL) returns pending pushes only */
	assert_int_equal(gps_get_pushes(c, NULL, 1, NULL, &page, &e), GPS_OK);
	assert_json_field(page, "{pushes,0,blocked}", "true");
	gps_free(page);
	gps_close(c);
}

/* the listing summary: git-proxy's MongoDB projection, paged like full documents */
static void
test_push_summaries(void **state)
{
	gps_client *c = t_open(NULL);
	const char *url = t_uid("https://example.com/summary");
	char		doc[1024];
	char		query[256];
	char	   *page = NULL,
			   *full = NULL,
			   *v;
	gps_error	e;
	const char *params[1];

	(void) state;
	REQUIRE_FN("gitproxy.get_pushes(json,integer,text,boolean)");
	snprintf(doc, sizeof(doc),
			 "{\"id\":\"%s-a\",\"type\":\"push\",\"timestamp\":2,\"url\":\"%s\","
			 "\"branch\":\"refs/heads/main\",\"commitData\":[{\"message\":\"m\"}],"
			 "\"attestation\":null,\"steps\":[{\"content\":\"diff\"}],\"user\":\"alice\","
			 "\"autoApproved\":false,\"_id\":\"0123456789abcdef01234567\"}", url, url);
	assert_int_equal(gps_write_audit(c, doc, &e), GPS_OK);
	snprintf(doc, sizeof(doc), "{\"id\":\"%s-b\",\"timestamp\":1,\"url\":\"%s\"}", url, url);
	assert_int_equal(gps_write_audit(c, doc, &e), GPS_OK);
	snprintf(query, sizeof(query), "{\"url\":\"%s\"}", url);

	assert_int_equal(gps_get_push_summaries(c, query, GPS_NO_LIMIT, NULL, &page, &e), GPS_OK);
	v = t_json_get(page, "{pushes}");
	assert_int_equal(t_json_len(v), 2);
	free(v);
	/* the fields of the projection the document has, nothing else */
	params[0] = page;
	v = t_sql("SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys($1::jsonb->'pushes'->0) k",
			  1, params);
	assert_string_equal(v, "attestation,branch,commitData,id,timestamp,type,url");
	free(v);
	assert_json_field(page, "{pushes,0,commitData,0,message}", "m");
	v = t_sql("SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys($1::jsonb->'pushes'->1) k",
			  1, params);
	assert_string_equal(v, "id,timestamp,url");
	free(v);
	v = t_json_get(page, "{cursor}");
	assert_null(v);
	gps_free(page);

	/* a summary page and a full page: same rows, same cursor, each resumes the other */
	assert_int_equal(gps_get_push_summaries(c, query, 1, NULL, &page, &e), GPS_OK);
	assert_int_equal(gps_get_pushes(c, query, 1, NULL, &full, &e), GPS_OK);
	v = t_json_get(page, "{cursor}");
	assert_non_null(v);
	assert_json_field(full, "{cursor}", v);
	snprintf(doc, sizeof(doc), "%s-a", url);
	assert_json_field(page, "{pushes,0,id}", doc);
	assert_json_field(full, "{pushes,0,id}", doc);
	gps_free(page);
	gps_free(full);
	assert_int_equal(gps_get_pushes(c, query, 5, v, &full, &e), GPS_OK);
	snprintf(doc, sizeof(doc), "%s-b", url);
	assert_json_field(full, "{pushes,0,id}", doc);
	free(v);
	v = t_json_get(full, "{cursor}");
	assert_null(v);
	gps_free(full);

	/* errors as gps_get_pushes */
	page = (char *) 1;
	assert_error(gps_get_push_summaries(c, "{}", 2, "not-a-cursor", &page, &e), &e, GPS_INVALID_INPUT,
				 "22023", "invalid cursor");
	assert_null(page);
	assert_error(gps_get_push_summaries(c, "[1]", GPS_NO_LIMIT, NULL, &page, &e), &e,
				 GPS_INVALID_INPUT, "22023", NULL);
	assert_null(page);
	gps_close(c);
}

/*
 * An unpaged listing longer than the library's internal page (100 rows):
 * byte for byte what one statement returns, one snapshot, and the
 * connection goes back to the pool idle.
 */
static void
test_get_pushes_unpaged_pages(void **state)
{
	gps_client *c = t_open(NULL);
	const char *url = t_uid("https://example.com/unpaged");
	char		query[256];
	char	   *page = NULL,
			   *want,
			   *v;
	gps_error	e;
	const char *params[2];
	gps_pool_stats ps;

	(void) state;
	REQUIRE_FN("gitproxy.get_pushes(json,integer,text,boolean)");
	params[0] = url;
	/* ties on timestamp cross page boundaries (ordered by id there) */
	free(t_sql("SELECT count(gitproxy.write_audit(json_build_object('id', $1 || '-' || i, "
			   "'type', 'push', 'timestamp', i % 7, 'url', $1, 'blob', repeat('x', i % 50))))"
			   " FROM generate_series(1, 1203) i", 1, params));
	snprintf(query, sizeof(query), "{\"url\":\"%s\"}", url);
	params[0] = query;
	for (int summary = 0; summary < 2; summary++)
	{
		params[1] = summary ? "true" : "false";
		want = t_sql("SELECT '{\"pushes\":[' || coalesce(string_agg(push::text, ','), '') || "
					 "'],\"cursor\":null}' FROM gitproxy.get_pushes($1::json, NULL, NULL, $2::boolean)",
					 2, params);
		assert_int_equal((summary ? gps_get_push_summaries : gps_get_pushes)
						 (c, query, GPS_NO_LIMIT, NULL, &page, &e), GPS_OK);
		assert_string_equal(page, want);
		v = t_json_get(page, "{pushes}");
		assert_int_equal(t_json_len(v), 1203);
		free(v);
		gps_free(page);
		free(want);
	}
	/* from a cursor on, without a limit: the rest, as one statement */
	v = t_sql("SELECT cursor FROM gitproxy.get_pushes($1::json, 700)", 1, params);
	params[1] = v;
	want = t_sql("SELECT '{\"pushes\":[' || string_agg(push::text, ',') || '],\"cursor\":null}' "
				 "FROM gitproxy.get_pushes($1::json, NULL, $2)", 2, params);
	assert_int_equal(gps_get_pushes(c, query, GPS_NO_LIMIT, v, &page, &e), GPS_OK);
	assert_string_equal(page, want);
	gps_free(page);
	free(want);
	free(v);
	assert_error(gps_get_pushes(c, "{}", GPS_NO_LIMIT, "zz", &page, &e), &e, GPS_INVALID_INPUT,
				 "22023", "invalid cursor");
	assert_null(page);
	gps_pool_status(c, &ps);
	assert_int_equal(ps.in_use, 0);
	assert_int_equal(ps.size, ps.idle);
	/* the connection came back idle, outside any transaction, and works */
	assert_int_equal(gps_get_pushes(c, query, 1, NULL, &page, &e), GPS_OK);
	gps_free(page);
	gps_close(c);
}

static void
test_get_pushes_invalid(void **state)
{
	gps_client *c = t_open(NULL);
	gps_error	e;
	char	   *page = (char *) 1;

	(void) state;
	assert_error(gps_get_pushes(c, "{}", 2, "not-a-cursor", &page, &e), &e, GPS_INVALID_INPUT, "22023",
				 "invalid cursor");
	assert_null(page);
	assert_error(gps_get_pushes(c, "{\"$where\":1}", GPS_NO_LIMIT, NULL, &page, &e), &e,
				 GPS_INVALID_INPUT, "22023", NULL);
	assert_error(gps_get_pushes(c, "[1]", GPS_NO_LIMIT, NULL, &page, &e), &e, GPS_INVALID_INPUT,
				 "22023", NULL);
	gps_close(c);
}

static void
test_derive_created_at(void **state)
{
	gps_client *c = t_open(NULL);
	gps_error	e;
	char	   *iso = NULL;

	(void) state;
	/* 0x60c89640 = 2021-06-15T12:00:00Z */
	assert_int_equal(gps_derive_created_at(c, "60c896400000000000000000", &iso, &e), GPS_OK);
	assert_string_equal(iso, "2021-06-15T12:00:00.000Z");
	gps_free(iso);
	iso = (char *) 1;
	assert_int_equal(gps_derive_created_at(c, "not-an-object-id", &iso, &e), GPS_OK);
	assert_null(iso);
	gps_close(c);
}

static void
test_profile_listing(void **state)
{
	gps_client *c;
	gps_error	e;
	char	   *list = NULL;
	const char *url = t_uid("https://example.com/profile");
	const char *author = t_uid("author");
	char		id1[160],
				id2[160],
				doc[512];
	char		email[160];
	const char *variants[2];

	(void) state;
	REQUIRE_FN("gitproxy.get_pushes_for_user_profile(text[],text)");
	c = t_open(NULL);
	snprintf(email, sizeof(email), "%s@Example.com", author);
	snprintf(id1, sizeof(id1), "%s-1", url);
	snprintf(id2, sizeof(id2), "%s-2", url);
	snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":10,\"url\":\"%s\","
			 "\"userEmail\":\"%s\"}", id1, url, email);
	assert_int_equal(gps_write_audit(c, doc, &e), GPS_OK);
	snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"type\":\"push\",\"timestamp\":20,\"url\":\"%s\","
			 "\"userEmail\":\"other@example.com\",\"attestation\":{\"reviewer\":{\"username\":\"%s\"}}}",
			 id2, url, author);
	assert_int_equal(gps_write_audit(c, doc, &e), GPS_OK);
	variants[0] = email;
	variants[1] = "with\"quote\\and,comma{}";
	/* author by e-mail, reviewer by username (case-insensitive) */
	assert_int_equal(gps_get_pushes_for_user_profile(c, variants, 2, "no-such-reviewer", &list, &e),
					 GPS_OK);
	assert_int_equal(t_json_len(list), 1);
	gps_free(list);
	{
		char		upper[160];

		snprintf(upper, sizeof(upper), "%s", author);
		for (char *p = upper; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char) (*p - 32);
		assert_int_equal(gps_get_pushes_for_user_profile(c, variants, 2, upper, &list, &e), GPS_OK);
		assert_int_equal(t_json_len(list), 2);
		gps_free(list);
		/* no e-mail variants: reviewer only, newest first */
		assert_int_equal(gps_get_pushes_for_user_profile(c, NULL, 0, upper, &list, &e), GPS_OK);
		assert_int_equal(t_json_len(list), 1);
		gps_free(list);
	}
	gps_close(c);
}

static void
test_rollups(void **state)
{
	gps_client *c;
	gps_error	e;
	char	   *r = NULL,
			   *v,
			   *key = NULL;
	const char *repo = t_uid("rollup");
	char		url[160],
				path[256],
				id[200];

	(void) state;
	REQUIRE_FN("gitproxy.get_repo_push_rollups()");
	REQUIRE_FN("gitproxy.canonical_remote_url(text)");
	REQUIRE_FN("gitproxy.rebuild_repo_push_rollups()");
	c = t_open(NULL);
	snprintf(url, sizeof(url), "https://GitHub.com/Finos/%s.git", repo);
	assert_int_equal(gps_canonical_remote_url(c, url, &key, &e), GPS_OK);
	snprintf(path, sizeof(path), "github.com/finos/%s", repo);
	for (char *p = path; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char) (*p + 32);
	assert_string_equal(key, path);
	snprintf(id, sizeof(id), "%s-a", repo);
	t_push(c, id, 5000, url);	/* pending */
	snprintf(id, sizeof(id), "%s-b", repo);
	t_push(c, id, 7000, url);
	assert_int_equal(gps_authorise(c, id, NULL, NULL, &e), GPS_OK);	/* approved */
	assert_int_equal(gps_rebuild_repo_push_rollups(c, &e), GPS_OK);
	assert_int_equal(gps_get_repo_push_rollups(c, &r, &e), GPS_OK);
	snprintf(path, sizeof(path), "{tabCounts,%s}", key);
	v = t_json_get(r, path);
	assert_true(t_json_eq(v, "{\"pending\":1,\"approved\":1,\"canceled\":0,\"rejected\":0,\"error\":0}"));
	free(v);
	snprintf(path, sizeof(path), "{latestPushAtMs,%s}", key);
	v = t_json_get(r, path);
	assert_string_equal(v, "7000");
	free(v);
	snprintf(path, sizeof(path), "{latestPendingReviewAtMs,%s}", key);
	v = t_json_get(r, path);
	assert_string_equal(v, "5000");
	free(v);
	gps_free(r);
	gps_free(key);
	gps_close(c);
}

const struct CMUnitTest t_push_tests[] = {
	cmocka_unit_test(test_write_get_delete),
	cmocka_unit_test(test_write_audit_invalid),
	cmocka_unit_test(test_long_values),
	cmocka_unit_test(test_decisions),
	cmocka_unit_test(test_decisions_not_found),
	cmocka_unit_test(test_strict_review_conflict),
	cmocka_unit_test(test_get_pushes_filter_and_pages),
	cmocka_unit_test(test_get_pushes_invalid),
	cmocka_unit_test(test_push_summaries),
	cmocka_unit_test(test_get_pushes_unpaged_pages),
	cmocka_unit_test(test_derive_created_at),
	cmocka_unit_test(test_profile_listing),
	cmocka_unit_test(test_rollups),
};
const size_t t_push_count = sizeof(t_push_tests) / sizeof(t_push_tests[0]);
