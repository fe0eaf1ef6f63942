/*
 * review.c
 *     Review decisions on a push: authorise, reject, cancel.
 *
 * Each decision locks the push row (SELECT ... FOR UPDATE), checks strict
 * review mode, then changes the flag columns and the decision overlay (the
 * stored document is never rewritten, see GPS_PUSH_DOCUMENT_SQL) and appends
 * the decision to gitproxy.decision_log in one statement.
 *
 * The review mode is the database's, kept in gitproxy.settings: only its
 * owner (the extension owner) or a superuser writes it, through
 * set_review_mode, so no session setting, startup option or role setting of
 * the runtime role changes what a decision is allowed to do (1.0's GUC could
 * be masked by a client's startup option).  Concurrent decisions on one push
 * therefore serialise: the last to commit is what get_push shows, and no mix
 * of two decisions is ever stored (git-proxy's backends race here, R1/R2).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "compat.h"
#include "func_args.h"
#include "gitproxy_sink.h"
#include "json_codec.h"
#include "pushes.h"
#include "spi_plan.h"

PG_FUNCTION_INFO_V1(gps_authorise);
PG_FUNCTION_INFO_V1(gps_reject);
PG_FUNCTION_INFO_V1(gps_cancel);
PG_FUNCTION_INFO_V1(gps_review_mode);
PG_FUNCTION_INFO_V1(gps_set_review_mode);

static GpsPlan strict_plan = {
	"SELECT EXISTS (SELECT FROM gitproxy.settings s "
	"WHERE s.name OPERATOR(pg_catalog.=) 'review_mode' AND s.value OPERATOR(pg_catalog.=) 'strict')",
	0, {InvalidOid}
};

static GpsPlan mode_plan = {
	"SELECT coalesce(s.value, 'parity'), "
	"CASE WHEN s.name IS NULL THEN 'default' ELSE 'gitproxy.settings' END, s.set_at, s.set_by "
	"FROM (VALUES (1)) v LEFT JOIN gitproxy.settings s ON s.name OPERATOR(pg_catalog.=) 'review_mode'",
	0, {InvalidOid}
};

static GpsPlan set_mode_plan = {
	"INSERT INTO gitproxy.settings AS s (name, value) VALUES ('review_mode', $1) "
	"ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, "
	"set_at = pg_catalog.now(), set_by = session_user",
	1, {TEXTOID}
};

static GpsPlan extowner_plan = {
	"SELECT e.extowner FROM pg_catalog.pg_extension e "
	"WHERE e.extname OPERATOR(pg_catalog.=) 'gitproxy_sink'",
	0, {InvalidOid}
};

bool
gps_review_strict(void)
{
	bool		isnull;

	gps_plan_exec(&strict_plan, NULL, NULL, true, 1);
	return DatumGetBool(gps_spi_getdatum(0, 1, &isnull));
}

static GpsPlan lock_plan = {
	"SELECT " GPS_PUSH_STATE_SQL("p") " FROM gitproxy.pushes p WHERE p.id = $1 FOR UPDATE",
	1, {TEXTOID}
};

/*
 * $1 push id, $2 payload (jsonb or NULL = remove the key, as git-proxy's
 * replace semantics do for undefined), $3 state before.
 */
#define LOG_INSERT(action, payload) \
	"INSERT INTO gitproxy.decision_log " \
	"(push_id, decided_at, action, reviewer, payload, state_before, db_role) " \
	"SELECT u.id, clock_timestamp(), '" action "', " payload " #>> '{reviewer,username}', " \
	payload ", $3, session_user FROM u"

/*
 * The decision overlay after a decision (pushes.h GPS_PUSH_DOCUMENT_SQL):
 * the flags and `key` set to $2, or `key` unset when $2 is SQL NULL (as
 * git-proxy's replace semantics do for undefined).  The stored doc is not
 * touched, so the update keeps its TOAST value; the overlay is small and
 * stored inline.
 */
#define OVERLAY_SET(flags) \
	"(coalesce(decision -> 'set', '{}'::jsonb) || '" flags "'::jsonb)"
