/*
 * review.c
 *     Review decisions on a push: authorise, reject, cancel.
 *
 * Each decision locks the push row (SELECT ... FOR UPDATE), checks strict
 * review mode, then changes the flags and payload and appends the decision to
 * gitproxy.decision_log in one statement.  Concurrent decisions on one push
 * therefore serialise: the last to commit is what get_push shows, and no mix
 * of two decisions is ever stored (git-proxy's backends race here, R1/R2).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
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

static GpsPlan authorise_plan = {
	"WITH u AS (UPDATE gitproxy.pushes SET updated_at = now(), "
	"authorised = true, canceled = false, rejected = false, doc = CASE "
	"WHEN $2 IS NULL THEN (doc || '{\"authorised\": true, \"canceled\": false, \"rejected\": false}') - 'attestation' "
	"ELSE doc || '{\"authorised\": true, \"canceled\": false, \"rejected\": false}' "
	"|| jsonb_build_object('attestation', $2) END "
	"WHERE id = $1 RETURNING id) "
	LOG_INSERT("authorise", "$2"),
	3, {TEXTOID, JSONBOID, TEXTOID}
};

static GpsPlan reject_plan = {
	"WITH u AS (UPDATE gitproxy.pushes SET updated_at = now(), "
	"authorised = false, canceled = false, rejected = true, doc = CASE "
	"WHEN $2 IS NULL THEN (doc || '{\"authorised\": false, \"canceled\": false, \"rejected\": true}') - 'rejection' "
	"ELSE doc || '{\"authorised\": false, \"canceled\": false, \"rejected\": true}' "
	"|| jsonb_build_object('rejection', $2) END "
	"WHERE id = $1 RETURNING id) "
	LOG_INSERT("reject", "$2"),
	3, {TEXTOID, JSONBOID, TEXTOID}
};

static GpsPlan cancel_plan = {
	"WITH u AS (UPDATE gitproxy.pushes SET updated_at = now(), "
	"authorised = false, canceled = true, rejected = false, "
	"doc = doc || '{\"authorised\": false, \"canceled\": true, \"rejected\": false}' "
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
	if (gps_strict_review && strcmp(state, "pending") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("push %s is already %s", id, state),
				 errdetail("gitproxy_sink.strict_review is on: a decision is only accepted on a pending push.")));

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
