/*
 * object_id.c
 *     Generation and decoding of record ids, and gitproxy.derive_created_at.
 */
#include "postgres.h"

#include <time.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "doc_util.h"
#include "object_id.h"

char *
gps_object_id_new(void)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[12];
	char	   *out = palloc(GPS_OBJECT_ID_LEN + 1);
	uint32		secs = (uint32) time(NULL);

	raw[0] = (unsigned char) (secs >> 24);
	raw[1] = (unsigned char) (secs >> 16);
	raw[2] = (unsigned char) (secs >> 8);
	raw[3] = (unsigned char) secs;
	if (!pg_strong_random(raw + 4, 8))
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not generate random bytes for a record id")));
	for (int i = 0; i < 12; i++)
	{
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	out[GPS_OBJECT_ID_LEN] = '\0';
	return out;
}

const char *
gps_record_id_problem(const char *s, int len)
{
	if (len == 0)
		return "An _id must not be empty.";
	if (gps_has_mark(s, len))
		return "An _id must not contain NUL, U+FFFF or unpaired surrogate characters.";
	return NULL;
}

bool
gps_object_id_valid(const char *s)
{
	int			i;

	for (i = 0; i < GPS_OBJECT_ID_LEN; i++)
	{
		char		c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			  (c >= 'A' && c <= 'F')))
			return false;
	}
	return s[i] == '\0';
}

int64
gps_object_id_seconds(const char *s)
{
	uint32		secs = 0;

	for (int i = 0; i < 8; i++)
	{
		char		c = s[i];
		int			h = (c >= '0' && c <= '9') ? c - '0' :
			(c >= 'a' && c <= 'f') ? c - 'a' + 10 : c - 'A' + 10;

		secs = (secs << 4) | (uint32) h;
	}
	return (int64) secs;
}

PG_FUNCTION_INFO_V1(gps_derive_created_at);

/*
 * gitproxy.derive_created_at(id text) -> text
 *     Sink method deriveCreatedAt: the creation time embedded in an
 *     ObjectId-shaped id (24 hex characters), as ISO-8601 with milliseconds
 *     ("2021-06-15T12:00:00.000Z"); NULL for every other id (NeDB ids,
 *     UUIDs: the fs backend's answer).  Pure decode, no table access.
 */
Datum
gps_derive_created_at(PG_FUNCTION_ARGS)
{
	char	   *id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int64		secs;
	struct tm	tm;
	time_t		t;
	char		buf[32];

	if (!gps_object_id_valid(id))
		PG_RETURN_NULL();
	secs = gps_object_id_seconds(id);
	t = (time_t) secs;
	if (gmtime_r(&t, &tm) == NULL)
		PG_RETURN_NULL();
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.000Z",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}
