/*
 * doc_util.c
 *     Helpers shared by the repo, user, SSH-key and migration functions (see
 *     doc_util.h).
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "doc_util.h"
#include "func_args.h"
#include "json_codec.h"
#include "object_id.h"
#include "spi_plan.h"
#include "unicode_case.h"

char *
gps_iso_now(void)
{
	TimestampTz now = GetCurrentTimestamp();
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(now, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("current time is out of range")));
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (fsec / 1000));
}

bool
gps_has_mark(const char *s, int len)
{
	for (int i = 0; i + 2 < len; i++)
		if ((unsigned char) s[i] == 0xEF && (unsigned char) s[i + 1] == 0xBF &&
			(unsigned char) s[i + 2] == 0xBF)
			return true;
	return false;
}

/* JavaScript's toLowerCase, whatever the database locale (unicode_case.h) */
static char *
lower_default(const char *s, int len)
{
	return gps_server_lower(s, len);
}

char *
gps_lower_key(const char *s)
{
	return gps_encode_text(lower_default(s, strlen(s)));
}

char *
gps_id_arg(const char *s)
{
	char	   *id;

	if (!gps_object_id_valid(s))
		return NULL;
	id = pstrdup(s);
	for (char *p = id; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = *p - 'A' + 'a';
	return id;
}

bool
gps_jsonb_get(Jsonb *obj, const char *key, JsonbValue *out)
{
	if (!JB_ROOT_IS_OBJECT(obj))
		return false;
	return getKeyJsonValueFromContainer(&obj->root, key, strlen(key), out) != NULL;
}

char *
gps_doc_insert_id(Jsonb *doc, const char *what)
{
	JsonbValue	v;

	if (!gps_jsonb_get(doc, "_id", &v) || v.type == jbvNull)
		return gps_object_id_new();
	if (v.type == jbvString)
	{
		char	   *s = pnstrdup(v.val.string.val, v.val.string.len);
		char	   *id = gps_id_arg(s);

		if (id != NULL)
			return id;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid _id for a new %s", what),
			 errdetail("An _id must be a string of 24 hexadecimal characters (a MongoDB ObjectId), or be left out so that one is generated.")));
	return NULL;				/* not reached */
}

char *
gps_lower_plain_string(JsonbValue *v, const char *what)
{
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a string", what)));
	if (gps_has_mark(v->val.string.val, v->val.string.len))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not contain NUL, U+FFFF or unpaired surrogate characters", what)));
	return lower_default(v->val.string.val, v->val.string.len);
}

void
gps_patch_parse(Jsonb *patch, GpsPatch *out, const char *what,
				const char *const *protected_keys)
{
	JsonbIterator *it;
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;
	List	   *set = NIL;
	ListCell   *lc;

	memset(out, 0, sizeof(*out));
	gps_require_object(patch, what);

	it = JsonbIteratorInit(&patch->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char	   *key;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(k.val.string.val, k.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		if (strcmp(key, "_id") == 0)
		{
			out->has_id = true;
			if (v.type == jbvString)
				out->id = gps_id_arg(pnstrdup(v.val.string.val, v.val.string.len));
		}
		else if (strcmp(key, "$unset") == 0)
		{
			JsonbIterator *ait;
			JsonbValue	e;
			JsonbIteratorToken atok;

			if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("$unset must be an array of key names"),
						 errdetail("Write {\"$unset\": [\"key\", ...]} to remove top-level keys.")));
			ait = JsonbIteratorInit(v.val.binary.data);
			while ((atok = JsonbIteratorNext(&ait, &e, true)) != WJB_DONE)
			{
				char	   *name;

				if (atok != WJB_ELEM)
					continue;
				if (e.type != jbvString || e.val.string.len == 0)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("$unset must be an array of key names"),
							 errdetail("Every element of $unset must be a non-empty string.")));
				name = pnstrdup(e.val.string.val, e.val.string.len);
				if (protected_keys != NULL)
					for (const char *const *p = protected_keys; *p; p++)
						if (strcmp(*p, name) == 0)
							ereport(ERROR,
									(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
									 errmsg("key \"%s\" cannot be removed from a %s", name, what)));
				if (!gps_list_has(out->unset, name))
					out->unset = lappend(out->unset, name);
			}
		}
		else if (key[0] == '$')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unsupported update operator \"%s\"", key),
					 errdetail("Keys starting with \"$\" are reserved; only \"$unset\" is supported.")));
		else
		{
			set = lappend(set, key);
			out->nset++;
		}
	}
	foreach(lc, set)
	{
		const char *key = lfirst(lc);

		if (gps_list_has(out->unset, key))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key \"%s\" is both set and removed", key),
					 errdetail("A key may be given a value or be listed in $unset, not both.")));
	}
}

bool
gps_list_has(List *names, const char *key)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp((const char *) lfirst(lc), key) == 0)
			return true;
	return false;
}

Datum
gps_text_array(List *names)
{
	int			n = list_length(names);
	Datum	   *elems = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	int			i = 0;
	ListCell   *lc;

	foreach(lc, names)
		elems[i++] = CStringGetTextDatum((const char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

void
gps_obj_begin(GpsObjBuilder *b)
{
	b->state = NULL;
	b->result = pushJsonbValue(&b->state, WJB_BEGIN_OBJECT, NULL);
}

void
gps_obj_key(GpsObjBuilder *b, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(&b->state, WJB_KEY, &k);
}

void
gps_obj_string(GpsObjBuilder *b, const char *key, const char *val)
{
	JsonbValue	v;

	gps_obj_key(b, key);
	v.type = jbvString;
	v.val.string.val = (char *) val;
	v.val.string.len = strlen(val);
	(void) pushJsonbValue(&b->state, WJB_VALUE, &v);
}

void
gps_obj_value(GpsObjBuilder *b, const char *key, JsonbValue *val)
{
	gps_obj_key(b, key);
	(void) pushJsonbValue(&b->state, WJB_VALUE, val);
}

void
gps_obj_empty_array(GpsObjBuilder *b, const char *key)
{
	gps_obj_key(b, key);
	(void) pushJsonbValue(&b->state, WJB_BEGIN_ARRAY, NULL);
	(void) pushJsonbValue(&b->state, WJB_END_ARRAY, NULL);
}

Jsonb *
gps_obj_end(GpsObjBuilder *b)
{
	b->result = pushJsonbValue(&b->state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(b->result);
}
