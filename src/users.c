/*
 * users.c
 *     The user store: find_user, find_user_by_email, find_user_by_git_account,
 *     find_user_by_oidc, get_users, create_user, update_user, delete_user
 *     (contract §2.4, §4.4.1-4.4.9).  SSH keys are in public_keys.c.
 *
 * A user document is kept whole in gitproxy.users.doc (stored jsonb form)
 * without its _id, which lives in its own column.  username and email are
 * stored lower-cased; generated columns hold username (unique), email (unique
 * when non-empty), gitAccount (indexed by gitproxy.lower_case()) and oidcId
 * (indexed).
 * Documents are returned with exactly the keys that were written (plus _id);
 * only get_users leaves out password.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "compat.h"
#include "doc_util.h"
#include "func_args.h"
#include "json_codec.h"
#include "object_id.h"
#include "query_filter.h"
#include "repos.h"
#include "spi_plan.h"
#include "users.h"
#include "value_limits.h"

PG_FUNCTION_INFO_V1(gps_find_user);
PG_FUNCTION_INFO_V1(gps_find_user_by_email);
PG_FUNCTION_INFO_V1(gps_find_user_by_git_account);
PG_FUNCTION_INFO_V1(gps_find_user_by_oidc);
PG_FUNCTION_INFO_V1(gps_get_users);
PG_FUNCTION_INFO_V1(gps_create_user);
PG_FUNCTION_INFO_V1(gps_update_user);
PG_FUNCTION_INFO_V1(gps_delete_user);

static GpsPlan find_user_plan = {
	"SELECT " GPS_USER_DOC_SQL " FROM gitproxy.users u WHERE u.username = $1",
	1, {TEXTOID}
};

static GpsPlan find_by_email_plan = {
	"SELECT " GPS_USER_DOC_SQL " FROM gitproxy.users u WHERE u.email = $1 "
	"ORDER BY u.seq LIMIT 1",
	1, {TEXTOID}
};

static GpsPlan find_by_git_account_plan = {
	"SELECT " GPS_USER_DOC_SQL " FROM gitproxy.users u "
	"WHERE gitproxy.lower_case(u.git_account) = gitproxy.lower_case($1) ORDER BY u.seq LIMIT 1",
	1, {TEXTOID}
};

static GpsPlan find_by_oidc_plan = {
	"SELECT " GPS_USER_DOC_SQL " FROM gitproxy.users u WHERE u.oidc_id = $1 "
	"ORDER BY u.seq LIMIT 1",
	1, {TEXTOID}
};

/* $1 _id, $2 document as given, $3 lower-cased username/email, publicKeys */
static GpsPlan create_user_plan = {
	"INSERT INTO gitproxy.users (_id, doc) VALUES ($1, ($2 - '_id') || $3) "
	"ON CONFLICT DO NOTHING RETURNING 1",
	3, {TEXTOID, JSONBOID, JSONBOID}
};

/* the insert of update_user's upsert: $2 is the update argument */
static GpsPlan upsert_insert_plan = {
	"INSERT INTO gitproxy.users (_id, doc) "
	"VALUES ($1, ($2 - '{_id,$unset}'::text[]) || $3) "
	"ON CONFLICT DO NOTHING RETURNING 1",
	3, {TEXTOID, JSONBOID, JSONBOID}
};

/* Which unique key did a failed insert hit?  $1 _id, $2 username, $3 email */
static GpsPlan user_conflict_plan = {
	"SELECT bool_or(u.username = $2), bool_or(u.email = $3), bool_or(u._id = $1) "
	"FROM gitproxy.users u "
	"WHERE u._id = $1 OR u.username = $2 OR (u.email = $3 AND $3 <> '')",
	3, {TEXTOID, TEXTOID, TEXTOID}
};

static GpsPlan id_by_username_plan = {
	"SELECT u._id FROM gitproxy.users u WHERE u.username = $1",
	1, {TEXTOID}
};

