/*
 * json_results.h
 *     Returning stored documents from the SQL functions: one json value, or
 *     SETOF json streamed from an SPI cursor.  Documents are rendered with
 *     the json_codec escape reversed, each in a private per-row context.
 */
#ifndef GPS_JSON_RESULTS_H
#define GPS_JSON_RESULTS_H

#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/tuplestore.h"

#include "spi_plan.h"

/*
 * Run a kept plan that yields at most one row whose first column is a jsonb
 * document; returns it rendered as json in memory context `caller`, or NULL
 * when there is no row (or the column is NULL).  Caller is connected to SPI.
 */
extern text *gps_plan_fetch_json(GpsPlan *plan, Datum *values, const char *nulls,
								 bool read_only, MemoryContext caller);

/*
 * Run a kept plan taking one text parameter (`key`) and yielding at most one
 * jsonb document; returns it as json text in the caller's memory context, or
 * NULL.  Connects to SPI itself: the whole body of a lookup function.
 */
extern text *gps_lookup_json(GpsPlan *plan, const char *key);

/* Return a json result of gps_lookup_json & co., SQL NULL for NULL. */
#define GPS_RETURN_JSON_OR_NULL(t) \
	do { text *r_ = (t); if (r_ == NULL) PG_RETURN_NULL(); PG_RETURN_TEXT_P(r_); } while (0)

/*
 * Drain an open SPI cursor whose first column is a jsonb document into
 * `store` (one json column per row), 1000 rows at a time.  Closes the
 * cursor; caller stays connected to SPI.
 */
extern void gps_portal_to_json_rows(Portal portal, Tuplestorestate *store,
									TupleDesc tupdesc);

/*
 * A whole SETOF json function body: start the result set, run `sql` with the
 * given parameters through a read-only cursor and stream its documents.
 * Connects to SPI itself.  Used by get_repos and get_users.
 */
extern void gps_stream_docs(FunctionCallInfo fcinfo, const char *sql, int nargs,
							Oid *argtypes, Datum *values, const char *nulls);

#endif							/* GPS_JSON_RESULTS_H */
