/*
 * users.h
 *     Definitions shared by the user store (users.c), the SSH key
 *     functions (public_keys.c) and the user import (import_users_repos.c).
 */
#ifndef GPS_USERS_H
#define GPS_USERS_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "doc_util.h"

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

/*
 * Check and lower-case the username and email of a user document or update
 * argument into the builder (keys "username", "email"); returns them (NULL
 * when absent, email also when not a string), and checks publicKeys.
 * This is the one validation of a user, shared by every path that writes
 * one (create_user, update_user, import_users): username (required by the
 * callers for a new user) a non-empty string; email, gitAccount, password,
 * oidcId, displayName, title strings and admin, mustChangePassword booleans
 * when present and not null; every other key kept as given.  Raises 22023
 * with a detail naming the field for a value of the wrong type, an email or
 * username holding NUL, U+FFFF or lone surrogates, bad publicKeys.
 */
extern void gps_user_fix_keys(Jsonb *doc, GpsObjBuilder *b, char **username, char **email);

/* Raise 23505 "SSH key already in use by user '<owner>'". */
extern void gps_key_in_use(const char *owner) pg_attribute_noreturn();

#endif							/* GPS_USERS_H */