/* Does another user hold the new username ($2) or email ($3)? */
static GpsPlan update_conflict_plan = {
	"SELECT u.username = $2 FROM gitproxy.users u WHERE u._id <> $1 "
	"AND (u.username = $2 OR (u.email = $3 AND $3 <> '')) LIMIT 1",
	3, {TEXTOID, TEXTOID, TEXTOID}
};

/* $1 _id, $2 keys to remove, $3 update argument, $4 lower-cased values */
static GpsPlan update_user_plan = {
	"UPDATE gitproxy.users u "
	"SET doc = ((u.doc - $2) || ($3 - '{_id,$unset}'::text[])) || $4 "
	"WHERE u._id = $1",
	4, {TEXTOID, TEXTARRAYOID, JSONBOID, JSONBOID}
};

/*
 * Delete the user and take the name off every repo's permission lists, in
 * one statement (so in one transaction): its gitproxy.repo_users rows become
 * tombstones stamped with lastModified (repo_permissions.c), under a KEY
 * SHARE lock of their repos as a list edit takes.  $1 lower-cased username,
 * $2 lastModified for the repos that change.
 */
static GpsPlan delete_user_plan = {
	"WITH d AS (DELETE FROM gitproxy.users u WHERE u.username = $1 RETURNING u._id), "
	"k AS (SELECT r.seq FROM gitproxy.repos r WHERE r.seq IN "
	"(SELECT l.repo_seq FROM gitproxy.repo_users l WHERE l.name = $1 AND l.live) FOR KEY SHARE) "
	"UPDATE gitproxy.repo_users l SET live = false, stamp = $2 FROM k "
	"WHERE l.repo_seq = k.seq AND l.name = $1 AND l.live",
	2, {TEXTOID, TEXTOID}
};

/* A username value: a non-empty string, lower-cased. */
static char *
username_value(JsonbValue *v)
{
	char	   *name;

	if (v->type != jbvString || v->val.string.len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("username must be a non-empty string"),
				 errdetail("Field \"username\" is required in every user and must be a non-empty string.")));
	name = gps_lower_plain_string(v, "username");
	return name;
}

/*
 * gitproxy.find_user(username text) -> json
 *     Sink method findUser(username).  The user whose username equals the
 *     lower-cased argument, with password and _id, or NULL.
 */
Datum
gps_find_user(PG_FUNCTION_ARGS)
{
	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&find_user_plan,
								  gps_lower_key(text_to_cstring(PG_GETARG_TEXT_PP(0)))));
}

/*
 * gitproxy.find_user_by_email(email text) -> json
 *     Sink method findUserByEmail(email).  Lower-cased equality; NULL if none.
 */
Datum
gps_find_user_by_email(PG_FUNCTION_ARGS)
{
	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&find_by_email_plan,
								  gps_lower_key(text_to_cstring(PG_GETARG_TEXT_PP(0)))));
}

/*
 * gitproxy.find_user_by_git_account(git_account text) -> json
 *     Sink method findUserByGitAccount(gitAccount).  Case-insensitive on both
 *     sides (gitproxy.lower_case of stored and argument, JavaScript's
 *     toLowerCase whatever the locale); first in insertion order.
 */
Datum
gps_find_user_by_git_account(PG_FUNCTION_ARGS)
{
	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&find_by_git_account_plan,
								  gps_encode_text(text_to_cstring(PG_GETARG_TEXT_PP(0)))));
}

/*
 * gitproxy.find_user_by_oidc(oidc_id text) -> json
 *     Sink method findUserByOIDC(oidcId).  Exact, case-sensitive equality.
 */
Datum
gps_find_user_by_oidc(PG_FUNCTION_ARGS)
{
	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&find_by_oidc_plan,
								  gps_encode_text(text_to_cstring(PG_GETARG_TEXT_PP(0)))));
}

static const GpsTypedColumn user_columns[] = {
	{"_id", "u._id", GPS_COL_TEXT, NULL, false, false},
	{"username", "u.username", GPS_COL_TEXT, NULL, true, false},
	{"email", "u.email", GPS_COL_TEXT, GPS_DOC_KEY_IS_ARRAY("u.doc", "email"), true, false},
	{"gitAccount", "u.git_account", GPS_COL_TEXT, GPS_DOC_KEY_IS_ARRAY("u.doc", "gitAccount"), true, false},
	{"oidcId", "u.oidc_id", GPS_COL_TEXT, GPS_DOC_KEY_IS_ARRAY("u.doc", "oidcId"), true, false},
};

