/*
 * doc_util.h
 *     Helpers shared by the repo, user, SSH-key and migration functions
 *     (repos.c, repo_permissions.c, users.c, public_keys.c, migrations.c):
 *     record ids in documents and arguments, lower-cased lookup keys,
 *     timestamps, small jsonb builders, the "$unset" convention of the update
 *     functions and scalar set-returning functions.
 */
#ifndef GPS_DOC_UTIL_H
#define GPS_DOC_UTIL_H

#include "postgres.h"

#include "fmgr.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

#include "spi_plan.h"

/* Current clock time as ISO-8601 UTC with milliseconds, 2026-01-02T03:04:05.678Z. */
extern char *gps_iso_now(void);

/* Does this stored-form string hold the U+FFFF escape mark (json_codec.h)? */
extern bool gps_has_mark(const char *s, int len);

/*
 * A lookup key from a text argument, lower-cased as JavaScript's
 * toLowerCase() does whatever the database locale (gps_server_lower) and
 * encoded like stored strings.
 */
extern char *gps_lower_key(const char *s);

/*
 * A record id argument: the id lower-cased when it is well formed (24 hex
 * characters), else NULL (lookups then return NULL, mutations "not found").
 */
extern char *gps_id_arg(const char *s);

/* Top-level key of a jsonb object; false when absent. */
extern bool gps_jsonb_get(Jsonb *obj, const char *key, JsonbValue *out);

/*
 * The _id of a document to insert: a new id when the document has no "_id"
 * or a JSON null one; the given id lower-cased when it is a well-formed id
 * string; anything else raises 22023 naming `what` ("repo", "user").
 */
extern char *gps_doc_insert_id(Jsonb *doc, const char *what);

/*
 * Raise 22023 unless v is a JSON string without NUL, U+FFFF or lone
 * surrogates; returns it lower-cased (gps_server_lower, locale-independent).  `what` names
 * the value in the message.
 */
extern char *gps_lower_plain_string(JsonbValue *v, const char *what);

/*
 * An update argument split into its parts (update_repo, update_user):
 *   "_id"    selects the record (has_id; id is NULL when malformed),
 *   "$unset" an array of top-level key names to remove,
 *   any other key starting with "$" is rejected (22023),
 *   every other key is set (count in nset).
 * A key both set and unset, or an unset of a name in `protected_keys`
 * (NULL-terminated), raises 22023.
 */
typedef struct GpsPatch
{
	bool		has_id;
	char	   *id;				/* lower-cased well-formed id, or NULL */
	int			nset;			/* keys to set (besides _id and $unset) */
	List	   *unset;			/* char * key names to remove */
} GpsPatch;

extern void gps_patch_parse(Jsonb *patch, GpsPatch *out, const char *what,
							const char *const *protected_keys);

/* The unset key names as a text[] datum. */
extern Datum gps_text_array(List *names);

/* True if `key` is in the list of C strings. */
extern bool gps_list_has(List *names, const char *key);

/*
 * Build a small jsonb object incrementally: gps_obj_begin, any number of
 * gps_obj_* calls (keys must differ), gps_obj_end.
 */
typedef struct GpsObjBuilder
{
	JsonbParseState *state;
	JsonbValue *result;
} GpsObjBuilder;

extern void gps_obj_begin(GpsObjBuilder *b);
extern void gps_obj_key(GpsObjBuilder *b, const char *key);
extern void gps_obj_string(GpsObjBuilder *b, const char *key, const char *val);
extern void gps_obj_value(GpsObjBuilder *b, const char *key, JsonbValue *val);
extern void gps_obj_empty_array(GpsObjBuilder *b, const char *key);
extern Jsonb *gps_obj_end(GpsObjBuilder *b);

/* Returning documents (moved to json_results.h / func_args.h). */
#include "func_args.h"
#include "json_results.h"

#endif							/* GPS_DOC_UTIL_H */
