/*
 * repos.c
 *     The repo store: get_repos, get_repo, get_repo_by_url, get_repo_by_id,
 *     create_repo, update_repo, delete_repo (contract §2.3, §4.3).
 *
 * A repo document is kept whole in gitproxy.repos.doc (stored jsonb form,
 * json_codec.h) without its _id, which lives in its own column.  Generated
 * columns hold url (unique) and name (indexed by gitproxy.lower_case(name)).  Every stored
 * document has users.canPush and users.canAuthorise arrays of lower-cased,
 * distinct usernames: create_repo and update_repo normalise the "users" value
 * they are given and a CHECK constraint guarantees the arrays exist, so every
 * function returns repos with both arrays.  The permission lists are changed
 * by repo_permissions.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "compat.h"
#include "doc_util.h"
#include "func_args.h"
#include "json_codec.h"
#include "query_filter.h"
#include "repos.h"
#include "spi_plan.h"
#include "value_limits.h"

PG_FUNCTION_INFO_V1(gps_get_repos);
PG_FUNCTION_INFO_V1(gps_get_repo);
PG_FUNCTION_INFO_V1(gps_get_repo_by_url);
PG_FUNCTION_INFO_V1(gps_get_repo_by_id);
PG_FUNCTION_INFO_V1(gps_create_repo);
PG_FUNCTION_INFO_V1(gps_update_repo);
PG_FUNCTION_INFO_V1(gps_delete_repo);

static GpsPlan get_repo_plan = {
	"SELECT " GPS_REPO_DOC_SQL " FROM gitproxy.repos r "
	"WHERE gitproxy.lower_case(r.name) = gitproxy.lower_case($1) ORDER BY r.seq LIMIT 1",
	1, {TEXTOID}
};

static GpsPlan get_repo_by_url_plan = {
	"SELECT " GPS_REPO_DOC_SQL " FROM gitproxy.repos r WHERE r.url = $1",
	1, {TEXTOID}
};

static GpsPlan get_repo_by_id_plan = {
	"SELECT " GPS_REPO_DOC_SQL " FROM gitproxy.repos r WHERE r._id = $1",
	1, {TEXTOID}
};

/*
 * $1 _id, $2 document as given, $3 normalised users and dates.  The document
 * is stored with empty lists (its entries become gitproxy.repo_users rows
 * through insert_rows_plan, in a statement of their own so that a refused
 * repo fails on gitproxy.repos alone); the result is the repo as given, then
 * its seq.
 */
#define CREATE_DOC "(($2 - '_id') || $3)"
static GpsPlan insert_repo_plan = {
	"INSERT INTO gitproxy.repos AS r (_id, doc) "
	"VALUES ($1, " GPS_REPO_STRIP_LISTS_SQL(CREATE_DOC) ") "
	"ON CONFLICT DO NOTHING RETURNING " CREATE_DOC " || pg_catalog.jsonb_build_object('_id', $1), r.seq",
	3, {TEXTOID, JSONBOID, JSONBOID}
};

/* Which unique key did a failed insert hit?  $1 _id, $2 url */
static GpsPlan repo_conflict_plan = {
	"SELECT bool_or(r.url = $2), bool_or(r._id = $1) FROM gitproxy.repos r "
	"WHERE r._id = $1 OR r.url = $2",
	2, {TEXTOID, TEXTOID}
};

/* $1 url, $2 _id of the repo being updated */
static GpsPlan url_taken_plan = {
	"SELECT 1 FROM gitproxy.repos r WHERE r.url = $1 AND r._id <> $2",
	2, {TEXTOID, TEXTOID}
};

/* $1 _id, $2 keys to remove, $3 keys to set (as given), $4 normalised users */
static GpsPlan update_repo_plan = {
	"UPDATE gitproxy.repos r SET doc = ((r.doc - $2) || ($3 - '{_id,$unset}'::text[])) || $4 "
	"WHERE r._id = $1",
	4, {TEXTOID, TEXTARRAYOID, JSONBOID, JSONBOID}
};

