/*
 * repo_permissions.c
 *     The permission lists of a repo: add_user_can_push,
 *     add_user_can_authorise, remove_user_can_push, remove_user_can_authorise
 *     (contract §4.3.7, §4.3.8).
 *
 * The entries live in gitproxy.repo_users, one row per repo, list and name
 * (repos.h, docs/storage.md), and each call is one statement that writes
 * only its entry's row: an INSERT ... ON CONFLICT on repo_users_entry_key.
 * It never updates the repo row, so edits of different users on one repo
 * never wait for each other's commit; it takes a KEY SHARE lock on the repo
 * row (shared with the other edits) so that update_repo and delete_repo,
 * which lock it FOR UPDATE, still serialise with it as in 1.0.  Two edits of
 * the same entry meet on its row: the second waits for the first and then
 * sees its result, so a concurrent double add stores the name once (R7) and
 * no update is lost (R6).
 *
 * add: appends the lower-cased name (a new row, or a tombstone revived with
 * a new ord) only when the list does not contain it, stamping the row with
 * lastModified; when it does, nothing is written (no lastModified bump).
 * remove: makes the entry a tombstone (live false), or writes one for a name
 * that was not listed, stamping it: a removal always sets lastModified (fs
 * backend).  Readers take the greatest stamp as lastModified (repos.h).  The
 * same statement reports whether the repo exists, so an unknown id raises
 * "Repo not found" without a second round trip, and writes nothing.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

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
PG_FUNCTION_INFO_V1(gps_repo_users_cascade);

/*
 * $1 repo _id, $2 lower-cased username, $3 lastModified (ISO-8601).  The
 * repo's rows are keyed by its seq; the KEY SHARE lock waits for an
 * update_repo or delete_repo in progress and keeps the repo from going away.
 */
#define REPO_CTE \
	"WITH r AS (SELECT r.seq FROM gitproxy.repos r WHERE r._id = $1 FOR KEY SHARE), "
#define CONFLICT_SQL \
	"ON CONFLICT (repo_seq, list, (gitproxy.text_digest(name))) "

#define ADD_SQL(list) \
	REPO_CTE \
	"a AS (INSERT INTO gitproxy.repo_users AS u (repo_seq, list, name, stamp) " \
	"SELECT r.seq, '" list "', $2, $3 FROM r " CONFLICT_SQL \
	"DO UPDATE SET live = true, stamp = EXCLUDED.stamp, ord = EXCLUDED.ord WHERE NOT u.live) " \
	"SELECT EXISTS (SELECT 1 FROM r)"

#define REMOVE_SQL(list) \
	REPO_CTE \
	"d AS (INSERT INTO gitproxy.repo_users AS u (repo_seq, list, name, live, stamp) " \
	"SELECT r.seq, '" list "', $2, false, $3 FROM r " CONFLICT_SQL \
	"DO UPDATE SET live = false, stamp = EXCLUDED.stamp) " \
	"SELECT EXISTS (SELECT 1 FROM r)"

static GpsPlan add_push_plan = {ADD_SQL("p"), 3, {TEXTOID, TEXTOID, TEXTOID}};
static GpsPlan add_auth_plan = {ADD_SQL("a"), 3, {TEXTOID, TEXTOID, TEXTOID}};
static GpsPlan remove_push_plan = {REMOVE_SQL("p"), 3, {TEXTOID, TEXTOID, TEXTOID}};
static GpsPlan remove_auth_plan = {REMOVE_SQL("a"), 3, {TEXTOID, TEXTOID, TEXTOID}};

static GpsPlan cascade_plan = {
	"DELETE FROM gitproxy.repo_users u WHERE u.repo_seq = $1",
	1, {INT8OID}
};

static GpsPlan truncate_plan = {"TRUNCATE gitproxy.repo_users", 0, {InvalidOid}};

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
	if (gps_plan_exec(plan, values, NULL, false, 0) == 1)
	{
		bool		isnull;

		found = DatumGetBool(gps_spi_getdatum(0, 1, &isnull)) && !isnull;
	}
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
 *     error) and always sets lastModified.  One atomic statement writing one
 *     gitproxy.repo_users row (a tombstone).  Errors:
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

/*
 * gitproxy.repo_users_cascade() -> trigger
 *     AFTER DELETE FOR EACH ROW on gitproxy.repos: deletes the repo's list
 *     rows (what a foreign key with ON DELETE CASCADE would do; there is
 *     none, so that TRUNCATE gitproxy.repos keeps working on its own).  AFTER
 *     TRUNCATE FOR EACH STATEMENT: empties gitproxy.repo_users.
 */
Datum
gps_repo_users_cascade(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gitproxy.repo_users_cascade() must be called as a trigger")));
	if (RelationGetRelid(td->tg_relation) !=
		get_relname_relid("repos", get_namespace_oid("gitproxy", false)) ||
		!TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gitproxy.repo_users_cascade() only maintains gitproxy.repos")));

	SPI_connect();
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		gps_plan_exec(&truncate_plan, NULL, NULL, false, 0);
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event) && TRIGGER_FIRED_FOR_ROW(td->tg_event))
	{
		bool		isnull;
		int			att = SPI_fnumber(RelationGetDescr(td->tg_relation), "seq");
		Datum		seq = SPI_getbinval(td->tg_trigtuple, RelationGetDescr(td->tg_relation),
										att, &isnull);

		if (att <= 0 || isnull)
			elog(ERROR, "gitproxy.repos row without seq");
		gps_plan_exec(&cascade_plan, &seq, NULL, false, 0);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gitproxy.repo_users_cascade() fires after DELETE for each row or after TRUNCATE")));
	SPI_finish();
	return PointerGetDatum(NULL);
}
