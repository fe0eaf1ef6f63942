/*
 * object_id.h
 *     The record id (_id) shared by pushes, repos and users: 24 lowercase hex
 *     characters, 4 bytes of seconds since the Unix epoch (big-endian) then 8
 *     random bytes (the MongoDB ObjectId layout).  URL-safe, sorts by creation
 *     time, keeps MongoDB ids on import and decodes to a creation time.
 */
#ifndef GPS_OBJECT_ID_H
#define GPS_OBJECT_ID_H

#include "postgres.h"

#define GPS_OBJECT_ID_LEN 24

/* A new id (palloc'd, NUL-terminated); raises 58000 if no strong randomness. */
extern char *gps_object_id_new(void);

/* True if s is 24 hex characters (either case, as MongoDB accepts). */
extern bool gps_object_id_valid(const char *s);

/* Seconds since the epoch encoded in a valid id. */
extern int64 gps_object_id_seconds(const char *s);

#endif							/* GPS_OBJECT_ID_H */
