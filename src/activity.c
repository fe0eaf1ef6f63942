/*
 * activity.c
 *     Repo activity (contract §4.2.2, §4.2.3, §6): the per-repo push rollup
 *     kept in step with gitproxy.pushes, its rebuild, and the user profile
 *     listing.
 *
 * gitproxy.repo_push_rollups holds count deltas per activity bucket (§6.1),
 * in rows keyed by canonical remote URL (§6.2, through its digest) and
 * backend slot.  A row trigger on gitproxy.pushes adds each row change as a
 * delta to the rows of its own slot, in the same transaction.  A backend runs
 * one transaction at a time, so no two open transactions ever update the
 * same rollup row and writers of one repo never wait for each other's commit
 * (a single shared row per repo made them queue).  Only rows whose type is
 * "push" and whose key is not '' count; a flag is set only when it is the
 * JSON boolean true (the generated columns are NULL for any other JSON
 * type).
 *
 * Readers sum a URL's rows (one slot row may be negative: a push counted
 * by one backend can be decided by another) and drop URLs whose sums are
 * zero.  The greatest timestamps are not stored, since a maximum cannot be
 * taken back without a shared row: readers take them from gitproxy.pushes,
 * one backward probe per URL on (canonical_url_digest, ts) in the same
 * snapshot as the counts.  Timestamps count towards a maximum only when
 * they are numbers within the bigint range (the API returns epoch
 * milliseconds as bigint); ts holds -Infinity for any other timestamp, so
 * the range also skips those.
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
PG_FUNCTION_INFO_V1(gps_repo_activity_read_only);

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
 * The pending bucket as a predicate; must match the predicate of index
 * pushes_canonical_url_pending_idx (and of view repo_activity).
 */
#define PENDING_SQL \
	"p.error IS NOT TRUE AND p.rejected IS NOT TRUE AND p.canceled IS NOT TRUE" \
	" AND p.authorised IS NOT TRUE AND (p.blocked IS TRUE OR p.allow_push IS NOT TRUE)"

/* Timestamps that may be a maximum: numbers within the bigint range. */
#define TS_OK_SQL \
	"p.ts >= '-9223372036854775808'::float8 AND p.ts < '9223372036854775808'::float8"

#define KEY_SQL "gitproxy.canonical_remote_url(p.url)"

/* A delta to this backend's row of one key ($1 url, $2 slot). */
static GpsPlan add_plan = {
	"INSERT INTO gitproxy.repo_push_rollups AS r (url, slot, pending, approved, canceled, "
	"rejected, error) VALUES ($1, $2, $3, $4, $5, $6, $7) "
	"ON CONFLICT (url_digest, slot) DO UPDATE SET "
	"pending = r.pending + EXCLUDED.pending, approved = r.approved + EXCLUDED.approved, "
	"canceled = r.canceled + EXCLUDED.canceled, rejected = r.rejected + EXCLUDED.rejected, "
	"error = r.error + EXCLUDED.error",
	7, {TEXTOID, INT4OID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID}
};

static GpsPlan truncate_plan = {
	"DELETE FROM gitproxy.repo_push_rollups",
	0, {InvalidOid}
};

static GpsPlan rebuild_lock_plan = {
	"LOCK TABLE gitproxy.pushes, gitproxy.repo_push_rollups IN SHARE ROW EXCLUSIVE MODE",
	0, {InvalidOid}
};

/* One row per key, in slot 0, which no backend writes (slots are 1-based). */
static GpsPlan rebuild_plan = {
	"INSERT INTO gitproxy.repo_push_rollups (url, slot, pending, approved, canceled, rejected, "
	"error) "
	"SELECT s.k, 0, count(*) FILTER (WHERE s.b = 'pending'), "
	"count(*) FILTER (WHERE s.b = 'approved'), count(*) FILTER (WHERE s.b = 'canceled'), "
	"count(*) FILTER (WHERE s.b = 'rejected'), count(*) FILTER (WHERE s.b = 'error') "
	"FROM (SELECT " KEY_SQL " AS k, " BUCKET_SQL " AS b "
	"      FROM gitproxy.pushes p WHERE p.type = 'push') s "
	"WHERE s.k <> '' GROUP BY s.k",
	0, {InvalidOid}
};

