/*
 * users.h
 *     Definitions shared by the user store (users.c) and the SSH key
 *     functions (public_keys.c).
 */
#ifndef GPS_USERS_H
#define GPS_USERS_H

#include "postgres.h"

#include "utils/jsonb.h"

/* A user row `u` as find_user* return it: the stored doc plus _id. */
#define GPS_USER_DOC_SQL "u.doc || pg_catalog.jsonb_build_object('_id', u._id)"

/*
 * The publicKeys array of a user document expression `doc`, or [] when the
 * document has none (or something other than an array).
 */
#define GPS_USER_KEYS_SQL(doc) \
	"(CASE WHEN pg_catalog.jsonb_typeof(" doc " -> 'publicKeys') = 'array' " \
	"THEN " doc " -> 'publicKeys' ELSE '[]'::pg_catalog.jsonb END)"

/*
 * Raise 22023 unless `keys` (the value of a user's publicKeys) is an array
 * of objects each with a non-empty string "key".
 */
extern void gps_check_public_keys(JsonbValue *keys);

/* Raise 23505 "SSH key already in use by user '<owner>'". */
extern void gps_key_in_use(const char *owner) pg_attribute_noreturn();

#endif							/* GPS_USERS_H */
