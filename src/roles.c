/*
 * roles.c
 *     Least-privilege set-up: gitproxy.grant_runtime and
 *     gitproxy.grant_readonly.
 *
 * Roles are cluster-wide, so the install script creates none; these two
 * functions give an existing role exactly what git-proxy (runtime) or a
 * read-only operator needs.  The objects are found in the catalog at call
 * time -- every function or view of schema gitproxy that belongs to the
 * extension -- so functions added by later versions or other parts of the
 * extension are covered without a list to maintain.  The grants are built as
 * GrantStmt nodes and executed directly: no SQL text is assembled.
 *
 * Runtime role: USAGE on schema gitproxy and EXECUTE on every extension
 * function of the schema that is SECURITY DEFINER (the API) or IMMUTABLE
 * (pure helpers such as canonical_remote_url), except trigger functions,
 * the grant functions themselves and the administrative functions in
 * admin_only[] below.  No other privilege on any table, sequence or view
 * (the API functions reach the tables with their owner's rights) but one:
 * INSERT on the columns without a default of the import staging table
 * (gitproxy.import_staging: line_no, doc), so a client can COPY a batch;
 * the column that keys a row to its transaction has a default and is not
 * granted, so no caller stages rows for another transaction.
 *
 * Read-only role: USAGE on schema gitproxy and SELECT on the extension's
 * views (they run with the view owner's rights); no function at all.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "compat.h"
#include "spi_plan.h"

PG_FUNCTION_INFO_V1(gps_grant_runtime);
PG_FUNCTION_INFO_V1(gps_grant_readonly);

/*
 * Functions the runtime role does not get: the grant functions, and
 * maintenance that is for an administrator (a rebuild that blocks push
 * writes; logging every user out).
 */
#define ADMIN_ONLY "'{grant_runtime,grant_readonly,rebuild_repo_push_rollups,session_clear}'::name[]"

/* Members of the extension in schema gitproxy, by class. */
#define MEMBER_OF_EXTENSION(classid, oidcol) \
	"EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e " \
	"ON e.oid = d.refobjid WHERE d.classid = '" classid "'::pg_catalog.regclass " \
	"AND d.objid = " oidcol " AND d.objsubid = 0 " \
	"AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass " \
	"AND d.deptype = 'e' AND e.extname = 'gitproxy_sink')"

static GpsPlan runtime_functions_plan = {
	"SELECT p.oid FROM pg_catalog.pg_proc p "
	"WHERE p.pronamespace = 'gitproxy'::pg_catalog.regnamespace "
	"AND " MEMBER_OF_EXTENSION("pg_catalog.pg_proc", "p.oid") " "
	"AND p.prokind = 'f' AND p.prorettype <> 'pg_catalog.trigger'::pg_catalog.regtype "
	"AND (p.prosecdef OR p.provolatile = 'i') "
	"AND p.proname <> ALL (" ADMIN_ONLY ") "
	"ORDER BY p.oid",
	0, {InvalidOid}
};

static GpsPlan views_plan = {
	"SELECT c.relname::pg_catalog.text FROM pg_catalog.pg_class c "
	"WHERE c.relnamespace = 'gitproxy'::pg_catalog.regnamespace AND c.relkind = 'v' "
	"AND " MEMBER_OF_EXTENSION("pg_catalog.pg_class", "c.oid") " "
	"ORDER BY c.relname",
	0, {InvalidOid}
};

/* the staging table's columns a caller fills (those without a default) */
static GpsPlan staging_columns_plan = {
	"SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_attribute a "
	"WHERE a.attrelid = 'gitproxy.import_staging'::pg_catalog.regclass "
	"AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.atthasdef "
	"ORDER BY a.attnum",
	0, {InvalidOid}
};

static GpsPlan owner_plan = {
	"SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'gitproxy_sink'",
	0, {InvalidOid}
};

/*
 * The role argument; raises 42501 unless the caller is a superuser or has
 * the privileges of the extension's owner.  Caller is connected to SPI.
 */
static char *
target_role(FunctionCallInfo fcinfo, const char *fname)
{
	Oid			role;
	Oid			owner = InvalidOid;
	bool		isnull;

	if (gps_plan_exec(&owner_plan, NULL, NULL, true, 1) == 1)
		owner = DatumGetObjectId(gps_spi_getdatum(0, 1, &isnull));
	if (!superuser() && !(OidIsValid(owner) && has_privs_of_role(GetUserId(), owner)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function %s", fname),
				 errdetail("Only a superuser or the owner of extension gitproxy_sink may grant its privileges.")));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("role must not be null")));
	role = PG_GETARG_OID(0);
	if (!OidIsValid(role) || GetUserNameFromId(role, true) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role %u does not exist", role),
				 errdetail("Pass an existing role, e.g. 'gitproxy_app'::regrole; PUBLIC gets nothing.")));
	return GetUserNameFromId(role, false);
}

