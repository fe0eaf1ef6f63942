/*
 * query_match.c
 *     Run-time side of query filters (query_filter.h): gitproxy.query_match
 *     and gitproxy.query_regex test one condition of a query object against
 *     a stored document, with one set of path rules for every operator.
 *
 * Path rules (MongoDB's): a dotted key is walked segment by segment.  On an
 * object a segment is a member name.  On an array a segment of decimal
 * digits without a leading zero ("0", "12") is an element index; any other
 * segment is applied to every element that is an object (elements that are
 * scalars or arrays contribute nothing).  A missing member, an index past
 * the end, or a segment applied to a scalar or null is "missing".  The
 * values reached at the end of the path are the leaves; a leaf that is an
 * array also offers each of its elements.  A condition holds when:
 *   scalar or object/array value  a leaf, or an element of a leaf array, is
 *                                 equal to it (JSON types strict, numbers by
 *                                 value: 1 = 1.0, 1700000000000 differs from
 *                                 1700000000000.00001);
 *   null                          a leaf or an element of a leaf array is
 *                                 null, or some branch of the walk is missing;
 *   $regex                        a leaf string, or a string element of a
 *                                 leaf array, matches.
 *
 * Strings are compared in stored form (json_codec.h), which is equal exactly
 * when the real strings are.  A regular expression runs on the real string:
 * the escape is reversed into code points, so NUL, U+FFFF and a lone
 * surrogate are single characters there.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "nodes/value.h"
#include "regex/regex.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "compat.h"
#include "json_codec.h"
#include "query_filter.h"
#include "unicode_case.h"

PG_FUNCTION_INFO_V1(gps_query_match);
PG_FUNCTION_INFO_V1(gps_query_regex);

typedef enum MatchKind
{
	MATCH_EQUAL,
	MATCH_NULL,
	MATCH_REGEX
} MatchKind;

typedef struct MatchCtx
{
	MatchKind	kind;
	JsonbValue	value;			/* MATCH_EQUAL: scalar or container */
	bool		fold;			/* MATCH_EQUAL: lower-case document strings */
	regex_t    *re;				/* MATCH_REGEX */
	char	  **segs;
	int			nsegs;
} MatchCtx;

/* A segment that addresses an array element: decimal, no leading zero. */
static bool
array_index(const char *seg, uint32 *idx)
{
	uint64		v = 0;

	if (seg[0] == '\0' || (seg[0] == '0' && seg[1] != '\0'))
		return false;
	for (const char *p = seg; *p; p++)
	{
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
		if (v > PG_INT32_MAX)
			return false;
	}
	*idx = (uint32) v;
	return true;
}

static bool
is_container(JsonbValue *v, bool array)
{
	return v->type == jbvBinary &&
		(array ? JsonContainerIsArray(v->val.binary.data) :
		 JsonContainerIsObject(v->val.binary.data));
}

static bool
string_equal(MatchCtx *c, JsonbValue *v)
{
	const char *s = v->val.string.val;
	int			len = v->val.string.len;

	if (c->fold)
	{
		s = gps_server_lower(s, len);
		len = strlen(s);
	}
	return len == c->value.val.string.len &&
		memcmp(s, c->value.val.string.val, len) == 0;
}

static bool
value_equal(MatchCtx *c, JsonbValue *v)
{
	JsonbValue *x = &c->value;

	if (v->type != x->type)
		return false;
	switch (v->type)
	{
		case jbvString:
			return string_equal(c, v);
		case jbvNumeric:
			return DatumGetBool(DirectFunctionCall2(numeric_eq,
													NumericGetDatum(v->val.numeric),
													NumericGetDatum(x->val.numeric)));
		case jbvBool:
			return v->val.boolean == x->val.boolean;
		case jbvNull:
			return true;
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ==
				JsonContainerIsArray(x->val.binary.data) &&
				compareJsonbContainers(v->val.binary.data, x->val.binary.data) == 0;
		default:
			return false;
	}
}

static bool
regex_match(MatchCtx *c, JsonbValue *v)
{
	const char *s = v->val.string.val;
	int			len = v->val.string.len;
	pg_wchar   *w = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen;
	int			rc;

	if (GetDatabaseEncoding() == PG_UTF8)
		wlen = gps_decode_to_wchar(s, len, w);
	else
		wlen = pg_mb2wchar_with_len(s, w, len);
	rc = pg_regexec(c->re, w, wlen, 0, NULL, 0, NULL, 0);
	pfree(w);
	if (rc != REG_OKAY && rc != REG_NOMATCH)
	{
		char		msg[100];

		pg_regerror(rc, c->re, msg, sizeof(msg));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("regular expression failed: %s", msg)));
	}
	return rc == REG_OKAY;
}

/* One value at the end of the path (not an element of a leaf array). */
static bool
scalar_matches(MatchCtx *c, JsonbValue *v)
{
	switch (c->kind)
	{
		case MATCH_EQUAL:
			return value_equal(c, v);
		case MATCH_NULL:
			return v->type == jbvNull;
		case MATCH_REGEX:
			return v->type == jbvString && regex_match(c, v);
	}
	return false;
}

