/*
 * query_filter.c
 *     git-proxy query objects to parameterised SQL (see query_filter.h).
 *
 * Every condition is tested on the document by gitproxy.query_match or
 * gitproxy.query_regex (query_match.c), which walk a dotted path with one set
 * of rules for all operators.  Conditions on keys with typed columns also
 * test the column, in a way that lets indexes answer them without changing
 * any result (gps_filter_compile).  Paths, values and regex sources travel
 * as parameters.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "regex/regex.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "compat.h"
#include "json_codec.h"
#include "query_filter.h"
#include "unicode_case.h"

void
gps_filter_init(GpsFilter *f)
{
	initStringInfo(&f->sql);
	f->typed_arm = NULL;
	f->other_arm = NULL;
	f->nargs = 0;
	f->maxargs = 8;
	f->argtypes = palloc(sizeof(Oid) * f->maxargs);
	f->values = palloc(sizeof(Datum) * f->maxargs);
	f->nulls = palloc(f->maxargs + 1);
}

int
gps_filter_add_param(GpsFilter *f, Oid type, Datum value)
{
	if (f->nargs >= f->maxargs)
	{
		f->maxargs *= 2;
		f->argtypes = repalloc(f->argtypes, sizeof(Oid) * f->maxargs);
		f->values = repalloc(f->values, sizeof(Datum) * f->maxargs);
		f->nulls = repalloc(f->nulls, f->maxargs + 1);
	}
	f->argtypes[f->nargs] = type;
	f->values[f->nargs] = value;
	f->nulls[f->nargs] = ' ';
	f->nargs++;
	f->nulls[f->nargs] = '\0';
	return f->nargs;
}

static void
reject_key(const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid query key \"%s\"", key),
			 errdetail("%s", detail)));
}

/* Split a dotted key into its segments, rejecting empty ones. */
static List *
split_path(const char *key)
{
	List	   *segs = NIL;
	const char *start = key;

	if (*key == '\0')
		reject_key(key, "Query keys must not be empty.");
	if (*key == '$')
		reject_key(key, "Only {\"$regex\": ..., \"$options\": ...} values are supported; other $-operators are not.");
	for (const char *p = key;; p++)
	{
		if (*p == '.' || *p == '\0')
		{
			if (p == start)
				reject_key(key, "A dotted key must not have an empty segment.");
			segs = lappend(segs, pnstrdup(start, p - start));
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return segs;
}

static Datum
path_array(List *segs)
{
	int			n = list_length(segs);
	Datum	   *elems = palloc(sizeof(Datum) * n);
	int			i = 0;
	ListCell   *lc;

	foreach(lc, segs)
		elems[i++] = CStringGetTextDatum((const char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

static const GpsTypedColumn *
typed_column(const char *key, JsonbValue *v, const GpsTypedColumn *cols, int ncols)
{
	for (int i = 0; i < ncols; i++)
	{
		if (strcmp(cols[i].key, key) != 0)
			continue;
		if (cols[i].max_len > 0 && v->type == jbvString && v->val.string.len > cols[i].max_len)
			return NULL;
		if ((cols[i].kind == GPS_COL_TEXT && v->type == jbvString) ||
			(cols[i].kind == GPS_COL_BOOL && v->type == jbvBool) ||
			(cols[i].kind == GPS_COL_FLOAT8 && v->type == jbvNumeric))
			return &cols[i];
		return NULL;
	}
	return NULL;
}

double
gps_json_number_to_float8(Numeric n)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));

	/* strtod rounds correctly and saturates without an error, as Number() */
	return strtod(s, NULL);
}

/*
 * A compiled query in parts (see gps_filter_compile for how they combine):
 * typed  - the conditions on keys with typed columns, as column tests (plus
 *          the document test where the column is only a pre-test);
 *          exact for every row whose document holds no array at those keys
 * irregular - OR of "the document holds an array at that key"
 * checked - the same conditions as they hold on the document
 * rest   - the conditions no column answers (document tests)
 */
typedef struct FilterParts
{
	StringInfoData typed;
	StringInfoData irregular;
	StringInfoData checked;
	StringInfoData rest;
} FilterParts;

static void
and_to(StringInfo buf)
{
	if (buf->len > 0)
		appendStringInfoString(buf, " AND ");
}

/* The document test of one condition (query_match.c). */
static void
append_doc_test(GpsFilter *f, StringInfo buf, List *segs, Jsonb *value,
				const char *doc_expr, bool fold)
{
	int			pp = gps_filter_add_param(f, TEXTARRAYOID, path_array(segs));
	int			vp = gps_filter_add_param(f, JSONBOID, JsonbPGetDatum(value));

	and_to(buf);
	appendStringInfo(buf, "gitproxy.query_match(%s, $%d, $%d, %s)",
					 doc_expr, pp, vp, fold ? "true" : "false");
}

static void
compile_scalar(GpsFilter *f, FilterParts *parts, const char *key, List *segs,
			   JsonbValue *v, const char *doc_expr, const GpsTypedColumn *cols,
			   int ncols)
{
	const GpsTypedColumn *col = list_length(segs) == 1 ?
		typed_column(key, v, cols, ncols) : NULL;
	Jsonb	   *value = JsonbValueToJsonb(v);
	StringInfoData test;
	int			vp;

	if (col == NULL)
	{
		append_doc_test(f, &parts->rest, segs, value, doc_expr, false);
		return;
	}

	initStringInfo(&test);
	switch (col->kind)
	{
		case GPS_COL_BOOL:
			/* literals, so that partial indexes on the flags match */
			appendStringInfo(&test, "%s = %s", col->column,
							 v->val.boolean ? "true" : "false");
			break;
		case GPS_COL_TEXT:
			vp = gps_filter_add_param(f, TEXTOID,
									  PointerGetDatum(cstring_to_text_with_len(v->val.string.val,
																			   v->val.string.len)));
			appendStringInfo(&test, "%s = $%d", col->column, vp);
			break;
		case GPS_COL_FLOAT8:
			vp = gps_filter_add_param(f, FLOAT8OID,
									  Float8GetDatum(gps_json_number_to_float8(v->val.numeric)));
			appendStringInfo(&test, "%s = $%d", col->column, vp);
			break;
	}
	and_to(&parts->typed);
	appendStringInfoString(&parts->typed, test.data);
	/* a float8 column holds the number rounded: the document decides */
	if (col->kind == GPS_COL_FLOAT8)
		append_doc_test(f, &parts->typed, segs, value, doc_expr, col->fold);

	if (col->in_doc)
		append_doc_test(f, &parts->checked, segs, value, doc_expr, col->fold);
	else
	{
		and_to(&parts->checked);
		appendStringInfoString(&parts->checked, test.data);
	}
	if (col->irregular != NULL)
	{
		if (parts->irregular.len > 0)
			appendStringInfoString(&parts->irregular, " OR ");
		appendStringInfoString(&parts->irregular, col->irregular);
	}
}

int
gps_regex_cflags(const char *opts, int len, const char *key)
{
	int			cflags = REG_ADVANCED;
	bool		dotall = false;

	for (int i = 0; i < len; i++)
	{
		switch (opts[i])
		{
			case 'i':
				cflags |= REG_ICASE;
				break;
			case 'm':
				cflags |= REG_NLANCH;
				break;
			case 's':
				dotall = true;
				break;
			case 'x':
				cflags |= REG_EXPANDED;
				break;
			case 'g':
			case 'u':
			case 'y':
				break;			/* no effect on a match test */
			default:
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid $options \"%.*s\" for query key \"%s\"", len, opts, key),
						 errdetail("Supported regular expression flags are i, m, s and x.")));
		}
	}
	/* without s, "." and negated classes do not match a newline */
	if (!dotall)
		cflags |= REG_NLSTOP;
	return cflags;
}

