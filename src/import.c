/*
 * import.c
 *     Bulk import: one set-based merge per batch of the rows a client staged
 *     with COPY into the extension's staging table.  This file holds the
 *     machinery shared by every kind (import.h) and the push import; users
 *     and repos are in import_users_repos.c.
 *
 * The client, per batch and in ONE transaction:
 *     COPY gitproxy.import_staging (line_no, doc) FROM STDIN;
 *     SELECT * FROM gitproxy.import_pushes();
 *     COMMIT;
 * gitproxy.import_staging belongs to the extension: the runtime role may
 * only insert line_no and doc into it, and each row's xact_id defaults to
 * the inserting transaction.  The import functions read (and, when done,
 * delete) only the rows of their own transaction, so what the definer reads
 * is data, never an object the caller created: 1.0 read a temp table of the
 * caller, whose indexes, defaults, triggers, rules and column types ran
 * with the definer's rights.
 * import_pushes converts every staged line with gitproxy.import_stored_doc
 * (json_codec.h, so NUL characters and lone surrogates survive) and merges
 * the batch into gitproxy.pushes with one INSERT ... ON CONFLICT statement:
 * by default DO NOTHING, so a re-run inserts what is new and never undoes
 * newer data; with import_pushes(replace => true) DO UPDATE, replacing as
 * write_audit does.  Both log every change of a push's decision fields
 * (a new push from "absent").
 * Any bad line raises an error naming its line_no and the whole batch (the
 * transaction) is rolled back.  The merge runs in a subtransaction: when it
 * fails on a constraint without naming a line (a duplicate _id, an SSH key
 * of another user), blame_line() finds the first line that cannot be
 * applied and reports it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"

#include "compat.h"
#include "doc_util.h"
#include "func_args.h"
#include "gitproxy_sink.h"
#include "import.h"
#include "json_codec.h"
#include "object_id.h"
#include "pushes.h"

PG_FUNCTION_INFO_V1(gps_import_stored_doc);
PG_FUNCTION_INFO_V1(gps_import_new_id);
PG_FUNCTION_INFO_V1(gps_import_pushes);

/*
 * The staged push lines to apply.  Every staged line is converted once (a
 * function in FROM runs once per row); per id the line with the highest
 * line_no wins, so a batch never touches a row twice.
 *
 * Not a kept plan: the batch size changes from batch to batch, so each
 * batch is planned with the row count it has (planning is negligible next
 * to converting the documents).
 */
static const char push_latest_fmt[] =
"SELECT DISTINCT ON (d.push_id COLLATE \"C\") s.line_no%s,"
" d.push_id COLLATE \"C\" AS id, d.record_id, d.stored_doc,"
" d.type, d.ts, d.url, d.user_email, d.error, d.blocked, d.allow_push,"
" d.authorised, d.canceled, d.rejected"
" FROM %s"
" CROSS JOIN LATERAL gitproxy.import_stored_doc(s.doc, s.line_no) d"
" ORDER BY d.push_id COLLATE \"C\", s.line_no DESC";

/*
 * Default: insert the pushes whose id is new, leave every stored push as it
 * is (a re-run never undoes a newer write or review decision).  A new push
 * keeps the record's own _id exactly, else gets a new one.  A new push's
 * decision fields are logged (from "absent"), as write_audit logs them.
 */
static const char push_insert_fmt[] =
"WITH latest AS (%s), merged AS ("
" INSERT INTO gitproxy.pushes AS p (id, _id, doc, " GPS_PUSH_TYPED_COLUMNS ", reviewer, irregular)"
" SELECT l.id, coalesce(l.record_id, gitproxy.import_new_id()), l.stored_doc,"
"  l.type, l.ts, l.url, l.user_email, l.error, l.blocked, l.allow_push,"
"  l.authorised, l.canceled, l.rejected, " GPS_PUSH_REVIEWER_SQL("l.stored_doc") ", " GPS_PUSH_IRREGULAR_SQL("l.stored_doc")
" FROM latest l ORDER BY l.line_no"
" ON CONFLICT (id_digest) DO NOTHING"
" RETURNING p.id, true AS inserted, gitproxy.push_decision(" GPS_PUSH_DOCUMENT_SQL("p") ") AS decision"
"), old AS (SELECT NULL::text AS id, NULL::jsonb AS decision, NULL::text AS state WHERE false"
"), logged AS (" GPS_PUSH_LOG_CHANGES("import", "merged", "old") ")"
" SELECT (SELECT count(*) FROM merged), 0::bigint,"
" (SELECT count(*) FROM latest) - (SELECT count(*) FROM merged)";

