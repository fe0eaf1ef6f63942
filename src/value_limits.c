/*
 * value_limits.c
 *     The length check of value_limits.h and gitproxy.text_digest.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/fmgrprotos.h"

#include "value_limits.h"

PG_FUNCTION_INFO_V1(gps_text_digest);

void
gps_check_length(const char *kind, const char *field, size_t len, int max)
{
	if (len > (size_t) max)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("%s \"%s\" is too long", kind, field),
				 errdetail("The value has %zu bytes; at most %d bytes are accepted.",
						   len, max)));
}

/*
 * gitproxy.text_digest(t text) -> bytea
 *     SHA-256 of the text's bytes (database encoding), the key of the unique
 *     indexes on values that may exceed a btree entry.  text and bytea share
 *     the varlena layout, so PostgreSQL's sha256(bytea) hashes the bytes.
 */
Datum
gps_text_digest(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(DirectFunctionCall1(sha256_bytea, PG_GETARG_DATUM(0)));
}
