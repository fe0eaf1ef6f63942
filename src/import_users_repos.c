/*
 * import_users_repos.c
 *     Bulk import of users and repos: import_users() and import_repos(),
 *     with the staging contract of import_pushes (import.c, import.h): the
 *     caller COPYs JSON lines into gitproxy.import_staging (line_no, doc)
 *     and calls the function in the same transaction.
 *
 * Each staged line is converted once by a per-line function in FROM
 * (import_user_doc, import_repo_doc) that normalises it as create_user /
 * create_repo do and raises errors with the context "gitproxy import, line
 * <n>"; then one INSERT ... ON CONFLICT merges the batch:
 *   users  keyed by the lower-cased username (unique), last line wins;
 *   repos  keyed by url (unique, exact), last line wins.
 * By default (replace false) only new keys are inserted and stored records
 * are left as they are (skipped), so a re-run never undoes newer data.
 * _id: the record's own exactly as given, else (replace) the stored row's
 * when the key matches one, else a new id.  With replace a matched row takes
 * the record's _id (user_public_keys follows through ON UPDATE CASCADE) and
 * its document is replaced.  Rows are written in line order, so
 * the SSH-key trigger and the unique indexes meet the lines in file order;
 * a conflict they raise is traced to its line by gps_import_run.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"

#include "compat.h"
#include "doc_util.h"
#include "func_args.h"
#include "import.h"
#include "repos.h"
#include "users.h"

PG_FUNCTION_INFO_V1(gps_import_user_doc);
PG_FUNCTION_INFO_V1(gps_import_repo_doc);
PG_FUNCTION_INFO_V1(gps_import_users);
PG_FUNCTION_INFO_V1(gps_import_repos);

static const char user_latest_fmt[] =
"SELECT DISTINCT ON (d.username COLLATE \"C\") s.line_no%s,"
" d.username COLLATE \"C\" AS username, d.record_id, d.stored_doc"
" FROM %s"
" CROSS JOIN LATERAL gitproxy.import_user_doc(s.doc, s.line_no) d"
" ORDER BY d.username COLLATE \"C\", s.line_no DESC";

/* default: new usernames are inserted, stored users left as they are */
static const char user_insert_fmt[] =
"WITH latest AS (%s), merged AS ("
" INSERT INTO gitproxy.users AS u (_id, doc)"
" SELECT coalesce(l.record_id, gitproxy.import_new_id()), l.stored_doc"
" FROM latest l ORDER BY l.line_no"
" ON CONFLICT (username) DO NOTHING"
" RETURNING 1"
") SELECT (SELECT count(*) FROM merged), 0::bigint,"
" (SELECT count(*) FROM latest) - (SELECT count(*) FROM merged)";

/* replace: a stored user is replaced (and takes the record's own _id) */
static const char user_replace_fmt[] =
"WITH latest AS (%s), merged AS ("
" INSERT INTO gitproxy.users AS u (_id, doc)"
" SELECT coalesce(l.record_id, e._id, gitproxy.import_new_id()), l.stored_doc"
" FROM latest l LEFT JOIN gitproxy.users e ON e.username = l.username"
" ORDER BY l.line_no"
" ON CONFLICT (username) DO UPDATE SET _id = EXCLUDED._id, doc = EXCLUDED.doc"
" RETURNING u.xmax = 0 AS inserted"
") SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), 0::bigint"
" FROM merged";

static const char repo_latest_fmt[] =
"SELECT DISTINCT ON (d.url COLLATE \"C\") s.line_no%s,"
" d.url COLLATE \"C\" AS url, d.record_id, d.stored_doc, d.dates"
" FROM %s"
" CROSS JOIN LATERAL gitproxy.import_repo_doc(s.doc, s.line_no) d"
" ORDER BY d.url COLLATE \"C\", s.line_no DESC";

/*
 * Dates the record lacks (l.dates, set to the current time by
 * import_repo_doc) are taken from the stored repo when it has them as
 * non-empty strings (its lastModified as the API returns it: a list edit's
 * stamp included), so re-importing a file without dates changes nothing.
 * Documents are stored with empty lists; the entries become
 * gitproxy.repo_users rows (repos.h): a replaced repo's rows that the record
 * does not list are deleted and those it lists are written (revived, with
 * ord in list order), two disjoint sets, so one statement does both.
 */
#define REPO_ENTRY_ROWS \
" rows AS (INSERT INTO gitproxy.repo_users AS u (repo_seq, list, name)" \
"  SELECT m.seq, n.list, n.name FROM merged m JOIN latest l ON l.url = m.url" \
"  CROSS JOIN LATERAL (" GPS_REPO_LIST_ROWS_SQL("l.stored_doc") ") n" \
"  ORDER BY m.seq, n.list, n.o"

