/*
 * pushes.c
 *     The push store: write_audit, get_push, delete_push, get_pushes.
 *
 * A push document is kept whole in gitproxy.pushes.doc (stored jsonb form,
 * json_codec.h) without its _id, which lives in its own column; review
 * decisions add the overlay pushes.decision instead of rewriting doc, and
 * every reader merges the two (GPS_PUSH_DOCUMENT_SQL, gps_push_document).
 * Plain columns set on every write hold the typed values that listings
 * filter and sort on.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "compat.h"
#include "func_args.h"
#include "gitproxy_sink.h"
#include "json_codec.h"
#include "json_results.h"
#include "object_id.h"
#include "pushes.h"
#include "query_filter.h"
#include "spi_plan.h"
#include "value_limits.h"

PG_FUNCTION_INFO_V1(gps_write_audit);
PG_FUNCTION_INFO_V1(gps_get_push);
PG_FUNCTION_INFO_V1(gps_delete_push);
PG_FUNCTION_INFO_V1(gps_get_pushes);
PG_FUNCTION_INFO_V1(gps_push_decision_sql);
PG_FUNCTION_INFO_V1(gps_push_document_sql);

/*
 * The upsert, and a decision_log row when it changed the decision fields.
 * `old` locks the stored row before the upsert reads `src`, so it holds the
 * fields the upsert replaces (a push another session creates meanwhile is
 * logged as from "absent", with the right payload).
 */
static GpsPlan write_audit_plan = {
	"WITH old AS (SELECT e.id, " GPS_PUSH_OLD_DECISION_COLUMNS("e") " "
	"FROM gitproxy.pushes e WHERE e.id = $1 FOR UPDATE), "
	"src AS (SELECT count(o.id) AS n FROM old o), "
	"merged AS (INSERT INTO gitproxy.pushes AS p (id, _id, doc, " GPS_PUSH_TYPED_COLUMNS ", reviewer, irregular) "
	"SELECT $1, $2, $3, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, " GPS_PUSH_REVIEWER_SQL("$3") ", "
	GPS_PUSH_IRREGULAR_SQL("$3") " FROM src "
	"ON CONFLICT (id_digest) DO UPDATE SET " GPS_PUSH_UPSERT_SET("$4") " "
	"RETURNING p.id, p.xmax = 0 AS inserted, gitproxy.push_decision(" GPS_PUSH_DOCUMENT_SQL("p") ") AS decision) "
	GPS_PUSH_LOG_CHANGES("write_audit", "merged", "old"),
	14, {TEXTOID, TEXTOID, JSONBOID, BOOLOID, TEXTOID, FLOAT8OID, TEXTOID, TEXTOID,
	BOOLOID, BOOLOID, BOOLOID, BOOLOID, BOOLOID, BOOLOID}
};

static GpsPlan get_push_plan = {
	"SELECT " GPS_PUSH_DOCUMENT_SQL("p") " || jsonb_build_object('_id', p._id) "
	"FROM gitproxy.pushes p WHERE p.id = $1",
	1, {TEXTOID}
};

static GpsPlan delete_push_plan = {
	"WITH d AS (DELETE FROM gitproxy.pushes p WHERE p.id = $1 "
	"RETURNING p.id, " GPS_PUSH_STATE_SQL("p") " AS state) "
	"INSERT INTO gitproxy.decision_log "
	"(push_id, decided_at, action, reviewer, payload, state_before, db_role) "
	"SELECT d.id, clock_timestamp(), 'delete', NULL, NULL, d.state, session_user FROM d",
	1, {TEXTOID}
};

/* A top-level key's value when it has the wanted JSON type. */
static bool
typed_key(Jsonb *doc, const char *key, enum jbvType type, JsonbValue *v)
{
	return getKeyJsonValueFromContainer(&doc->root, key, strlen(key), v) != NULL &&
		v->type == type;
}

