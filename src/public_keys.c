/*
 * public_keys.c
 *     SSH public keys of users: add_public_key, remove_public_key,
 *     get_public_keys, find_user_by_ssh_key (contract §2.5, §4.4.5,
 *     §4.4.10-4.4.12), and the trigger that keeps gitproxy.user_public_keys
 *     in step with the users' publicKeys arrays.
 *
 * The key records (key, name, addedAt, fingerprint, any other keys) live in
 * the user document's publicKeys array, in insertion order.  The table
 * gitproxy.user_public_keys maps each key text to the one user owning it:
 * its primary key makes "a key is owned by at most one user" a constraint,
 * and find_user_by_ssh_key an index lookup.  The row trigger
 * user_public_keys_sync (AFTER INSERT, and AFTER UPDATE when publicKeys
 * changed) rewrites the owning user's rows from the new document within the
 * same statement, whichever function (create_user, update_user,
 * add_public_key, remove_public_key) or direct DML changed it; rows go away
 * with the user (ON DELETE CASCADE).  A key already owned by another user
 * makes the trigger raise 23505 "SSH key already in use by user '<name>'",
 * which rolls the whole statement back.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "compat.h"
#include "doc_util.h"
#include "func_args.h"
#include "json_codec.h"
#include "spi_plan.h"
#include "users.h"
#include "value_limits.h"

PG_FUNCTION_INFO_V1(gps_user_public_keys_sync);
PG_FUNCTION_INFO_V1(gps_add_public_key);
PG_FUNCTION_INFO_V1(gps_remove_public_key);
PG_FUNCTION_INFO_V1(gps_get_public_keys);
PG_FUNCTION_INFO_V1(gps_find_user_by_ssh_key);

/* The key texts of a user document $2. */
#define DOC_KEYS_SQL \
	"SELECT e ->> 'key' FROM jsonb_array_elements(" GPS_USER_KEYS_SQL("$2") ") e " \
	"WHERE jsonb_typeof(e -> 'key') = 'string'"

/*
 * Key text $1, through the primary key on its digest (an RSA-16384 key does
 * not fit a btree entry).
 */
#define KEY_SQL "k.key_digest = gitproxy.text_digest($1) AND k.key = $1"

/* $1 user _id, $2 the user's new document */
static GpsPlan sync_delete_plan = {
	"DELETE FROM gitproxy.user_public_keys k WHERE k.user_id = $1 "
	"AND k.key <> ALL (ARRAY(" DOC_KEYS_SQL "))",
	2, {TEXTOID, JSONBOID}
};

static GpsPlan sync_insert_plan = {
	"INSERT INTO gitproxy.user_public_keys (key, user_id) "
	"SELECT DISTINCT k.key, $1 FROM (" DOC_KEYS_SQL ") AS k(key) "
	"ON CONFLICT (key_digest) DO NOTHING",
	2, {TEXTOID, JSONBOID}
};

static GpsPlan sync_foreign_plan = {
	"SELECT u.username FROM gitproxy.user_public_keys k "
	"JOIN gitproxy.users u ON u._id = k.user_id "
	"WHERE k.user_id <> $1 AND k.key_digest = ANY (ARRAY("
	"SELECT gitproxy.text_digest(d.key) FROM (" DOC_KEYS_SQL ") AS d(key))) "
	"AND k.key = ANY (ARRAY(" DOC_KEYS_SQL ")) LIMIT 1",
	2, {TEXTOID, JSONBOID}
};

static GpsPlan key_owner_plan = {
	"SELECT u.username FROM gitproxy.user_public_keys k "
	"JOIN gitproxy.users u ON u._id = k.user_id WHERE " KEY_SQL,
	1, {TEXTOID}
};

static GpsPlan lock_user_plan = {
	"SELECT u._id FROM gitproxy.users u WHERE u.username = $1 FOR UPDATE",
	1, {TEXTOID}
};

/* $1 _id, $2 key text, $3 fingerprint (jsonb) when truthy, else NULL */
static GpsPlan has_key_plan = {
	"SELECT 1 FROM gitproxy.users u, jsonb_array_elements(" GPS_USER_KEYS_SQL("u.doc") ") e "
	"WHERE u._id = $1 AND (e -> 'key' = to_jsonb($2::text) "
	"OR ($3::jsonb IS NOT NULL AND e -> 'fingerprint' = $3)) LIMIT 1",
	3, {TEXTOID, TEXTOID, JSONBOID}
};

/* $1 _id, $2 the key record */
static GpsPlan append_key_plan = {
	"UPDATE gitproxy.users u SET doc = jsonb_set(u.doc, '{publicKeys}', "
	GPS_USER_KEYS_SQL("u.doc") " || jsonb_build_array($2)) WHERE u._id = $1",
	2, {TEXTOID, JSONBOID}
};

