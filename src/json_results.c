/*
 * json_results.c
 *     One json document or a set of them as a function result.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "compat.h"
#include "func_args.h"
#include "json_codec.h"
#include "json_results.h"

text *
gps_plan_fetch_json(GpsPlan *plan, Datum *values, const char *nulls,
					bool read_only, MemoryContext caller)
{
	text	   *result = NULL;

	if (gps_plan_exec(plan, values, nulls, read_only, 1) >= 1)
	{
		bool		isnull;
		Datum		d = gps_spi_getdatum(0, 1, &isnull);

		if (!isnull)
		{
			MemoryContext spi = MemoryContextSwitchTo(caller);

			result = gps_jsonb_to_json(DatumGetJsonbP(d));
			MemoryContextSwitchTo(spi);
		}
	}
	return result;
}

text *
gps_lookup_json(GpsPlan *plan, const char *key)
{
	Datum		values[1];
	text	   *result;
	MemoryContext caller = CurrentMemoryContext;

	values[0] = CStringGetTextDatum(key);
	SPI_connect();
	result = gps_plan_fetch_json(plan, values, NULL, true, caller);
	SPI_finish();
	return result;
}

void
gps_portal_to_json_rows(Portal portal, Tuplestorestate *store, TupleDesc tupdesc)
{
	MemoryContext rowctx = AllocSetContextCreate(CurrentMemoryContext,
												 "gitproxy document row",
												 ALLOCSET_DEFAULT_SIZES);
	StringInfoData docbuf;		/* each row's json, reused */

	initStringInfo(&docbuf);

	for (;;)
	{
		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Datum		out[1];
			bool		outnulls[1] = {false};
			MemoryContext old = MemoryContextSwitchTo(rowctx);
			Datum		doc = gps_spi_getdatum(i, 1, &isnull);

			out[0] = PointerGetDatum(gps_jsonb_to_json_reuse(&docbuf, DatumGetJsonbP(doc)));
			tuplestore_putvalues(store, tupdesc, out, outnulls);
			MemoryContextSwitchTo(old);
			MemoryContextReset(rowctx);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(rowctx);
	pfree(docbuf.data);
}

void
gps_stream_docs(FunctionCallInfo fcinfo, const char *sql, int nargs,
				Oid *argtypes, Datum *values, const char *nulls)
{
	TupleDesc	tupdesc;
	Tuplestorestate *store = gps_srf_begin_scalar(fcinfo, JSONOID, &tupdesc);

	SPI_connect();
	gps_portal_to_json_rows(SPI_cursor_open_with_args(NULL, sql, nargs, argtypes,
													  values, nulls, true, 0),
							store, tupdesc);
	SPI_finish();
}