static void
grant_columns(ObjectType objtype, List *objects, const char *privilege, List *cols,
			  const char *rolename)
{
	GrantStmt  *stmt = makeNode(GrantStmt);
	AccessPriv *priv = makeNode(AccessPriv);
	RoleSpec   *grantee = makeNode(RoleSpec);

	if (objects == NIL)
		return;
	priv->priv_name = pstrdup(privilege);
	priv->cols = cols;
	grantee->roletype = ROLESPEC_CSTRING;
	grantee->rolename = pstrdup(rolename);
	grantee->location = -1;
	stmt->is_grant = true;
	stmt->targtype = ACL_TARGET_OBJECT;
	stmt->objtype = objtype;
	stmt->objects = objects;
	stmt->privileges = list_make1(priv);
	stmt->grantees = list_make1(grantee);
	stmt->grant_option = false;
	stmt->behavior = DROP_RESTRICT;
	ExecuteGrantStmt(stmt);
	CommandCounterIncrement();
}

static void
grant(ObjectType objtype, List *objects, const char *privilege, const char *rolename)
{
	grant_columns(objtype, objects, privilege, NIL, rolename);
}

static void
grant_schema_usage(const char *rolename)
{
	grant(OBJECT_SCHEMA, list_make1(makeString(pstrdup("gitproxy"))), "usage", rolename);
}

/*
 * gitproxy.grant_runtime(role regrole) -> void
 *     USAGE on schema gitproxy, EXECUTE on the API functions and INSERT
 *     (line_no, doc) on gitproxy.import_staging (see the head of this file)
 *     to role; nothing else on tables, sequences or views.
 *     Idempotent; revokes nothing.  Errors: 42501 caller neither superuser
 *     nor extension owner; 22004 role NULL; 22023 no such role.
 */
Datum
gps_grant_runtime(PG_FUNCTION_ARGS)
{
	char	   *rolename;
	List	   *functions = NIL;
	uint64		n;

	SPI_connect();
	rolename = target_role(fcinfo, "grant_runtime");
	n = gps_plan_exec(&runtime_functions_plan, NULL, NULL, true, 0);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Oid			fn = DatumGetObjectId(gps_spi_getdatum(i, 1, &isnull));
		ObjectWithArgs *owa = makeNode(ObjectWithArgs);
		Oid		   *argtypes;
		int			nargs;

		get_func_signature(fn, &argtypes, &nargs);
		owa->objname = list_make2(makeString(pstrdup("gitproxy")),
								  makeString(get_func_name(fn)));
		for (int a = 0; a < nargs; a++)
			owa->objargs = lappend(owa->objargs, makeTypeNameFromOid(argtypes[a], -1));
		owa->args_unspecified = false;
		functions = lappend(functions, owa);
	}
	grant_schema_usage(rolename);
	grant(OBJECT_FUNCTION, functions, "execute", rolename);

	n = gps_plan_exec(&staging_columns_plan, NULL, NULL, true, 0);
	{
		List	   *cols = NIL;

		for (uint64 i = 0; i < n; i++)
			cols = lappend(cols, makeString(gps_spi_getcstring(i, 1)));
		if (cols != NIL)
			grant_columns(OBJECT_TABLE,
						  list_make1(makeRangeVar(pstrdup("gitproxy"), pstrdup("import_staging"), -1)),
						  "insert", cols, rolename);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.grant_readonly(role regrole) -> void
 *     USAGE on schema gitproxy and SELECT on the extension's views
 *     (pending_pushes, push_history, repo_activity, repo_permissions, ...)
 *     to role; no function, no table.  Errors as grant_runtime.
 */
Datum
gps_grant_readonly(PG_FUNCTION_ARGS)
{
	char	   *rolename;
	List	   *views = NIL;
	uint64		n;

	SPI_connect();
	rolename = target_role(fcinfo, "grant_readonly");
	n = gps_plan_exec(&views_plan, NULL, NULL, true, 0);
	for (uint64 i = 0; i < n; i++)
		views = lappend(views, makeRangeVar(pstrdup("gitproxy"), gps_spi_getcstring(i, 1), -1));
	grant_schema_usage(rolename);
	grant(OBJECT_TABLE, views, "select", rolename);
	SPI_finish();
	PG_RETURN_VOID();
}
