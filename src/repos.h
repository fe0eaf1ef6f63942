/*
 * repos.h
 *     SQL fragments shared by the repo functions (repos.c), the permission
 *     list functions (repo_permissions.c), delete_user (users.c) and
 *     import_repos (import_users_repos.c), and the
 *     document normalisation shared by create_repo and import_repos.
 */
#ifndef GPS_REPOS_H
#define GPS_REPOS_H

/*
 * A repo row `r` as the document callers see: the stored doc plus _id, its
 * permission lists assembled from gitproxy.repo_users (the live rows in ord
 * order; the stored doc holds them as []) and, when an add or remove set it
 * since the document was last written, the lastModified of the latest such
 * edit (the greatest stamp).  One aggregate over the repo's rows, read in
 * list order from repo_users_order_idx (no sort).  Every repo reader uses it.
 */
#define GPS_REPO_DOC_SQL \
	"(SELECT r.doc || pg_catalog.jsonb_build_object('_id', r._id, 'users', (r.doc -> 'users') || " \
	"pg_catalog.jsonb_build_object(" \
	"'canPush', COALESCE(pg_catalog.jsonb_agg(l.name) FILTER (WHERE l.live AND l.list = 'p'), '[]'::pg_catalog.jsonb), " \
	"'canAuthorise', COALESCE(pg_catalog.jsonb_agg(l.name) FILTER (WHERE l.live AND l.list = 'a'), '[]'::pg_catalog.jsonb))) " \
	"|| CASE WHEN pg_catalog.max(l.stamp) IS NULL THEN '{}'::pg_catalog.jsonb " \
	"ELSE pg_catalog.jsonb_build_object('lastModified', pg_catalog.max(l.stamp)) END " \
	"FROM (SELECT u.list, u.name, u.live, u.stamp FROM gitproxy.repo_users u " \
	"WHERE u.repo_seq = r.seq ORDER BY u.ord) l)"

/*
 * {"lastModified": <greatest stamp>} of the list rows of the repo whose seq
 * is `seq`, {} when no edit stamped one: folded into the document by the
 * writers that replace the rows or set lastModified (update_repo,
 * import_repos).
 */
#define GPS_REPO_STAMP_SQL(seq) \
	"(SELECT CASE WHEN pg_catalog.max(u.stamp) IS NULL THEN '{}'::pg_catalog.jsonb " \
	"ELSE pg_catalog.jsonb_build_object('lastModified', pg_catalog.max(u.stamp)) END " \
	"FROM gitproxy.repo_users u WHERE u.repo_seq = " seq ")"

/* Document expression `d` with both permission lists emptied, as stored. */
#define GPS_REPO_STRIP_LISTS_SQL(d) \
	"pg_catalog.jsonb_set(pg_catalog.jsonb_set(" d ", '{users,canPush}', '[]'::pg_catalog.jsonb), " \
	"'{users,canAuthorise}', '[]'::pg_catalog.jsonb)"

/*
 * The entries of the (normalised) lists of document expression `d` as rows
 * (list "char", name text, o bigint): gitproxy.repo_users rows to insert in
 * ORDER BY list, o, so that ord follows list order.
 */
#define GPS_REPO_LIST_ROWS_SQL(d) \
	"SELECT 'p'::pg_catalog.\"char\" AS list, e.name, e.o " \
	"FROM pg_catalog.jsonb_array_elements_text(" d " #> '{users,canPush}') WITH ORDINALITY AS e(name, o) " \
	"UNION ALL SELECT 'a'::pg_catalog.\"char\", e.name, e.o " \
	"FROM pg_catalog.jsonb_array_elements_text(" d " #> '{users,canAuthorise}') WITH ORDINALITY AS e(name, o)"

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
 * The one validation of a repo, shared by every path that writes one
 * (create_repo, update_repo, import_repos): the fields git-proxy always
 * sends are required - "project" a string (may be empty), "name" and "url"
 * non-empty strings; every other key is kept as given (users is checked by
 * gps_repo_add_users).  patch NULL: doc is a whole repo; else doc is an
 * update argument parsed into patch, whose given fields are checked and
 * which may not remove a required one.  Raises 22023 "invalid repo: ..."
 * with a detail naming the field; lengths are checked by
 * gps_repo_check_lengths (22001), which it calls.
 */
extern void gps_repo_check(Jsonb *doc, const GpsPatch *patch);

/*
 * Refuse (22001, value_limits.h) a url longer than GPS_URL_MAX_BYTES or a
 * name longer than GPS_NAME_MAX_BYTES in a repo document or patch.  Used by
 * create_repo, update_repo and import_repos.
 */
extern void gps_repo_check_lengths(Jsonb *doc);

/* Is the document's top-level `key` absent or falsy in JavaScript terms? */
extern bool gps_repo_key_is_falsy(Jsonb *doc, const char *key);

#endif							/* GPS_REPOS_H */