/*
 * $1 lower-cased username, $2 fingerprint.  Writes only when a key matches;
 * the result says whether the user exists.
 */
static GpsPlan remove_key_plan = {
	"WITH w AS (UPDATE gitproxy.users u SET doc = jsonb_set(u.doc, '{publicKeys}', "
	"(SELECT COALESCE(jsonb_agg(e.v ORDER BY e.o), '[]'::jsonb) "
	" FROM jsonb_array_elements(u.doc -> 'publicKeys') WITH ORDINALITY AS e(v, o) "
	" WHERE (e.v -> 'fingerprint') IS DISTINCT FROM to_jsonb($2::text))) "
	"WHERE u.username = $1 AND jsonb_typeof(u.doc -> 'publicKeys') = 'array' "
	"AND (u.doc -> 'publicKeys') @> jsonb_build_array(jsonb_build_object('fingerprint', $2::text)) "
	"RETURNING 1) "
	"SELECT EXISTS (SELECT 1 FROM gitproxy.users u WHERE u.username = $1) OR EXISTS (SELECT 1 FROM w)",
	2, {TEXTOID, TEXTOID}
};

static GpsPlan get_keys_plan = {
	"SELECT " GPS_USER_KEYS_SQL("u.doc") " FROM gitproxy.users u WHERE u.username = $1",
	1, {TEXTOID}
};

static GpsPlan find_by_key_plan = {
	"SELECT " GPS_USER_DOC_SQL " FROM gitproxy.user_public_keys k "
	"JOIN gitproxy.users u ON u._id = k.user_id WHERE " KEY_SQL,
	1, {TEXTOID}
};

void
gps_check_public_keys(JsonbValue *keys)
{
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;

	if (keys->type == jbvNull)
		return;
	if (keys->type != jbvBinary || !JsonContainerIsArray(keys->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("publicKeys must be an array of key records")));
	it = JsonbIteratorInit(keys->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		JsonbValue	k;

		if (tok != WJB_ELEM)
			continue;
		if (e.type != jbvBinary || !JsonContainerIsObject(e.val.binary.data) ||
			getKeyJsonValueFromContainer(e.val.binary.data, "key", 3, &k) == NULL ||
			k.type != jbvString || k.val.string.len == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("publicKeys must be an array of key records"),
					 errdetail("Every element must be an object with a non-empty string \"key\".")));
		gps_check_length("SSH public key", "key", k.val.string.len, GPS_SSH_KEY_MAX_BYTES);
	}
}

void
gps_key_in_use(const char *owner)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNIQUE_VIOLATION),
			 errmsg("SSH key already in use by user '%s'", owner)));
	pg_unreachable();
}

/*
 * gitproxy.user_public_keys_sync() -> trigger
 *     AFTER INSERT and AFTER UPDATE (when publicKeys changed) row trigger on
 *     gitproxy.users: makes the user's rows in gitproxy.user_public_keys
 *     exactly the key texts of the new document's publicKeys; raises 23505
 *     "SSH key already in use by user '<name>'" when another user owns one.
 */
Datum
gps_user_public_keys_sync(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	Datum		values[2];
	bool		isnull;
	char	   *owner = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gitproxy.user_public_keys_sync() must be an AFTER INSERT or UPDATE row trigger")));

	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	desc = td->tg_relation->rd_att;
	values[0] = heap_getattr(tuple, SPI_fnumber(desc, "_id"), desc, &isnull);
	if (isnull)
		elog(ERROR, "user row without _id");
	values[1] = heap_getattr(tuple, SPI_fnumber(desc, "doc"), desc, &isnull);
	if (isnull)
		elog(ERROR, "user row without doc");

	SPI_connect();
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		gps_plan_exec(&sync_delete_plan, values, NULL, false, 0);
	gps_plan_exec(&sync_insert_plan, values, NULL, false, 0);
	if (gps_plan_exec(&sync_foreign_plan, values, NULL, false, 1) == 1)
		owner = gps_spi_getcstring(0, 1);
	if (owner != NULL)
		gps_key_in_use(owner);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* A truthy JSON value (JavaScript sense) as jsonb, or NULL. */
static Jsonb *
truthy_or_null(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return NULL;
		case jbvBool:
			if (!v->val.boolean)
				return NULL;
			break;
		case jbvString:
			if (v->val.string.len == 0)
				return NULL;
			break;
		case jbvNumeric:
			if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(v->val.numeric),
												  DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))) == 0)
				return NULL;
			break;
		default:
			break;
	}
	return JsonbValueToJsonb(v);
}