static const char repo_replace_fmt[] =
"WITH latest AS (%s), merged AS ("
" INSERT INTO gitproxy.repos AS r (_id, doc)"
" SELECT coalesce(l.record_id, e._id, gitproxy.import_new_id()),"
"  " GPS_REPO_STRIP_LISTS_SQL("l.stored_doc || l.dates || coalesce((SELECT jsonb_object_agg(k.key, k.value)"
"   FROM jsonb_each(e.doc || " GPS_REPO_STAMP_SQL("e.seq") ") k WHERE l.dates ? k.key"
"   AND jsonb_typeof(k.value) = 'string' AND k.value <> '\"\"'::jsonb), '{}'::jsonb)")
" FROM latest l LEFT JOIN gitproxy.repos e ON e.url = l.url"
" ORDER BY l.line_no"
" ON CONFLICT ((gitproxy.text_digest(url))) DO UPDATE SET _id = EXCLUDED._id, doc = EXCLUDED.doc"
" RETURNING r.seq, r.url, r.xmax = 0 AS inserted"
"), gone AS (DELETE FROM gitproxy.repo_users u USING merged m"
"  WHERE u.repo_seq = m.seq AND NOT m.inserted AND NOT EXISTS (SELECT 1 FROM latest l"
"  CROSS JOIN LATERAL (" GPS_REPO_LIST_ROWS_SQL("l.stored_doc") ") n"
"  WHERE l.url = m.url AND n.list = u.list AND n.name = u.name)),"
REPO_ENTRY_ROWS
" ON CONFLICT (repo_seq, list, (gitproxy.text_digest(name)))"
" DO UPDATE SET live = true, stamp = NULL, ord = EXCLUDED.ord)"
" SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), 0::bigint"
" FROM merged";

/* default: new urls are inserted, stored repos left as they are */
static const char repo_insert_fmt[] =
"WITH latest AS (%s), merged AS ("
" INSERT INTO gitproxy.repos AS r (_id, doc)"
" SELECT coalesce(l.record_id, gitproxy.import_new_id()), "
GPS_REPO_STRIP_LISTS_SQL("l.stored_doc || l.dates")
" FROM latest l ORDER BY l.line_no"
" ON CONFLICT ((gitproxy.text_digest(url))) DO NOTHING"
" RETURNING r.seq, r.url"
"),"
REPO_ENTRY_ROWS ")"
" SELECT (SELECT count(*) FROM merged), 0::bigint,"
" (SELECT count(*) FROM latest) - (SELECT count(*) FROM merged)";

/* A row of the converter's OUT parameters; NULL pointers are SQL NULL. */
static Datum
result_row(FunctionCallInfo fcinfo, const char *key, const char *record_id,
		   Jsonb *stored_doc, Jsonb *dates)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = CStringGetTextDatum(key);
	if (record_id != NULL)
		values[1] = CStringGetTextDatum(record_id);
	else
		nulls[1] = true;
	values[2] = JsonbPGetDatum(stored_doc);
	if (tupdesc->natts > 3)
		values[3] = JsonbPGetDatum(dates);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls));
}

static int64
line_no_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("staged line number must not be null")));
	return PG_GETARG_INT64(1);
}

static Jsonb *
concat(Jsonb *a, Jsonb *b)
{
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_concat, JsonbPGetDatum(a),
											  JsonbPGetDatum(b)));
}

/*
 * gitproxy.import_user_doc(doc text, line_no bigint, OUT username text,
 *                          OUT record_id text, OUT stored_doc jsonb)
 *     One staged user line converted as create_user converts its argument:
 *     username (lower-cased, required), the record's "_id" exactly as given
 *     or NULL, and the stored document without "_id", with
 *     username and email lower-cased and publicKeys [] when missing or null.
 *     Errors, with the context "gitproxy import, line <line_no>": 22004 NULL;
 *     22P02 malformed JSON; 22023 not an object, no non-empty string
 *     username, bad publicKeys, NUL/U+FFFF/lone surrogate in username or
 *     email.
 */
Datum
gps_import_user_doc(PG_FUNCTION_ARGS)
{
	int64		line_no = line_no_arg(fcinfo);
	ErrorContextCallback errcb;
	Jsonb	   *jb;
	char	   *record_id;
	char	   *username;
	char	   *email;
	GpsObjBuilder b;
	JsonbValue	v;

	gps_import_line_begin(&errcb, &line_no);
	jb = gps_arg_jsonb(fcinfo, 0, "staged document");
	gps_require_object(jb, "user");
	record_id = gps_import_take_record_id(&jb, "user");
	if (!gps_jsonb_get(jb, "username", &v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("username must be a non-empty string"),
				 errdetail("Field \"username\" is required in every user and must be a non-empty string.")));
	gps_obj_begin(&b);
	gps_user_fix_keys(jb, &b, &username, &email);
	if (!gps_jsonb_get(jb, "publicKeys", &v) || v.type == jbvNull)
		gps_obj_empty_array(&b, "publicKeys");
	jb = concat(jb, gps_obj_end(&b));
	gps_import_line_end(&errcb);

	PG_RETURN_DATUM(result_row(fcinfo, username, record_id, jb, NULL));
}