static const char *const user_lowercase_keys[] = {"username", "email", NULL};

/*
 * Refuse conditions on password: get_users never reveals it, and a filter
 * (a regular expression above all) would reveal it one character at a time.
 */
static void
reject_password_conditions(Jsonb *query)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(query))
		return;					/* gps_filter_compile reports it */
	it = JsonbIteratorInit(&query->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		if ((k.val.string.len == 8 || (k.val.string.len > 8 && k.val.string.val[8] == '.')) &&
			memcmp(k.val.string.val, "password", 8) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid query key \"%.*s\"", k.val.string.len, k.val.string.val),
					 errdetail("get_users does not filter on password.")));
	}
}

/*
 * gitproxy.get_users(query json DEFAULT NULL) -> SETOF json
 *     Sink method getUsers(query).  Users matching the query object
 *     (contract §3; NULL, JSON null and {} match all), in insertion order,
 *     without password.  username and email values are lower-cased; _id
 *     values compare exactly.
 *     Errors: 22023 bad query or a condition on password.
 */
Datum
gps_get_users(PG_FUNCTION_ARGS)
{
	Jsonb	   *query = gps_arg_query(fcinfo, 0);
	GpsFilter	f;
	StringInfoData sql;

	gps_filter_init(&f);
	if (query != NULL)
	{
		reject_password_conditions(query);
		gps_filter_compile(&f, query, "u.doc", user_columns, lengthof(user_columns),
						   user_lowercase_keys);
	}
	else
		appendStringInfoString(&f.sql, "true");

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT (u.doc - 'password') || pg_catalog.jsonb_build_object('_id', u._id) "
					 "FROM gitproxy.users u WHERE %s ORDER BY u.seq", f.sql.data);
	gps_stream_docs(fcinfo, sql.data, f.nargs, f.argtypes, f.values, f.nulls);
	return (Datum) 0;
}

/*
 * After an insert that did nothing: report which unique key it hit
 * (username, then email, then _id).  Caller is connected to SPI.
 */
static void
user_conflict(const char *id, const char *username, const char *email)
{
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	bool		hit[3] = {false, false, false};

	values[0] = CStringGetTextDatum(id);
	values[1] = CStringGetTextDatum(username);
	values[2] = email ? CStringGetTextDatum(email) : (Datum) 0;
	nulls[2] = email ? ' ' : 'n';
	if (gps_plan_exec(&user_conflict_plan, values, nulls, true, 1) == 1)
		for (int i = 0; i < 3; i++)
		{
			bool		isnull;
			Datum		d = gps_spi_getdatum(0, i + 1, &isnull);

			hit[i] = !isnull && DatumGetBool(d);
		}
	if (hit[1] && !hit[0])
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("a user with email \"%s\" already exists", email),
				 errdetail("Non-empty e-mail addresses are unique; nothing was stored.")));
	if (hit[2] && !hit[0])
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("a user with _id \"%s\" already exists", id),
				 errdetail("Nothing was stored.")));
	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("a user with username \"%s\" already exists", username),
			 errdetail("Usernames are unique; nothing was stored.")));
}