/*
 * A value that is an object with $-keys: only {"$regex": string,
 * "$options"?: string} is accepted.  Returns false for a plain object.
 */
static bool
compile_operator_object(GpsFilter *f, FilterParts *parts, const char *key,
						List *segs, JsonbValue *obj, const char *doc_expr)
{
	JsonbIterator *it;
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;
	bool		has_dollar = false;
	bool		has_plain = false;
	char	   *regex = NULL;
	int			regex_len = 0;
	char	   *opts = "";
	int			opts_len = 0;
	char	   *source;
	int			pp,
				rp,
				op;

	it = JsonbIteratorInit(obj->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &v, true);
		if (k.val.string.len > 0 && k.val.string.val[0] == '$')
		{
			has_dollar = true;
			if (k.val.string.len == 6 && memcmp(k.val.string.val, "$regex", 6) == 0)
			{
				if (v.type != jbvString)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("$regex for query key \"%s\" must be a string", key)));
				regex = v.val.string.val;
				regex_len = v.val.string.len;
			}
			else if (k.val.string.len == 8 && memcmp(k.val.string.val, "$options", 8) == 0)
			{
				if (v.type != jbvString)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("$options for query key \"%s\" must be a string", key)));
				opts = v.val.string.val;
				opts_len = v.val.string.len;
				(void) gps_regex_cflags(opts, opts_len, key);
			}
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unsupported query operator \"%.*s\" for query key \"%s\"",
								k.val.string.len, k.val.string.val, key),
						 errdetail("Only $regex with optional $options is supported.")));
		}
		else
			has_plain = true;
	}
	if (!has_dollar)
		return false;
	if (has_plain || regex == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid regular expression condition for query key \"%s\"", key),
				 errdetail("Expected an object of the form {\"$regex\": source, \"$options\": flags}.")));

	/* the pattern as the caller wrote it (the stored form reversed) */
	source = gps_decode_text(regex, regex_len);
	if (source == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("$regex for query key \"%s\" must not contain NUL or unpaired surrogate characters", key),
				 errdetail("PostgreSQL regular expressions are text; write such a character as an escape, e.g. \\x00 or \\ud800.")));
	/* report a malformed pattern (2201B) even when no row is tested */
	(void) RE_compile_and_cache(cstring_to_text(source),
								gps_regex_cflags(opts, opts_len, key),
								gps_regex_collation());

	pp = gps_filter_add_param(f, TEXTARRAYOID, path_array(segs));
	rp = gps_filter_add_param(f, TEXTOID, CStringGetTextDatum(source));
	op = gps_filter_add_param(f, TEXTOID,
							  PointerGetDatum(cstring_to_text_with_len(opts, opts_len)));
	and_to(&parts->rest);
	appendStringInfo(&parts->rest, "gitproxy.query_regex(%s, $%d, $%d, $%d)",
					 doc_expr, pp, rp, op);
	return true;
}