#define OVERLAY_UNSET "coalesce(decision -> 'unset', '[]'::jsonb)"
#define OVERLAY_WITH(flags, key) \
	"CASE WHEN $2 IS NULL THEN jsonb_build_object(" \
	"'set', " OVERLAY_SET(flags) " - '" key "', " \
	"'unset', (" OVERLAY_UNSET " - '" key "') || '[\"" key "\"]'::jsonb) " \
	"ELSE jsonb_build_object(" \
	"'set', " OVERLAY_SET(flags) " || jsonb_build_object('" key "', $2), " \
	"'unset', " OVERLAY_UNSET " - '" key "') END"

static GpsPlan authorise_plan = {
	"WITH u AS (UPDATE gitproxy.pushes SET updated_at = now(), "
	"authorised = true, canceled = false, rejected = false, "
	"reviewer = " GPS_PUSH_REVIEWER_SQL("jsonb_build_object('attestation', $2)") ", "
	"decision = " OVERLAY_WITH("{\"authorised\": true, \"canceled\": false, \"rejected\": false}", "attestation") " "
	"WHERE id = $1 RETURNING id) "
	LOG_INSERT("authorise", "$2"),
	3, {TEXTOID, JSONBOID, TEXTOID}
};

static GpsPlan reject_plan = {
	"WITH u AS (UPDATE gitproxy.pushes SET updated_at = now(), "
	"authorised = false, canceled = false, rejected = true, "
	"decision = " OVERLAY_WITH("{\"authorised\": false, \"canceled\": false, \"rejected\": true}", "rejection") " "
	"WHERE id = $1 RETURNING id) "
	LOG_INSERT("reject", "$2"),
	3, {TEXTOID, JSONBOID, TEXTOID}
};

static GpsPlan cancel_plan = {
	"WITH u AS (UPDATE gitproxy.pushes SET updated_at = now(), "
	"authorised = false, canceled = true, rejected = false, "
	"decision = jsonb_build_object('set', "
	OVERLAY_SET("{\"authorised\": false, \"canceled\": true, \"rejected\": false}") ", "
	"'unset', " OVERLAY_UNSET ") "
	"WHERE id = $1 RETURNING id) "
	LOG_INSERT("cancel", "$2"),
	3, {TEXTOID, JSONBOID, TEXTOID}
};

/* Result object {"message": "<verb> <id>"} as json text. */
static text *
message_result(const char *verb, const char *id)
{
	StringInfoData buf;
	StringInfoData msg;

	initStringInfo(&msg);
	appendStringInfo(&msg, "%s %s", verb, id);
	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"message\": ");
	escape_json(&buf, msg.data);
	appendStringInfoChar(&buf, '}');
	return cstring_to_text_with_len(buf.data, buf.len);
}

static text *
decide(FunctionCallInfo fcinfo, GpsPlan *plan, Jsonb *payload, const char *verb)
{
	char	   *id = gps_arg_cstring(fcinfo, 0, "push id");
	char	   *stored_id = gps_encode_text(id);
	Datum		values[3];
	char		nulls[4] = "   ";
	char	   *state = NULL;

	values[0] = CStringGetTextDatum(stored_id);
	SPI_connect();
	if (gps_plan_exec(&lock_plan, values, NULL, false, 1) == 1)
		state = gps_spi_getcstring(0, 1);
	if (state == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("push %s not found", id)));
	if (strcmp(state, "pending") != 0 && gps_review_strict())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("push %s is already %s", id, state),
				 errdetail("The review mode is strict: a decision is only accepted on a pending push.")));

	values[1] = payload ? JsonbPGetDatum(payload) : (Datum) 0;
	nulls[1] = payload ? ' ' : 'n';
	values[2] = CStringGetTextDatum(state);
	gps_plan_exec(plan, values, nulls, false, 0);
	SPI_finish();
	return message_result(verb, id);
}

/*
 * gitproxy.authorise(id text, attestation json DEFAULT NULL) -> json
 *     Sink method authorise(id, attestation).  Sets authorised = true,
 *     canceled = false, rejected = false and stores the attestation (opaque
 *     JSON, returned deep-equal; JSON null is stored as null; SQL NULL removes
 *     a previous attestation, as the fs backend does for undefined).  Returns
 *     {"message": "authorised <id>"}.  Errors: 22004 id NULL; P0002 "push <id>
 *     not found" (nothing written); 55000 in strict review mode when the push
 *     already has a decision.
 */