/*
 * gitproxy.import_repo_doc(doc text, line_no bigint, OUT url text,
 *                          OUT record_id text, OUT stored_doc jsonb,
 *                          OUT dates jsonb)
 *     One staged repo line checked and converted as create_repo does it
 *     (gps_repo_check): url (stored form; the merge key), the record's "_id"
 *     exactly as given or NULL, the stored document without "_id" with
 *     users.canPush/canAuthorise normalised (always present, lower-cased,
 *     repeats dropped), and dates = {"dateCreated", "lastModified"} set to
 *     the current time for those of the two the record lacks or has falsy
 *     ({} when it has both).  Errors, with the context "gitproxy import, line
 *     <line_no>": 22004 NULL; 22P02 malformed JSON; 22023 not an object, no
 *     non-empty string url, bad users.
 */
Datum
gps_import_repo_doc(PG_FUNCTION_ARGS)
{
	int64		line_no = line_no_arg(fcinfo);
	ErrorContextCallback errcb;
	Jsonb	   *jb;
	char	   *record_id;
	char	   *url;
	GpsObjBuilder b;
	GpsObjBuilder dates;
	JsonbValue	v;
	bool		set_created;
	bool		set_modified;

	gps_import_line_begin(&errcb, &line_no);
	jb = gps_arg_jsonb(fcinfo, 0, "staged document");
	gps_repo_check(jb, NULL);
	record_id = gps_import_take_record_id(&jb, "repo");
	(void) gps_jsonb_get(jb, "url", &v);
	url = pnstrdup(v.val.string.val, v.val.string.len);

	gps_obj_begin(&b);
	gps_repo_add_users(&b, gps_jsonb_get(jb, "users", &v) ? &v : NULL);
	jb = concat(jb, gps_obj_end(&b));

	gps_obj_begin(&dates);
	set_created = gps_repo_key_is_falsy(jb, "dateCreated");
	set_modified = gps_repo_key_is_falsy(jb, "lastModified");
	if (set_created || set_modified)
	{
		char	   *now = gps_iso_now();

		if (set_created)
			gps_obj_string(&dates, "dateCreated", now);
		if (set_modified)
			gps_obj_string(&dates, "lastModified", now);
	}
	gps_import_line_end(&errcb);

	PG_RETURN_DATUM(result_row(fcinfo, url, record_id, jb, gps_obj_end(&dates)));
}

/*
 * gitproxy.import_users(replace boolean DEFAULT false)
 *         -> TABLE(inserted bigint, updated bigint, skipped bigint)
 *     Merge the user lines the calling transaction staged in
 *     gitproxy.import_staging into gitproxy.users (file header), then delete
 *     them: new usernames inserted, stored users
 *     skipped, or with replace replaced.  Errors: those of import_user_doc, 23505 (with the line) a
 *     username's record _id used by another user, a non-empty email of
 *     another user, "SSH key already in use by user '<name>'".
 */
Datum
gps_import_users(PG_FUNCTION_ARGS)
{
	bool		replace = gps_import_replace_arg(fcinfo);
	GpsImportKind kind = {"user", user_latest_fmt, replace ? user_replace_fmt : user_insert_fmt,
	0, {InvalidOid}, {0}};

	return gps_import_run(fcinfo, &kind);
}

/*
 * gitproxy.import_repos(replace boolean DEFAULT false)
 *         -> TABLE(inserted bigint, updated bigint, skipped bigint)
 *     Merge the repo lines the calling transaction staged in
 *     gitproxy.import_staging into gitproxy.repos (file header), then delete
 *     them: new urls inserted, stored repos
 *     skipped, or with replace replaced.  Errors: those of import_repo_doc, 23505 (with the line) a
 *     record's _id used by a repo with another url.
 */
Datum
gps_import_repos(PG_FUNCTION_ARGS)
{
	bool		replace = gps_import_replace_arg(fcinfo);
	GpsImportKind kind = {"repo", repo_latest_fmt, replace ? repo_replace_fmt : repo_insert_fmt,
	0, {InvalidOid}, {0}};

	return gps_import_run(fcinfo, &kind);
}