/* The latest push of key digest s.url_digest among those matching `extra`. */
#define LATEST_SQL(extra) \
	"floor((SELECT p.ts FROM gitproxy.pushes p WHERE p.type = 'push'" \
	" AND p.canonical_url_digest = s.url_digest AND " TS_OK_SQL extra \
	" ORDER BY p.ts DESC LIMIT 1))::bigint"

/*
 * The rollups as the API returns them; view repo_activity computes the same
 * (keep the two in step).  A SHA-256 collision of two canonical URLs is not
 * told apart: the rollup key is the digest.
 */
static GpsPlan rollups_plan = {
	"SELECT s.url, s.pending, s.approved, s.canceled, s.rejected, s.error, "
	LATEST_SQL("") ", " LATEST_SQL(" AND " PENDING_SQL) " "
	"FROM (SELECT r.url_digest, r.url, sum(r.pending)::bigint AS pending, "
	"      sum(r.approved)::bigint AS approved, sum(r.canceled)::bigint AS canceled, "
	"      sum(r.rejected)::bigint AS rejected, sum(r.error)::bigint AS error "
	"      FROM gitproxy.repo_push_rollups r GROUP BY r.url_digest, r.url "
	"      HAVING sum(r.pending + r.approved + r.canceled + r.rejected + r.error) <> 0) s "
	"ORDER BY s.url",
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
} Contribution;

/* Attribute numbers of the columns the trigger reads, by name. */
typedef struct PushAttrs
{
	int			type,
				url,
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
}

/*
 * Add to this backend's row of the key: +1 in plus's bucket, -1 in minus's
 * (either may be NULL).  Only this backend writes the row, so the upsert
 * never waits for another transaction.
 */
static void
apply_delta(const char *key, const Contribution *plus, const Contribution *minus)
{
	Datum		values[7];

	values[0] = CStringGetTextDatum(key);
	values[1] = Int32GetDatum(GPS_BACKEND_SLOT());
	for (int b = 0; b < NBUCKETS; b++)
	{
		int64		delta = 0;

		if (plus && plus->bucket == (Bucket) b)
			delta += 1;
		if (minus && minus->bucket == (Bucket) b)
			delta -= 1;
		values[2 + b] = Int64GetDatum(delta);
	}
	gps_plan_exec(&add_plan, values, NULL, false, 0);
}

/*
 * gitproxy.pushes_rollup_maintain() -> trigger
 *     AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW on gitproxy.pushes: moves
 *     the row's contribution between buckets or keys, as deltas in this
 *     backend's rollup rows.  AFTER TRUNCATE FOR EACH STATEMENT: empties the
 *     rollups.
 */
Datum
gps_pushes_rollup_maintain(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	PushAttrs	a;
	Contribution old = {0};
	Contribution nw = {0};

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
		if (old.bucket != nw.bucket)
			apply_delta(nw.key, &nw, &old);
	}
	else
	{
		/* own rows only, so the order of the two keys cannot deadlock */
		if (nw.counts)
			apply_delta(nw.key, &nw, NULL);
		if (old.counts)
			apply_delta(old.key, NULL, &old);
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
 *     URL with at least one push: the sums of its rollup rows and two index
 *     probes into gitproxy.pushes, in one snapshot.
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
 *     Recompute the rollups from gitproxy.pushes from scratch, one row per
 *     key (which also folds the per-backend rows).  Blocks push writes while
 *     it runs.  Errors: 25000 when called in a REPEATABLE READ
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
 * gitproxy.repo_activity_read_only() -> trigger
 *     INSTEAD OF INSERT OR UPDATE OR DELETE FOR EACH ROW on view
 *     gitproxy.repo_activity: refuses every change with 55000.  It exists so
 *     that PostgreSQL checks the caller's privileges on the view (42501)
 *     before anything else, as it did for 1.0's automatically updatable view.
 */
Datum
gps_repo_activity_read_only(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		RelationGetRelid(td->tg_relation) !=
		get_relname_relid("repo_activity", get_namespace_oid("gitproxy", false)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gitproxy.repo_activity_read_only() only guards view gitproxy.repo_activity")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot change view \"repo_activity\""),
			 errdetail("The view sums gitproxy.repo_push_rollups, which the trigger on gitproxy.pushes maintains."),
			 errhint("Recompute the rollups with gitproxy.rebuild_repo_push_rollups().")));
	PG_RETURN_NULL();
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
