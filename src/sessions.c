/*
 * sessions.c
 *     The web session store behind git-proxy's express-session (contract §7):
 *     session_get, session_set, session_touch, session_destroy, session_all,
 *     session_length, session_clear, session_destroy_user, session_prune.
 *
 * One row per session id in gitproxy.sessions: the session object (stored
 * jsonb form, json_codec.h), its expiry as timestamptz and a generated user
 * id taken from sess.passport.user.  Every expiry decision uses the database
 * clock (now(), the transaction's start time), so application servers in
 * different time zones or with skewed clocks agree.  A session is live while
 * expire > now(); expired rows are invisible to every reader and are removed
 * by session_prune (PostgreSQL has no TTL index).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "func_args.h"
#include "json_codec.h"
#include "json_results.h"
#include "spi_plan.h"
#include "value_limits.h"

PG_FUNCTION_INFO_V1(gps_session_get);
PG_FUNCTION_INFO_V1(gps_session_set);
PG_FUNCTION_INFO_V1(gps_session_touch);
PG_FUNCTION_INFO_V1(gps_session_destroy);
PG_FUNCTION_INFO_V1(gps_session_all);
PG_FUNCTION_INFO_V1(gps_session_length);
PG_FUNCTION_INFO_V1(gps_session_clear);
PG_FUNCTION_INFO_V1(gps_session_destroy_user);
PG_FUNCTION_INFO_V1(gps_session_prune);

/* Session $1, through the primary key on the digest of the id. */
#define SID_SQL "s.sid_digest = gitproxy.text_digest($1) AND s.sid = $1"

/* Lifetime of a session whose expiry is not given and not in its cookie. */
#define DEFAULT_TTL "interval '1 day'"

static GpsPlan get_plan = {
	"SELECT s.sess FROM gitproxy.sessions s WHERE " SID_SQL " AND s.expire > now()",
	1, {TEXTOID}
};

static GpsPlan set_plan = {
	"INSERT INTO gitproxy.sessions AS s (sid, sess, expire) "
	"VALUES ($1, $2, coalesce($3, now() + " DEFAULT_TTL ")) "
	"ON CONFLICT (sid_digest) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire",
	3, {TEXTOID, JSONBOID, TIMESTAMPTZOID}
};

static GpsPlan touch_plan = {
	"UPDATE gitproxy.sessions s SET expire = coalesce($2, now() + " DEFAULT_TTL ") "
	"WHERE " SID_SQL " AND s.expire > now()",
	2, {TEXTOID, TIMESTAMPTZOID}
};

static GpsPlan destroy_plan = {
	"DELETE FROM gitproxy.sessions s WHERE " SID_SQL,
	1, {TEXTOID}
};

static GpsPlan all_plan = {
	"SELECT s.sid, s.sess FROM gitproxy.sessions s WHERE s.expire > now() ORDER BY s.sid",
	0, {InvalidOid}
};

static GpsPlan length_plan = {
	"SELECT count(*) FROM gitproxy.sessions s WHERE s.expire > now()",
	0, {InvalidOid}
};

static GpsPlan clear_plan = {
	"DELETE FROM gitproxy.sessions",
	0, {InvalidOid}
};

static GpsPlan destroy_user_plan = {
	"DELETE FROM gitproxy.sessions s WHERE s.user_id = $1",
	1, {TEXTOID}
};

/*
 * Oldest expired rows first, skipping rows another transaction holds (a
 * concurrent session_set or session_touch), so pruning never waits.
 */
static GpsPlan prune_plan = {
	"DELETE FROM gitproxy.sessions s WHERE s.sid_digest = ANY (ARRAY("
	"SELECT e.sid_digest FROM gitproxy.sessions e WHERE e.expire <= now() "
	"ORDER BY e.expire LIMIT $1 FOR UPDATE SKIP LOCKED))",
	1, {INT4OID}
};

/* ---------------------------------------------------------------------------
 * cookie.expires
 */