/*
 * An update that replaces the lists or sets or removes lastModified first
 * locks the repo row FOR UPDATE, which waits for the list edits in progress
 * (they hold KEY SHARE) and makes new ones wait, as the single row did in
 * 1.0; then, in a new statement (so that it sees what they committed), it
 * folds the lastModified the edits set into the document before applying
 * the patch.  $1 _id.
 */
static GpsPlan lock_repo_plan = {
	"SELECT r.seq FROM gitproxy.repos r WHERE r._id = $1 FOR UPDATE",
	1, {TEXTOID}
};

/* As update_repo_plan, folding the edits' lastModified first.  $5 seq */
static GpsPlan update_repo_fold_plan = {
	"UPDATE gitproxy.repos r SET doc = " GPS_REPO_STRIP_LISTS_SQL(
		"(((r.doc || " GPS_REPO_STAMP_SQL("r.seq") ") - $2) || ($3 - '{_id,$unset}'::text[])) || $4") " "
	"WHERE r.seq = $5",
	5, {TEXTOID, TEXTARRAYOID, JSONBOID, JSONBOID, INT8OID}
};

/* New lists: the repo's rows replaced by those of $2 (normalised users).  $1 seq */
static GpsPlan clear_rows_plan = {
	"DELETE FROM gitproxy.repo_users u WHERE u.repo_seq = $1",
	1, {INT8OID}
};

static GpsPlan insert_rows_plan = {
	"INSERT INTO gitproxy.repo_users (repo_seq, list, name) "
	"SELECT $1, e.list, e.name FROM (" GPS_REPO_LIST_ROWS_SQL("$2") ") e ORDER BY e.list, e.o",
	2, {INT8OID, JSONBOID}
};

/* Same lists, lastModified folded: the stamps are spent.  $1 seq */
static GpsPlan drop_tombstones_plan = {
	"DELETE FROM gitproxy.repo_users u WHERE u.repo_seq = $1 AND NOT u.live",
	1, {INT8OID}
};

static GpsPlan clear_stamps_plan = {
	"UPDATE gitproxy.repo_users u SET stamp = NULL WHERE u.repo_seq = $1 AND u.stamp IS NOT NULL",
	1, {INT8OID}
};

static GpsPlan delete_repo_plan = {
	"DELETE FROM gitproxy.repos r WHERE r._id = $1",
	1, {TEXTOID}
};

/* A username of a permission list and its position, for sort-unique. */
typedef struct ListName
{
	char	   *name;
	int			pos;
} ListName;

static int
list_name_cmp(const void *a, const void *b)
{
	const ListName *x = a;
	const ListName *y = b;
	int			c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Push a permission list normalised: the lower-cased usernames of `list`
 * (absent or JSON null: none) without repeats, in first-seen order.
 * Sort-unique in O(n log n): sort (name, position), keep the first of each
 * run of equal names, push the kept ones in position order (a list of 100k
 * names takes milliseconds; comparing each name with those before it took
 * seconds).
 */
static void
push_user_list(JsonbParseState **st, JsonbValue *list, const char *name)
{
	(void) pushJsonbValue(st, WJB_BEGIN_ARRAY, NULL);
	if (list != NULL && list->type != jbvNull)
	{
		JsonbIterator *it;
		JsonbValue	e;
		JsonbIteratorToken tok;
		int			n = 0;
		int			cap;
		ListName   *names;
		char	  **by_pos;

		if (list->type != jbvBinary || !JsonContainerIsArray(list->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("users.%s must be an array of usernames", name)));
		cap = Max(JsonContainerSize(list->val.binary.data), 1);
		names = palloc(sizeof(ListName) * cap);
		it = JsonbIteratorInit(list->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (e.type != jbvString)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("users.%s must be an array of usernames", name),
						 errdetail("Every element must be a string.")));
			Assert(n < cap);
			names[n].name = gps_lower_plain_string(&e, "a username in a permission list");
			names[n].pos = n;
			n++;
		}
		qsort(names, n, sizeof(ListName), list_name_cmp);
		by_pos = palloc0(sizeof(char *) * cap);
		for (int i = 0; i < n; i++)
			if (i == 0 || strcmp(names[i].name, names[i - 1].name) != 0)
				by_pos[names[i].pos] = names[i].name;
		for (int i = 0; i < n; i++)
		{
			JsonbValue	s;

			if (by_pos[i] == NULL)
				continue;
			s.type = jbvString;
			s.val.string.val = by_pos[i];
			s.val.string.len = strlen(by_pos[i]);
			(void) pushJsonbValue(st, WJB_ELEM, &s);
		}
		pfree(by_pos);
		pfree(names);
	}
	(void) pushJsonbValue(st, WJB_END_ARRAY, NULL);
}