/*
 * replace => true: the push merge.  $1 = strict review mode.  _id: the
 * record's own, else the stored one, else a new one.  The document is
 * replaced as write_audit does (strict mode keeps an existing push's
 * decision fields).  xmax = 0 tells inserted rows from updated ones.  `old`
 * locks the stored rows the batch replaces before the insert reads them (it
 * is joined in), so `logged` compares each push's decision fields before and
 * after, as write_audit does.
 */
static const char push_replace_fmt[] =
"WITH latest AS (%s), old AS ("
" SELECT e.id, e._id, " GPS_PUSH_OLD_DECISION_COLUMNS("e")
" FROM gitproxy.pushes e JOIN latest l ON e.id = l.id FOR UPDATE OF e"
"), merged AS ("
" INSERT INTO gitproxy.pushes AS p (id, _id, doc, " GPS_PUSH_TYPED_COLUMNS ", reviewer, irregular)"
" SELECT l.id, coalesce(l.record_id, e._id, gitproxy.import_new_id()), l.stored_doc,"
"  l.type, l.ts, l.url, l.user_email, l.error, l.blocked, l.allow_push,"
"  l.authorised, l.canceled, l.rejected, " GPS_PUSH_REVIEWER_SQL("l.stored_doc") ", " GPS_PUSH_IRREGULAR_SQL("l.stored_doc")
" FROM latest l LEFT JOIN old e ON e.id = l.id"
" ON CONFLICT (id_digest) DO UPDATE SET _id = EXCLUDED._id, " GPS_PUSH_UPSERT_SET("$1")
" RETURNING p.id, p.xmax = 0 AS inserted, gitproxy.push_decision(" GPS_PUSH_DOCUMENT_SQL("p") ") AS decision"
"), logged AS (" GPS_PUSH_LOG_CHANGES("import", "merged", "old") ")"
" SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), 0::bigint"
" FROM merged";

/* The staged rows of the calling transaction go once the merge is done. */
static const char staging_delete_sql[] =
"DELETE FROM gitproxy.import_staging t"
" WHERE t.xact_id OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()";

/* Error context: which staged line was being converted. */
static void
import_line_context(void *arg)
{
	int64	   *line_no = (int64 *) arg;

	errcontext("gitproxy import, line %lld", (long long) *line_no);
}

void
gps_import_line_begin(ErrorContextCallback *cb, int64 *line_no)
{
	cb->callback = import_line_context;
	cb->arg = line_no;
	cb->previous = error_context_stack;
	error_context_stack = cb;
}

void
gps_import_line_end(ErrorContextCallback *cb)
{
	error_context_stack = cb->previous;
}

/*
 * The document without its top-level "_id" (a rebuild, so only done when the
 * key is there).
 */
static Jsonb *
without_record_id(Jsonb *jb)
{
	JsonbParseState *state = NULL;
	JsonbIterator *it = JsonbIteratorInit(&jb->root);
	JsonbIteratorToken tok;
	JsonbValue	v;
	JsonbValue *res = NULL;
	bool		skip = false;
	int			depth = 0;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (tok == WJB_BEGIN_OBJECT || tok == WJB_BEGIN_ARRAY)
			depth++;
		else if (tok == WJB_END_OBJECT || tok == WJB_END_ARRAY)
			depth--;
		if (depth == 1 && tok == WJB_KEY)
		{
			skip = v.val.string.len == 3 && memcmp(v.val.string.val, "_id", 3) == 0;
			if (skip)
			{
				/* the value: a scalar, or a container to step over */
				tok = JsonbIteratorNext(&it, &v, true);
				(void) tok;
				continue;
			}
		}
		res = pushJsonbValue(&state, tok, tok < WJB_BEGIN_ARRAY ? &v : NULL);
	}
	return JsonbValueToJsonb(res);
}

char *
gps_import_take_record_id(Jsonb **jb, const char *what)
{
	char	   *record_id;

	if (!JB_ROOT_IS_OBJECT(*jb) ||
		getKeyJsonValueFromContainer(&(*jb)->root, "_id", 3, NULL) == NULL)
		return NULL;
	/* kept exactly, or an error (imports never rewrite an id) */
	record_id = gps_doc_record_id(*jb, what);
	*jb = without_record_id(*jb);
	return record_id;
}

/*
 * gitproxy.import_stored_doc(doc text, line_no bigint,
 *                            OUT push_id text, OUT record_id text,
 *                            OUT stored_doc jsonb)
 *     One staged push line converted for storage: its "id" (stored form), its
 *     "_id" exactly as given (NULL when absent, null or empty), and the
 *     document as stored jsonb (json_codec.h) without "_id".  Errors, each
 *     with the error context "gitproxy import, line <line_no>": 22004 doc or
 *     line_no NULL; 22P02 malformed JSON; 22023 "Invalid id" (not an object,
 *     or "id" missing, not a string or empty), an "_id" that cannot be kept
 *     (not a string, too long, NUL/U+FFFF/lone surrogate).
 */