static int
digits(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Parse an ISO-8601 date-time with a zone, as JavaScript's Date.toJSON
 * writes it ("2026-01-02T03:04:05.678Z"): YYYY-MM-DDTHH:MM:SS, optional
 * fraction, then Z or +HH:MM / -HH:MM.  False for anything else (no local
 * times, no PostgreSQL specials such as 'infinity' or 'now').
 */
static bool
parse_iso_datetime(const char *s, int len, TimestampTz *result)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct pg_tm tm;
	fsec_t		fsec = 0;
	int			tz = 0;
	int			p = 19;
	int			year,
				month,
				day,
				hour,
				minute,
				second,
				dim;
	Timestamp	ts;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return false;
	year = digits(s, 4);
	month = digits(s + 5, 2);
	day = digits(s + 8, 2);
	hour = digits(s + 11, 2);
	minute = digits(s + 14, 2);
	second = digits(s + 17, 2);
	if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || second < 0 || second > 59)
		return false;
	dim = mdays[month - 1];
	if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		dim = 29;
	if (day > dim)
		return false;
	if (p < len && s[p] == '.')
	{
		int			scale = 100000;

		p++;
		if (p >= len || s[p] < '0' || s[p] > '9')
			return false;
		while (p < len && s[p] >= '0' && s[p] <= '9')
		{
			fsec += (s[p] - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	if (p < len && s[p] == 'Z')
		p++;
	else if (p + 6 <= len && (s[p] == '+' || s[p] == '-') && s[p + 3] == ':')
	{
		int			oh = digits(s + p + 1, 2);
		int			om = digits(s + p + 4, 2);

		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
		/* PostgreSQL's tz is seconds west of UTC */
		tz = (oh * 3600 + om * 60) * (s[p] == '+' ? -1 : 1);
		p += 6;
	}
	else
		return false;
	if (p != len)
		return false;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year;
	tm.tm_mon = month;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = second;
	if (tm2timestamp(&tm, fsec, &tz, &ts) != 0 || !IS_VALID_TIMESTAMP(ts))
		return false;
	*result = (TimestampTz) ts;
	return true;
}

/* sess.cookie.expires when it is a string holding a valid ISO date-time. */
static bool
cookie_expires(Jsonb *sess, TimestampTz *result)
{
	JsonbValue	cookie;
	JsonbValue	expires;

	if (getKeyJsonValueFromContainer(&sess->root, "cookie", 6, &cookie) == NULL ||
		cookie.type != jbvBinary ||
		!JsonContainerIsObject(cookie.val.binary.data) ||
		getKeyJsonValueFromContainer(cookie.val.binary.data, "expires", 7, &expires) == NULL ||
		expires.type != jbvString)
		return false;
	return parse_iso_datetime(expires.val.string.val, expires.val.string.len, result);
}

/* ---------------------------------------------------------------------------
 * The SQL functions
 */

/*
 * gitproxy.session_get(sid text) -> json
 *     express-session Store.get.  The session object as stored, or NULL when
 *     no live session has that id (absent or expired).  Errors: 22004 sid
 *     NULL.
 */
Datum
gps_session_get(PG_FUNCTION_ARGS)
{
	char	   *sid = gps_arg_cstring(fcinfo, 0, "session id");

	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&get_plan, sid));
}

/*
 * gitproxy.session_set(sid text, sess json, expire timestamptz DEFAULT NULL)
 *     -> void
 *     express-session Store.set: insert or replace the session.  Expiry: the
 *     expire argument; when NULL, sess.cookie.expires if it is an ISO-8601
 *     date-time with a zone (as Date.toJSON writes it); otherwise now() + 1
 *     day.  Errors: 22004 sid or sess NULL; 22023 sess not a JSON object;
 *     22P02 malformed JSON.
 */
