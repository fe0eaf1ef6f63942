/*
 * func_args.c
 *     Argument checks and materialize-mode SRF set-up.
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "compat.h"
#include "func_args.h"
#include "json_codec.h"

char *
gps_arg_cstring(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

Jsonb *
gps_arg_jsonb(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	return gps_json_datum_to_jsonb(PG_GETARG_DATUM(n));
}

Jsonb *
gps_arg_jsonb_or_null(FunctionCallInfo fcinfo, int n)
{
	if (PG_ARGISNULL(n))
		return NULL;
	return gps_json_datum_to_jsonb(PG_GETARG_DATUM(n));
}

Jsonb *
gps_arg_query(FunctionCallInfo fcinfo, int n)
{
	Jsonb	   *query = gps_arg_jsonb_or_null(fcinfo, n);
	JsonbValue	v;

	if (query != NULL && JB_ROOT_IS_SCALAR(query) &&
		JsonbExtractScalar(&query->root, &v) && v.type == jbvNull)
		return NULL;
	return query;
}

void
gps_require_object(Jsonb *jb, const char *what)
{
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a JSON object", what)));
}

/* Check the caller takes a tuplestore and install one with `tupdesc`. */
static Tuplestorestate *
materialize(FunctionCallInfo fcinfo, TupleDesc tupdesc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcontext;
	Tuplestorestate *store;

	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	store = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	MemoryContextSwitchTo(oldcontext);
	return store;
}

static void
require_materialize(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
}

Tuplestorestate *
gps_srf_begin(FunctionCallInfo fcinfo, TupleDesc *tupdesc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcontext;

	require_materialize(fcinfo);
	if (get_call_result_type(fcinfo, NULL, tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	*tupdesc = CreateTupleDescCopy(*tupdesc);
	MemoryContextSwitchTo(oldcontext);
	return materialize(fcinfo, *tupdesc);
}

Tuplestorestate *
gps_srf_begin_scalar(FunctionCallInfo fcinfo, Oid type, TupleDesc *tupdesc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcontext;

	require_materialize(fcinfo);
	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	*tupdesc = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(*tupdesc, (AttrNumber) 1, "value", type, -1, 0);
	MemoryContextSwitchTo(oldcontext);
	return materialize(fcinfo, *tupdesc);
}
