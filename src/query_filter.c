/*
 * query_filter.c
 *     git-proxy query objects to parameterised SQL (see query_filter.h).
 *
 * Scalar equality and regular expressions go through jsonpath in lax mode,
 * which steps through arrays at every level and compares JSON types strictly:
 * exactly the MongoDB/NeDB behaviour git-proxy callers rely on.  The jsonpath
 * text is itself a parameter; field names are quoted inside it and values
 * travel as jsonpath variables, except a regex source, which jsonpath only
 * takes as a quoted literal.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "compat.h"
#include "query_filter.h"

void
gps_filter_init(GpsFilter *f)
{
	initStringInfo(&f->sql);
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
and_sep(GpsFilter *f)
{
	if (f->sql.len > 0)
		appendStringInfoString(&f->sql, " AND ");
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

/* Append s as a double-quoted jsonpath string literal. */
static void
append_jsonpath_string(StringInfo buf, const char *s, int len)
{
	appendStringInfoChar(buf, '"');
	for (int i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '"' || c == '\\')
		{
			appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, (char) c);
		}
		else if (c < 0x20)
			appendStringInfo(buf, "\\u%04x", c);
		else
			appendStringInfoChar(buf, (char) c);
	}
	appendStringInfoChar(buf, '"');
}

static void
append_jsonpath_accessor(StringInfo buf, List *segs)
{
	ListCell   *lc;

	appendStringInfoChar(buf, '$');
	foreach(lc, segs)
	{
		const char *seg = lfirst(lc);

		appendStringInfoChar(buf, '.');
		append_jsonpath_string(buf, seg, strlen(seg));
	}
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

/* Wrap a scalar as {"v": scalar}, the jsonpath variables object. */
static Jsonb *
vars_object(JsonbValue *v)
{
	JsonbParseState *state = NULL;
	JsonbValue	key;
	JsonbValue *res;

	key.type = jbvString;
	key.val.string.val = "v";
	key.val.string.len = 1;
	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	(void) pushJsonbValue(&state, WJB_KEY, &key);
	(void) pushJsonbValue(&state, WJB_VALUE, v);
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
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

static void
compile_scalar(GpsFilter *f, const char *key, List *segs, JsonbValue *v,
			   const char *doc_expr, const GpsTypedColumn *cols, int ncols)
{
	const GpsTypedColumn *col = list_length(segs) == 1 ?
		typed_column(key, v, cols, ncols) : NULL;
	StringInfoData path;
	int			pp,
				vp;

	and_sep(f);
	if (col != NULL)
	{
		switch (col->kind)
		{
			case GPS_COL_BOOL:
				appendStringInfo(&f->sql, "%s = %s", col->column,
								 v->val.boolean ? "true" : "false");
				return;
			case GPS_COL_TEXT:
				vp = gps_filter_add_param(f, TEXTOID,
										  PointerGetDatum(cstring_to_text_with_len(v->val.string.val,
																				   v->val.string.len)));
				appendStringInfo(&f->sql, "%s = $%d", col->column, vp);
				return;
			case GPS_COL_FLOAT8:
				vp = gps_filter_add_param(f, FLOAT8OID,
										  DirectFunctionCall1(numeric_float8,
															  NumericGetDatum(v->val.numeric)));
				appendStringInfo(&f->sql, "%s = $%d", col->column, vp);
				return;
		}
	}

	initStringInfo(&path);
	append_jsonpath_accessor(&path, segs);
	appendStringInfoString(&path, " ? (@ == $v)");
	pp = gps_filter_add_param(f, TEXTOID, CStringGetTextDatum(path.data));
	vp = gps_filter_add_param(f, JSONBOID, JsonbPGetDatum(vars_object(v)));
	appendStringInfo(&f->sql,
					 "pg_catalog.jsonb_path_exists(%s, $%d::pg_catalog.jsonpath, $%d)",
					 doc_expr, pp, vp);
}

static void
compile_null(GpsFilter *f, List *segs, const char *doc_expr)
{
	int			pp = gps_filter_add_param(f, TEXTARRAYOID, path_array(segs));

	and_sep(f);
	appendStringInfo(&f->sql,
					 "COALESCE(%s #> $%d, 'null'::pg_catalog.jsonb) = 'null'::pg_catalog.jsonb",
					 doc_expr, pp);
}

static void
compile_exact(GpsFilter *f, List *segs, Jsonb *value, const char *doc_expr)
{
	int			pp = gps_filter_add_param(f, TEXTARRAYOID, path_array(segs));
	int			vp = gps_filter_add_param(f, JSONBOID, JsonbPGetDatum(value));

	and_sep(f);
	appendStringInfo(&f->sql, "(%s #> $%d) = $%d", doc_expr, pp, vp);
}

/* Translate JavaScript RegExp flags to jsonpath like_regex flags. */
static void
regex_flags(const char *key, const char *opts, int len, StringInfo out)
{
	for (int i = 0; i < len; i++)
	{
		char		c = opts[i];

		if (c == 'i' || c == 'm' || c == 's' || c == 'x')
		{
			if (strchr(out->data, c) == NULL)
				appendStringInfoChar(out, c);
		}
		else if (c == 'g' || c == 'u' || c == 'y')
			continue;			/* no effect on a match test */
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid $options \"%.*s\" for query key \"%s\"", len, opts, key),
					 errdetail("Supported regular expression flags are i, m, s and x.")));
	}
}