static bool
key_in(const char *key, const char *const *list)
{
	if (list == NULL)
		return false;
	for (; *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

/*
 * The filter is
 *     typed AND rest
 * when no typed key can hold an array, else
 *     (typed AND rest) OR ((irregular) AND checked AND rest)
 * The first arm answers every row through the typed columns (and their
 * indexes, partial ones included); the second, which only rows holding an
 * array at one of those keys can satisfy, gives them the document's answer.
 * Both arms imply the conditions, and a row with no such array satisfies
 * the first arm exactly when it satisfies them, so a typed column never
 * changes a result.  The arms are also left in f->typed_arm and
 * f->other_arm for callers that read them apart.
 */
void
gps_filter_compile(GpsFilter *f, Jsonb *query, const char *doc_expr,
				   const GpsTypedColumn *cols, int ncols,
				   const char *const *lowercase_keys)
{
	JsonbIterator *it;
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;
	FilterParts parts;

	if (!JB_ROOT_IS_OBJECT(query))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query must be a JSON object")));

	initStringInfo(&parts.typed);
	initStringInfo(&parts.irregular);
	initStringInfo(&parts.checked);
	initStringInfo(&parts.rest);

	it = JsonbIteratorInit(&query->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char	   *key;
		List	   *segs;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(k.val.string.val, k.val.string.len);
		if (strlen(key) != (size_t) k.val.string.len)
			reject_key(key, "Query keys must not contain NUL characters.");
		segs = split_path(key);
		tok = JsonbIteratorNext(&it, &v, true);

		switch (v.type)
		{
			case jbvNull:
				append_doc_test(f, &parts.rest, segs, JsonbValueToJsonb(&v), doc_expr, false);
				break;
			case jbvString:
				if (key_in(key, lowercase_keys))
				{
					char	   *lower = gps_server_lower(v.val.string.val, v.val.string.len);

					v.val.string.val = lower;
					v.val.string.len = strlen(lower);
				}
				compile_scalar(f, &parts, key, segs, &v, doc_expr, cols, ncols);
				break;
			case jbvNumeric:
			case jbvBool:
				compile_scalar(f, &parts, key, segs, &v, doc_expr, cols, ncols);
				break;
			case jbvBinary:
				if (JsonContainerIsObject(v.val.binary.data) &&
					compile_operator_object(f, &parts, key, segs, &v, doc_expr))
					break;
				append_doc_test(f, &parts.rest, segs, JsonbValueToJsonb(&v), doc_expr, false);
				break;
			default:
				elog(ERROR, "unexpected jsonb value type %d", (int) v.type);
		}
	}

	if (f->sql.len > 0)
		appendStringInfoString(&f->sql, " AND ");
	if (parts.typed.len == 0)
		appendStringInfoString(&f->sql, parts.rest.len > 0 ? parts.rest.data : "true");
	else if (parts.irregular.len == 0)
	{
		appendStringInfoString(&f->sql, parts.typed.data);
		if (parts.rest.len > 0)
			appendStringInfo(&f->sql, " AND %s", parts.rest.data);
	}
	else
	{
		StringInfoData arm;

		initStringInfo(&arm);
		appendStringInfoString(&arm, parts.typed.data);
		if (parts.rest.len > 0)
			appendStringInfo(&arm, " AND %s", parts.rest.data);
		f->typed_arm = arm.data;
		initStringInfo(&arm);
		appendStringInfo(&arm, "(%s) AND %s", parts.irregular.data, parts.checked.data);
		if (parts.rest.len > 0)
			appendStringInfo(&arm, " AND %s", parts.rest.data);
		f->other_arm = arm.data;
		appendStringInfo(&f->sql, "((%s) OR (%s))", f->typed_arm, f->other_arm);
	}
}