/* (repos.h) */
void
gps_repo_add_users(GpsObjBuilder *b, JsonbValue *users)
{
	bool		has_push = false;
	bool		has_auth = false;

	gps_obj_key(b, "users");
	(void) pushJsonbValue(&b->state, WJB_BEGIN_OBJECT, NULL);
	if (users != NULL && users->type != jbvNull)
	{
		JsonbIterator *it;
		JsonbValue	k,
					v;
		JsonbIteratorToken tok;

		if (users->type != jbvBinary || !JsonContainerIsObject(users->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("users must be an object"),
					 errdetail("Expected {\"canPush\": [...], \"canAuthorise\": [...]}.")));
		it = JsonbIteratorInit(users->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
		{
			if (tok != WJB_KEY)
				continue;
			(void) JsonbIteratorNext(&it, &v, true);
			(void) pushJsonbValue(&b->state, WJB_KEY, &k);
			if (k.val.string.len == 7 && memcmp(k.val.string.val, "canPush", 7) == 0)
			{
				push_user_list(&b->state, &v, "canPush");
				has_push = true;
			}
			else if (k.val.string.len == 12 &&
					 memcmp(k.val.string.val, "canAuthorise", 12) == 0)
			{
				push_user_list(&b->state, &v, "canAuthorise");
				has_auth = true;
			}
			else
				(void) pushJsonbValue(&b->state, WJB_VALUE, &v);
		}
	}
	if (!has_push)
	{
		gps_obj_key(b, "canPush");
		push_user_list(&b->state, NULL, "canPush");
	}
	if (!has_auth)
	{
		gps_obj_key(b, "canAuthorise");
		push_user_list(&b->state, NULL, "canAuthorise");
	}
	(void) pushJsonbValue(&b->state, WJB_END_OBJECT, NULL);
}

/* (repos.h) */
bool
gps_repo_key_is_falsy(Jsonb *doc, const char *key)
{
	JsonbValue	v;

	if (!gps_jsonb_get(doc, key, &v))
		return true;
	switch (v.type)
	{
		case jbvNull:
			return true;
		case jbvBool:
			return !v.val.boolean;
		case jbvString:
			return v.val.string.len == 0;
		case jbvNumeric:
			return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
													 NumericGetDatum(v.val.numeric),
													 DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))) == 0;
		default:
			return false;
	}
}

/*
 * The fields of a repo that git-proxy always sends (its facade's createRepo:
 * project, possibly "", a lower-cased non-empty name, a non-empty url).
 */
static const struct
{
	const char *key;
	bool		nonempty;
}			repo_required[] = {{"url", true}, {"name", true}, {"project", false}};

