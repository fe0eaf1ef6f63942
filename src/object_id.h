/*
 * object_id.h
 *     The record id (_id) shared by pushes, repos and users.  An id is an
 *     opaque string (contract §1.1): whatever non-empty string a caller or an
 *     import file gives is kept exactly (NeDB's 16-character ids, MongoDB
 *     ObjectIds, UUIDs), up to GPS_RECORD_ID_MAX_BYTES (value_limits.h).
 *     Ids the extension generates are 24 lowercase hex characters, 4 bytes of
 *     seconds since the Unix epoch (big-endian) then 8 random bytes (the
 *     MongoDB ObjectId layout): URL-safe, sorted by creation time, decodable
 *     to a creation time.
 */
#ifndef GPS_OBJECT_ID_H
#define GPS_OBJECT_ID_H

#include "postgres.h"

#define GPS_OBJECT_ID_LEN 24

/*
 * NULL when the string (stored form, json_codec.h) can be kept as an _id:
 * non-empty, no NUL, U+FFFF or lone surrogate (a text column holds it);
 * otherwise a sentence saying why, for an errdetail.  The length
 * (GPS_RECORD_ID_MAX_BYTES) is checked by the caller (22001).
 */
extern const char *gps_record_id_problem(const char *s, int len);

/* A new id (palloc'd, NUL-terminated); raises 58000 if no strong randomness. */
extern char *gps_object_id_new(void);

/*
 * True if s is ObjectId-shaped: 24 hex characters (either case, as MongoDB
 * accepts).  Only such ids decode to a creation time.
 */
extern bool gps_object_id_valid(const char *s);

/* Seconds since the epoch encoded in a valid id. */
extern int64 gps_object_id_seconds(const char *s);

#endif							/* GPS_OBJECT_ID_H */
