/*
 * unicode_case.h
 *     Locale-independent Unicode case mapping of UTF-8 strings, so that
 *     IMMUTABLE functions and index expressions give the same answer in every
 *     database whatever its collation or lc_ctype.
 *
 * With ICU (PostgreSQL built --with-icu, the usual case) these use the root
 * locale's full lower-case mapping (the mapping of JavaScript's
 * String.prototype.toLowerCase, including final sigma) and simple case
 * folding per code point (what a case-insensitive MongoDB regular expression
 * compares).  Without ICU only ASCII letters change; non-ASCII text is
 * returned unchanged.  Bytes that are not valid UTF-8 (a SQL_ASCII database)
 * are treated the same way instead of raising an error, so a trigger using
 * these never blocks a write.
 */
#ifndef GPS_UNICODE_CASE_H
#define GPS_UNICODE_CASE_H

#include "postgres.h"

/* True if the build maps non-ASCII letters (ICU available). */
extern bool gps_unicode_case_full(void);

/*
 * Lower-case len bytes of valid UTF-8; returns a palloc'd NUL-terminated
 * string and its length in *outlen (may differ from len).
 */
extern char *gps_utf8_lower(const char *s, int len, int *outlen);

/* Simple case folding per code point (length in code points unchanged). */
extern char *gps_utf8_fold(const char *s, int len, int *outlen);

/*
 * gps_utf8_lower on len bytes of text in the server encoding (JavaScript's
 * toLowerCase with ICU); the result (palloc'd, NUL-terminated) is in the
 * server encoding too.  The lower-casing of every stored or looked-up
 * username, e-mail, permission list entry, git account and repo name.
 */
extern char *gps_server_lower(const char *s, int len);

/*
 * gps_utf8_fold on len bytes of text in the server encoding; the result
 * (palloc'd, NUL-terminated) is in the server encoding too.
 */
extern char *gps_server_fold(const char *s, int len);

#endif							/* GPS_UNICODE_CASE_H */