/*
 * gitproxy.add_public_key(username text, public_key json) -> void
 *     Sink method addPublicKey(username, publicKey).  In one transaction:
 *     (1) a key owned by another user: 23505 "SSH key already in use by user
 *     '<name>'"; (2) no user with the lower-cased username: P0002 "User not
 *     found"; (3) the user has a key with the same key text or the same
 *     truthy fingerprint: 42710 "SSH key already exists"; (4) appends the
 *     record as given to publicKeys (the user row stays locked from step 2,
 *     and the key table's primary key settles a race between two users).
 *     Other errors: 22004 NULL; 22023 not an object or no non-empty string
 *     "key".
 */
Datum
gps_add_public_key(PG_FUNCTION_ARGS)
{
	char	   *username = gps_lower_key(gps_arg_cstring(fcinfo, 0, "username"));
	Jsonb	   *record = gps_arg_jsonb(fcinfo, 1, "public_key");
	JsonbValue	v;
	char	   *key;
	Jsonb	   *fingerprint = NULL;
	char	   *owner = NULL;
	char	   *user_id = NULL;
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};

	gps_require_object(record, "public_key");
	if (!gps_jsonb_get(record, "key", &v) || v.type != jbvString || v.val.string.len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("public_key must have a non-empty string \"key\"")));
	gps_check_length("SSH public key", "key", v.val.string.len, GPS_SSH_KEY_MAX_BYTES);
	key = pnstrdup(v.val.string.val, v.val.string.len);
	if (gps_jsonb_get(record, "fingerprint", &v))
		fingerprint = truthy_or_null(&v);

	SPI_connect();
	values[0] = CStringGetTextDatum(key);
	if (gps_plan_exec(&key_owner_plan, values, NULL, false, 1) == 1)
		owner = gps_spi_getcstring(0, 1);
	if (owner != NULL && strcmp(owner, username) != 0)
		gps_key_in_use(owner);

	values[0] = CStringGetTextDatum(username);
	if (gps_plan_exec(&lock_user_plan, values, NULL, false, 1) == 1)
		user_id = gps_spi_getcstring(0, 1);
	if (user_id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("User not found")));

	values[0] = CStringGetTextDatum(user_id);
	values[1] = CStringGetTextDatum(key);
	values[2] = fingerprint ? JsonbPGetDatum(fingerprint) : (Datum) 0;
	nulls[2] = fingerprint ? ' ' : 'n';
	if (gps_plan_exec(&has_key_plan, values, nulls, false, 1) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("SSH key already exists")));

	values[1] = JsonbPGetDatum(record);
	gps_plan_exec(&append_key_plan, values, NULL, false, 0);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.remove_public_key(username text, fingerprint text) -> void
 *     Sink method removePublicKey(username, fingerprint).  Removes every key
 *     of the user whose fingerprint equals the argument (none: no-op, nothing
 *     written).  Errors: 22004 NULL; P0002 "User not found".
 */
Datum
gps_remove_public_key(PG_FUNCTION_ARGS)
{
	char	   *username = gps_lower_key(gps_arg_cstring(fcinfo, 0, "username"));
	char	   *fingerprint = gps_encode_text(gps_arg_cstring(fcinfo, 1, "fingerprint"));
	Datum		values[2];
	bool		found = false;

	values[0] = CStringGetTextDatum(username);
	values[1] = CStringGetTextDatum(fingerprint);
	SPI_connect();
	if (gps_plan_exec(&remove_key_plan, values, NULL, false, 0) == 1)
	{
		bool		isnull;

		found = DatumGetBool(gps_spi_getdatum(0, 1, &isnull)) && !isnull;
	}
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("User not found")));
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * gitproxy.get_public_keys(username text) -> json
 *     Sink method getPublicKeys(username).  The user's publicKeys array in
 *     insertion order ([] when missing).  Errors: 22004 NULL; P0002 "User not
 *     found".
 */
Datum
gps_get_public_keys(PG_FUNCTION_ARGS)
{
	char	   *username = gps_lower_key(gps_arg_cstring(fcinfo, 0, "username"));
	Datum		values[1];
	text	   *result;
	MemoryContext caller = CurrentMemoryContext;

	values[0] = CStringGetTextDatum(username);
	SPI_connect();
	result = gps_plan_fetch_json(&get_keys_plan, values, NULL, true, caller);
	if (result == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("User not found")));
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}

/*
 * gitproxy.find_user_by_ssh_key(ssh_key text) -> json
 *     Sink method findUserBySSHKey(sshKey).  The user owning the exact key
 *     text (an index lookup in gitproxy.user_public_keys), or NULL.
 */
Datum
gps_find_user_by_ssh_key(PG_FUNCTION_ARGS)
{
	char	   *key = gps_encode_text(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	GPS_RETURN_JSON_OR_NULL(gps_lookup_json(&find_by_key_plan, key));
}