/* (repos.h) */
void
gps_repo_check(Jsonb *doc, const GpsPatch *patch)
{
	gps_require_object(doc, "repo");
	for (int i = 0; i < (int) lengthof(repo_required); i++)
	{
		const char *key = repo_required[i].key;
		bool		nonempty = repo_required[i].nonempty;
		JsonbValue	v;

		if (patch != NULL && gps_list_has(patch->unset, key))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid repo: %s cannot be removed", key),
					 errdetail("Field \"%s\" is required in every repo.", key)));
		if (!gps_jsonb_get(doc, key, &v))
		{
			if (patch != NULL)
				continue;		/* an update leaves it as it is */
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid repo: %s is missing", key),
					 errdetail("Field \"%s\" is required and must be a %sstring.",
							   key, nonempty ? "non-empty " : "")));
		}
		if (v.type != jbvString || (nonempty && v.val.string.len == 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid repo: %s must be a %sstring", key, nonempty ? "non-empty " : ""),
					 errdetail("Field \"%s\" is required and must be a %sstring.",
							   key, nonempty ? "non-empty " : "")));
	}
	gps_repo_check_lengths(doc);
}

/* (repos.h) */
void
gps_repo_check_lengths(Jsonb *doc)
{
	JsonbValue	v;

	if (gps_jsonb_get(doc, "url", &v) && v.type == jbvString)
		gps_check_length("repo", "url", v.val.string.len, GPS_URL_MAX_BYTES);
	/* lower(name) is btree-indexed */
	if (gps_jsonb_get(doc, "name", &v) && v.type == jbvString)
		gps_check_length("repo", "name", v.val.string.len, GPS_NAME_MAX_BYTES);
}

/* The document's top-level string `key` (stored form), or NULL. */
static char *
string_key(Jsonb *doc, const char *key)
{
	JsonbValue	v;

	if (gps_jsonb_get(doc, key, &v) && v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	return NULL;
}

static const GpsTypedColumn repo_columns[] = {
	{"_id", "r._id", GPS_COL_TEXT, NULL, false, false},
	{"url", "r.url", GPS_COL_TEXT, GPS_DOC_KEY_IS_ARRAY("r.doc", "url"), true, false},
	{"name", "gitproxy.lower_case(r.name)", GPS_COL_TEXT, GPS_DOC_KEY_IS_ARRAY("r.doc", "name"), true, true},
};

static const char *const repo_lowercase_keys[] = {"name", NULL};

/*
 * gitproxy.get_repos(query json DEFAULT NULL) -> SETOF json
 *     Sink method getRepos(query).  Every repo matching the query object
 *     (contract §3; NULL, JSON null and {} match all), in insertion order.
 *     "name" values compare case-insensitively (lower-cased on both sides);
 *     "_id" values compare exactly (opaque ids).  Errors: 22023 bad query.
 */
Datum
gps_get_repos(PG_FUNCTION_ARGS)
{
	Jsonb	   *query = gps_arg_query(fcinfo, 0);
	GpsFilter	f;
	StringInfoData sql;

	gps_filter_init(&f);
	if (query != NULL)
		gps_filter_compile(&f, query, "a.doc", repo_columns, lengthof(repo_columns),
						   repo_lowercase_keys);
	else
		appendStringInfoString(&f.sql, "true");

	initStringInfo(&sql);
	/*
	 * Conditions no column answers test the document as callers see it
	 * (lists and lastModified included); OFFSET 0 keeps it computed once a
	 * row, and the column tests still drive the scan of gitproxy.repos.
	 */
	appendStringInfo(&sql, "SELECT a.doc FROM gitproxy.repos r "
					 "CROSS JOIN LATERAL (SELECT " GPS_REPO_DOC_SQL " AS doc OFFSET 0) a "
					 "WHERE %s ORDER BY r.seq", f.sql.data);
	gps_stream_docs(fcinfo, sql.data, f.nargs, f.argtypes, f.values, f.nulls);
	return (Datum) 0;
}

/*
 * gitproxy.get_repo(name text) -> json
 *     Sink method getRepo(name).  The first repo (in insertion order) whose
 *     name equals the argument case-insensitively, or NULL.
 */
Datum
gps_get_repo(PG_FUNCTION_ARGS)
{
	char	   *name = gps_encode_text(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&get_repo_plan, name));
}

/*
 * gitproxy.get_repo_by_url(url text) -> json
 *     Sink method getRepoByUrl(url).  Exact, case-sensitive equality, or NULL.
 */