static bool
leaf_matches(MatchCtx *c, JsonbValue *v)
{
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;

	if (scalar_matches(c, v))
		return true;
	if (!is_container(v, true))
		return false;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		if (tok == WJB_ELEM && scalar_matches(c, &e))
			return true;
	return false;
}

static bool
walk(MatchCtx *c, JsonbValue *v, int i)
{
	const char *seg;
	JsonbValue *child;

	if (i == c->nsegs)
		return leaf_matches(c, v);
	seg = c->segs[i];
	if (is_container(v, false))
	{
		child = getKeyJsonValueFromContainer(v->val.binary.data, seg, strlen(seg), NULL);
		return child != NULL ? walk(c, child, i + 1) : c->kind == MATCH_NULL;
	}
	if (is_container(v, true))
	{
		uint32		idx;
		JsonbIterator *it;
		JsonbValue	e;
		JsonbIteratorToken tok;

		if (array_index(seg, &idx))
		{
			child = getIthJsonbValueFromContainer(v->val.binary.data, idx);
			return child != NULL ? walk(c, child, i + 1) : c->kind == MATCH_NULL;
		}
		it = JsonbIteratorInit(v->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
			if (tok == WJB_ELEM && is_container(&e, false) && walk(c, &e, i))
				return true;
		return false;
	}
	return c->kind == MATCH_NULL;	/* a member of a scalar: missing */
}

static bool
run(MatchCtx *c, Jsonb *doc, ArrayType *path)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	JsonbValue	root;

	deconstruct_array(path, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	c->segs = palloc(sizeof(char *) * (n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("query path must not contain nulls")));
		c->segs[i] = TextDatumGetCString(elems[i]);
	}
	c->nsegs = n;
	if (JB_ROOT_IS_SCALAR(doc))
	{
		if (!JsonbExtractScalar(&doc->root, &root))
			return false;
	}
	else
	{
		root.type = jbvBinary;
		root.val.binary.data = &doc->root;
		root.val.binary.len = VARSIZE(doc) - VARHDRSZ;
	}
	return walk(c, &root, 0);
}

/*
 * gitproxy.query_match(doc jsonb, path text[], value jsonb, fold boolean)
 *     -> boolean
 *     Internal to the get_pushes/get_repos/get_users filters: does the
 *     condition "path equals value" hold for doc (rules above; a JSON null
 *     value is the null condition)?  fold: document strings are lower-cased
 *     (gitproxy.lower_case) before the comparison, value must be already.
 */
Datum
gps_query_match(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = PG_GETARG_JSONB_P(0);
	ArrayType  *path = PG_GETARG_ARRAYTYPE_P(1);
	Jsonb	   *value = PG_GETARG_JSONB_P(2);
	MatchCtx	c;

	memset(&c, 0, sizeof(c));
	c.kind = MATCH_EQUAL;
	c.fold = PG_GETARG_BOOL(3);
	if (JB_ROOT_IS_SCALAR(value))
	{
		(void) JsonbExtractScalar(&value->root, &c.value);
		if (c.value.type == jbvNull)
			c.kind = MATCH_NULL;
		else if (c.value.type != jbvString)
			c.fold = false;
	}
	else
	{
		c.value.type = jbvBinary;
		c.value.val.binary.data = &value->root;
		c.value.val.binary.len = VARSIZE(value) - VARHDRSZ;
		c.fold = false;
	}
	PG_RETURN_BOOL(run(&c, doc, path));
}

Oid
gps_regex_collation(void)
{
	Oid			coll = InvalidOid;

	if (GetDatabaseEncoding() == PG_UTF8)
		coll = get_collation_oid(list_make2(makeString("pg_catalog"),
											makeString("und-x-icu")), true);
	return OidIsValid(coll) ? coll : DEFAULT_COLLATION_OID;
}

/* gps_regex_collation, looked up once per call site */
static Oid
regex_collation(FmgrInfo *flinfo)
{
	if (flinfo->fn_extra == NULL)
	{
		Oid		   *coll = MemoryContextAlloc(flinfo->fn_mcxt, sizeof(Oid));

		*coll = gps_regex_collation();
		flinfo->fn_extra = coll;
	}
	return *(Oid *) flinfo->fn_extra;
}

/*
 * gitproxy.query_regex(doc jsonb, path text[], pattern text, flags text)
 *     -> boolean
 *     Internal to the filters: does a string at path match pattern (a
 *     PostgreSQL advanced regular expression) with the flags (gps_regex_cflags)?
 */
Datum
gps_query_regex(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = PG_GETARG_JSONB_P(0);
	ArrayType  *path = PG_GETARG_ARRAYTYPE_P(1);
	text	   *pattern = PG_GETARG_TEXT_PP(2);
	text	   *flags = PG_GETARG_TEXT_PP(3);
	MatchCtx	c;

	memset(&c, 0, sizeof(c));
	c.kind = MATCH_REGEX;
	c.re = RE_compile_and_cache(pattern,
								gps_regex_cflags(VARDATA_ANY(flags), VARSIZE_ANY_EXHDR(flags), "$options"),
								regex_collation(fcinfo->flinfo));
	PG_RETURN_BOOL(run(&c, doc, path));
}