/*
 * A value that is an object with $-keys: only {"$regex": string,
 * "$options"?: string} is accepted.  Returns false for a plain object.
 */
static bool
compile_operator_object(GpsFilter *f, const char *key, List *segs,
						JsonbValue *obj, const char *doc_expr)
{
	JsonbIterator *it;
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;
	bool		has_dollar = false;
	bool		has_plain = false;
	char	   *regex = NULL;
	int			regex_len = 0;
	StringInfoData flags;
	StringInfoData path;
	int			pp;

	initStringInfo(&flags);
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
				regex_flags(key, v.val.string.val, v.val.string.len, &flags);
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

	initStringInfo(&path);
	append_jsonpath_accessor(&path, segs);
	appendStringInfoString(&path, " ? (@ like_regex ");
	append_jsonpath_string(&path, regex, regex_len);
	if (flags.len > 0)
		appendStringInfo(&path, " flag \"%s\"", flags.data);
	appendStringInfoChar(&path, ')');
	pp = gps_filter_add_param(f, TEXTOID, CStringGetTextDatum(path.data));
	and_sep(f);
	appendStringInfo(&f->sql,
					 "pg_catalog.jsonb_path_exists(%s, $%d::pg_catalog.jsonpath)",
					 doc_expr, pp);
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

void
gps_filter_compile(GpsFilter *f, Jsonb *query, const char *doc_expr,
				   const GpsTypedColumn *cols, int ncols,
				   const char *const *lowercase_keys)
{
	JsonbIterator *it;
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(query))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query must be a JSON object")));

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
				compile_null(f, segs, doc_expr);
				break;
			case jbvString:
				if (key_in(key, lowercase_keys))
				{
					char	   *lower = str_tolower(v.val.string.val, v.val.string.len,
													DEFAULT_COLLATION_OID);

					v.val.string.val = lower;
					v.val.string.len = strlen(lower);
				}
				compile_scalar(f, key, segs, &v, doc_expr, cols, ncols);
				break;
			case jbvNumeric:
			case jbvBool:
				compile_scalar(f, key, segs, &v, doc_expr, cols, ncols);
				break;
			case jbvBinary:
				if (JsonContainerIsObject(v.val.binary.data) &&
					compile_operator_object(f, key, segs, &v, doc_expr))
					break;
				compile_exact(f, segs, JsonbValueToJsonb(&v), doc_expr);
				break;
			default:
				elog(ERROR, "unexpected jsonb value type %d", (int) v.type);
		}
	}
	if (f->sql.len == 0)
		appendStringInfoString(&f->sql, "true");
}