Datum
gps_get_repo_by_url(PG_FUNCTION_ARGS)
{
	char	   *url = gps_encode_text(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&get_repo_by_url_plan, url));
}

/*
 * gitproxy.get_repo_by_id(id text) -> json
 *     Sink method getRepoById(_id).  NULL when absent or malformed.
 */
Datum
gps_get_repo_by_id(PG_FUNCTION_ARGS)
{
	char	   *id = gps_id_arg(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	if (id == NULL)
		PG_RETURN_NULL();
	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&get_repo_by_id_plan, id));
}

/*
 * gitproxy.create_repo(repo json) -> json
 *     Sink method createRepo(repo).  Stores the object with every key it has
 *     once it passes the repo check (gps_repo_check: project a string, name
 *     and url non-empty strings); keeps a non-empty string "_id" exactly as
 *     given, generates one when it is absent, null or empty; sets
 *     dateCreated and lastModified to the same current time when they are
 *     falsy; normalises users (both lists present, lower-cased, no repeats).
 *     Returns the stored repo including "_id".  Errors: 22004 NULL; 22023 not
 *     an object, a required field missing or of the wrong type, an "_id"
 *     that cannot be kept, bad users value; 23505 url (or _id) already
 *     used, nothing stored.
 */
Datum
gps_create_repo(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = gps_arg_jsonb(fcinfo, 0, "repo");
	MemoryContext caller = CurrentMemoryContext;
	char	   *id;
	char	   *url;
	GpsObjBuilder b;
	JsonbValue	users;
	Jsonb	   *fix;
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	text	   *result;

	gps_repo_check(doc, NULL);
	id = gps_doc_insert_id(doc, "repo");
	url = string_key(doc, "url");

	gps_obj_begin(&b);
	gps_repo_add_users(&b, gps_jsonb_get(doc, "users", &users) ? &users : NULL);
	{
		bool		set_created = gps_repo_key_is_falsy(doc, "dateCreated");
		bool		set_modified = gps_repo_key_is_falsy(doc, "lastModified");

		if (set_created || set_modified)
		{
			char	   *now = gps_iso_now();

			if (set_created)
				gps_obj_string(&b, "dateCreated", now);
			if (set_modified)
				gps_obj_string(&b, "lastModified", now);
		}
	}
	fix = gps_obj_end(&b);

	values[0] = CStringGetTextDatum(id);
	values[1] = JsonbPGetDatum(doc);
	values[2] = JsonbPGetDatum(fix);
	SPI_connect();
	result = gps_plan_fetch_json(&insert_repo_plan, values, NULL, false, caller);
	if (result != NULL)
	{
		bool		isnull;
		Datum		rows[2];

		rows[0] = gps_spi_getdatum(0, 2, &isnull);
		rows[1] = values[2];
		gps_plan_exec(&insert_rows_plan, rows, NULL, false, 0);
	}
	else
	{
		bool		url_hit = false;
		bool		id_hit = false;

		values[1] = url ? CStringGetTextDatum(url) : (Datum) 0;
		nulls[1] = url ? ' ' : 'n';
		if (gps_plan_exec(&repo_conflict_plan, values, nulls, true, 1) == 1)
		{
			bool		isnull;
			Datum		d;

			d = gps_spi_getdatum(0, 1, &isnull);
			url_hit = !isnull && DatumGetBool(d);
			d = gps_spi_getdatum(0, 2, &isnull);
			id_hit = !isnull && DatumGetBool(d);
		}
		if (url_hit || !id_hit)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("a repo with url \"%s\" already exists", url ? url : ""),
					 errdetail("Repo urls are unique; nothing was stored.")));
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("a repo with _id \"%s\" already exists", id),
				 errdetail("Nothing was stored.")));
	}
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}

