/*
 * value_limits.h
 *     Length limits of the text values the sink stores and indexes, and the
 *     digest that indexes values longer than a btree entry (issue 9 §5).
 *
 * A btree index entry holds at most about 2,700 bytes.  Values that may be
 * longer (push id, url and userEmail, SSH keys, session and migration ids,
 * repo urls) are indexed through gitproxy.text_digest or hash indexes and
 * limited generously; values kept in btree indexes (names, e-mails, record
 * ids) are limited to GPS_NAME_MAX_BYTES, which fits even after case
 * folding.  Limits count bytes of the stored form (UTF-8; see json_codec.h
 * for the U+FFFF escape).  The README's "Limits" table lists them all.
 */
#ifndef GPS_VALUE_LIMITS_H
#define GPS_VALUE_LIMITS_H

#include "postgres.h"

/*
 * Record ids (_id of repos, users and pushes): kept in btree indexes (the
 * primary keys of repos and users, pushes__id_key) and in URLs of the web
 * UI, so an opaque _id must stay within this length.
 */
#define GPS_RECORD_ID_MAX_BYTES 1024

/* username, user email, gitAccount, oidcId, repo name: btree-indexed. */
#define GPS_NAME_MAX_BYTES 1024

/* Push id, session id, migration id: indexed through their digests. */
#define GPS_ID_MAX_BYTES 8192

/* Push url and repo url (and push userEmail, hash-indexed). */
#define GPS_URL_MAX_BYTES 8192

/* publicKeys[].key ("<algorithm> <base64>"; RSA-16384 is about 2,800). */
#define GPS_SSH_KEY_MAX_BYTES 16384

/*
 * gitproxy.pushes.type holds doc.type only up to this length, so that the
 * listing index (type, ts, left(id, 512)) fits a btree entry; a longer type
 * is stored in the document and matched there.
 */
#define GPS_PUSH_TYPE_COLUMN_MAX_BYTES 256

/*
 * Raise 22001 (string_data_right_truncation) naming the field when len
 * bytes exceed max: "<kind> "<field>" is too long".
 */
extern void gps_check_length(const char *kind, const char *field, size_t len, int max);

#endif							/* GPS_VALUE_LIMITS_H */
