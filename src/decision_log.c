/*
 * decision_log.c
 *     Trigger that keeps gitproxy.decision_log append-only.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"

#include "compat.h"

PG_FUNCTION_INFO_V1(gps_decision_log_append_only);

/*
 * gitproxy.decision_log_append_only() -> trigger
 *     BEFORE UPDATE OR DELETE (row) and BEFORE TRUNCATE (statement) trigger on
 *     gitproxy.decision_log: raises 55000 so the review history cannot be
 *     rewritten through SQL.  A DBA who must purge history disables the
 *     trigger explicitly (ALTER TABLE ... DISABLE TRIGGER), which is visible.
 */
Datum
gps_decision_log_append_only(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gitproxy.decision_log_append_only() must be called as a trigger")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("gitproxy.decision_log is append-only"),
			 errdetail("Review decisions and deletions are kept as history and cannot be updated or deleted."),
			 errhint("To purge history deliberately, disable trigger decision_log_append_only first.")));
	PG_RETURN_NULL();
}