/*
 * gitproxy.update_repo(repo json) -> void
 *     Sink method updateRepo(repo).  "_id" selects the repo; every other key
 *     is set to its value (JSON null included); {"$unset": ["key", ...]}
 *     removes keys (JavaScript undefined).  No keys besides _id, a missing or
 *     malformed _id, or an unknown _id: nothing happens.  lastModified is not
 *     bumped.  A users value is normalised as by create_repo; removing users
 *     empties both lists.  The given project, name and url pass the repo
 *     check of create_repo, and none of them can be removed.  Errors: 22004
 *     NULL; 22023 not an object, bad $unset, other $-keys, a key both set and
 *     removed, removing _id, project, name or url, a bad value for one of
 *     them, bad users; 23505 the new url belongs to another repo.
 */
Datum
gps_update_repo(PG_FUNCTION_ARGS)
{
	static const char *const protected_keys[] = {"_id", NULL};
	Jsonb	   *patch = gps_arg_jsonb(fcinfo, 0, "repo");
	GpsPatch	p;
	GpsObjBuilder b;
	JsonbValue	users;
	JsonbValue	lm;
	List	   *unset = NIL;
	ListCell   *lc;
	char	   *url;
	bool		new_lists = false;
	Datum		values[5];

	gps_patch_parse(patch, &p, "repo", protected_keys);
	gps_repo_check(patch, &p);
	if (!p.has_id || p.id == NULL || (p.nset == 0 && p.unset == NIL))
		PG_RETURN_VOID();

	gps_obj_begin(&b);
	if (gps_jsonb_get(patch, "users", &users))
	{
		gps_repo_add_users(&b, &users);
		new_lists = true;
	}
	else if (gps_list_has(p.unset, "users"))
	{
		gps_repo_add_users(&b, NULL);
		new_lists = true;
	}
	foreach(lc, p.unset)
		if (strcmp((const char *) lfirst(lc), "users") != 0)
			unset = lappend(unset, lfirst(lc));

	url = string_key(patch, "url");
	values[0] = CStringGetTextDatum(p.id);
	SPI_connect();
	if (url != NULL)
	{
		Datum		check[2];

		check[0] = CStringGetTextDatum(url);
		check[1] = values[0];
		if (gps_plan_exec(&url_taken_plan, check, NULL, true, 1) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("a repo with url \"%s\" already exists", url),
					 errdetail("Repo urls are unique; the repo was not changed.")));
	}
	values[1] = gps_text_array(unset);
	values[2] = JsonbPGetDatum(patch);
	values[3] = JsonbPGetDatum(gps_obj_end(&b));
	if (!new_lists && !gps_jsonb_get(patch, "lastModified", &lm) &&
		!gps_list_has(p.unset, "lastModified"))
		gps_plan_exec(&update_repo_plan, values, NULL, false, 0);
	else if (gps_plan_exec(&lock_repo_plan, values, NULL, false, 0) == 1)
	{
		bool		isnull;
		Datum		seq = gps_spi_getdatum(0, 1, &isnull);

		values[4] = seq;
		gps_plan_exec(&update_repo_fold_plan, values, NULL, false, 0);
		if (new_lists)
		{
			Datum		rows[2];

			rows[0] = seq;
			rows[1] = values[3];
			gps_plan_exec(&clear_rows_plan, &seq, NULL, false, 0);
			gps_plan_exec(&insert_rows_plan, rows, NULL, false, 0);
		}
		else
		{
			gps_plan_exec(&drop_tombstones_plan, &seq, NULL, false, 0);
			gps_plan_exec(&clear_stamps_plan, &seq, NULL, false, 0);
		}
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.delete_repo(id text) -> void
 *     Sink method deleteRepo(_id).  Silent when absent or malformed.  Pushes
 *     are not touched.  Errors: 22004 NULL.
 */
Datum
gps_delete_repo(PG_FUNCTION_ARGS)
{
	char	   *id = gps_id_arg(gps_arg_cstring(fcinfo, 0, "repo id"));
	Datum		values[1];

	if (id == NULL)
		PG_RETURN_VOID();
	values[0] = CStringGetTextDatum(id);
	SPI_connect();
	gps_plan_exec(&delete_repo_plan, values, NULL, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}