void
gps_push_typed_values(Jsonb *doc, Datum *values, char *nulls)
{
	static const char *const text_keys[] = {"type", NULL, "url", "userEmail"};
	static const char *const flag_keys[] = {"error", "blocked", "allowPush",
	"authorised", "canceled", "rejected"};
	JsonbValue	v;

	for (int i = 0; i < 4; i++)
	{
		nulls[i] = 'n';
		values[i] = (Datum) 0;
		if (text_keys[i] != NULL && typed_key(doc, text_keys[i], jbvString, &v))
		{
			/* a long type is matched in doc (value_limits.h) */
			if (i == 0 && v.val.string.len > GPS_PUSH_TYPE_COLUMN_MAX_BYTES)
				continue;
			if (i > 0)
				gps_check_length("push", text_keys[i], v.val.string.len,
								 GPS_URL_MAX_BYTES);
			values[i] = PointerGetDatum(cstring_to_text_with_len(v.val.string.val,
																 v.val.string.len));
			nulls[i] = ' ';
		}
	}
	/*
	 * ts: the number as JavaScript reads it (nearest double; beyond the
	 * range +-Infinity, below it 0: never an error), the listing sort key.
	 * Filters compare the document's number itself (query_filter.h).
	 */
	nulls[1] = ' ';
	values[1] = typed_key(doc, "timestamp", jbvNumeric, &v) ?
		Float8GetDatum(gps_json_number_to_float8(v.val.numeric)) :
		Float8GetDatum(-get_float8_infinity());
	for (int i = 0; i < 6; i++)
	{
		bool		is_bool = typed_key(doc, flag_keys[i], jbvBool, &v);

		values[4 + i] = BoolGetDatum(is_bool && v.val.boolean);
		nulls[4 + i] = is_bool ? ' ' : 'n';
	}
}

char *
gps_push_id_of(Jsonb *doc)
{
	JsonbValue	v;

	if (!JB_ROOT_IS_OBJECT(doc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Invalid id"),
				 errdetail("A push document must be a JSON object with a string \"id\".")));
	if (getKeyJsonValueFromContainer(&doc->root, "id", 2, &v) == NULL ||
		v.type != jbvString || v.val.string.len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Invalid id"),
				 errdetail("The push document's \"id\" must be a non-empty JSON string.")));
	gps_check_length("push", "id", v.val.string.len, GPS_ID_MAX_BYTES);
	return pnstrdup(v.val.string.val, v.val.string.len);
}

Jsonb *
gps_push_decision(Jsonb *doc)
{
	static const char *const keys[] = {"authorised", "rejected", "canceled",
	"attestation", "rejection"};
	JsonbParseState *state = NULL;
	JsonbValue *res;

	res = pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	if (JB_ROOT_IS_OBJECT(doc))
	{
		for (int i = 0; i < (int) lengthof(keys); i++)
		{
			JsonbValue	k;
			JsonbValue *v = getKeyJsonValueFromContainer(&doc->root, keys[i],
														 strlen(keys[i]), NULL);

			if (v == NULL)
				continue;
			k.type = jbvString;
			k.val.string.val = (char *) keys[i];
			k.val.string.len = strlen(keys[i]);
			pushJsonbValue(&state, WJB_KEY, &k);
			pushJsonbValue(&state, WJB_VALUE, v);
		}
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * The keys of git-proxy's MongoDB listing projection (contract §4.2.1), in
 * jsonb key order (length, then bytes), so the result is built sorted.
 */
static const char *const summary_keys[] = {
	"id", "url", "repo", "type", "error", "branch", "method", "blocked",
	"project", "canceled", "commitTo", "rejected", "repoName", "allowPush",
	"rejection", "timestamp", "userEmail", "authorised", "commitData",
	"commitFrom", "attestation", "blockedMessage",
};

text *
gps_push_summary_json(Jsonb *doc)
{
	StringInfoData buf;
	text	   *result;
	bool		first = true;

	/*
	 * Written straight from the document's values: building the summary as
	 * jsonb first would unpack and repack every nested value (commitData)
	 * only to render it again.  Keys come in jsonb order and with jsonb_out's
	 * separators, as gps_jsonb_to_json writes a document.
	 */
	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoCharMacro(&buf, '{');
	if (JB_ROOT_IS_OBJECT(doc))
	{
		for (int i = 0; i < (int) lengthof(summary_keys); i++)
		{
			JsonbValue	v;

			if (getKeyJsonValueFromContainer(&doc->root, summary_keys[i],
											 strlen(summary_keys[i]), &v) == NULL)
				continue;
			if (!first)
				appendBinaryStringInfo(&buf, ", ", 2);
			first = false;
			appendStringInfoCharMacro(&buf, '"');
			appendStringInfoString(&buf, summary_keys[i]);
			appendBinaryStringInfo(&buf, "\": ", 3);
			/* a container is copied as it is stored, a scalar wrapped */
			gps_append_jsonb_as_json(&buf, JsonbValueToJsonb(&v));
		}
	}
	appendStringInfoCharMacro(&buf, '}');
	result = (text *) buf.data;
	SET_VARSIZE(result, buf.len);
	return result;
}

/*
 * gitproxy.push_decision(doc jsonb) -> jsonb
 *     The decision fields of a stored push document (gps_push_decision), as
 *     write_audit and import log them.  Pure.
 */
Datum
gps_push_decision_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_JSONB_P(gps_push_decision(PG_GETARG_JSONB_P(0)));
}

/* Is the key (k, len) a string element of the jsonb array `arr`? */
static bool
in_key_array(JsonbContainer *arr, const char *k, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) k;
	v.val.string.len = len;
	return findJsonbValueFromContainer(arr, JB_FARRAY, &v) != NULL;
}

