/*
 * spi_plan.h
 *     Statements run through SPI with parameters, prepared once per backend
 *     and kept (SPI_keepplan), so a sink call costs one execution, not a parse
 *     and plan.  The API functions run with search_path pinned to pg_catalog,
 *     pg_temp and every statement names gitproxy.* explicitly.
 */
#ifndef GPS_SPI_PLAN_H
#define GPS_SPI_PLAN_H

#include "postgres.h"

#include "executor/spi.h"

#define GPS_PLAN_MAX_ARGS 16

typedef struct GpsPlan
{
	const char *sql;			/* statement text with $1..$n */
	int			nargs;
	Oid			argtypes[GPS_PLAN_MAX_ARGS];
	SPIPlanPtr	plan;			/* prepared on first use */
} GpsPlan;

/*
 * Execute a kept plan (caller is connected to SPI).  nulls uses SPI's
 * convention (' ' not null, 'n' null) and may be NULL.  Returns the number of
 * rows processed; any SPI failure raises an error.
 */
extern uint64 gps_plan_exec(GpsPlan *plan, Datum *values, const char *nulls,
							bool read_only, long count);

/*
 * Prepare and keep the plan if not done yet (caller is connected to SPI);
 * for callers that open a cursor on it (SPI_cursor_open).
 */
extern SPIPlanPtr gps_plan_prepare(GpsPlan *plan);

/* Text of column `col` (1-based) of row `row` of SPI_tuptable, or NULL. */
extern char *gps_spi_getcstring(uint64 row, int col);

/* Datum of column `col` of row `row` of SPI_tuptable; *isnull set. */
extern Datum gps_spi_getdatum(uint64 row, int col, bool *isnull);

#endif							/* GPS_SPI_PLAN_H */
