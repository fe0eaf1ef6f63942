/*
 * query_filter.h
 *     Compile a git-proxy query object (PushQuery, RepoQuery, UserQuery;
 *     contract §3) into a parameterised SQL condition over a jsonb document.
 *
 * Semantics: every key is an equality condition and all must hold; JSON types
 * are compared strictly (true does not match "true"); dotted keys address
 * nested fields and step through arrays; a scalar matches a field equal to it
 * or an array containing it; an object or array value must equal the field
 * exactly; JSON null matches a missing or null field; {"$regex": source,
 * "$options": flags} is a regular-expression match (flags i, m, s, x; g, u
 * and y are accepted and ignored).  Any other key starting with "$", an empty
 * key or path segment, or a non-object query raises 22023
 * (invalid_parameter_value) naming the key.
 *
 * Values never enter the SQL text: they become parameters ($n).  The SQL
 * text holds only the caller's column names, operators and, for booleans on
 * typed columns, the literals true/false (so partial indexes match).
 */
#ifndef GPS_QUERY_FILTER_H
#define GPS_QUERY_FILTER_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

typedef enum GpsColumnKind
{
	GPS_COL_TEXT,				/* text column: JSON string values */
	GPS_COL_BOOL,				/* boolean column: JSON true/false */
	GPS_COL_FLOAT8				/* float8 column: JSON numbers */
} GpsColumnKind;

/*
 * A top-level document key whose typed value is also held in an indexed
 * column (NULL there when the document's value has another JSON type).  A
 * condition on the key with a value of the column's type uses the column.
 */
typedef struct GpsTypedColumn
{
	const char *key;
	const char *column;			/* SQL expression, e.g. "p.url" */
	GpsColumnKind kind;
	int			max_len;		/* >0: longer strings are not in the column */
} GpsTypedColumn;

typedef struct GpsFilter
{
	StringInfoData sql;			/* boolean SQL expression, "true" if empty */
	int			nargs;
	int			maxargs;
	Oid		   *argtypes;
	Datum	   *values;
	char	   *nulls;
} GpsFilter;

/* Start an empty filter (palloc'd in the current memory context). */
extern void gps_filter_init(GpsFilter *f);

/* Add a parameter; returns its number for use as $n in f->sql. */
extern int	gps_filter_add_param(GpsFilter *f, Oid type, Datum value);

/*
 * AND the conditions of `query` (a JSON object in stored jsonb form) onto f.
 * doc_expr is the SQL expression of the document (e.g. "p.doc").  String
 * values of the keys named in lowercase_keys (NULL-terminated list, may be
 * NULL) are lower-cased first (getUsers username/email, getRepos name).
 */
extern void gps_filter_compile(GpsFilter *f, Jsonb *query, const char *doc_expr,
							   const GpsTypedColumn *cols, int ncols,
							   const char *const *lowercase_keys);

#endif							/* GPS_QUERY_FILTER_H */
