/*
 * repo_permissions.c
 *     The permission lists of a repo: add_user_can_push,
 *     add_user_can_authorise, remove_user_can_push, remove_user_can_authorise
 *     (contract §4.3.7, §4.3.8).
 *
 * Each call is one UPDATE statement on the repo row.  Under concurrency
 * PostgreSQL's row locking makes a second writer wait and then re-evaluate
 * both the WHERE clause and the new value on the latest row version, so
 * concurrent changes of different users on one repo never lose an update
 * (git-proxy's fs backend does, R6) and a concurrent double add stores the
 * name once (MongoDB's $push does not, R7).
 *
 * add: appends the lower-cased name only when the list does not contain it
 * already, setting lastModified; when it does, nothing is written (no
 * lastModified bump).  The same statement reports whether the repo exists, so
 * an unknown id raises "Repo not found" without a second round trip.
 * remove: drops every occurrence and always sets lastModified (fs backend).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "compat.h"
#include "doc_util.h"
#include "func_args.h"
#include "json_codec.h"
#include "repos.h"
#include "spi_plan.h"

PG_FUNCTION_INFO_V1(gps_add_user_can_push);
PG_FUNCTION_INFO_V1(gps_add_user_can_authorise);
PG_FUNCTION_INFO_V1(gps_remove_user_can_push);
PG_FUNCTION_INFO_V1(gps_remove_user_can_authorise);

/* $1 repo _id, $2 lower-cased username, $3 lastModified (ISO-8601) */
#define ADD_SQL(list) \
	"WITH u AS (UPDATE gitproxy.repos r " \
	"SET doc = jsonb_set(r.doc, '{users," list "}', " \
	"(r.doc #> '{users," list "}') || jsonb_build_array($2)) " \
	"|| jsonb_build_object('lastModified', $3) " \
	"WHERE r._id = $1 AND NOT ((r.doc #> '{users," list "}') @> jsonb_build_array($2)) " \
	"RETURNING 1) " \
	"SELECT EXISTS (SELECT 1 FROM gitproxy.repos r WHERE r._id = $1) OR EXISTS (SELECT 1 FROM u)"

#define REMOVE_SQL(list) \
	"UPDATE gitproxy.repos r " \
	"SET doc = jsonb_set(r.doc, '{users," list "}', " GPS_LIST_WITHOUT_SQL(list, "$2") ") " \
	"|| jsonb_build_object('lastModified', $3) " \
	"WHERE r._id = $1 RETURNING 1"

static GpsPlan add_push_plan = {ADD_SQL("canPush"), 3, {TEXTOID, TEXTOID, TEXTOID}};
static GpsPlan add_auth_plan = {ADD_SQL("canAuthorise"), 3, {TEXTOID, TEXTOID, TEXTOID}};
static GpsPlan remove_push_plan = {REMOVE_SQL("canPush"), 3, {TEXTOID, TEXTOID, TEXTOID}};
static GpsPlan remove_auth_plan = {REMOVE_SQL("canAuthorise"), 3, {TEXTOID, TEXTOID, TEXTOID}};

static void
repo_not_found(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("Repo not found")));
}

static void
change_list(FunctionCallInfo fcinfo, GpsPlan *plan, bool add)
{
	char	   *raw_id = gps_arg_cstring(fcinfo, 0, "repo id");
	char	   *raw_user = gps_arg_cstring(fcinfo, 1, "username");
	char	   *id = gps_id_arg(raw_id);
	char	   *user = gps_lower_key(raw_user);
	Datum		values[3];
	bool		found = false;

	if (add && gps_has_mark(user, strlen(user)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("username must not contain U+FFFF")));
	if (id == NULL)
		repo_not_found();

	values[0] = CStringGetTextDatum(id);
	values[1] = CStringGetTextDatum(user);
	values[2] = CStringGetTextDatum(gps_iso_now());
	SPI_connect();
	if (add)
	{
		bool		isnull;

		if (gps_plan_exec(plan, values, NULL, false, 0) == 1)
			found = DatumGetBool(gps_spi_getdatum(0, 1, &isnull)) && !isnull;
	}
	else
		found = gps_plan_exec(plan, values, NULL, false, 0) > 0;
	if (!found)
		repo_not_found();
	SPI_finish();
}

/*
 * gitproxy.add_user_can_push(id text, username text) -> void
 *     Sink method addUserCanPush(_id, user).  Appends the lower-cased name to
 *     users.canPush unless present (then nothing is written and lastModified
 *     stays); sets lastModified when it appends.  One atomic statement.
 *     Errors: 22004 NULL argument; P0002 "Repo not found" (unknown or
 *     malformed id; nothing written); 22023 name contains U+FFFF.
 */
Datum
gps_add_user_can_push(PG_FUNCTION_ARGS)
{
	change_list(fcinfo, &add_push_plan, true);
	PG_RETURN_VOID();
}

/* gitproxy.add_user_can_authorise(id, username): as above for canAuthorise. */
Datum
gps_add_user_can_authorise(PG_FUNCTION_ARGS)
{
	change_list(fcinfo, &add_auth_plan, true);
	PG_RETURN_VOID();
}

/*
 * gitproxy.remove_user_can_push(id text, username text) -> void
 *     Sink method removeUserCanPush(_id, user).  Removes every occurrence of
 *     the lower-cased name from users.canPush (an absent name is not an
 *     error) and always sets lastModified.  One atomic statement.  Errors:
 *     22004 NULL argument; P0002 "Repo not found" (nothing written).
 */
Datum
gps_remove_user_can_push(PG_FUNCTION_ARGS)
{
	change_list(fcinfo, &remove_push_plan, false);
	PG_RETURN_VOID();
}

/* gitproxy.remove_user_can_authorise(id, username): as above for canAuthorise. */
Datum
gps_remove_user_can_authorise(PG_FUNCTION_ARGS)
{
	change_list(fcinfo, &remove_auth_plan, false);
	PG_RETURN_VOID();
}
