/*
 * activity.c
 *     Repo activity (contract §4.2.2, §4.2.3, §6): the per-repo push rollup
 *     kept in step with gitproxy.pushes, its rebuild, and the user profile
 *     listing.
 *
 * gitproxy.repo_push_rollups holds, per canonical remote URL (§6.2), the
 * number of pushes in each activity bucket (§6.1) and the greatest numeric
 * timestamps of all pushes and of pending ones.  A row trigger on
 * gitproxy.pushes applies each row change as a delta in the same
 * transaction, so reading the rollups costs O(repos), not a scan of pushes.
 * Only rows whose type is "push" and whose key is not '' count; a flag is
 * set only when it is the JSON boolean true (the generated columns are NULL
 * for any other JSON type).
 *
 * Maxima cannot be decremented: when a change removes the row holding a
 * key's maximum, the trigger recomputes that key's maximum from pushes with
 * an index on (canonical_remote_url(url), ts).  It does so after the delta
 * statement has locked the rollup row, so the recomputation's fresh READ
 * COMMITTED snapshot sees every committed change for that key, and a
 * concurrent writer that has not reached its own rollup update yet applies
 * GREATEST() on top of the recomputed value after this transaction commits.
 * Two keys touched by one change (a push whose url changes) are locked in
 * key order so concurrent moves cannot deadlock each other.
 *
 * Timestamps count towards a maximum only when they are numbers within the
 * bigint range (the API returns epoch milliseconds as bigint); rows with
 * any other timestamp are counted but do not move a maximum.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "canonical_url.h"
#include "compat.h"
#include "func_args.h"
#include "json_codec.h"
#include "json_results.h"
#include "pushes.h"
#include "spi_plan.h"
#include "unicode_case.h"

PG_FUNCTION_INFO_V1(gps_pushes_rollup_maintain);
PG_FUNCTION_INFO_V1(gps_get_repo_push_rollups);
PG_FUNCTION_INFO_V1(gps_rebuild_repo_push_rollups);
PG_FUNCTION_INFO_V1(gps_get_pushes_for_user_profile);
PG_FUNCTION_INFO_V1(gps_fold_case);

/* Activity buckets, in the column order of gitproxy.repo_push_rollups. */
typedef enum Bucket
{
	B_PENDING,
	B_APPROVED,
	B_CANCELED,
	B_REJECTED,
	B_ERROR,
	NBUCKETS
} Bucket;

/* §6.1 over the generated flag columns of gitproxy.pushes p. */
#define BUCKET_SQL \
	"CASE WHEN p.error IS TRUE THEN 'error'" \
	" WHEN p.rejected IS TRUE THEN 'rejected'" \
	" WHEN p.canceled IS TRUE THEN 'canceled'" \
	" WHEN p.authorised IS TRUE THEN 'approved'" \
	" WHEN p.blocked IS TRUE THEN 'pending'" \
	" WHEN p.allow_push IS TRUE THEN 'approved'" \
	" ELSE 'pending' END"

/*
 * The pending bucket as a predicate; must stay textually identical to the
 * predicate of index pushes_canonical_url_pending_idx (60_activity.sql).
 */
#define PENDING_SQL \
	"p.error IS NOT TRUE AND p.rejected IS NOT TRUE AND p.canceled IS NOT TRUE" \
	" AND p.authorised IS NOT TRUE AND (p.blocked IS TRUE OR p.allow_push IS NOT TRUE)"

/* Timestamps that may move a maximum: numbers within the bigint range. */
#define TS_LOW (-9223372036854775808.0)
#define TS_HIGH 9223372036854775808.0
#define TS_OK_SQL \
	"p.ts >= '-9223372036854775808'::float8 AND p.ts < '9223372036854775808'::float8"

#define KEY_SQL "gitproxy.canonical_remote_url(p.url)"

/*
 * A canonical URL can be longer than a btree entry: the indexes hold its
 * digest (gitproxy.text_digest), and the value is compared as well.
 */
#define KEY_MATCH_SQL \
	"gitproxy.text_digest(" KEY_SQL ") = gitproxy.text_digest($1) AND " KEY_SQL " = $1"
#define ROLLUP_KEY_SQL "r.url_digest = gitproxy.text_digest($1) AND r.url = $1"

