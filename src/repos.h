/*
 * repos.h
 *     SQL fragments shared by the repo functions (repos.c), the permission
 *     list functions (repo_permissions.c) and delete_user (users.c), and the
 *     document normalisation shared by create_repo and import_repos.
 */
#ifndef GPS_REPOS_H
#define GPS_REPOS_H

/* A repo row `r` as the document callers see: the stored doc plus _id. */
#define GPS_REPO_DOC_SQL "r.doc || pg_catalog.jsonb_build_object('_id', r._id)"

/*
 * Permission list `list` (canPush or canAuthorise) of repo row `r` without
 * any element equal to the JSON string `val` (a text expression), keeping
 * the order of the others; [] when nothing is left.
 */
#define GPS_LIST_WITHOUT_SQL(list, val) \
	"(SELECT COALESCE(pg_catalog.jsonb_agg(e.v ORDER BY e.o), '[]'::pg_catalog.jsonb)" \
	" FROM pg_catalog.jsonb_array_elements(r.doc #> '{users," list "}') WITH ORDINALITY AS e(v, o)" \
	" WHERE e.v <> pg_catalog.to_jsonb(" val "::pg_catalog.text))"

#include "doc_util.h"

/*
 * Add key "users" to the builder: the given users value (NULL when absent)
 * with canPush and canAuthorise normalised (lower-cased usernames, repeats
 * dropped, order kept) and always present; other keys of the users object
 * are kept.  A users value that is neither an object nor null, or a list that
 * is not an array of strings, raises 22023.  Used by create_repo,
 * update_repo and import_repos.
 */
extern void gps_repo_add_users(GpsObjBuilder *b, JsonbValue *users);

/*
 * Refuse (22001, value_limits.h) a url longer than GPS_URL_MAX_BYTES or a
 * name longer than GPS_NAME_MAX_BYTES in a repo document or patch.  Used by
 * create_repo, update_repo and import_repos.
 */
extern void gps_repo_check_lengths(Jsonb *doc);

/* Is the document's top-level `key` absent or falsy in JavaScript terms? */
extern bool gps_repo_key_is_falsy(Jsonb *doc, const char *key);

#endif							/* GPS_REPOS_H */