Datum
gps_session_set(PG_FUNCTION_ARGS)
{
	char	   *sid = gps_arg_cstring(fcinfo, 0, "session id");
	Jsonb	   *sess = gps_arg_jsonb(fcinfo, 1, "session");
	Datum		values[3];
	char		nulls[4] = "   ";
	TimestampTz expire;

	gps_require_object(sess, "session");
	gps_check_length("session", "sid", strlen(sid), GPS_ID_MAX_BYTES);
	values[0] = CStringGetTextDatum(sid);
	values[1] = JsonbPGetDatum(sess);
	if (!PG_ARGISNULL(2))
		values[2] = PG_GETARG_DATUM(2);
	else if (cookie_expires(sess, &expire))
		values[2] = TimestampTzGetDatum(expire);
	else
	{
		values[2] = (Datum) 0;
		nulls[2] = 'n';
	}
	SPI_connect();
	gps_plan_exec(&set_plan, values, nulls, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.session_touch(sid text, expire timestamptz DEFAULT NULL) -> void
 *     express-session Store.touch: move a live session's expiry to expire
 *     (now() + 1 day when NULL).  A session that is gone or already expired
 *     is left alone and the call succeeds silently (connect-mongo fails with
 *     "Unable to find the session to touch"; an error there only makes
 *     express-session log noise for a session it is about to replace).
 *     Errors: 22004 sid NULL.
 */
Datum
gps_session_touch(PG_FUNCTION_ARGS)
{
	char	   *sid = gps_arg_cstring(fcinfo, 0, "session id");
	Datum		values[2];
	char		nulls[3] = "  ";

	values[0] = CStringGetTextDatum(sid);
	if (PG_ARGISNULL(1))
	{
		values[1] = (Datum) 0;
		nulls[1] = 'n';
	}
	else
		values[1] = PG_GETARG_DATUM(1);
	SPI_connect();
	gps_plan_exec(&touch_plan, values, nulls, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.session_destroy(sid text) -> void
 *     express-session Store.destroy (logout, session regeneration); silent
 *     when absent.  Errors: 22004 sid NULL.
 */
Datum
gps_session_destroy(PG_FUNCTION_ARGS)
{
	char	   *sid = gps_arg_cstring(fcinfo, 0, "session id");
	Datum		values[1];

	values[0] = CStringGetTextDatum(sid);
	SPI_connect();
	gps_plan_exec(&destroy_plan, values, NULL, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.session_all() -> TABLE(sid text, sess json)
 *     express-session Store.all: every live session, ordered by sid.
 */
Datum
gps_session_all(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Tuplestorestate *store = gps_srf_begin(fcinfo, &tupdesc);
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext rowctx = AllocSetContextCreate(caller, "gitproxy session_all row",
												 ALLOCSET_DEFAULT_SIZES);
	uint64		n;

	SPI_connect();
	n = gps_plan_exec(&all_plan, NULL, NULL, true, 0);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		out[2];
		bool		nulls[2] = {false, false};
		MemoryContext old = MemoryContextSwitchTo(rowctx);

		out[0] = gps_spi_getdatum(i, 1, &isnull);
		out[1] = PointerGetDatum(gps_jsonb_to_json(DatumGetJsonbP(gps_spi_getdatum(i, 2, &isnull))));
		tuplestore_putvalues(store, tupdesc, out, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowctx);
	}
	SPI_finish();
	MemoryContextDelete(rowctx);
	return (Datum) 0;
}

/* Run a parameterless statement returning one bigint. */
static int64
count_query(GpsPlan *plan)
{
	bool		isnull;
	int64		n;

	SPI_connect();
	gps_plan_exec(plan, NULL, NULL, true, 1);
	n = DatumGetInt64(gps_spi_getdatum(0, 1, &isnull));
	SPI_finish();
	return n;
}

/*
 * gitproxy.session_length() -> bigint
 *     express-session Store.length: the number of live sessions.
 */
Datum
gps_session_length(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(count_query(&length_plan));
}

/*
 * gitproxy.session_clear() -> bigint
 *     express-session Store.clear: delete every session (live or expired);
 *     returns the number of rows removed.
 */
Datum
gps_session_clear(PG_FUNCTION_ARGS)
{
	uint64		n;

	SPI_connect();
	n = gps_plan_exec(&clear_plan, NULL, NULL, false, 0);
	SPI_finish();
	PG_RETURN_INT64((int64) n);
}

/*
 * gitproxy.session_destroy_user(username text) -> bigint
 *     Log a user out everywhere: delete every session (live or expired) whose
 *     user id equals username exactly.  The user id is sess.passport.user
 *     when it is a string (local login: the username; OIDC: the oidcId), or
 *     its "username" when it is an object (Active Directory).  Returns the
 *     number of rows removed.  Errors: 22004 username NULL.
 */
Datum
gps_session_destroy_user(PG_FUNCTION_ARGS)
{
	char	   *user = gps_encode_text(gps_arg_cstring(fcinfo, 0, "username"));
	Datum		values[1];
	uint64		n;

	values[0] = CStringGetTextDatum(user);
	SPI_connect();
	n = gps_plan_exec(&destroy_user_plan, values, NULL, false, 0);
	SPI_finish();
	PG_RETURN_INT64((int64) n);
}

/*
 * gitproxy.session_prune(batch integer DEFAULT 1000) -> bigint
 *     Delete at most batch expired sessions (oldest expiry first, skipping
 *     rows locked by concurrent calls) and return how many were removed.
 *     Call it periodically, repeating while it returns batch, so each
 *     transaction stays small.  Errors: 22004 batch NULL; 22023 batch < 1.
 */
Datum
gps_session_prune(PG_FUNCTION_ARGS)
{
	int32		batch;
	Datum		values[1];
	uint64		n;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("batch must not be null")));
	batch = PG_GETARG_INT32(0);
	if (batch < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch must be at least 1"),
				 errdetail("session_prune deletes at most batch expired sessions per call.")));
	values[0] = Int32GetDatum(batch);
	SPI_connect();
	n = gps_plan_exec(&prune_plan, values, NULL, false, 0);
	SPI_finish();
	PG_RETURN_INT64((int64) n);
}
