/*
 * migrations.c
 *     Bookkeeping of git-proxy's data migrations: get_applied_migrations,
 *     record_migration, unrecord_migration (contract §2.6, §4.5.1-4.5.3).
 *     One row per applied migration id in gitproxy.migrations.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "compat.h"
#include "doc_util.h"
#include "func_args.h"
#include "json_codec.h"
#include "spi_plan.h"
#include "value_limits.h"

PG_FUNCTION_INFO_V1(gps_get_applied_migrations);
PG_FUNCTION_INFO_V1(gps_record_migration);
PG_FUNCTION_INFO_V1(gps_unrecord_migration);

static GpsPlan applied_plan = {
	"SELECT m.id FROM gitproxy.migrations m ORDER BY m.id",
	0, {InvalidOid}
};

static GpsPlan record_plan = {
	"INSERT INTO gitproxy.migrations (id) VALUES ($1) ON CONFLICT (id_digest) DO NOTHING",
	1, {TEXTOID}
};

static GpsPlan unrecord_plan = {
	"DELETE FROM gitproxy.migrations m WHERE m.id_digest = gitproxy.text_digest($1) AND m.id = $1",
	1, {TEXTOID}
};

/*
 * gitproxy.get_applied_migrations() -> SETOF text
 *     Sink method getAppliedMigrations().  Every recorded id once, in
 *     ascending (byte-wise) order; no rows on a fresh store.
 */
Datum
gps_get_applied_migrations(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Tuplestorestate *store = gps_srf_begin_scalar(fcinfo, TEXTOID, &tupdesc);
	uint64		n;

	SPI_connect();
	n = gps_plan_exec(&applied_plan, NULL, NULL, true, 0);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		d = gps_spi_getdatum(i, 1, &isnull);
		bool		nulls[1] = {isnull};

		tuplestore_putvalues(store, tupdesc, &d, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * gitproxy.record_migration(id text) -> void
 *     Sink method recordMigration(id).  Idempotent: recording an id twice
 *     keeps one entry.  Errors: 22004 NULL; 22023 empty id.
 */
Datum
gps_record_migration(PG_FUNCTION_ARGS)
{
	char	   *id = gps_arg_cstring(fcinfo, 0, "migration id");
	Datum		values[1];

	if (id[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("migration id must not be empty")));
	gps_check_length("migration", "id", strlen(id), GPS_ID_MAX_BYTES);
	values[0] = CStringGetTextDatum(id);
	SPI_connect();
	gps_plan_exec(&record_plan, values, NULL, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.unrecord_migration(id text) -> void
 *     Sink method unrecordMigration(id).  Deletes the entry; an unknown id is
 *     a no-op.  Errors: 22004 NULL.
 */
Datum
gps_unrecord_migration(PG_FUNCTION_ARGS)
{
	char	   *id = gps_arg_cstring(fcinfo, 0, "migration id");
	Datum		values[1];

	values[0] = CStringGetTextDatum(id);
	SPI_connect();
	gps_plan_exec(&unrecord_plan, values, NULL, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}
