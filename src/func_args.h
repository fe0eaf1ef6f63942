/*
 * func_args.h
 *     Argument checks and set-returning-function plumbing shared by the SQL
 *     functions, so every function reports bad input the same way.
 */
#ifndef GPS_FUNC_ARGS_H
#define GPS_FUNC_ARGS_H

#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

/*
 * Text argument n as a C string; raises 22004 (null_value_not_allowed)
 * naming `what` when it is SQL NULL.
 */
extern char *gps_arg_cstring(FunctionCallInfo fcinfo, int n, const char *what);

/*
 * json argument n parsed into stored jsonb form (json_codec.h); raises 22004
 * naming `what` when NULL.
 */
extern Jsonb *gps_arg_jsonb(FunctionCallInfo fcinfo, int n, const char *what);

/* Same, but SQL NULL gives NULL. */
extern Jsonb *gps_arg_jsonb_or_null(FunctionCallInfo fcinfo, int n);

/*
 * A query-object argument (getPushes, getRepos, getUsers): NULL when the
 * argument is SQL NULL or JSON null (git-proxy's "no query"), else the
 * stored jsonb form, not yet checked to be an object.
 */
extern Jsonb *gps_arg_query(FunctionCallInfo fcinfo, int n);

/* Raise 22023 unless jb is a JSON object; `what` names the argument. */
extern void gps_require_object(Jsonb *jb, const char *what);

/*
 * Start a materialize-mode set-returning function: checks the caller accepts
 * a tuplestore, and returns it with the result descriptor in *tupdesc.
 */
extern Tuplestorestate *gps_srf_begin(FunctionCallInfo fcinfo, TupleDesc *tupdesc);

/*
 * Same for a function returning SETOF a scalar type (json, text): a
 * one-column descriptor of that type in *tupdesc.
 */
extern Tuplestorestate *gps_srf_begin_scalar(FunctionCallInfo fcinfo, Oid type,
											 TupleDesc *tupdesc);

#endif							/* GPS_FUNC_ARGS_H */