/* (users.h) */
void
gps_user_fix_keys(Jsonb *doc, GpsObjBuilder *b, char **username, char **email)
{
	JsonbValue	v;

	/* fields git-proxy writes with one JSON type (src/db/types.ts User) */
	static const struct
	{
		const char *key;
		enum jbvType type;
		const char *type_name;
	}			typed[] = {
		{"email", jbvString, "a string"},
		{"gitAccount", jbvString, "a string"},
		{"password", jbvString, "a string"},
		{"oidcId", jbvString, "a string"},
		{"displayName", jbvString, "a string"},
		{"title", jbvString, "a string"},
		{"admin", jbvBool, "a boolean"},
		{"mustChangePassword", jbvBool, "a boolean"},
	};

	*username = NULL;
	*email = NULL;
	gps_require_object(doc, "user");
	for (int i = 0; i < (int) lengthof(typed); i++)
		if (gps_jsonb_get(doc, typed[i].key, &v) && v.type != jbvNull && v.type != typed[i].type)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid user: %s must be %s or null", typed[i].key, typed[i].type_name),
					 errdetail("Field \"%s\" of a user is %s or null when present.",
							   typed[i].key, typed[i].type_name)));
	if (gps_jsonb_get(doc, "username", &v))
	{
		*username = username_value(&v);
		gps_check_length("user", "username", strlen(*username), GPS_NAME_MAX_BYTES);
		gps_obj_string(b, "username", *username);
	}
	if (gps_jsonb_get(doc, "email", &v) && v.type == jbvString)
	{
		*email = gps_lower_plain_string(&v, "email");
		gps_check_length("user", "email", strlen(*email), GPS_NAME_MAX_BYTES);
		gps_obj_string(b, "email", *email);
	}
	/* btree-indexed as they are: lower(gitAccount), oidcId */
	if (gps_jsonb_get(doc, "gitAccount", &v) && v.type == jbvString)
		gps_check_length("user", "gitAccount", v.val.string.len, GPS_NAME_MAX_BYTES);
	if (gps_jsonb_get(doc, "oidcId", &v) && v.type == jbvString)
		gps_check_length("user", "oidcId", v.val.string.len, GPS_NAME_MAX_BYTES);
	if (gps_jsonb_get(doc, "publicKeys", &v))
		gps_check_public_keys(&v);
}

/*
 * gitproxy.create_user("user" json) -> void
 *     Sink method createUser(user).  Stores the object with every key it has
 *     (password stored as given, never hashed), username and email
 *     lower-cased, publicKeys [] when missing or null; keeps a well-formed
 *     "_id" or generates one.  Errors: 22004 NULL; 22023 not an object, no
 *     non-empty string username, malformed _id, bad publicKeys; 23505
 *     username, non-empty email or _id already used, or "SSH key already in
 *     use by user '<name>'" (nothing stored).
 */
