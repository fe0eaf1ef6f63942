/*
 * canonical_url.h
 *     git-proxy's canonicalRemoteUrl (contract §6.2): the key that matches a
 *     push's remote URL to a repo's URL.
 */
#ifndef GPS_CANONICAL_URL_H
#define GPS_CANONICAL_URL_H

#include "postgres.h"

/*
 * Canonical key of len bytes of text in the server encoding; a palloc'd
 * NUL-terminated string in the server encoding, "" when the input is blank
 * (such rows are skipped by the activity rollups).
 */
extern char *gps_canonical_remote_url(const char *s, int len);

#endif							/* GPS_CANONICAL_URL_H */