Datum
gps_import_stored_doc(PG_FUNCTION_ARGS)
{
	ErrorContextCallback errcb;
	int64		line_no;
	Jsonb	   *jb;
	char	   *push_id;
	char	   *record_id = NULL;
	TupleDesc	tupdesc;
	Datum		values[3 + GPS_PUSH_TYPED_COUNT];
	bool		nulls[3 + GPS_PUSH_TYPED_COUNT] = {false};
	char		typed_nulls[GPS_PUSH_TYPED_COUNT];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("staged line number must not be null")));
	line_no = PG_GETARG_INT64(1);

	gps_import_line_begin(&errcb, &line_no);
	jb = gps_arg_jsonb(fcinfo, 0, "staged document");
	push_id = gps_push_id_of(jb);
	record_id = gps_import_take_record_id(&jb, "push");
	gps_push_typed_values(jb, values + 3, typed_nulls);
	for (int i = 0; i < GPS_PUSH_TYPED_COUNT; i++)
		nulls[3 + i] = typed_nulls[i] == 'n';
	gps_import_line_end(&errcb);

	values[0] = CStringGetTextDatum(push_id);
	if (record_id != NULL)
		values[1] = CStringGetTextDatum(record_id);
	else
		nulls[1] = true;
	values[2] = JsonbPGetDatum(jb);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

/*
 * gitproxy.import_new_id() -> text
 *     A new record id (object_id.h) for an imported record that has none.
 */
Datum
gps_import_new_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(gps_object_id_new()));
}

/*
 * Drop the lines SPI adds to an error context with the text of the
 * statement ("SQL statement ..."): a report then shows the line number and
 * the complaint, not a screen of SQL.
 */
static void
strip_statement_context(ErrorData *edata)
{
	StringInfoData buf;
	const char *p = edata->context;

	if (p == NULL)
		return;
	initStringInfo(&buf);
	while (*p)
	{
		const char *eol = strchr(p, '\n');
		int			len = eol ? (int) (eol - p) : (int) strlen(p);

		if (strncmp(p, "SQL statement \"", 15) != 0)
		{
			if (buf.len > 0)
				appendStringInfoChar(&buf, '\n');
			appendBinaryStringInfo(&buf, p, len);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	edata->context = buf.len > 0 ? buf.data : NULL;
}

static bool
names_a_line(ErrorData *edata)
{
	return edata->context != NULL && strstr(edata->context, "gitproxy import, line ") != NULL;
}

/*
 * Run `sql` (one row of three bigints: inserted, updated, skipped) in a
 * subtransaction.  Returns NULL and the counts, or the error (in the caller's memory context) with the
 * subtransaction rolled back.
 */
static ErrorData *
try_merge(const char *sql, const GpsImportKind *kind, int64 *counts)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		bool		isnull;
		int			rc = SPI_execute_with_args(sql, kind->nargs, (Oid *) kind->argtypes,
											   (Datum *) kind->values, NULL, false, 0);

		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "import merge failed: %s", SPI_result_code_string(rc));
		for (int i = 0; i < 3; i++)
			counts[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, i + 1, &isnull));
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
	}
	PG_END_TRY();
	return edata;
}

/*
 * The batch failed with an integrity constraint violation (a duplicate
 * _id, url, e-mail, an SSH key of another user) that names no line: apply
 * the lines the merge would have applied one at a time, in line order, in a
 * subtransaction that is always rolled back.  The first line that fails is
 * the one to blame: raise its error with the context "gitproxy import, line
 * <n>".  Returns when every line applies on its own (the conflict needed
 * the whole batch; the caller then raises the batch's error).  Only the
 * error path pays for this.
 */
static void
blame_line(const GpsImportKind *kind)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	int			n = kind->nargs;
	char	   *winners_sql;
	char	   *replay_sql;
	Oid			argtypes[lengthof(kind->argtypes) + 2];
	Datum		values[lengthof(kind->argtypes) + 2];
	volatile int64 line_no = 0;

	winners_sql = psprintf("SELECT w.line_no, w.doc FROM (%s) w ORDER BY w.line_no",
						   psprintf(kind->latest_fmt, ", s.doc", GPS_IMPORT_STAGING " s"));
	replay_sql = psprintf(kind->merge_fmt,
						  psprintf(kind->latest_fmt, "",
								   psprintf("(VALUES ($%d, $%d)) AS s(line_no, doc)", n + 1, n + 2)));
	for (int i = 0; i < n; i++)
	{
		argtypes[i] = kind->argtypes[i];
		values[i] = kind->values[i];
	}
	argtypes[n] = INT8OID;
	argtypes[n + 1] = TEXTOID;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		SPITupleTable *winners;
		uint64		nwinners;
		SPIPlanPtr	replay;

		if (SPI_execute_with_args(winners_sql, n, argtypes, values, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "import diagnosis failed");
		winners = SPI_tuptable;
		nwinners = SPI_processed;
		replay = SPI_prepare(replay_sql, n + 2, argtypes);
		if (replay == NULL)
			elog(ERROR, "import diagnosis failed: %s", SPI_result_code_string(SPI_result));
		for (uint64 i = 0; i < nwinners; i++)
		{
			bool		isnull;

			values[n] = SPI_getbinval(winners->vals[i], winners->tupdesc, 1, &isnull);
			values[n + 1] = SPI_getbinval(winners->vals[i], winners->tupdesc, 2, &isnull);
			line_no = DatumGetInt64(values[n]);
			SPI_execute_plan(replay, values, NULL, false, 0);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
		strip_statement_context(edata);
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION &&
			!names_a_line(edata))
			edata->context = edata->context
				? psprintf("%s\ngitproxy import, line %lld", edata->context, (long long) line_no)
				: psprintf("gitproxy import, line %lld", (long long) line_no);
		ReThrowError(edata);
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(caller);
	CurrentResourceOwner = owner;
}