Datum
gps_create_user(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = gps_arg_jsonb(fcinfo, 0, "user");
	char	   *id;
	char	   *username;
	char	   *email;
	GpsObjBuilder b;
	JsonbValue	v;
	Datum		values[3];

	gps_require_object(doc, "user");
	id = gps_doc_insert_id(doc, "user");
	if (!gps_jsonb_get(doc, "username", &v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("username must be a non-empty string"),
				 errdetail("Field \"username\" is required in every user and must be a non-empty string.")));
	gps_obj_begin(&b);
	gps_user_fix_keys(doc, &b, &username, &email);
	if (!gps_jsonb_get(doc, "publicKeys", &v) || v.type == jbvNull)
		gps_obj_empty_array(&b, "publicKeys");

	values[0] = CStringGetTextDatum(id);
	values[1] = JsonbPGetDatum(doc);
	values[2] = JsonbPGetDatum(gps_obj_end(&b));
	SPI_connect();
	if (gps_plan_exec(&create_user_plan, values, NULL, false, 0) == 0)
		user_conflict(id, username, email);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.update_user("user" json) -> void
 *     Sink method updateUser(user).  Upsert-merge: the user is selected by
 *     "_id" when the argument has one, else by its lower-cased username; the
 *     given keys are set over the stored ones (shallow; JSON null is stored;
 *     publicKeys replaced whole), {"$unset": ["key", ...]} removes keys.
 *     When no user is selected, the argument is inserted as a new user (with
 *     its _id when well formed); it must then have a username.  Errors: 22004
 *     NULL; 22023 not an object, neither _id nor username, empty username,
 *     bad $unset or publicKeys; 23505 username or email of another user, or
 *     an SSH key of another user.
 */
Datum
gps_update_user(PG_FUNCTION_ARGS)
{
	static const char *const protected_keys[] = {"_id", "username", NULL};
	Jsonb	   *patch = gps_arg_jsonb(fcinfo, 0, "user");
	GpsPatch	p;
	GpsObjBuilder b;
	char	   *username;
	char	   *email;
	Jsonb	   *fix;
	char	   *target = NULL;
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};

	gps_patch_parse(patch, &p, "user", protected_keys);
	gps_obj_begin(&b);
	gps_user_fix_keys(patch, &b, &username, &email);
	fix = gps_obj_end(&b);
	if (!p.has_id && username == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("user must have an _id or a username"),
				 errdetail("update_user selects the user by _id when given, else by username.")));

	SPI_connect();
	if (p.has_id)
		target = p.id;			/* NULL when malformed: matches nothing */
	else
	{
		values[0] = CStringGetTextDatum(username);
		if (gps_plan_exec(&id_by_username_plan, values, NULL, false, 1) == 1)
			target = gps_spi_getcstring(0, 1);
	}

	for (int attempt = 0;; attempt++)
	{
		char	   *new_id;

		if (target != NULL)
		{
			values[0] = CStringGetTextDatum(target);
			values[1] = username ? CStringGetTextDatum(username) : (Datum) 0;
			nulls[1] = username ? ' ' : 'n';
			values[2] = email ? CStringGetTextDatum(email) : (Datum) 0;
			nulls[2] = email ? ' ' : 'n';
			if (gps_plan_exec(&update_conflict_plan, values, nulls, false, 1) == 1)
			{
				bool		isnull;
				bool		is_username = DatumGetBool(gps_spi_getdatum(0, 1, &isnull)) && !isnull;

				if (is_username)
					ereport(ERROR,
							(errcode(ERRCODE_UNIQUE_VIOLATION),
							 errmsg("a user with username \"%s\" already exists", username),
							 errdetail("Usernames are unique; the user was not changed.")));
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("a user with email \"%s\" already exists", email),
						 errdetail("Non-empty e-mail addresses are unique; the user was not changed.")));
			}
			values[1] = gps_text_array(p.unset);
			values[2] = JsonbPGetDatum(patch);
			values[3] = JsonbPGetDatum(fix);
			if (gps_plan_exec(&update_user_plan, values, NULL, false, 0) > 0)
				break;
		}

		/* nobody selected: insert */
		if (username == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("username must be a non-empty string"),
					 errdetail("No user has the given _id, so the argument would be inserted as a new user, which needs a username.")));
		new_id = (p.has_id && p.id != NULL) ? p.id : gps_object_id_new();
		values[0] = CStringGetTextDatum(new_id);
		values[1] = JsonbPGetDatum(patch);
		values[2] = JsonbPGetDatum(fix);
		if (gps_plan_exec(&upsert_insert_plan, values, NULL, false, 0) > 0)
			break;

		/* a concurrent insert of the same username won: update it instead */
		target = NULL;
		if (!p.has_id && attempt < 3)
		{
			values[0] = CStringGetTextDatum(username);
			if (gps_plan_exec(&id_by_username_plan, values, NULL, false, 1) == 1)
				target = gps_spi_getcstring(0, 1);
			if (target != NULL)
				continue;
		}
		user_conflict(new_id, username, email);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.delete_user(username text) -> void
 *     Sink method deleteUser(username).  Deletes the user with the
 *     lower-cased username (silent when none) together with its SSH keys, and
 *     removes the name from users.canPush and users.canAuthorise of every
 *     repo (bumping their lastModified) in the same statement, so a new user
 *     re-using the name inherits no rights.  git-proxy's backends leave the
 *     names behind.  Errors: 22004 NULL.
 */
Datum
gps_delete_user(PG_FUNCTION_ARGS)
{
	char	   *username = gps_lower_key(gps_arg_cstring(fcinfo, 0, "username"));
	Datum		values[2];

	values[0] = CStringGetTextDatum(username);
	values[1] = CStringGetTextDatum(gps_iso_now());
	SPI_connect();
	gps_plan_exec(&delete_user_plan, values, NULL, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}
