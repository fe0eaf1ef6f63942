/*
 * spi_plan.c
 *     Kept SPI plans for the sink's fixed statements.
 */
#include "postgres.h"

#include "executor/spi.h"

#include "compat.h"
#include "spi_plan.h"

SPIPlanPtr
gps_plan_prepare(GpsPlan *plan)
{
	if (plan->plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(plan->sql, plan->nargs, plan->argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s",
				 plan->sql, SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_keepplan failed");
		plan->plan = p;
	}
	return plan->plan;
}

uint64
gps_plan_exec(GpsPlan *plan, Datum *values, const char *nulls,
			  bool read_only, long count)
{
	int			rc;

	rc = SPI_execute_plan(gps_plan_prepare(plan), values, nulls, read_only, count);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s",
			 plan->sql, SPI_result_code_string(rc));
	return SPI_processed;
}

char *
gps_spi_getcstring(uint64 row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

Datum
gps_spi_getdatum(uint64 row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col,
						 isnull);
}
