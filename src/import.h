/*
 * import.h
 *     The machinery shared by the bulk import functions (import.c:
 *     import_pushes; import_users_repos.c: import_users, import_repos): the
 *     extension's staging table, the per-line error context, record ids, and
 *     running one set-based merge per batch with a diagnosis that names the
 *     line behind a constraint violation.
 */
#ifndef GPS_IMPORT_H
#define GPS_IMPORT_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

/*
 * The rows the calling transaction staged in the extension's staging table
 * (see the file header of import.c), as a FROM item to alias.
 */
#define GPS_IMPORT_STAGING \
	"(SELECT t.line_no, t.doc FROM gitproxy.import_staging t" \
	" WHERE t.xact_id OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id())"

/*
 * Start reporting errors with the context "gitproxy import, line <n>";
 * *line_no must stay valid until gps_import_line_end.
 */
extern void gps_import_line_begin(ErrorContextCallback *cb, int64 *line_no);
extern void gps_import_line_end(ErrorContextCallback *cb);

/*
 * The record's own "_id" exactly as given (gps_doc_record_id: NULL when
 * absent, null or empty; 22023 naming `what` when it cannot be kept, so an
 * import never rewrites an id).  When the document has an "_id" at all, *jb
 * is replaced by the document without it.
 */
extern char *gps_import_take_record_id(Jsonb **jb, const char *what);

/*
 * One kind of import.  latest_fmt is a SELECT of the staged lines the merge
 * applies (one per key: the highest line_no wins) with two %s: extra output
 * columns (empty, or ", s.doc"), then the source rows "s" (line_no, doc).
 * merge_fmt is the whole merge statement returning one row (inserted
 * bigint, updated bigint, skipped bigint), with one %s for the latest_fmt
 * subquery.  Both may use the parameters values[0..nargs-1] as $1..$nargs.
 */
typedef struct GpsImportKind
{
	const char *what;			/* "push", "user", "repo" */
	const char *latest_fmt;
	const char *merge_fmt;
	int			nargs;
	Oid			argtypes[2];
	Datum		values[2];
} GpsImportKind;

/*
 * The body of every import_<kind>() function: raise the settings the merge
 * needs, run the merge of the calling transaction's staged rows in a
 * subtransaction, delete those rows and return the merge's row.  When the merge fails with an integrity constraint
 * violation (class 23) that names no line, the winning lines are applied one
 * by one in line order to find the first that fails, and that error is
 * raised with its line's context; nothing of the batch is applied either way.
 */
extern Datum gps_import_run(FunctionCallInfo fcinfo, const GpsImportKind *kind);

/*
 * The optional first argument "replace" of an import function (false when
 * absent); raises 22004 when NULL.
 */
extern bool gps_import_replace_arg(FunctionCallInfo fcinfo);

#endif							/* GPS_IMPORT_H */