Jsonb *
gps_push_document(Jsonb *doc, Jsonb *decision)
{
	JsonbValue *set;
	JsonbValue *unset;
	JsonbContainer *setc = NULL;
	JsonbContainer *unsetc = NULL;
	JsonbParseState *state = NULL;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	k;
	JsonbValue	v;
	JsonbValue *res;

	if (decision == NULL || !JB_ROOT_IS_OBJECT(decision) || !JB_ROOT_IS_OBJECT(doc))
		return doc;
	set = getKeyJsonValueFromContainer(&decision->root, "set", 3, NULL);
	unset = getKeyJsonValueFromContainer(&decision->root, "unset", 5, NULL);
	if (set != NULL && set->type == jbvBinary && JsonContainerIsObject(set->val.binary.data))
		setc = set->val.binary.data;
	if (unset != NULL && unset->type == jbvBinary && JsonContainerIsArray(unset->val.binary.data))
		unsetc = unset->val.binary.data;
	if (setc == NULL && unsetc == NULL)
		return doc;

	/*
	 * One pass over doc's top-level pairs (nested values copied as they are),
	 * dropping the keys the overlay sets or unsets, then the set pairs; the
	 * result is the jsonb that rewriting doc would have stored.
	 */
	res = pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	it = JsonbIteratorInit(&doc->root);
	tok = JsonbIteratorNext(&it, &v, true);	/* WJB_BEGIN_OBJECT */
	while ((tok = JsonbIteratorNext(&it, &k, true)) == WJB_KEY)
	{
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		if ((setc != NULL &&
			 getKeyJsonValueFromContainer(setc, k.val.string.val, k.val.string.len, NULL) != NULL) ||
			(unsetc != NULL && in_key_array(unsetc, k.val.string.val, k.val.string.len)))
			continue;
		pushJsonbValue(&state, WJB_KEY, &k);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	if (setc != NULL)
	{
		it = JsonbIteratorInit(setc);
		tok = JsonbIteratorNext(&it, &v, true);
		while ((tok = JsonbIteratorNext(&it, &k, true)) == WJB_KEY)
		{
			tok = JsonbIteratorNext(&it, &v, true);
			pushJsonbValue(&state, WJB_KEY, &k);
			pushJsonbValue(&state, WJB_VALUE, &v);
		}
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * gitproxy.push_document(doc jsonb, decision jsonb) -> jsonb
 *     The push document the API returns (gps_push_document): doc with the
 *     decision overlay merged in; doc itself when decision is NULL.  Pure;
 *     not strict (NULL doc gives NULL).
 */
Datum
gps_push_document_sql(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	/* no overlay: hand doc on as it is (a TOAST pointer stays unread) */
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	PG_RETURN_JSONB_P(gps_push_document(PG_GETARG_JSONB_P(0), PG_GETARG_JSONB_P(1)));
}

/*
 * gitproxy.write_audit(push json) -> void
 *     Sink method writeAudit(action).  Upsert keyed by the document's "id"
 *     with replace semantics (fs backend): the stored document becomes the
 *     given one; fields it lacks disappear.  A stored push keeps its _id; an
 *     "_id" in the argument is ignored.  In strict review mode an existing
 *     push keeps its authorised/rejected/canceled flags, attestation and
 *     rejection.  A change of the decision fields is appended to
 *     gitproxy.decision_log (action "write_audit").  Errors: 22004 push is NULL; 22023 "Invalid id" (not an
 *     object, id missing, not a string or empty); 22P02 malformed JSON.
 */
Datum
gps_write_audit(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = gps_arg_jsonb(fcinfo, 0, "push");
	char	   *id = gps_push_id_of(doc);
	Datum		values[4 + GPS_PUSH_TYPED_COUNT];
	char		nulls[4 + GPS_PUSH_TYPED_COUNT + 1];

	/* drop a caller's "_id" (a rebuild, so only when the key is there) */
	if (getKeyJsonValueFromContainer(&doc->root, "_id", 3, NULL) != NULL)
		doc = DatumGetJsonbP(DirectFunctionCall2(jsonb_delete, JsonbPGetDatum(doc),
												 CStringGetTextDatum("_id")));

	values[0] = CStringGetTextDatum(id);
	values[1] = CStringGetTextDatum(gps_object_id_new());
	values[2] = JsonbPGetDatum(doc);
	memset(nulls, ' ', 4);
	gps_push_typed_values(doc, values + 4, nulls + 4);
	nulls[4 + GPS_PUSH_TYPED_COUNT] = '\0';

	SPI_connect();
	values[3] = BoolGetDatum(gps_review_strict());
	gps_plan_exec(&write_audit_plan, values, nulls, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.get_push(id text) -> json
 *     Sink method getPush(id).  The full document including "_id", or NULL
 *     when no push has that id.
 */
Datum
gps_get_push(PG_FUNCTION_ARGS)
{
	char	   *id = gps_encode_text(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&get_push_plan, id));
}

/*
 * gitproxy.delete_push(id text) -> void
 *     Sink method deletePush(id).  Silent when absent.  A deletion is
 *     appended to gitproxy.decision_log (action "delete", state before).
 */
Datum
gps_delete_push(PG_FUNCTION_ARGS)
{
	char	   *id = gps_encode_text(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	Datum		values[1];

	values[0] = CStringGetTextDatum(id);
	SPI_connect();
	gps_plan_exec(&delete_push_plan, values, NULL, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * An array at a typed key: only rows marked irregular (pushes_irregular_idx's
 * predicate) can hold one.
 */
#define KEY_IS_ARRAY(key) "p.irregular AND " GPS_DOC_KEY_IS_ARRAY("p.doc", key)

/* The typed columns of gitproxy.pushes that listings filter on. */
static const GpsTypedColumn push_columns[] = {
	{"id", "p.id", GPS_COL_TEXT, NULL, true, false},
	{"_id", "p._id", GPS_COL_TEXT, NULL, false, false},
	{"type", "p.type", GPS_COL_TEXT, KEY_IS_ARRAY("type"), true, false,
	 GPS_PUSH_TYPE_COLUMN_MAX_BYTES},
	{"url", "p.url", GPS_COL_TEXT, KEY_IS_ARRAY("url"), true, false},
	{"userEmail", "p.user_email", GPS_COL_TEXT, KEY_IS_ARRAY("userEmail"), true, false},
	{"timestamp", "p.ts", GPS_COL_FLOAT8, KEY_IS_ARRAY("timestamp"), true, false},
	{"error", "p.error", GPS_COL_BOOL, KEY_IS_ARRAY("error"), true, false},
	{"blocked", "p.blocked", GPS_COL_BOOL, KEY_IS_ARRAY("blocked"), true, false},
	{"allowPush", "p.allow_push", GPS_COL_BOOL, KEY_IS_ARRAY("allowPush"), true, false},
	{"authorised", "p.authorised", GPS_COL_BOOL, KEY_IS_ARRAY("authorised"), true, false},
	{"canceled", "p.canceled", GPS_COL_BOOL, KEY_IS_ARRAY("canceled"), true, false},
	{"rejected", "p.rejected", GPS_COL_BOOL, KEY_IS_ARRAY("rejected"), true, false},
};

/*
 * The listing indexes hold the first 512 characters of the id (a whole id may
 * not fit a btree entry); under COLLATE "C" ordering by (ts, prefix, id) is
 * ordering by (ts, id), and the index gives the first two.
 */
#define ID_PREFIX_SQL(x) "pg_catalog.left(" x ", 512)"

/* getPushes() without a query (contract §4.2.1). */
#define DEFAULT_PUSH_QUERY \
	"{\"error\": false, \"blocked\": true, \"allowPush\": false, " \
	"\"authorised\": false, \"type\": \"push\"}"

/*
 * Keyset cursor: hex of the row's sort key, the timestamp's float8 bits
 * (big-endian) followed by the id's bytes.  Opaque to callers.
 */
static char *
cursor_encode(float8 ts, const char *id)
{
	static const char hex[] = "0123456789abcdef";
	union
	{
		float8		f;
		uint64		u;
	}			bits;
	size_t		idlen = strlen(id);
	char	   *out = palloc(16 + 2 * idlen + 1);
	char	   *p = out;

	bits.f = ts;
	for (int shift = 60; shift >= 0; shift -= 4)
		*p++ = hex[(bits.u >> shift) & 0xf];
	for (size_t i = 0; i < idlen; i++)
	{
		unsigned char c = (unsigned char) id[i];

		*p++ = hex[c >> 4];
		*p++ = hex[c & 0xf];
	}
	*p = '\0';
	return out;
}

static int
hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void
cursor_decode(const char *cursor, float8 *ts, char **id)
{
	size_t		len = strlen(cursor);
	union
	{
		float8		f;
		uint64		u;
	}			bits;
	char	   *out;

	if (len < 18 || len % 2 != 0)
		goto bad;
	bits.u = 0;
	for (int i = 0; i < 16; i++)
	{
		int			h = hexdigit(cursor[i]);

		if (h < 0)
			goto bad;
		bits.u = (bits.u << 4) | (uint64) h;
	}
	out = palloc((len - 16) / 2 + 1);
	for (size_t i = 16, j = 0; i < len; i += 2, j++)
	{
		int			hi = hexdigit(cursor[i]);
		int			lo = hexdigit(cursor[i + 1]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			goto bad;
		out[j] = (char) ((hi << 4) | lo);
		out[j + 1] = '\0';
	}
	if (pg_verifymbstr(out, strlen(out), true) == false)
		goto bad;
	*ts = bits.f;
	*id = out;
	return;

bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid cursor"),
			 errdetail("Pass back a cursor value returned by gitproxy.get_pushes unchanged.")));
}

/*
 * Kept plans of the listing statements, by text and parameter types: a
 * listing's statement depends only on the query's shape (values are
 * parameters), and a UI asks for the same few shapes page after page, so
 * parsing and analysing each again cost more than reading a page of
 * summaries.  Per backend, the most recently used LISTING_PLANS kept.
 */
#define LISTING_PLANS 8

typedef struct ListingPlan
{
	char	   *sql;			/* NULL: free slot */
	int			nargs;
	Oid		   *argtypes;
	SPIPlanPtr	plan;
	uint64		used;
} ListingPlan;

static ListingPlan listing_plans[LISTING_PLANS];
static uint64 listing_plan_clock;

static SPIPlanPtr
listing_plan(const char *sql, int nargs, Oid *argtypes)
{
	ListingPlan *slot = &listing_plans[0];
	SPIPlanPtr	plan;

	for (int i = 0; i < LISTING_PLANS; i++)
	{
		ListingPlan *p = &listing_plans[i];

		if (p->sql != NULL && p->nargs == nargs && strcmp(p->sql, sql) == 0 &&
			memcmp(p->argtypes, argtypes, sizeof(Oid) * nargs) == 0)
		{
			p->used = ++listing_plan_clock;
			return p->plan;
		}
		if (p->sql == NULL || (slot->sql != NULL && p->used < slot->used))
			slot = p;
	}
	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	if (slot->sql != NULL)
	{
		SPI_freeplan(slot->plan);
		pfree(slot->sql);
		pfree(slot->argtypes);
	}
	slot->sql = MemoryContextStrdup(TopMemoryContext, sql);
	slot->argtypes = MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * Max(nargs, 1));
	memcpy(slot->argtypes, argtypes, sizeof(Oid) * nargs);
	slot->nargs = nargs;
	slot->plan = plan;
	slot->used = ++listing_plan_clock;
	return plan;
}

/* One ordered statement of a listing, read in batches (gps_get_pushes). */
typedef struct ListingSide
{
	Portal		portal;
	SPITupleTable *tuptable;	/* current batch, NULL when done */
	uint64		n;				/* rows in it */
	uint64		pos;			/* next row */
} ListingSide;

static void
side_fetch(ListingSide *s)
{
	if (s->tuptable != NULL)
		SPI_freetuptable(s->tuptable);
	SPI_cursor_fetch(s->portal, true, 1000);
	s->tuptable = SPI_tuptable;
	s->n = SPI_processed;
	if (s->n == 0)
	{
		SPI_freetuptable(s->tuptable);
		s->tuptable = NULL;
	}
	s->pos = 0;
}

static Datum
side_value(ListingSide *s, int col, bool *isnull)
{
	return SPI_getbinval(s->tuptable->vals[s->pos], s->tuptable->tupdesc, col, isnull);
}

static float8
side_ts(ListingSide *s)
{
	bool		isnull;

	return DatumGetFloat8(side_value(s, 2, &isnull));
}

/* Does a's current row come first: (ts, id) descending, id bytewise? */
static bool
side_before(ListingSide *a, ListingSide *b)
{
	float8		ta = side_ts(a),
				tb = side_ts(b);
	bool		isnull;
	text	   *ia,
			   *ib;
	int			la,
				lb,
				c;

	if (ta != tb)
		return ta > tb;
	ia = DatumGetTextPP(side_value(a, 3, &isnull));
	ib = DatumGetTextPP(side_value(b, 3, &isnull));
	la = VARSIZE_ANY_EXHDR(ia);
	lb = VARSIZE_ANY_EXHDR(ib);
	c = memcmp(VARDATA_ANY(ia), VARDATA_ANY(ib), Min(la, lb));
	return c != 0 ? c > 0 : la > lb;
}

/*
 * gitproxy.get_pushes(query json DEFAULT NULL, "limit" integer DEFAULT NULL,
 *                     cursor text DEFAULT NULL, summary boolean DEFAULT false)
 *     -> TABLE(push json, cursor text)
 *     Sink method getPushes(query).  NULL (or JSON null) query applies the
 *     default filter {error: false, blocked: true, allowPush: false,
 *     authorised: false, type: "push"}; {} matches every row.  Filter
 *     semantics of contract §3 (see query_filter.h).  Rows ordered by
 *     timestamp (epoch milliseconds) descending, then id descending; rows
 *     whose timestamp is not a number come last.  Documents are returned
 *     without "_id".  Each row's cursor resumes the listing after that row
 *     (keyset pagination); without limit every matching row is returned.
 *     summary true returns each document's listing summary instead
 *     (gps_push_summary_json: git-proxy's MongoDB projection); filter, order and
 *     cursors are those of the full documents.  1.0's three-argument form
 *     calls this with PG_NARGS() = 3.
 *     Errors: 22023 bad query, key or cursor, negative limit.
 */
Datum
gps_get_pushes(PG_FUNCTION_ARGS)
{
	Jsonb	   *query;
	GpsFilter	f;
	StringInfoData sql[2];
	StringInfoData after;
	StringInfoData tail;
	ListingSide side[2];
	int			nsides = 1;
	int64		remaining = -1;	/* rows still wanted; -1: all */
	bool		summary = PG_NARGS() > 3 && !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext rowctx;
	StringInfoData docbuf;		/* each row's json, reused (gps_jsonb_to_json_reuse) */

	memset(side, 0, sizeof(side));
	query = gps_arg_query(fcinfo, 0);
	if (query == NULL)
		query = gps_json_to_jsonb(DEFAULT_PUSH_QUERY, strlen(DEFAULT_PUSH_QUERY));

	gps_filter_init(&f);
	gps_filter_compile(&f, query, GPS_PUSH_DOCUMENT_SQL("p"), push_columns, lengthof(push_columns), NULL);

	initStringInfo(&after);
	if (!PG_ARGISNULL(2))
	{
		float8		ts;
		char	   *id;
		int			tp,
					ip;

		cursor_decode(text_to_cstring(PG_GETARG_TEXT_PP(2)), &ts, &id);
		tp = gps_filter_add_param(&f, FLOAT8OID, Float8GetDatum(ts));
		ip = gps_filter_add_param(&f, TEXTOID, CStringGetTextDatum(id));
		appendStringInfo(&after, " AND (p.ts, " ID_PREFIX_SQL("p.id") ", p.id) < ($%d, "
						 ID_PREFIX_SQL("$%d COLLATE \"C\"") ", $%d COLLATE \"C\")",
						 tp, ip, ip);
	}

	initStringInfo(&tail);
	appendStringInfoString(&tail, " ORDER BY p.ts DESC, " ID_PREFIX_SQL("p.id") " DESC, p.id DESC");
	if (!PG_ARGISNULL(1))
	{
		int32		limit = PG_GETARG_INT32(1);
		int			lp;

		if (limit < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("limit must not be negative")));
		lp = gps_filter_add_param(&f, INT8OID, Int64GetDatum((int64) limit));
		appendStringInfo(&tail, " LIMIT $%d", lp);
		remaining = limit;
	}

	/*
	 * Typed test OR document test (query_filter.h): one statement per arm,
	 * each read in listing order through its own index (pushes_pending_idx
	 * or pushes_type_listing_idx, and pushes_irregular_idx), merged here.
	 */
	initStringInfo(&sql[0]);
	initStringInfo(&sql[1]);
	appendStringInfo(&sql[0], "SELECT " GPS_PUSH_DOCUMENT_SQL("p") ", p.ts, p.id FROM gitproxy.pushes p WHERE %s%s%s",
					 f.other_arm == NULL ? f.sql.data : f.typed_arm, after.data, tail.data);
	if (f.other_arm != NULL)
	{
		appendStringInfo(&sql[1], "SELECT " GPS_PUSH_DOCUMENT_SQL("p") ", p.ts, p.id FROM gitproxy.pushes p "
						 "WHERE %s AND (%s) IS NOT TRUE%s%s",
						 f.other_arm, f.typed_arm, after.data, tail.data);
		nsides = 2;
	}

	store = gps_srf_begin(fcinfo, &tupdesc);
	rowctx = AllocSetContextCreate(caller, "gitproxy get_pushes row",
								   ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&docbuf);

	SPI_connect();
	for (int k = 0; k < nsides; k++)
	{
		side[k].portal = SPI_cursor_open(NULL, listing_plan(sql[k].data, f.nargs, f.argtypes),
										 f.values, f.nulls, true);
		side_fetch(&side[k]);
	}
	while (remaining != 0)
	{
		ListingSide *s = NULL;
		bool		isnull;
		Datum		out[2];
		bool		nulls[2] = {false, false};
		MemoryContext old;
		Jsonb	   *doc;

		for (int k = 0; k < nsides; k++)
			if (side[k].pos < side[k].n &&
				(s == NULL || side_before(&side[k], s)))
				s = &side[k];
		if (s == NULL)
			break;
		old = MemoryContextSwitchTo(rowctx);
		doc = DatumGetJsonbP(side_value(s, 1, &isnull));
		out[0] = PointerGetDatum(summary ? gps_push_summary_json(doc)
								 : gps_jsonb_to_json_reuse(&docbuf, doc));
		out[1] = CStringGetTextDatum(cursor_encode(side_ts(s),
												   TextDatumGetCString(side_value(s, 3, &isnull))));
		tuplestore_putvalues(store, tupdesc, out, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowctx);
		if (remaining > 0)
			remaining--;
		if (++s->pos == s->n)
			side_fetch(s);
	}
	for (int k = 0; k < nsides; k++)
	{
		if (side[k].tuptable != NULL)
			SPI_freetuptable(side[k].tuptable);
		SPI_cursor_close(side[k].portal);
	}
	SPI_finish();
	MemoryContextDelete(rowctx);
	pfree(docbuf.data);
	return (Datum) 0;
}