Datum
gps_authorise(PG_FUNCTION_ARGS)
{
	Jsonb	   *attestation = gps_arg_jsonb_or_null(fcinfo, 1);

	PG_RETURN_TEXT_P(decide(fcinfo, &authorise_plan, attestation, "authorised"));
}

/*
 * gitproxy.reject(id text, rejection json DEFAULT NULL) -> json
 *     Sink method reject(id, rejection).  Sets authorised = false, canceled =
 *     false, rejected = true and stores the rejection (as authorise does the
 *     attestation); an earlier attestation is kept.  Returns {"message":
 *     "reject <id>"}.  Errors as authorise.
 */
Datum
gps_reject(PG_FUNCTION_ARGS)
{
	Jsonb	   *rejection = gps_arg_jsonb_or_null(fcinfo, 1);

	PG_RETURN_TEXT_P(decide(fcinfo, &reject_plan, rejection, "reject"));
}

/*
 * gitproxy.cancel(id text) -> json
 *     Sink method cancel(id).  Sets authorised = false, canceled = true,
 *     rejected = false; attestation and rejection untouched.  Returns
 *     {"message": "canceled <id>"} (the MongoDB backend's wording).  Errors
 *     as authorise.
 */
Datum
gps_cancel(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(decide(fcinfo, &cancel_plan, NULL, "canceled"));
}

/* The row of gitproxy.review_mode() (caller connected to SPI). */
static Datum
mode_row(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (gps_plan_exec(&mode_plan, NULL, NULL, false, 1) != 1)
		elog(ERROR, "review mode lookup returned no row");
	return PointerGetDatum(SPI_returntuple(SPI_tuptable->vals[0], BlessTupleDesc(tupdesc)));
}

/*
 * gitproxy.review_mode(OUT mode text, OUT source text, OUT set_at
 *                      timestamptz, OUT set_by text)
 *     The effective review mode of this database: mode "strict" or
 *     "parity"; source "gitproxy.settings" (set by set_review_mode at set_at
 *     by session_user set_by) or "default" (parity, set_at/set_by NULL).
 *     The same for every session and role.  No git-proxy sink method.
 */
Datum
gps_review_mode(PG_FUNCTION_ARGS)
{
	Datum		row;

	SPI_connect();
	row = mode_row(fcinfo);
	SPI_finish();
	PG_RETURN_DATUM(row);
}

/*
 * gitproxy.set_review_mode(new_mode text) -> the row of review_mode()
 *     Administrative: sets this database's review mode to "strict" or
 *     "parity", effective for every session from commit.  Runs with the
 *     caller's rights (not SECURITY DEFINER) and refuses callers other than
 *     a superuser or a role with the privileges of the extension's owner.
 *     Errors: 42501 other callers; 22004 new_mode NULL; 22023 new_mode not
 *     strict or parity.
 */
Datum
gps_set_review_mode(PG_FUNCTION_ARGS)
{
	Oid			owner = InvalidOid;
	bool		isnull;
	char	   *mode;
	Datum		values[1];
	Datum		row;

	SPI_connect();
	if (gps_plan_exec(&extowner_plan, NULL, NULL, true, 1) == 1)
		owner = DatumGetObjectId(gps_spi_getdatum(0, 1, &isnull));
	if (!superuser() && !(OidIsValid(owner) && has_privs_of_role(GetUserId(), owner)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function set_review_mode"),
				 errdetail("Only a superuser or the owner of extension gitproxy_sink may change the review mode.")));
	mode = gps_arg_cstring(fcinfo, 0, "review mode");
	if (strcmp(mode, "strict") != 0 && strcmp(mode, "parity") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("review mode must be \"strict\" or \"parity\""),
				 errdetail("Got \"%s\".", mode)));
	values[0] = CStringGetTextDatum(mode);
	gps_plan_exec(&set_mode_plan, values, NULL, false, 0);
	CommandCounterIncrement();
	row = mode_row(fcinfo);
	SPI_finish();
	PG_RETURN_DATUM(row);
}