static GpsPlan add_plan = {
	"INSERT INTO gitproxy.repo_push_rollups AS r (url, pending, approved, canceled, rejected, "
	"error, latest_push_at_ms, latest_pending_review_at_ms) "
	"VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (url_digest) DO UPDATE SET "
	"pending = r.pending + EXCLUDED.pending, approved = r.approved + EXCLUDED.approved, "
	"canceled = r.canceled + EXCLUDED.canceled, rejected = r.rejected + EXCLUDED.rejected, "
	"error = r.error + EXCLUDED.error, "
	"latest_push_at_ms = GREATEST(r.latest_push_at_ms, EXCLUDED.latest_push_at_ms), "
	"latest_pending_review_at_ms = GREATEST(r.latest_pending_review_at_ms, EXCLUDED.latest_pending_review_at_ms) "
	"RETURNING r.pending, r.approved, r.canceled, r.rejected, r.error, "
	"r.latest_push_at_ms, r.latest_pending_review_at_ms",
	8, {TEXTOID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, FLOAT8OID, FLOAT8OID}
};

static GpsPlan sub_plan = {
	"UPDATE gitproxy.repo_push_rollups r SET "
	"pending = r.pending + $2, approved = r.approved + $3, canceled = r.canceled + $4, "
	"rejected = r.rejected + $5, error = r.error + $6 WHERE " ROLLUP_KEY_SQL " "
	"RETURNING r.pending, r.approved, r.canceled, r.rejected, r.error, "
	"r.latest_push_at_ms, r.latest_pending_review_at_ms",
	6, {TEXTOID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID}
};

static GpsPlan drop_plan = {
	"DELETE FROM gitproxy.repo_push_rollups r WHERE " ROLLUP_KEY_SQL,
	1, {TEXTOID}
};

static GpsPlan recompute_plan = {
	"UPDATE gitproxy.repo_push_rollups r SET "
	"latest_push_at_ms = CASE WHEN $2 THEN (SELECT max(p.ts) FROM gitproxy.pushes p "
	"  WHERE p.type = 'push' AND " KEY_MATCH_SQL " AND " TS_OK_SQL ") "
	"  ELSE r.latest_push_at_ms END, "
	"latest_pending_review_at_ms = CASE WHEN $3 THEN (SELECT max(p.ts) FROM gitproxy.pushes p "
	"  WHERE p.type = 'push' AND " KEY_MATCH_SQL " AND " TS_OK_SQL " AND " PENDING_SQL ") "
	"  ELSE r.latest_pending_review_at_ms END "
	"WHERE " ROLLUP_KEY_SQL,
	3, {TEXTOID, BOOLOID, BOOLOID}
};

static GpsPlan truncate_plan = {
	"DELETE FROM gitproxy.repo_push_rollups",
	0, {InvalidOid}
};

static GpsPlan rebuild_lock_plan = {
	"LOCK TABLE gitproxy.pushes, gitproxy.repo_push_rollups IN SHARE ROW EXCLUSIVE MODE",
	0, {InvalidOid}
};

static GpsPlan rebuild_plan = {
	"INSERT INTO gitproxy.repo_push_rollups (url, pending, approved, canceled, rejected, "
	"error, latest_push_at_ms, latest_pending_review_at_ms) "
	"SELECT s.k, count(*) FILTER (WHERE s.b = 'pending'), "
	"count(*) FILTER (WHERE s.b = 'approved'), count(*) FILTER (WHERE s.b = 'canceled'), "
	"count(*) FILTER (WHERE s.b = 'rejected'), count(*) FILTER (WHERE s.b = 'error'), "
	"max(s.ts) FILTER (WHERE s.ts_ok), max(s.ts) FILTER (WHERE s.ts_ok AND s.b = 'pending') "
	"FROM (SELECT " KEY_SQL " AS k, " BUCKET_SQL " AS b, p.ts, (" TS_OK_SQL ") AS ts_ok "
	"      FROM gitproxy.pushes p WHERE p.type = 'push') s "
	"WHERE s.k <> '' GROUP BY s.k",
	0, {InvalidOid}
};

static GpsPlan rollups_plan = {
	"SELECT r.url, r.pending, r.approved, r.canceled, r.rejected, r.error, "
	"floor(r.latest_push_at_ms)::bigint, floor(r.latest_pending_review_at_ms)::bigint "
	"FROM gitproxy.repo_push_rollups r ORDER BY r.url",
	0, {InvalidOid}
};

/* The reviewer's username as in index pushes_reviewer_idx. */
#define REVIEWER_SQL "gitproxy.fold_case(p.reviewer)"