/*
 * Settings for the merge, undone when the import function returns (it has
 * a SET clause, so the GUC nest level ends with it; GUC_ACTION_SAVE values
 * are restored there):
 *  - work_mem of at least 64MB, so sorting a batch of documents by id does
 *    not spill to disk (a batch of ~5,000 real records is ~50MB);
 *  - lz4 TOAST compression where the server has it: the documents are
 *    compressed several times faster than with pglz (the default), and
 *    every reader decompresses either transparently.
 */
static void
merge_settings(void)
{
	if (work_mem < 64 * 1024)
		(void) set_config_option("work_mem", "64MB", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
#ifdef GPS_HAVE_LZ4_TOAST
	(void) set_config_option("default_toast_compression", "lz4", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
#endif
}

Datum
gps_import_run(FunctionCallInfo fcinfo, const GpsImportKind *kind)
{
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	Datum		out[3];
	bool		nulls[3] = {false, false, false};
	int64		counts[3] = {0, 0, 0};
	char	   *sql;
	ErrorData  *edata;

	store = gps_srf_begin(fcinfo, &tupdesc);
	merge_settings();

	SPI_connect();
	sql = psprintf(kind->merge_fmt,
				   psprintf(kind->latest_fmt, "", GPS_IMPORT_STAGING " s"));
	edata = try_merge(sql, kind, counts);
	if (edata != NULL)
	{
		strip_statement_context(edata);
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION &&
			!names_a_line(edata))
			blame_line(kind);
		ReThrowError(edata);
	}
	if (SPI_execute(staging_delete_sql, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "import failed to remove its staged rows");
	SPI_finish();

	for (int i = 0; i < 3; i++)
		out[i] = Int64GetDatum(counts[i]);
	tuplestore_putvalues(store, tupdesc, out, nulls);
	return (Datum) 0;
}

/* (import.h) */
bool
gps_import_replace_arg(FunctionCallInfo fcinfo)
{
	if (PG_NARGS() == 0)
		return false;
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("replace must not be null"),
				 errdetail("Pass false (the default) to insert only new records, true to replace existing ones.")));
	return PG_GETARG_BOOL(0);
}

/*
 * gitproxy.import_pushes(replace boolean DEFAULT false)
 *         -> TABLE(inserted bigint, updated bigint, skipped bigint)
 *     Merge the push lines the calling transaction staged in
 *     gitproxy.import_staging into gitproxy.pushes (see the file header for
 *     the statement sequence), then delete them.  Default: pushes whose id is
 *     new are inserted, every stored push is left untouched (counted as
 *     skipped).  replace: replace semantics of write_audit (strict review
 *     mode: an existing push keeps its decision fields), and a stored push
 *     takes the record's own "_id".  Every change of decision fields is
 *     logged (action "import").  A record's "_id" is kept exactly, a missing,
 *     null or empty one generated (a stored push keeps its own); duplicate
 *     ids in one batch: the highest line_no wins.  Errors: those of
 *     import_stored_doc (22004, 22P02, 22023, 22001 with the line number in
 *     the context), 22004 replace NULL, 23505 an "_id" already used by
 *     another push (with the line of the first record that cannot be
 *     applied).
 */
Datum
gps_import_pushes(PG_FUNCTION_ARGS)
{
	bool		replace = gps_import_replace_arg(fcinfo);
	bool		strict;

	SPI_connect();
	strict = gps_review_strict();
	SPI_finish();
	{
		GpsImportKind kind = {
			"push", push_latest_fmt, replace ? push_replace_fmt : push_insert_fmt,
			1, {BOOLOID}, {BoolGetDatum(strict)}
		};

		return gps_import_run(fcinfo, &kind);
	}
}
