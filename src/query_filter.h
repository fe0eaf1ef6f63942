/*
 * query_filter.h
 *     Compile a git-proxy query object (PushQuery, RepoQuery, UserQuery;
 *     contract §3) into a parameterised SQL condition over a jsonb document.
 *
 * Semantics: every key is a condition and all must hold; JSON types are
 * compared strictly (true does not match "true", numbers by value); dotted
 * keys address nested fields with MongoDB's path rules (query_match.c): a
 * member name on an object, an element index on an array when the segment
 * is decimal digits without a leading zero, and any other segment applied
 * to every object element of an array; a scalar, object or array value
 * matches a field equal to it or an array with an element equal to it; JSON
 * null matches a null field, an array holding null, or a path that is
 * missing on some branch; {"$regex": source, "$options": flags} is a
 * regular-expression match on the real string (flags i, m, s, x; g, u and y
 * are accepted and ignored).  Any other key starting with "$", an empty key
 * or path segment, a $regex holding NUL or a lone surrogate, or a
 * non-object query raises 22023 (invalid_parameter_value) naming the key; a
 * malformed regex raises 2201B.
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
#include "utils/numeric.h"

typedef enum GpsColumnKind
{
	GPS_COL_TEXT,				/* text column: JSON string values */
	GPS_COL_BOOL,				/* boolean column: JSON true/false */
	GPS_COL_FLOAT8				/* float8 column: JSON numbers */
} GpsColumnKind;

/*
 * A top-level document key whose typed value is also held in an indexed
 * column (NULL there when the document's value has another JSON type).  A
 * condition on the key with a value of the column's type also tests the
 * column (gps_filter_compile); the result is the document's.
 */
typedef struct GpsTypedColumn
{
	const char *key;
	const char *column;			/* SQL expression, e.g. "p.url" */
	GpsColumnKind kind;

	/*
	 * SQL that is true when the document holds an array at the key (the
	 * column is then NULL or -Infinity though a condition may hold), written
	 * as GPS_DOC_KEY_IS_ARRAY so that it matches the predicate of the table's
	 * *_irregular_idx index; NULL when the key is never an array.
	 */
	const char *irregular;
	bool		in_doc;			/* false: the key lives only in the column (_id) */
	bool		fold;			/* column and comparison lower-case (repo name) */
	int			max_len;		/* >0: longer strings are not in the column */
} GpsTypedColumn;

/* "the document doc_expr holds an array at top-level key" (a literal) */
#define GPS_DOC_KEY_IS_ARRAY(doc_expr, key) \
	"pg_catalog.jsonb_typeof(" doc_expr " OPERATOR(pg_catalog.->) '" key "') " \
	"OPERATOR(pg_catalog.=) 'array'"

typedef struct GpsFilter
{
	StringInfoData sql;			/* boolean SQL expression, "true" if empty */

	/*
	 * When sql is "typed_arm OR other_arm" (gps_filter_compile), the two
	 * arms, so that a listing can read each through its own ordered index;
	 * both NULL otherwise.  A row may satisfy both: reading them apart, test
	 * other_arm AND (typed_arm) IS NOT TRUE (as get_pushes does).
	 */
	char	   *typed_arm;
	char	   *other_arm;
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
 * NULL) are lower-cased first with gitproxy.lower_case (getUsers username/email,
 * getRepos name).
 */
extern void gps_filter_compile(GpsFilter *f, Jsonb *query, const char *doc_expr,
							   const GpsTypedColumn *cols, int ncols,
							   const char *const *lowercase_keys);

/*
 * A JSON number as JavaScript's Number() reads it: the nearest double,
 * +-Infinity beyond the range and +-0 below it (never an error).  The value
 * of the float8 typed columns (pushes.ts) and of queries compared with them.
 */
extern double gps_json_number_to_float8(Numeric n);

/*
 * The collation of $regex matching: ICU's root locale ("und-x-icu") in a
 * UTF8 database of a server with ICU, so that "i" means the same in every
 * database; else the database default.
 */
extern Oid	gps_regex_collation(void);

/*
 * PostgreSQL regex flags (REG_*) for JavaScript RegExp flags: i, m, s, x;
 * g, u, y ignored; anything else raises 22023 naming the query key.
 */
extern int	gps_regex_cflags(const char *opts, int len, const char *key);

#endif							/* GPS_QUERY_FILTER_H */