static GpsPlan profile_plan = {
	"SELECT " GPS_PUSH_DOCUMENT_SQL("p") " FROM gitproxy.pushes p WHERE p.type = 'push' "
	"AND (p.user_email = ANY ($1) OR " REVIEWER_SQL " = $2) "
	"ORDER BY p.ts DESC, p.id DESC",
	2, {TEXTARRAYOID, TEXTOID}
};

/* ---------------------------------------------------------------------------
 * The trigger
 */

/* What one pushes row contributes to the rollups. */
typedef struct Contribution
{
	bool		counts;			/* type "push" and key not '' */
	char	   *key;
	Bucket		bucket;
	bool		ts_ok;
	float8		ts;
} Contribution;

/* Attribute numbers of the columns the trigger reads, by name. */
typedef struct PushAttrs
{
	int			type,
				url,
				ts,
				error,
				blocked,
				allow_push,
				authorised,
				canceled,
				rejected;
} PushAttrs;

static int
attnum(TupleDesc desc, const char *name)
{
	int			n = SPI_fnumber(desc, name);

	if (n <= 0)
		elog(ERROR, "gitproxy.pushes has no column \"%s\"", name);
	return n;
}

static bool
flag(HeapTuple tup, TupleDesc desc, int att)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, att, desc, &isnull);

	return !isnull && DatumGetBool(d);
}

static void
contribution_of(HeapTuple tup, TupleDesc desc, const PushAttrs *a, Contribution *c)
{
	bool		isnull;
	Datum		d;
	text	   *t;

	memset(c, 0, sizeof(*c));
	d = heap_getattr(tup, a->type, desc, &isnull);
	if (isnull)
		return;
	t = DatumGetTextPP(d);
	if (VARSIZE_ANY_EXHDR(t) != 4 || memcmp(VARDATA_ANY(t), "push", 4) != 0)
		return;
	d = heap_getattr(tup, a->url, desc, &isnull);
	if (isnull)
		return;
	t = DatumGetTextPP(d);
	c->key = gps_canonical_remote_url(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	if (c->key[0] == '\0')
		return;
	c->counts = true;

	if (flag(tup, desc, a->error))
		c->bucket = B_ERROR;
	else if (flag(tup, desc, a->rejected))
		c->bucket = B_REJECTED;
	else if (flag(tup, desc, a->canceled))
		c->bucket = B_CANCELED;
	else if (flag(tup, desc, a->authorised))
		c->bucket = B_APPROVED;
	else if (flag(tup, desc, a->blocked))
		c->bucket = B_PENDING;
	else if (flag(tup, desc, a->allow_push))
		c->bucket = B_APPROVED;
	else
		c->bucket = B_PENDING;

	d = heap_getattr(tup, a->ts, desc, &isnull);
	if (!isnull)
	{
		c->ts = DatumGetFloat8(d);
		c->ts_ok = (c->ts >= TS_LOW && c->ts < TS_HIGH);
	}
}

/* The rollup row as returned by add_plan / sub_plan. */
typedef struct RollupRow
{
	int64		counts[NBUCKETS];
	bool		has_latest;
	float8		latest;
	bool		has_pending;
	float8		latest_pending;
} RollupRow;

static bool
fetch_row(uint64 n, RollupRow *row)
{
	bool		isnull;

	if (n != 1)
		return false;
	for (int b = 0; b < NBUCKETS; b++)
		row->counts[b] = DatumGetInt64(gps_spi_getdatum(0, b + 1, &isnull));
	row->latest = DatumGetFloat8(gps_spi_getdatum(0, 6, &isnull));
	row->has_latest = !isnull;
	row->latest_pending = DatumGetFloat8(gps_spi_getdatum(0, 7, &isnull));
	row->has_pending = !isnull;
	return true;
}

/*
 * Add the new contribution (plus, when old has the same key, minus the old
 * one) to the key's row.
 */
static void
apply_add(const Contribution *nw, const Contribution *old_same_key, RollupRow *row)
{
	Datum		values[8];
	char		nulls[9] = "        ";

	values[0] = CStringGetTextDatum(nw->key);
	for (int b = 0; b < NBUCKETS; b++)
	{
		int64		delta = (nw->bucket == (Bucket) b) ? 1 : 0;

		if (old_same_key && old_same_key->bucket == (Bucket) b)
			delta -= 1;
		values[1 + b] = Int64GetDatum(delta);
	}
	values[6] = Float8GetDatum(nw->ts);
	if (!nw->ts_ok)
		nulls[6] = 'n';
	values[7] = Float8GetDatum(nw->ts);
	if (!nw->ts_ok || nw->bucket != B_PENDING)
		nulls[7] = 'n';
	if (!fetch_row(gps_plan_exec(&add_plan, values, nulls, false, 0), row))
		elog(ERROR, "rollup upsert returned no row");
}

/* Subtract the old contribution from its key's row; false if no row. */
static bool
apply_sub(const Contribution *old, RollupRow *row)
{
	Datum		values[6];

	values[0] = CStringGetTextDatum(old->key);
	for (int b = 0; b < NBUCKETS; b++)
		values[1 + b] = Int64GetDatum(old->bucket == (Bucket) b ? -1 : 0);
	return fetch_row(gps_plan_exec(&sub_plan, values, NULL, false, 0), row);
}

/*
 * After the old contribution left the key's row: drop a row that counts
 * nothing, or recompute the maxima the old row may have held.  nw is the new
 * contribution when it went to the same key (it may keep the maximum).
 */
static void
settle_old(const Contribution *old, const Contribution *nw, const RollupRow *row)
{
	bool		empty = true;
	bool		redo_latest;
	bool		redo_pending;
	Datum		values[3];

	for (int b = 0; b < NBUCKETS; b++)
		if (row->counts[b] != 0)
			empty = false;
	if (empty)
	{
		values[0] = CStringGetTextDatum(old->key);
		gps_plan_exec(&drop_plan, values, NULL, false, 0);
		return;
	}
	redo_latest = old->ts_ok && (!row->has_latest || row->latest <= old->ts) &&
		!(nw && nw->ts_ok && nw->ts >= old->ts);
	redo_pending = old->ts_ok && old->bucket == B_PENDING &&
		(!row->has_pending || row->latest_pending <= old->ts) &&
		!(nw && nw->ts_ok && nw->bucket == B_PENDING && nw->ts >= old->ts);
	if (!redo_latest && !redo_pending)
		return;
	values[0] = CStringGetTextDatum(old->key);
	values[1] = BoolGetDatum(redo_latest);
	values[2] = BoolGetDatum(redo_pending);
	gps_plan_exec(&recompute_plan, values, NULL, false, 0);
}

/*
 * gitproxy.pushes_rollup_maintain() -> trigger
 *     AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW on gitproxy.pushes: moves
 *     the row's contribution between rollup rows.  AFTER TRUNCATE FOR EACH
 *     STATEMENT: empties the rollups.
 */
Datum
gps_pushes_rollup_maintain(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	PushAttrs	a;
	Contribution old = {0};
	Contribution nw = {0};
	RollupRow	row;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gitproxy.pushes_rollup_maintain() must be called as a trigger")));
	if (RelationGetRelid(td->tg_relation) !=
		get_relname_relid("pushes", get_namespace_oid("gitproxy", false)) ||
		!TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gitproxy.pushes_rollup_maintain() only maintains gitproxy.pushes")));

	SPI_connect();
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		gps_plan_exec(&truncate_plan, NULL, NULL, false, 0);
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "gitproxy.pushes_rollup_maintain() must fire for each row");

	desc = RelationGetDescr(td->tg_relation);
	a.type = attnum(desc, "type");
	a.url = attnum(desc, "url");
	a.ts = attnum(desc, "ts");
	a.error = attnum(desc, "error");
	a.blocked = attnum(desc, "blocked");
	a.allow_push = attnum(desc, "allow_push");
	a.authorised = attnum(desc, "authorised");
	a.canceled = attnum(desc, "canceled");
	a.rejected = attnum(desc, "rejected");

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		contribution_of(td->tg_trigtuple, desc, &a, &nw);
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		contribution_of(td->tg_trigtuple, desc, &a, &old);
	else
	{
		contribution_of(td->tg_trigtuple, desc, &a, &old);
		contribution_of(td->tg_newtuple, desc, &a, &nw);
	}

	if (old.counts && nw.counts && strcmp(old.key, nw.key) == 0)
	{
		/* same repo: one statement moves the count between buckets */
		bool		same_ts = (old.ts_ok == nw.ts_ok) && (!old.ts_ok || old.ts == nw.ts);

		if (old.bucket != nw.bucket || !same_ts)
		{
			apply_add(&nw, &old, &row);
			settle_old(&old, &nw, &row);
		}
	}
	else
	{
		/* different repos (or only one side counts): lock keys in order */
		bool		new_first = nw.counts &&
			(!old.counts || strcmp(nw.key, old.key) < 0);

		if (new_first)
			apply_add(&nw, NULL, &row);
		if (old.counts && apply_sub(&old, &row))
			settle_old(&old, NULL, &row);
		if (nw.counts && !new_first)
			apply_add(&nw, NULL, &row);
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------------------
 * Reading and rebuilding
 */

/*
 * gitproxy.get_repo_push_rollups()
 *     -> TABLE(url text, pending bigint, approved bigint, canceled bigint,
 *              rejected bigint, error bigint, latest_push_at_ms bigint,
 *              latest_pending_review_at_ms bigint)
 *     Sink method getRepoPushRollupsByCanonicalUrl: one row per canonical
 *     URL with at least one push, from the rollup table only.
 */
Datum
gps_get_repo_push_rollups(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Tuplestorestate *store = gps_srf_begin(fcinfo, &tupdesc);
	uint64		n;

	SPI_connect();
	n = gps_plan_exec(&rollups_plan, NULL, NULL, true, 0);
	for (uint64 i = 0; i < n; i++)
	{
		Datum		out[8];
		bool		nulls[8];

		for (int c = 0; c < 8; c++)
			out[c] = gps_spi_getdatum(i, c + 1, &nulls[c]);
		tuplestore_putvalues(store, tupdesc, out, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * gitproxy.rebuild_repo_push_rollups() -> void
 *     Recompute the rollups from gitproxy.pushes from scratch.  Blocks push
 *     writes while it runs.  Errors: 25000 when called in a REPEATABLE READ
 *     or SERIALIZABLE transaction (its snapshot could predate the lock).
 */
Datum
gps_rebuild_repo_push_rollups(PG_FUNCTION_ARGS)
{
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("rebuild_repo_push_rollups must run at READ COMMITTED isolation"),
				 errdetail("A transaction snapshot taken before the table lock could miss committed pushes.")));
	SPI_connect();
	gps_plan_exec(&rebuild_lock_plan, NULL, NULL, false, 0);
	gps_plan_exec(&truncate_plan, NULL, NULL, false, 0);
	gps_plan_exec(&rebuild_plan, NULL, NULL, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.fold_case(t text) -> text
 *     Unicode simple case folding per code point (ICU; ASCII only without
 *     it): the comparison key of case-insensitive username matches.
 */
Datum
gps_fold_case(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);

	PG_RETURN_TEXT_P(cstring_to_text(gps_server_fold(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t))));
}

/*
 * gitproxy.get_pushes_for_user_profile(email_variants text[], username text)
 *     -> SETOF json
 *     Sink method getPushesForUserProfile(emailVariants, profileUsername):
 *     pushes (type "push") whose userEmail is exactly one of email_variants
 *     (NULL elements ignored) or whose attestation.reviewer.username equals
 *     username ignoring case (simple case folding, whole string); newest
 *     first (timestamp then id descending), full documents without _id.
 *     Errors: 22004 either argument NULL.
 */
Datum
gps_get_pushes_for_user_profile(PG_FUNCTION_ARGS)
{
	ArrayType  *variants;
	char	   *username;
	Datum	   *elems;
	bool	   *elemnulls;
	int			nelems;
	Datum	   *encoded;
	int			nencoded = 0;
	Datum		values[2];
	TupleDesc	tupdesc;
	Tuplestorestate *store;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("email_variants must not be null"),
				 errdetail("Pass an empty array when the user has no e-mail address.")));
	username = gps_encode_text(gps_arg_cstring(fcinfo, 1, "username"));
	variants = PG_GETARG_ARRAYTYPE_P(0);
	deconstruct_array(variants, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &elemnulls, &nelems);
	encoded = palloc(sizeof(Datum) * (nelems + 1));
	for (int i = 0; i < nelems; i++)
		if (!elemnulls[i])
			encoded[nencoded++] =
				CStringGetTextDatum(gps_encode_text(TextDatumGetCString(elems[i])));
	values[0] = PointerGetDatum(construct_array(encoded, nencoded, TEXTOID, -1, false,
												TYPALIGN_INT));
	values[1] = CStringGetTextDatum(gps_server_fold(username, strlen(username)));

	store = gps_srf_begin_scalar(fcinfo, JSONOID, &tupdesc);
	SPI_connect();
	gps_portal_to_json_rows(SPI_cursor_open(NULL, gps_plan_prepare(&profile_plan),
											values, NULL, true),
							store, tupdesc);
	SPI_finish();
	return (Datum) 0;
}
